// The startup-snapshot drop-in (systemd/startup-snapshot.conf) and its start script (systemd/sip-doorbell-start,
// installed as /usr/lib/sip-doorbell/start beside the bundle): checked by systemd-analyze like the unit, and run with
// this machine's node on the built bundle: the first start makes the snapshot and checks it, later starts run from it
// (the door answers as before), and a node that cannot make one starts the bundle as before, saying so once.
import { execFile, spawn } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { afterAll, describe, expect, inject, it } from 'vitest';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
const SCRIPT = path.join(ROOT, 'systemd/sip-doorbell-start');
const DROP_IN = path.join(ROOT, 'systemd/startup-snapshot.conf');
const work = mkdtempSync(path.join(tmpdir(), 'snapshot-start-'));
chmodSync(work, 0o755);
afterAll(() => rmSync(work, { recursive: true, force: true }));
/** The script refuses to build as root (links): as root, the tests run it as `nobody`, the owner of the cache. */
const isRoot = process.getuid?.() === 0;
const NOBODY = 65534;
function asUser(command: string, args: readonly string[]): [string, string[]] {
  return isRoot ? ['setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', '--', command, ...args]] : [command, [...args]];
}

/** The built bundle and the start script side by side, as the package installs them, with an empty cache. */
function installed(name: string): { dir: string; start: string; cache: string } {
  const bundle = inject('doorBundle');
  if (bundle === undefined || 'error' in bundle) throw new Error(`no door bundle: ${JSON.stringify(bundle)}`);
  const dir = path.join(work, name);
  const cache = path.join(dir, 'cache');
  mkdirSync(cache, { recursive: true, mode: 0o755 });
  chmodSync(dir, 0o777);
  chmodSync(cache, 0o700);
  if (isRoot) chownSync(cache, NOBODY, NOBODY);
  copyFileSync(bundle.file, path.join(dir, 'sip-doorbell.js'));
  const start = path.join(dir, 'start');
  copyFileSync(SCRIPT, start);
  chmodSync(start, 0o755);
  return { dir, start, cache };
}

function env(cache: string, node = process.execPath): NodeJS.ProcessEnv {
  return { ...process.env, CACHE_DIRECTORY: cache, SIP_DOORBELL_NODE: node, NODE_OPTIONS: '--max-semi-space-size=1' };
}

describe('systemd/startup-snapshot.conf', () => {
  it('passes systemd-analyze verify and keeps the exposure at most 2.0', async () => {
    const { dir, start } = installed('unit');
    const unitDir = path.join(dir, 'units');
    mkdirSync(path.join(unitDir, 'sip-doorbell.service.d'), { recursive: true });
    const unit = readFileSync(path.join(ROOT, 'systemd/sip-doorbell.service'), 'utf8')
      .replace('/usr/bin/node /usr/lib/sip-doorbell/sip-doorbell.js', `${process.execPath} ${path.join(dir, 'sip-doorbell.js')}`);
    writeFileSync(path.join(unitDir, 'sip-doorbell.service'), unit);
    writeFileSync(path.join(unitDir, 'sip-doorbell.service.d', 'startup-snapshot.conf'), readFileSync(DROP_IN, 'utf8').replaceAll('/usr/lib/sip-doorbell/start', start));
    const file = path.join(unitDir, 'sip-doorbell.service');
    const verified = await run('systemd-analyze', ['verify', file], { timeout: 30_000 });
    expect(`${verified.stdout}${verified.stderr}`).toBe('');
    const { stdout } = await run('systemd-analyze', ['security', '--offline=yes', '--no-pager', file], { timeout: 30_000 });
    const level = Number(/Overall exposure level for sip-doorbell\.service: (\d+(?:\.\d+)?)/.exec(stdout)?.[1]);
    expect(level).toBeLessThanOrEqual(2.0);
  }, 60_000);
});

