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

  it('fails with the lines main.ts always logged when the file is broken and there is no .bak', () => {
    writeFileSync(file, '{"sip": ');
    const { opened, log } = open();
    expect(opened).toEqual({ ok: false });
    expect(log.lines).toEqual([`error configUnreadable file=${file} problem="not JSON: the text ends too early (line 1, column 9)"`]);
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
