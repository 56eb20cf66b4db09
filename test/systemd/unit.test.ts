// The shipped unit (systemd/sip-doorbell.service) checked by systemd's own tools: `systemd-analyze verify` without a
// word on stdout or stderr, and `systemd-analyze security --offline=yes` at an exposure of at most 2.0, alone and with
// the sysfs GPIO drop-in (systemd/sysfs-gpio.conf); plus the settings the program and the package rely on.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, inject, it } from 'vitest';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
const UNIT = path.join(ROOT, 'systemd/sip-doorbell.service');
const SYSFS_DROP_IN = path.join(ROOT, 'systemd/sysfs-gpio.conf');
const ANALYZE = 'systemd-analyze';
/** What the package installs (the package scripts and test/package use the same paths). */
const EXEC_START = '/usr/bin/node /usr/lib/sip-doorbell/sip-doorbell.js --config /etc/sip-doorbell/config.json --state /var/lib/sip-doorbell';

const unitText = readFileSync(UNIT, 'utf8');
const work = mkdtempSync(path.join(tmpdir(), 'unit-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The values of `key=` in the unit, in order (empty assignments included). */
function values(key: string, text = unitText): string[] {
  return text.split('\n').filter((line) => line.startsWith(`${key}=`)).map((line) => line.slice(key.length + 1));
}

/** A copy of the unit in its own directory (with drop-ins in `<unit>.d/`); ExecStart runs this machine's node on the built bundle. */
function unitCopy(name: string, dropIns: readonly string[] = []): string {
  const dir = path.join(work, name);
  mkdirSync(path.join(dir, 'sip-doorbell.service.d'), { recursive: true });
  const bundle = inject('doorBundle');
  if (bundle === undefined || 'error' in bundle) throw new Error(`no door bundle to point ExecStart at: ${JSON.stringify(bundle)}`);
  const file = path.join(dir, 'sip-doorbell.service');
  writeFileSync(file, unitText.replace(EXEC_START, EXEC_START.replace('/usr/bin/node', process.execPath).replace('/usr/lib/sip-doorbell/sip-doorbell.js', bundle.file)));
  for (const dropIn of dropIns) copyFileSync(dropIn, path.join(dir, 'sip-doorbell.service.d', path.basename(dropIn)));
  return file;
}

/** `systemd-analyze verify`: stdout and stderr together, which must be empty. */
async function verify(file: string): Promise<string> {
  const { stdout, stderr } = await run(ANALYZE, ['verify', file], { timeout: 30_000 });
  return `${stdout}${stderr}`;
}

/** The overall exposure `systemd-analyze security --offline=yes` gives the unit (0 best, 10 worst). */
async function exposure(file: string): Promise<number> {
  const { stdout } = await run(ANALYZE, ['security', '--offline=yes', '--no-pager', file], { timeout: 30_000 });
  const match = /Overall exposure level for sip-doorbell\.service: (\d+(?:\.\d+)?)/.exec(stdout);
  if (match === null) throw new Error(`no exposure level in:\n${stdout}`);
  return Number(match[1]);
}

describe('systemd/sip-doorbell.service', () => {
  it('runs the packaged program with its configuration and state as the package installs them', () => {
    expect(values('ExecStart')).toEqual([EXEC_START]);
    expect(values('StateDirectory')).toEqual(['sip-doorbell']);
    expect(values('ConfigurationDirectory')).toEqual(['sip-doorbell']);
    // The page saves the configuration: its directory must be writable under ProtectSystem=strict.
    expect(values('ReadWritePaths')).toEqual(['/etc/sip-doorbell']);
    expect(values('User')).toEqual(['sip-doorbell']);
    expect(values('Group')).toEqual(['sip-doorbell']);
    expect(values('SupplementaryGroups')).toEqual(['gpio audio']);
  });

  it('is a notify service with a watchdog, restarted always but not faster than its start limit', () => {
    expect(values('Type')).toEqual(['notify']);
    expect(values('NotifyAccess')).toEqual(['all']); // systemd-notify, our child, sends the messages
    expect(values('Restart')).toEqual(['always']);
    expect(Number.parseInt(values('WatchdogSec')[0] ?? '', 10)).toBeGreaterThanOrEqual(10);
    expect(Number.parseInt(values('StartLimitBurst')[0] ?? '', 10)).toBeGreaterThan(0);
    expect(unitText.indexOf('StartLimitIntervalSec=')).toBeLessThan(unitText.indexOf('[Service]'));
    expect(values('KillMode')).toEqual(['mixed']);
  });

  it('gives the program more time to stop than its own stop bound (main.ts STOP_BOUND_MS)', () => {
    const main = readFileSync(path.join(ROOT, 'firmware-app/main.ts'), 'utf8');
    const bound = Number(/const STOP_BOUND_MS = (\d+)/.exec(main)?.[1]);
    const timeout = Number.parseInt(values('TimeoutStopSec')[0] ?? '', 10) * 1000;
    expect(bound).toBeGreaterThan(0);
    expect(timeout).toBeGreaterThanOrEqual(2 * bound);
  });

  it('opens only the GPIO character devices and ALSA, and grants no capabilities', () => {
    expect(values('DevicePolicy')).toEqual(['closed']);
    expect(values('DeviceAllow')).toEqual(['char-gpiochip rw', 'char-alsa rw']);
    expect(values('PrivateDevices')).toEqual([]);
    expect(values('CapabilityBoundingSet')).toEqual(['']);
    expect(values('AmbientCapabilities')).toEqual(['']);
    expect(values('MemoryDenyWriteExecute')).toEqual([]); // node's JIT needs W+X mappings
  });

  it('passes systemd-analyze verify without a word', async () => {
    expect(await verify(unitCopy('plain'))).toBe('');
  });

  it('passes systemd-analyze verify with the sysfs GPIO drop-in', async () => {
    expect(await verify(unitCopy('sysfs', [SYSFS_DROP_IN]))).toBe('');
  });

  it('has an exposure of at most 2.0 (systemd-analyze security --offline=yes)', async () => {
    const level = await exposure(unitCopy('security'));
    console.info(`systemd-analyze security: overall exposure ${level} (sip-doorbell.service)`);
    expect(level).toBeLessThanOrEqual(2.0);
  });

  it('has an exposure of at most 2.0 with the sysfs GPIO drop-in too', async () => {
    const level = await exposure(unitCopy('security-sysfs', [SYSFS_DROP_IN]));
    console.info(`systemd-analyze security: overall exposure ${level} (sip-doorbell.service + sysfs-gpio.conf)`);
    expect(level).toBeLessThanOrEqual(2.0);
    // The drop-in only reopens the GPIO trees of /sys; everything else stays as the main unit has it.
    expect(values('ReadWritePaths', readFileSync(SYSFS_DROP_IN, 'utf8'))).toEqual(['-/sys/class/gpio -/sys/devices/platform']);
  });
});
