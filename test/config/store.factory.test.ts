// The configuration store when neither the file nor its .bak can be used (or there is none, a fresh install): the
// factory configuration runs in memory, the status says so and why, and no unusable file is ever overwritten: the
// first save moves each aside before it writes. Also the backup case's broken file, `complete` and device problems.
import { describe, expect, it } from 'vitest';
import { ConfigSchema, deviceIssues } from '../../firmware-app/config/schema.ts';
import { ConfigStore, type ConfigStoreOptions } from '../../firmware-app/config/store.ts';
import { memoryLogger } from '../sip/transport/helpers.ts';
import { fakeHash, fullConfig, memoryFiles, type MemoryFiles, SECRETS, text } from './support/storeRig.ts';

const BROKEN_FILE = text({ sip: { users: [{ username: 'flat', password: 'short' }] }, relays: 'x' });
const BROKEN_BACKUP = '[1,';
const FACTORY = { sip: { listen: { host: '127.0.0.1', port: 5062, transports: ['udp'] } } };

function open(files: MemoryFiles, options: Partial<ConfigStoreOptions> = {}) {
  const log = memoryLogger();
  const opened = ConfigStore.open({ files, logger: log, hashCode: async (c) => fakeHash(c), onChange: () => {}, factory: () => FACTORY, ...options });
  if (!opened.ok) throw new Error(`did not open: ${opened.problem}`);
  return { ...opened, log };
}

describe('ConfigStore.open when neither the file nor its .bak can be used', () => {
  it('runs the factory configuration, logs the file field by field, the backup in one line and one configUnusable line', () => {
    const files = memoryFiles({ file: BROKEN_FILE, backup: BROKEN_BACKUP });
    const { store, config, log } = open(files);
    expect(config).toEqual(ConfigSchema.parse(FACTORY));
    expect(store.config).toEqual(ConfigSchema.parse(FACTORY));
    const reason = 'sip.users.0.password: at least 8 characters; relays: Invalid input: expected array, received string';
    expect(log.lines).toEqual([
      'error configInvalid file=config.json issue="sip.users.0.password: at least 8 characters"',
      'error configInvalid file=config.json issue="relays: Invalid input: expected array, received string"',
      'error configBackupUnusable file=config.json.bak problem="not JSON: the text ends too early (line 1, column 4)"',
      `error configUnusable file=config.json reason="${reason}" running=factory kept="as it is until the first save moves it aside"`,
    ]);
    expect(store.origin).toEqual({ from: 'factory', reason, problems: [] });
    expect(store.startedFromBackup).toBe(false);
    // Nothing written at start: a restart with the same files finds them as they were.
    expect(files.writes).toEqual([]);
    expect(files.keptAside).toEqual({});
    expect([files.file, files.backup]).toEqual([BROKEN_FILE, BROKEN_BACKUP]);
  });

  it('moves both aside before its first save, never overwriting either, and then runs from the file', async () => {
    const files = memoryFiles({ file: BROKEN_FILE, backup: BROKEN_BACKUP });
    const { store, log } = open(files);
    log.lines.length = 0;
    expect(await store.write('media', { codecs: ['PCMA'] })).toEqual({ ok: true });
    expect(files.keptAside).toEqual({ 'config.json.broken-1': BROKEN_FILE, 'config.json.bak.broken-2': BROKEN_BACKUP });
    expect(log.lines).toEqual([
      'warn configKept file=config.json keptAs=config.json.broken-1',
      'warn configKept file=config.json.bak keptAs=config.json.bak.broken-2',
    ]);
    expect(JSON.parse(files.file!)).toMatchObject({ sip: FACTORY.sip, media: { codecs: ['PCMA'] } });
    expect(store.origin).toEqual({ from: 'file', keptAs: ['config.json.broken-1', 'config.json.bak.broken-2'], problems: [] });
    // The second save keeps the first as the .bak, as always; nothing more is moved aside.
    expect(await store.write('media', { codecs: ['G722'] })).toEqual({ ok: true });
    expect(files.writes.map((w) => w.keepBackup)).toEqual([false, true]);
    expect(JSON.parse(files.backup!)).toMatchObject({ media: { codecs: ['PCMA'] } });
    expect(Object.keys(files.keptAside)).toHaveLength(2);
  });

  it('a factory reset as the first save moves them aside too', async () => {
    const files = memoryFiles({ file: BROKEN_FILE, backup: BROKEN_BACKUP });
    const { store } = open(files);
    await store.factoryReset();
    expect(Object.values(files.keptAside)).toEqual([BROKEN_FILE, BROKEN_BACKUP]);
  });

  it('keeps the broken file when moving it aside fails: the save fails and nothing was written', async () => {
    const files = memoryFiles({ file: BROKEN_FILE });
    files.setAside = async () => {
      throw new Error('EROFS: read-only file system');
    };
    const { store } = open(files);
    await expect(store.write('media', { codecs: ['PCMA'] })).rejects.toThrow('EROFS');
    expect(files.file).toBe(BROKEN_FILE);
    expect(files.writes).toEqual([]);
    expect(store.origin.from).toBe('factory');
  });

  it('a fresh install (no file, no .bak) runs the factory configuration with one warning; the first save makes the file', async () => {
    const files = memoryFiles({});
    const { store, log } = open(files);
    expect(log.lines).toEqual(['warn configUnusable file=config.json reason="no such file" running=factory']);
    expect(store.origin).toEqual({ from: 'factory', reason: 'no such file', problems: [] });
    expect(await store.write('web', {})).toEqual({ ok: true });
    expect(files.keptAside).toEqual({});
    expect(files.writes.map((w) => w.keepBackup)).toEqual([false]);
    expect(JSON.parse(files.file!)).toMatchObject({ version: 1, sip: { listen: FACTORY.sip.listen } });
    expect(store.origin).toEqual({ from: 'file', problems: [] });
  });

  it('a missing file with a broken .bak: the .bak is moved aside at the first save', async () => {
    const files = memoryFiles({ backup: BROKEN_BACKUP });
    const { store, log } = open(files);
    expect(log.lines.at(-1)).toBe('error configUnusable file=config.json reason="no such file" running=factory kept="as it is until the first save moves it aside"');
    await store.write('web', {});
    expect(files.keptAside).toEqual({ 'config.json.bak.broken-1': BROKEN_BACKUP });
  });

  it('refuses to open only when the factory configuration itself is invalid (our bug)', () => {
    const opened = ConfigStore.open({ files: memoryFiles({}), logger: memoryLogger(), hashCode: async (c) => fakeHash(c), onChange: () => {}, factory: () => ({ relays: 'x' }) });
    expect(opened).toEqual({ ok: false, problem: 'the factory configuration is invalid: relays: Invalid input: expected array, received string' });
  });
});

