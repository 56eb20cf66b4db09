// The configuration store's secrets: read and export never return one in any form; a write keeps the ones left out
// (users by username, door codes by name) and hashes door codes given as digits.
import { describe, expect, it } from 'vitest';
import { CONFIG_SECTIONS } from '../../provisioning/ports.ts';
import { fakeHash, fullConfig, memoryFiles, openRig, SECRETS, text } from './support/storeRig.ts';

const secretValues = Object.values(SECRETS);

function expectNoSecret(value: unknown): void {
  const json = JSON.stringify(value);
  for (const secret of secretValues) expect(json).not.toContain(secret);
  expect(json).not.toContain('scrypt$');
}

describe('ConfigStore read and exportRedacted', () => {
  it('replaces the account password, every indoor user password and every door-code hash by { set }', () => {
    const { store } = openRig();
    const sip = store.read('sip') as { account: Record<string, unknown>; users: unknown[] };
    expect(sip.account).toEqual({ registrar: 'pbx.example.org', user: 'door', transport: 'udp', expires: 600, password: { set: true } });
    expect(sip.users).toEqual([{ username: 'flat', password: { set: true } }, { username: 'kitchen', password: { set: true } }]);
    const doorbell = store.read('doorbell') as { doorCodes: unknown[] };
    expect(doorbell.doorCodes).toEqual([
      { name: 'family', relay: 'door', pulseMs: 3000, code: { set: true } },
      { name: 'parcel', relay: 'door', pulseMs: 2000, schedule: 'day', code: { set: true } },
    ]);
  });

  it('returns no secret in any section nor in the export', () => {
    const { store } = openRig();
    for (const section of CONFIG_SECTIONS) expectNoSecret(store.read(section));
    const exported = store.exportRedacted() as Record<string, unknown>;
    expectNoSecret(exported);
    expect(Object.keys(exported).sort()).toEqual(['version', ...CONFIG_SECTIONS].sort());
    expect(exported.sip).toEqual(store.read('sip'));
  });

  it('says { set: false } for nothing stored and leaves out an account that is not there', () => {
    const { store } = openRig(memoryFiles({ file: text({ sip: { users: [] } }) }));
    expect(store.read('sip')).not.toHaveProperty('account');
    expect((store.read('doorbell') as { doorCodes: unknown[] }).doorCodes).toEqual([]);
  });

  it('hands out copies: changing what read returned changes nothing stored', () => {
    const { store } = openRig();
    const relays = store.read('relays') as { id: string }[];
    relays[0]!.id = 'changed';
    expect((store.read('relays') as { id: string }[])[0]!.id).toBe('door');
  });
});

describe('ConfigStore write: secrets', () => {
  it('keeps every stored secret when the section read is written back as it came', async () => {
    const { store, files } = openRig();
    expect(await store.write('sip', store.read('sip'))).toEqual({ ok: true });
    expect(await store.write('doorbell', store.read('doorbell'))).toEqual({ ok: true });
    const saved = JSON.parse(files.file!) as ReturnType<typeof fullConfig> & { sip: { account: { password: string }; users: { password: string }[] } };
    expect(saved.sip.account.password).toBe(SECRETS.account);
    expect(saved.sip.users.map((u) => u.password)).toEqual([SECRETS.flat, SECRETS.kitchen]);
    expect(store.config.doorbell.doorCodes.map((c) => c.hash)).toEqual([SECRETS.family, SECRETS.parcel]);
  });

  it('keeps a password left out or null, takes a new one given, and matches users by username, not position', async () => {
    const { store } = openRig();
    const sip = store.read('sip') as Record<string, unknown>;
    const result = await store.write('sip', {
      ...sip,
      account: { registrar: 'pbx.example.org', user: 'door', password: null },
      users: [{ username: 'kitchen' }, { username: 'flat', password: 'a-new-flat-pass' }],
    });
    expect(result).toEqual({ ok: true });
    expect(store.config.sip.account?.password).toBe(SECRETS.account);
    expect(store.config.sip.users).toEqual([{ username: 'kitchen', password: SECRETS.kitchen }, { username: 'flat', password: 'a-new-flat-pass' }]);
  });

  it('asks for the password of a renamed user or of a new account instead of inventing one', async () => {
    const { store, files } = openRig(memoryFiles({ file: text({ sip: { users: [{ username: 'flat', password: SECRETS.flat }] } }) }));
    const result = await store.write('sip', {
      mode: 'registered',
      account: { registrar: 'pbx.example.org', user: 'door', password: { set: true } },
      users: [{ username: 'flat2', password: { set: true } }],
    });
    expect(result.ok).toBe(false);
    expect(Object.keys(result.ok ? {} : result.fields).sort()).toEqual(['account.password', 'users.0.password']);
    expect(files.writes).toEqual([]);
  });

  it('hashes a door code given as digits with the injected hasher, keeps codes left out by name', async () => {
    const { store, hashed, files } = openRig();
    const result = await store.write('doorbell', {
      chime: { relay: 'gong' },
      doorCodes: [
        { name: 'parcel', relay: 'door', pulseMs: 2000, schedule: 'day', code: { set: true } },
        { name: 'family', relay: 'door', code: '2468' },
        { name: 'guest', relay: 'door', code: '0007' },
      ],
    });
    expect(result).toEqual({ ok: true });
    expect(hashed).toEqual(['2468', '0007']);
    expect(store.config.doorbell.doorCodes.map((c) => [c.name, c.hash])).toEqual([
      ['parcel', SECRETS.parcel], ['family', fakeHash('2468')], ['guest', fakeHash('0007')],
    ]);
    expect(files.file).not.toContain('2468');
    expect(files.file).not.toMatch(/"code"/);
  });

  it('answers a field error on the code for digits it cannot take or a new code without one, and saves nothing', async () => {
    const { store, hashed, files } = openRig();
    const result = await store.write('doorbell', {
      chime: { relay: 'gong' },
      doorCodes: [
        { name: 'family', relay: 'door', code: '12ab' },
        { name: 'guest', relay: 'door' },
        { name: 'number', relay: 'door', code: 1234 },
      ],
    });
    expect(result).toEqual({ ok: false, fields: {
      'doorCodes.0.code': 'a door code is 1 to 16 digits 0-9',
      'doorCodes.1.code': 'enter the code (1 to 16 digits 0-9)',
      'doorCodes.2.code': 'a door code is 1 to 16 digits 0-9',
    } });
    expect(hashed).toEqual([]);
    expect(files.writes).toEqual([]);
    expect(store.config.doorbell.doorCodes.map((c) => c.hash)).toEqual([SECRETS.family, SECRETS.parcel]);
  });

  it('never puts a rejected secret in a field error', async () => {
    const { store } = openRig();
    const result = await store.write('sip', { users: [{ username: 'flat', password: 'short7!' }], account: { registrar: 'x', user: 'door', password: 'pw', bogus: 'pw-value' } });
    expect(result.ok).toBe(false);
    const json = JSON.stringify(result);
    expect(json).not.toContain('short7!');
    expect(json).not.toContain('pw-value');
    expect(result.ok ? {} : result.fields).toMatchObject({ 'users.0.password': 'at least 8 characters', 'account.bogus': 'unknown key' });
  });
});
