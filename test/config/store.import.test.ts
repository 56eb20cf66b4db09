// The configuration store's whole-file import and sealed export: an import is validated like a write of every section
// (full-path field errors, nothing saved when invalid), keeps stored secrets left out, saves once and applies it; the
// sealed export hands each secret to the sealer and nowhere else.
import { describe, expect, it } from 'vitest';
import { CONFIG_SECTIONS } from '../../provisioning/ports.ts';
import { fakeHash, fullConfig, memoryFiles, openRig, SECRETS, text } from './support/storeRig.ts';

type Saved = { sip: { mode: string; account: { password: string }; users: { username: string; password: string }[] }; doorbell: { doorCodes: { name: string; hash: string }[] }; relays: { id: string }[] };

describe('ConfigStore exportSealed', () => {
  it('hands every secret with its path to the sealer and puts what it answers in place', () => {
    const { store } = openRig();
    const seen: string[] = [];
    const exported = store.exportSealed((secret, path) => {
      seen.push(`${path}=${secret}`);
      return { sealed: path };
    }) as Saved & Record<string, unknown>;
    expect(seen).toEqual([
      `sip.account.password=${SECRETS.account}`, `sip.users.0.password=${SECRETS.flat}`, `sip.users.1.password=${SECRETS.kitchen}`,
      `doorbell.doorCodes.0.hash=${SECRETS.family}`, `doorbell.doorCodes.1.hash=${SECRETS.parcel}`,
    ]);
    expect(exported.sip.account.password).toEqual({ sealed: 'sip.account.password' });
    expect(exported.doorbell.doorCodes[1]!.hash).toEqual({ sealed: 'doorbell.doorCodes.1.hash' });
    const json = JSON.stringify(exported);
    for (const secret of Object.values(SECRETS)) expect(json).not.toContain(secret);
    expect(Object.keys(exported).sort()).toEqual(['version', ...CONFIG_SECTIONS].sort());
    expect(store.config.sip.account?.password).toBe(SECRETS.account); // the stored config is untouched
  });
});

describe('ConfigStore importConfig', () => {
  it('saves a whole file with plain secrets once, keeps the old one as .bak and applies every section', async () => {
    const { store, files, changes } = openRig();
    const next = fullConfig() as Saved & Record<string, unknown>;
    next.sip.account.password = 'new-Account-Secret-9';
    next.relays = [{ id: 'door' }, { id: 'gong' }, { id: 'gate' }];
    const before = files.file;
    expect(await store.importConfig(next)).toEqual({ ok: true });
    expect(files.writes).toHaveLength(1);
    expect(files.backup).toBe(before);
    const saved = JSON.parse(files.file!) as Saved;
    expect(saved.sip.account.password).toBe('new-Account-Secret-9');
    expect(saved.relays.map((r) => r.id)).toEqual(['door', 'gong', 'gate']);
    expect(changes).toHaveLength(1);
    expect(changes[0]!.changed).toEqual(CONFIG_SECTIONS);
    expect(changes[0]!.config.relays.map((r) => r.id)).toEqual(['door', 'gong', 'gate']);
  });

  it('keeps the stored secrets an export without secrets leaves as { set } (users by username, codes by name)', async () => {
    const { store, files } = openRig();
    const redacted = store.exportRedacted() as Record<string, unknown>;
    expect(await store.importConfig(redacted)).toEqual({ ok: true });
    const saved = JSON.parse(files.file!) as Saved;
    expect(saved.sip.account.password).toBe(SECRETS.account);
    expect(saved.sip.users.map((u) => u.password)).toEqual([SECRETS.flat, SECRETS.kitchen]);
    expect(saved.doorbell.doorCodes.map((c) => c.hash)).toEqual([SECRETS.family, SECRETS.parcel]);
  });

  it('hashes a door code given as digits, as a write does', async () => {
    const { store, hashed } = openRig();
    const next = store.exportRedacted() as { doorbell: { doorCodes: Record<string, unknown>[] } };
    next.doorbell.doorCodes[0]!.code = '4711';
    expect(await store.importConfig(next)).toEqual({ ok: true });
    expect(hashed).toEqual(['4711']);
    expect(store.config.doorbell.doorCodes[0]!.hash).toBe(fakeHash('4711'));
  });

  it('answers field errors by full path and saves nothing when a section is invalid', async () => {
    const { store, files, changes } = openRig();
    const next = fullConfig() as Record<string, unknown> & { sip: Record<string, unknown> };
    next.sip.mode = 'sideways';
    next.media = { codecs: ['PCMA', 'PCMA'] };
    const result = await store.importConfig(next);
    expect(result.ok).toBe(false);
    const fields = (result as { fields: Record<string, string> }).fields;
    expect(Object.keys(fields)).toEqual(expect.arrayContaining(['sip.mode', 'media.codecs']));
    expect(JSON.stringify(fields)).not.toContain(SECRETS.account);
    expect(files.writes).toEqual([]);
    expect(changes).toEqual([]);
  });

  it('answers a new indoor user without a password by its path, and a door code problem by its code', async () => {
    const { store, files } = openRig();
    const next = store.exportRedacted() as { sip: { users: Record<string, unknown>[] }; doorbell: { doorCodes: Record<string, unknown>[] } };
    next.sip.users.push({ username: 'garden', password: { set: true } });
    next.doorbell.doorCodes[0]!.code = '12ab';
    const result = await store.importConfig(next);
    expect(result.ok).toBe(false);
    expect(Object.keys((result as { fields: Record<string, string> }).fields)).toEqual(expect.arrayContaining(['sip.users.2.password', 'doorbell.doorCodes.0.code']));
    expect(files.writes).toEqual([]);
  });

  it('refuses what is not a configuration or comes from a newer version', async () => {
    const { store, files } = openRig();
    expect(await store.importConfig([1, 2])).toEqual({ ok: false, fields: { '': 'a configuration is a JSON object' } });
    const newer = await store.importConfig({ ...fullConfig(), version: 99 });
    expect(newer.ok).toBe(false);
    expect(Object.keys((newer as { fields: Record<string, string> }).fields)).toEqual(['version']);
    expect(await store.importConfig({ ...fullConfig(), nonsense: true })).toMatchObject({ ok: false, fields: { nonsense: expect.any(String) } });
    expect(files.writes).toEqual([]);
  });

  it('runs after a save already running, one at a time', async () => {
    const files = memoryFiles({ file: text(fullConfig()) });
    const { store } = openRig(files);
    files.hold();
    const write = store.write('relays', [{ id: 'door' }, { id: 'gong' }, { id: 'first' }]);
    const imported = store.importConfig({ ...fullConfig(), relays: [{ id: 'door' }, { id: 'gong' }, { id: 'second' }] });
    await new Promise((resolve) => setImmediate(resolve));
    expect(files.started()).toBe(1);
    files.release();
    expect(await write).toEqual({ ok: true });
    expect(await imported).toEqual({ ok: true });
    expect((JSON.parse(files.file!) as Saved).relays.map((r) => r.id)).toEqual(['door', 'gong', 'second']);
  });
});