describe('ConfigStore.open: the backup case and what a configuration needs to run', () => {
  it('starting from the .bak, the broken file is moved aside at the first save and the good .bak stays', async () => {
    const files = memoryFiles({ file: '{"sip": ', backup: text(fullConfig()) });
    const { store } = open(files);
    expect(store.origin).toEqual({ from: 'backup', reason: 'not JSON: the text ends too early (line 1, column 9)', problems: [] });
    await store.write('media', { codecs: ['PCMA'] });
    expect(files.keptAside).toEqual({ 'config.json.broken-1': '{"sip": ' });
    expect(files.backup).toBe(text(fullConfig()));
  });

  it('a configuration `complete` refuses (a tlsCa file gone) is unusable like an invalid one: the .bak, else the factory', () => {
    const complete: ConfigStoreOptions['complete'] = (config) => (config.sip.displayName === 'Gone CA' ? { ok: false, problem: 'sip.account.tlsCa: cannot read /x/ca.pem (ENOENT)' } : { ok: true, config });
    const goneCa = text({ ...fullConfig(), sip: { ...(fullConfig().sip as object), displayName: 'Gone CA' } });
    const backup = open(memoryFiles({ file: goneCa, backup: text(fullConfig()) }), { complete });
    expect(backup.store.origin).toMatchObject({ from: 'backup', reason: 'sip.account.tlsCa: cannot read /x/ca.pem (ENOENT)' });
    const factory = open(memoryFiles({ file: goneCa, backup: goneCa }), { complete });
    expect(factory.store.origin.from).toBe('factory');
    expect(factory.log.lines[0]).toBe('error configInvalid file=config.json issue="sip.account.tlsCa: cannot read /x/ca.pem (ENOENT)"');
  });

  it('`complete` gives the configuration to run while the store keeps what the file holds', () => {
    const { store, config } = open(memoryFiles({ file: text(fullConfig()) }), { complete: (c) => ({ ok: true, config: { ...c, sip: { ...c.sip, displayName: 'Completed' } } }) });
    expect(config.sip.displayName).toBe('Completed');
    expect(store.config.sip.displayName).toBe('Door');
  });

  it('a configuration that runs with problems on this device (an unwired door relay) lists them until a save fixes them', async () => {
    const { store } = open(memoryFiles({ file: text(fullConfig()) }), { problemsOf: deviceIssues });
    expect(store.origin).toEqual({ from: 'file', problems: [
      'relays.0.pin: relay door is used by a door code but has no pin (a BCM GPIO number)',
      'relays.1.pin: relay gong is used by the chime but has no pin (a BCM GPIO number)',
    ] });
    expect(await store.write('relays', [{ id: 'door', pin: 17 }, { id: 'gong', pin: 27, maxPulseMs: 2000 }])).toEqual({ ok: true });
    expect(store.origin.problems).toEqual([]);
    expect(store.config.sip.account?.password).toBe(SECRETS.account);
  });
});