describe('systemd/sip-doorbell-start', () => {
  it('makes the snapshot at the first start, then starts the door from it: it answers as before', async () => {
    const { start, cache } = installed('snapshot');
    const first = await run(...asUser(start, ['--version']), { env: env(cache), timeout: 60_000 });
    expect(first.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    expect(first.stderr).toBe('');
    expect(existsSync(path.join(cache, 'snapshot.blob'))).toBe(true);
    expect(existsSync(path.join(cache, 'snapshot.blob.stamp'))).toBe(true);
    // That --version ran from the snapshot, and marked it: systemd's ExecStartPost= removes the mark after READY=1.
    unlinkSync(path.join(cache, 'snapshot.blob.trying'));

    const config = path.join(cache, '..', 'config.json');
    writeFileSync(config, JSON.stringify({ sip: { mode: 'standalone', listen: { host: '127.0.0.1', port: 0, transports: ['udp'] } }, web: { listen: 'http://127.0.0.1:0/' } }));
    const [command, args] = asUser(start, ['--simulate', '--config', config, '--state', path.join(cache, '..', 'state')]);
    const door = spawn(command, args, { env: env(cache), stdio: ['pipe', 'pipe', 'pipe'] });
    try {
      const lines: string[] = [];
      const seen = new Promise<string>((resolve, reject) => {
        const bound = setTimeout(() => reject(new Error(`no setupRequired line in 15 s:\n${lines.join('\n')}`)), 15_000);
        for (const stream of [door.stdout, door.stderr]) {
          createInterface({ input: stream }).on('line', (line) => {
            lines.push(line);
            if (/ setupRequired url=http:\/\/127\.0\.0\.1:\d+\//.test(line)) {
              clearTimeout(bound);
              resolve(line);
            }
          });
        }
      });
      const line = await seen;
      // The same process (exec): node started with the snapshot, and its page answers.
      expect(readFileSync(`/proc/${door.pid}/cmdline`, 'utf8').split('\0')).toContain('--snapshot-blob');
      expect(lines.some((l) => / listening protocol=udp /.test(l))).toBe(true);
      const url = /url=(\S+)/.exec(line)![1]!;
      expect((await fetch(url)).status).toBe(200);
    } finally {
      door.kill('SIGTERM');
      await new Promise((resolve) => door.once('close', resolve));
    }
  }, 90_000);

  it('a start from the snapshot that never got ready (the mark left): the next start goes without it, said once', async () => {
    const { start, cache } = installed('never-ready');
    await run(...asUser(start, ['--version']), { env: env(cache), timeout: 60_000 });
    expect(existsSync(path.join(cache, 'snapshot.blob.trying'))).toBe(true);
    const next = await run(...asUser(start, ['--version']), { env: env(cache), timeout: 60_000 });
    expect(next.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    expect(next.stderr).toMatch(/the last start from the startup snapshot did not get ready; starting without it/);
    expect(existsSync(path.join(cache, 'snapshot.blob'))).toBe(false);
    const after = await run(...asUser(start, ['--version']), { env: env(cache), timeout: 60_000 });
    expect(after.stderr).toBe('');
    expect(existsSync(path.join(cache, 'snapshot.blob')), 'not made again for the same node and bundle').toBe(false);
  }, 90_000);

  it.runIf(isRoot)('run by root it makes no snapshot (no links followed as root) and starts the bundle', async () => {
    const { start, cache } = installed('root');
    const result = await run(start, ['--version'], { env: env(cache), timeout: 30_000 });
    expect(result.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    expect(existsSync(path.join(cache, 'snapshot.blob.failed'))).toBe(false);
    expect(existsSync(path.join(cache, 'snapshot.blob'))).toBe(false);
  }, 30_000);

  it('with a node that cannot make a snapshot: the bundle starts as before, said once, not tried again until node changes', async () => {
    const { dir, start, cache } = installed('fallback');
    const node = path.join(dir, 'node-without-snapshots');
    writeFileSync(node, `#!/bin/sh\nfor a in "$@"; do [ "$a" = --build-snapshot ] && { echo "no snapshots here" >&2; exit 9; }; done\nexec '${process.execPath}' "$@"\n`);
    chmodSync(node, 0o755);
    const first = await run(...asUser(start, ['--version']), { env: env(cache, node), timeout: 30_000 });
    expect(first.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    expect(first.stderr).toMatch(/starting without a startup snapshot: it could not be made \(see .*snapshot\.log\)/);
    expect(readFileSync(path.join(cache, 'snapshot.log'), 'utf8')).toContain('no snapshots here');
    expect(existsSync(path.join(cache, 'snapshot.blob'))).toBe(false);
    const second = await run(...asUser(start, ['--version']), { env: env(cache, node), timeout: 30_000 });
    expect(second.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    expect(second.stderr).toBe('');
  }, 60_000);
});
