// openConfigStore on a real directory: saves are atomic with mode 0600 and the old file kept as .bak; a broken file
// falls back to the .bak without losing it; tlsCa paths are read for the running config and checked before a save;
// on a device a door code's relay keeps its pin.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Config } from '../../firmware-app/config/schema.ts';
import { openConfigStore, type OpenConfigStoreOptions } from '../../firmware-app/platform/configFiles.ts';
import { fakeHash, fullConfig, text } from '../config/support/storeRig.ts';
import { memoryLogger } from '../sip/transport/helpers.ts';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIBtest\n-----END CERTIFICATE-----\n';

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'config-store-'));
  file = path.join(dir, 'config.json');
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function open(options: Partial<OpenConfigStoreOptions> = {}) {
  const log = memoryLogger();
  const applied: Config[] = [];
  const opened = openConfigStore(file, {
    hasher: { hash: async (code) => fakeHash(code) },
    logger: log,
    onChange: (config) => applied.push(config),
    factory: () => ({}),
    ...options,
  });
  return { opened, log, applied };
}

describe('openConfigStore', () => {
  it('saves atomically with mode 0600, keeps the old file as .bak, and leaves no temp file', async () => {
    writeFileSync(file, text(fullConfig()), { mode: 0o644 });
    const { opened } = open();
    if (!opened.ok) throw new Error('did not open');
    expect(await opened.store.write('media', { codecs: ['PCMA'] })).toEqual({ ok: true });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(`${file}.bak`, 'utf8')).toBe(text(fullConfig()));
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ version: 1, media: { codecs: ['PCMA'] } });
    expect(readdirSync(dir).sort()).toEqual(['config.json', 'config.json.bak']);
  });

  it('starts from the .bak when the file is broken, and its first save leaves that good .bak in place', async () => {
    writeFileSync(file, '{"sip": ');
    writeFileSync(`${file}.bak`, text(fullConfig()));
    const { opened, log } = open();
    if (!opened.ok) throw new Error('did not open');
    expect(opened.store.startedFromBackup).toBe(true);
    expect(log.lines).toHaveLength(1);
    expect(log.lines[0]).toMatch(/^warn configFromBackup file=\S+config\.json backup=\S+config\.json\.bak problem="not JSON: /);
    await opened.store.write('media', { codecs: ['PCMA'] });
    expect(readFileSync(`${file}.bak`, 'utf8')).toBe(text(fullConfig()));
  });

  it('runs the factory configuration when the file and the .bak are broken; the first save moves both aside', async () => {
    writeFileSync(file, '{"sip": ');
    writeFileSync(`${file}.bak`, '[1,');
    const { opened, log } = open({ factory: () => ({ web: { listen: 'http://127.0.0.1:0' } }) });
    if (!opened.ok) throw new Error('did not open');
    expect(opened.config.web.listen).toBe('http://127.0.0.1:0');
    expect(opened.store.origin).toEqual({ from: 'factory', reason: 'not JSON: the text ends too early (line 1, column 9)', problems: [] });
    expect(log.lines.at(-1)).toBe(`error configUnusable file=${file} reason="not JSON: the text ends too early (line 1, column 9)" running=factory kept="as it is until the first save moves it aside"`);
    expect(readdirSync(dir).sort()).toEqual(['config.json', 'config.json.bak']);
    expect(await opened.store.write('media', { codecs: ['PCMA'] })).toEqual({ ok: true });
    const names = readdirSync(dir).sort();
    expect(names).toHaveLength(3);
    const [keptFile, keptBackup] = opened.store.origin.keptAs ?? [];
    expect(path.basename(keptFile ?? '')).toMatch(/^config\.json\.broken-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z$/);
    expect(path.basename(keptBackup ?? '')).toMatch(/^config\.json\.bak\.broken-\d{4}-/);
    expect(readFileSync(keptFile!, 'utf8')).toBe('{"sip": ');
    expect(readFileSync(keptBackup!, 'utf8')).toBe('[1,');
    expect(names).toEqual(['config.json', path.basename(keptBackup!), path.basename(keptFile!)].sort());
    expect(log.lines.filter((line) => line.includes('configKept'))).toEqual([
      `warn configKept file=${file} keptAs=${keptFile}`,
      `warn configKept file=${file}.bak keptAs=${keptBackup}`,
    ]);
  });

  it('without a file (a fresh install) the first save makes its directory (0700) and the file (0600)', async () => {
    file = path.join(dir, 'etc', 'sip-doorbell', 'config.json');
    const { opened } = open({ device: true });
    if (!opened.ok) throw new Error('did not open');
    expect(opened.store.origin).toEqual({ from: 'factory', reason: 'no such file', problems: [] });
    expect(await opened.store.write('web', {})).toEqual({ ok: true });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    expect(opened.store.origin).toEqual({ from: 'file', problems: [] });
  });

  it('a save where the directory cannot be made says which file and why, and the store keeps running', async () => {
    writeFileSync(path.join(dir, 'not-a-dir'), '');
    file = path.join(dir, 'not-a-dir', 'config.json');
    const { opened } = open();
    if (!opened.ok) throw new Error('did not open');
    const failed = opened.store.write('web', {});
    await expect(failed).rejects.toMatchObject({ code: 'CONFIG_NOT_SAVED' });
    await expect(failed).rejects.toThrow(new RegExp(`^cannot save the configuration to ${file}: Error: E(EXIST|NOTDIR)`));
    expect(opened.store.origin.from).toBe('factory');
    expect(opened.store.read('web')).toEqual({});
  });

  it('a tlsCa file that cannot be read makes the file unusable at start: the .bak runs and says why', () => {
    const config = fullConfig() as { sip: { account: Record<string, unknown> } };
    config.sip.account.tlsCa = 'gone.pem';
    writeFileSync(file, text(config));
    writeFileSync(`${file}.bak`, text(fullConfig()));
    const { opened, log } = open();
    if (!opened.ok) throw new Error('did not open');
    expect(opened.store.origin.from).toBe('backup');
    expect(opened.store.origin.reason).toMatch(/^sip\.account\.tlsCa: cannot read \S+gone\.pem \(Error: ENOENT/);
    expect(log.lines).toHaveLength(1);
  });

  it('on a device an unwired door relay is a problem the store reports, not a reason to refuse the file', () => {
    writeFileSync(file, text(fullConfig()));
    const { opened } = open({ device: true });
    if (!opened.ok) throw new Error('did not open');
    expect(opened.store.origin.from).toBe('file');
    expect(opened.store.origin.problems).toHaveLength(2);
    expect(open().opened).toMatchObject({ ok: true, store: { origin: { problems: [] } } });
  });

  it('gives main the config with the tlsCa file read, while the file keeps the path', async () => {
    writeFileSync(path.join(dir, 'ca.pem'), PEM);
    const config = fullConfig() as { sip: { account: Record<string, unknown> } };
    config.sip.account.tlsCa = 'ca.pem';
    writeFileSync(file, text(config));
    const { opened, applied } = open();
    if (!opened.ok) throw new Error('did not open');
    expect(opened.config.sip.account?.tlsCa).toBe(PEM);
    expect(opened.store.read('sip')).toMatchObject({ account: { tlsCa: 'ca.pem' } });
    await opened.store.write('web', {});
    expect(applied[0]!.sip.account?.tlsCa).toBe(PEM);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ sip: { account: { tlsCa: 'ca.pem' } } });
  });

  it('refuses a save naming a tlsCa file that cannot be read or holds no certificate', async () => {
    writeFileSync(file, text(fullConfig()));
    writeFileSync(path.join(dir, 'key.pem'), 'not a certificate');
    const { opened } = open();
    if (!opened.ok) throw new Error('did not open');
    const sip = opened.store.read('sip') as { account: object };
    const missing = await opened.store.write('sip', { ...sip, account: { ...sip.account, tlsCa: 'missing.pem' } });
    expect(missing.ok ? {} : missing.fields['account.tlsCa']).toMatch(/^cannot read \S+missing\.pem \(Error: ENOENT/);
    const key = await opened.store.write('sip', { ...sip, account: { ...sip.account, tlsCa: 'key.pem' } });
    expect(key).toEqual({ ok: false, fields: { 'account.tlsCa': `${path.join(dir, 'key.pem')} holds no PEM certificate (-----BEGIN CERTIFICATE-----)` } });
    expect(readFileSync(file, 'utf8')).toBe(text(fullConfig()));
  });

  it('on a device refuses a save that leaves a door code relay without a pin; the simulator takes it', async () => {
    const config = fullConfig() as { relays: unknown };
    config.relays = [{ id: 'door', pin: 17 }, { id: 'gong', pin: 27, maxPulseMs: 2000 }];
    writeFileSync(file, text(config));
    const device = open({ device: true });
    if (!device.opened.ok) throw new Error('did not open');
    const unwired = [{ id: 'door' }, { id: 'gong', pin: 27, maxPulseMs: 2000 }];
    expect(await device.opened.store.write('relays', unwired)).toEqual({ ok: false, fields: { '0.pin': 'relay door is used by a door code but has no pin (a BCM GPIO number)' } });
    const simulator = open();
    if (!simulator.opened.ok) throw new Error('did not open');
    expect(await simulator.opened.store.write('relays', unwired)).toEqual({ ok: true });
  });
});
