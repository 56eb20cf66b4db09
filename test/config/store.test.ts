// The configuration store: validation against the whole config with section-relative field errors, nothing saved on
// error, serialized saves, the written text re-parsing to the same Config, the .bak fallback, and factory reset.
import { describe, expect, it } from 'vitest';
import { CONFIG_SECTIONS } from '../../provisioning/ports.ts';
import { ConfigSchema } from '../../firmware-app/config/schema.ts';
import { InternalError } from '../../firmware-app/errors.ts';
import { fullConfig, memoryFiles, openRig, SECRETS, text } from './support/storeRig.ts';

describe('ConfigStore write: validation', () => {
  it('saves a valid section, pretty JSON of the parsed config, and tells onChange which section changed', async () => {
    const { store, files, changes } = openRig();
    expect(await store.write('media', { codecs: ['PCMA'], srtp: 'off' })).toEqual({ ok: true });
    expect(files.writes).toHaveLength(1);
    expect(files.writes[0]!.keepBackup).toBe(true);
    expect(files.backup).toBe(text(fullConfig()));
    const saved = JSON.parse(files.file!) as { media: unknown };
    expect(saved.media).toEqual({ codecs: ['PCMA'], srtp: 'off', rtpPorts: { min: 10000, max: 10999 }, rtpTimeoutSec: 30 });
    expect(files.file).toBe(`${JSON.stringify(store.config, null, 2)}\n`);
    expect(changes).toHaveLength(1);
    expect(changes[0]!.changed).toEqual(['media']);
    expect(changes[0]!.config.media.codecs).toEqual(['PCMA']);
  });

  it('answers field errors relative to the section, with "did you mean", saves nothing and applies nothing', async () => {
    const { store, files, changes } = openRig();
    const before = store.read('sip');
    const result = await store.write('sip', { mode: 'registered', listen: { port: 'x' }, account: { registrar: 'pbx', user: 'door', tlsCA: 'ca.pem' } });
    expect(result).toEqual({ ok: false, fields: {
      'listen.port': 'Invalid input: expected number, received string',
      'account.tlsCA': 'unknown key (did you mean tlsCa?)',
    } });
    expect(files.writes).toEqual([]);
    expect(changes).toEqual([]);
    expect(store.read('sip')).toEqual(before);
  });

  it('keys an error of the section itself by "" and an unknown section likewise', async () => {
    const { store } = openRig();
    const result = await store.write('relays', 'door');
    expect(result.ok ? {} : Object.keys(result.fields)).toEqual(['']);
    const unknown = await store.write('version' as never, 2);
    expect(unknown).toEqual({ ok: false, fields: { '': 'no config section version' } });
  });

  it('maps cross-reference errors inside the section to section-relative paths', async () => {
    const { store, files } = openRig();
    const buttons = await store.write('buttons', [{ id: '1', plan: [{ targets: ['flat'], schedule: 'night' }] }, { id: '1', plan: [] }]);
    expect(buttons).toEqual({ ok: false, fields: { '0.plan.0.schedule': 'no schedule named night under schedules', '': 'id 1 is used twice' } });
    const doorbell = await store.write('doorbell', { chime: { relay: 'gong' }, doorCodes: [{ name: 'family', relay: 'gate' }] });
    expect(doorbell).toEqual({ ok: false, fields: { 'doorCodes.0.relay': 'no relay gate under relays' } });
    expect(files.writes).toEqual([]);
  });

  it('keys a rule this change breaks in another section by its full path with a leading /', async () => {
    const { store, files } = openRig();
    const result = await store.write('relays', [{ id: 'gong', maxPulseMs: 2000 }]);
    expect(result).toEqual({ ok: false, fields: {
      '/doorbell.doorCodes.0.relay': 'no relay door under relays',
      '/doorbell.doorCodes.1.relay': 'no relay door under relays',
    } });
    const schedules = await store.write('schedules', {});
    expect(schedules).toEqual({ ok: false, fields: { '/doorbell.doorCodes.1.schedule': 'no schedule named day under schedules' } });
    expect(files.writes).toEqual([]);
  });

  it('refuses what prepare refuses (keys made section-relative) and applies what prepare made', async () => {
    const { store, files, changes } = openRig(undefined, {
      prepare: (config) => (config.sip.account?.tlsCa === 'missing.pem'
        ? { ok: false, fields: { 'sip.account.tlsCa': 'cannot read missing.pem', 'relays.0.pin': 'needs a pin' } }
        : { ok: true, config: { ...config, web: { listen: 'http://127.0.0.1:1/' } } }),
    });
    const sip = store.read('sip') as { account: object };
    const refused = await store.write('sip', { ...sip, account: { ...sip.account, tlsCa: 'missing.pem' } });
    expect(refused).toEqual({ ok: false, fields: { 'account.tlsCa': 'cannot read missing.pem', '/relays.0.pin': 'needs a pin' } });
    expect(files.writes).toEqual([]);
    expect(await store.write('sip', { ...sip, account: { ...sip.account, tlsCa: 'ca.pem' } })).toEqual({ ok: true });
    expect(changes[0]!.config.web.listen).toBe('http://127.0.0.1:1/');
    expect(store.config.web.listen).toBeUndefined();
    expect(JSON.parse(files.file!)).toMatchObject({ sip: { account: { tlsCa: 'ca.pem' } } });
  });

  it('still answers ok when applying fails (saved; the next start applies it) and logs one line', async () => {
    const { store, log } = openRig(undefined, { onChange: () => { throw new Error('re-register failed'); } });
    expect(await store.write('web', { listen: 'http://127.0.0.1:8081' })).toEqual({ ok: true });
    expect(log.lines).toEqual(['error configApplyFailed sections=web error="Error: re-register failed"']);
    expect(store.config.web.listen).toBe('http://127.0.0.1:8081');
  });
});

describe('ConfigStore saves', () => {
  it('runs one save at a time, in the order asked, each validated against the one before', async () => {
    const { store, files } = openRig();
    files.hold();
    const first = store.write('media', { codecs: ['PCMA'] });
    const second = store.write('media', { codecs: ['G722'] });
    const third = store.write('doorbell', { ...(store.read('doorbell') as object), maxCallSec: 60, warnBeforeSec: 90 });
    await new Promise((resolve) => setImmediate(resolve));
    expect(files.started()).toBe(1);
    files.release();
    expect(await first).toEqual({ ok: true });
    expect(await second).toEqual({ ok: true });
    expect(await third).toEqual({ ok: false, fields: { warnBeforeSec: 'must be shorter than maxCallSec (60)' } });
    expect(files.writes.map((w) => (JSON.parse(w.text) as { media: { codecs: string[] } }).media.codecs)).toEqual([['PCMA'], ['G722']]);
  });

  it('rejects a save the disk refuses, keeps the stored config, and runs the next save', async () => {
    const { store, files, changes } = openRig();
    files.failNext();
    await expect(store.write('media', { codecs: ['PCMA'] })).rejects.toThrow('ENOSPC');
    expect(store.config.media.codecs).toEqual(['PCMU', 'PCMA', 'G722']);
    expect(changes).toEqual([]);
    expect(await store.write('media', { codecs: ['G722'] })).toEqual({ ok: true });
    expect(store.config.media.codecs).toEqual(['G722']);
  });

  it('writes text that re-parses to the same Config, also for a file with the legacy doorbell.callTargets', async () => {
    const legacy = { sip: { users: [{ username: 'flat', password: SECRETS.flat }] }, doorbell: { callTargets: ['flat'] } };
    for (const initial of [legacy, fullConfig(), {}]) {
      const { store, files } = openRig(memoryFiles({ file: text(initial) }));
      expect(await store.write('audio', { speaker: { volume: 2 } })).toEqual({ ok: true });
      const reread = ConfigSchema.parse(JSON.parse(files.file!));
      expect(reread).toEqual(store.config);
      expect(JSON.parse(JSON.stringify(reread))).toEqual(JSON.parse(files.file!));
    }
    const { store, files } = openRig(memoryFiles({ file: text(legacy) }));
    await store.write('web', {});
    expect(files.file).not.toContain('callTargets');
    expect(store.read('buttons')).toEqual([{ id: '1', activeLow: true, plan: [{ targets: ['flat'], ringSec: 30 }] }]);
  });
});

describe('ConfigStore.open', () => {
  const problems: [string, string, string][] = [
    ['not JSON', '{"sip": {', 'not JSON: the text ends too early (line 1, column 10)'],
    ['unreadable', '\u0000unreadable', 'unreadable: Error: EACCES: permission denied'],
    ['invalid', text({ sip: { users: [{ username: 'flat', password: 12345678 }], listen: { port: 'hunter2' } } }),
      'sip.listen.port: Invalid input: expected number, received string; sip.users.0.password: Invalid input: expected string, received number'],
    ['of a newer version', text({ version: 7 }), 'version: version 7 is newer than this sip-doorbell reads (1)'],
  ];
  it.each(problems)('falls back to a valid .bak when the file is %s, in one log line that names no value', (_kind, file, problem) => {
    const backup = text(fullConfig());
    const { store, log } = openRig(memoryFiles({ file, backup }));
    expect(store.startedFromBackup).toBe(true);
    expect(log.lines).toEqual([`warn configFromBackup file=config.json backup=config.json.bak problem="${problem}"`]);
    expect(log.lines.join('')).not.toMatch(/hunter2|12345678/);
    expect(store.read('sip')).toMatchObject({ mode: 'registered' });
  });

  it('falls back to the .bak when the file is missing, and then saves without replacing that good .bak', async () => {
    const backup = text(fullConfig());
    const { store, files, log } = openRig(memoryFiles({ backup }));
    expect(store.startedFromBackup).toBe(true);
    expect(log.lines).toEqual(['warn configFromBackup file=config.json backup=config.json.bak problem="no such file"']);
    await store.write('media', { codecs: ['PCMA'] });
    await store.write('media', { codecs: ['G722'] });
    expect(files.writes.map((w) => w.keepBackup)).toEqual([false, true]);
    expect(JSON.parse(files.backup!)).toMatchObject({ media: { codecs: ['PCMA'] } });
  });

  it('starts from a good file without a word, not from the backup', () => {
    const { store, log } = openRig(memoryFiles({ file: text(fullConfig()), backup: '{' }));
    expect(store.startedFromBackup).toBe(false);
    expect(log.lines).toEqual([]);
  });
  // Neither usable (or none there): the factory configuration runs, see store.factory.test.ts.
});

describe('ConfigStore.factoryReset', () => {
  it('writes the factory config with the old one kept as .bak and applies every section', async () => {
    const factory = { sip: { users: [{ username: 'flat', password: 'factory-pass-1' }] } };
    const { store, files, changes } = openRig(undefined, { factory: () => factory });
    await store.factoryReset();
    expect(files.backup).toBe(text(fullConfig()));
    expect(store.config).toEqual(ConfigSchema.parse(factory));
    expect(changes.map((c) => c.changed)).toEqual([CONFIG_SECTIONS]);
    expect(store.read('doorbell')).toMatchObject({ doorCodes: [] });
  });

  it('writes the schema defaults for a factory of {} and refuses an invalid factory config as our own bug', async () => {
    const { store } = openRig();
    await store.factoryReset();
    expect(store.config).toEqual(ConfigSchema.parse({}));
    const broken = openRig(undefined, { factory: () => ({ relays: 'x' }) });
    await expect(broken.store.factoryReset()).rejects.toBeInstanceOf(InternalError);
    expect(broken.files.writes).toEqual([]);
  });
});
