// Maintenance routes over the real config store: an export with encrypted secrets comes back through an import with the
// right passphrase, a wrong one saves nothing, no secret is in the file in plain text; an invalid import answers field
// errors and leaves the file as it was; the log download holds the recorded events and no secret.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EventLog } from '../../firmware-app/doorbell/EventLog.ts';
import { FakeClock } from '../../firmware-app/platform/FakeClock.ts';
import { createProvisioningServer, type ProvisioningServer } from '../../provisioning/server.ts';
import { openRig, SECRETS, type Rig } from '../config/support/storeRig.ts';
import { fakeActions, fakeStatus, memoryLogger } from './support/fakes.ts';
import { Client, PLACEHOLDER_ASSETS } from './support/harness.ts';

const PASSPHRASE = 'twelve words or so, long';
const secretValues = Object.values(SECRETS);

interface Bench {
  readonly server: ProvisioningServer;
  readonly rig: Rig;
  readonly events: EventLog;
  readonly admin: Client;
  readonly logLines: string[];
}

let open: { server: ProvisioningServer; dir: string } | undefined;
afterEach(async () => {
  await open?.server.close();
  if (open !== undefined) rmSync(open.dir, { recursive: true, force: true });
  open = undefined;
});

async function bench(): Promise<Bench> {
  const dir = mkdtempSync(path.join(tmpdir(), 'prov-maint-'));
  const rig = openRig();
  const clock = new FakeClock(1_000_000);
  const logger = memoryLogger();
  const events = new EventLog({ maxEntries: 50, store: { load: () => undefined, save: async () => {} }, clock, wallClock: () => 1_700_000_000_000, logger });
  const server = await createProvisioningServer({
    store: rig.store, status: fakeStatus(), actions: fakeActions(), eventLog: events, logger, clock,
    paths: { stateDir: path.join(dir, 'state') }, assets: PLACEHOLDER_ASSETS, passwordCost: { log2N: 10 }, announceSetupCode: () => {},
  });
  open = { server, dir };
  const admin = new Client(server);
  expect((await admin.setUp(server.setupCode ?? '')).statusCode).toBe(200);
  return { server, rig, events, admin, logLines: logger.lines };
}

function expectNoSecret(text: string): void {
  for (const secret of secretValues) expect(text.includes(secret), `contains ${secret.slice(0, 8)}…`).toBe(false);
  expect(text).not.toContain('scrypt$');
}

describe('POST /api/export with a passphrase', () => {
  it('gives a download with every secret encrypted and the rest readable', async () => {
    const { admin } = await bench();
    const response = await admin.post('/api/export', { passphrase: PASSPHRASE });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-disposition']).toMatch(/^attachment; filename="sip-doorbell-config-encrypted-\d{4}-\d\d-\d\d\.json"$/);
    expect(response.headers['cache-control']).toBe('no-store');
    expectNoSecret(response.body);
    expect(response.body).not.toContain(PASSPHRASE);
    const file = response.json() as { format: string; formatVersion: number; encryption: Record<string, unknown>; config: { sip: { account: { registrar: string; password: unknown } } } };
    expect(file.format).toBe('sip-doorbell-config-export');
    expect(file.formatVersion).toBe(1);
    expect(file.encryption).toMatchObject({ kdf: 'scrypt', cipher: 'aes-256-gcm', N: 32768, r: 8, p: 1 });
    expect(file.config.sip.account.registrar).toBe('pbx.example.org');
    expect(file.config.sip.account.password).toEqual({ encrypted: { iv: expect.any(String), data: expect.any(String), tag: expect.any(String) } });
    const again = (await admin.post('/api/export', { passphrase: PASSPHRASE })).json() as typeof file;
    expect(again.encryption.salt).not.toBe(file.encryption.salt);
  });

  it('refuses a short passphrase with a field error', async () => {
    const { admin } = await bench();
    const response = await admin.post('/api/export', { passphrase: 'short' });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: { code: 'INVALID', fields: { passphrase: 'at least 10 characters' } } });
  });
});

describe('POST /api/import', () => {
  it('brings an encrypted export back with the right passphrase: secrets and settings restored, saved and applied', async () => {
    const { admin, rig } = await bench();
    const file: unknown = (await admin.post('/api/export', { passphrase: PASSPHRASE })).json();
    const original = rig.store.config;
    expect((await admin.send({ method: 'PUT', url: '/api/config/relays', body: [{ id: 'door' }, { id: 'gong' }, { id: 'extra' }] })).statusCode).toBe(200);
    expect((await admin.send({ method: 'PUT', url: '/api/config/sip', body: { ...(rig.store.read('sip') as object), account: { registrar: 'pbx.example.org', user: 'door', password: 'changed-Password-1' } } })).statusCode).toBe(200);
    const saves = rig.files.writes.length;
    const response = await admin.post('/api/import', { config: file, passphrase: PASSPHRASE });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual({ ok: true });
    expect(rig.files.writes).toHaveLength(saves + 1);
    expect(rig.store.config).toEqual(original);
    expect(JSON.parse(rig.files.file!)).toEqual(JSON.parse(JSON.stringify(original)));
    expect(rig.changes.at(-1)?.config.relays.map((r) => r.id)).toEqual(['door', 'gong']);
  });

  it('refuses a wrong or missing passphrase with its own code and saves nothing', async () => {
    const { admin, rig, logLines } = await bench();
    const file: unknown = (await admin.post('/api/export', { passphrase: PASSPHRASE })).json();
    const before = rig.files.file;
    const wrong = await admin.post('/api/import', { config: file, passphrase: 'not the passphrase at all' });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json()).toMatchObject({ error: { code: 'WRONG_PASSPHRASE', fields: { passphrase: expect.any(String) } } });
    const missing = await admin.post('/api/import', { config: file });
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toMatchObject({ error: { code: 'PASSPHRASE_REQUIRED' } });
    expect(rig.files.writes).toEqual([]);
    expect(rig.files.file).toBe(before);
    expect(rig.changes).toEqual([]);
    expect(logLines.join('\n')).not.toContain('not the passphrase');
  });

  it('refuses a file whose encrypted secrets were moved to other fields (each is bound to its path)', async () => {
    const { admin, rig } = await bench();
    const file = (await admin.post('/api/export', { passphrase: PASSPHRASE })).json() as { config: { sip: { users: { password: unknown }[] } } };
    const [flat, kitchen] = file.config.sip.users;
    [flat!.password, kitchen!.password] = [kitchen!.password, flat!.password];
    const response = await admin.post('/api/import', { config: file, passphrase: PASSPHRASE });
    expect(response.json()).toMatchObject({ error: { code: 'WRONG_PASSPHRASE' } });
    expect(rig.files.writes).toEqual([]);
  });

  it('answers 400 INVALID with field errors for an invalid section and leaves the file unchanged', async () => {
    const { admin, rig } = await bench();
    const file = (await admin.post('/api/export', { passphrase: PASSPHRASE })).json() as { config: Record<string, unknown> };
    file.config.media = { codecs: ['PCMA', 'PCMA'], srtp: 'sometimes' };
    const before = rig.files.file;
    const response = await admin.post('/api/import', { config: file, passphrase: PASSPHRASE });
    expect(response.statusCode).toBe(400);
    const error = (response.json() as { error: { code: string; fields: Record<string, string> } }).error;
    expect(error.code).toBe('INVALID');
    expect(Object.keys(error.fields)).toEqual(expect.arrayContaining(['media.codecs', 'media.srtp']));
    expectNoSecret(response.body);
    expect(rig.files.file).toBe(before);
    expect(rig.files.writes).toEqual([]);
  });

  it('imports the export without secrets with no passphrase, keeping the stored secrets', async () => {
    const { admin, rig } = await bench();
    const plain = (await admin.get('/api/export')).json() as { relays: unknown[] };
    plain.relays = [{ id: 'door' }, { id: 'gong' }, { id: 'gate' }];
    const response = await admin.post('/api/import', { config: plain });
    expect(response.statusCode, response.body).toBe(200);
    expect(rig.store.config.relays.map((r) => r.id)).toEqual(['door', 'gong', 'gate']);
    expect(rig.store.config.sip.account?.password).toBe(SECRETS.account);
    expect(rig.store.config.doorbell.doorCodes.map((c) => c.hash)).toEqual([SECRETS.family, SECRETS.parcel]);
  });

  it('refuses a body without a configuration and damaged encryption numbers', async () => {
    const { admin, rig } = await bench();
    expect((await admin.post('/api/import', { passphrase: PASSPHRASE })).json()).toMatchObject({ error: { code: 'INVALID', fields: { config: expect.any(String) } } });
    const file = (await admin.post('/api/export', { passphrase: PASSPHRASE })).json() as { encryption: { N: number } };
    file.encryption.N = 2 ** 24;
    expect((await admin.post('/api/import', { config: file, passphrase: PASSPHRASE })).json()).toMatchObject({ error: { code: 'BAD_EXPORT' } });
    expect(rig.files.writes).toEqual([]);
  });
});

describe('GET /api/log', () => {
  it('downloads the recorded events newest first, without any secret', async () => {
    const { admin, events } = await bench();
    events.record('buttonPressed', { button: '1' });
    events.record('doorOpened', { relay: 'door', code: 'family' });
    events.record('doorCodeRejected', { call: 'c1' });
    const response = await admin.get('/api/log');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-disposition']).toMatch(/^attachment; filename="sip-doorbell-log-/);
    const body = response.json() as { device: { version: string }; events: { kind: string; fields: object }[] };
    expect(body.device.version).toBe('0.1.0');
    expect(body.events.map((e) => e.kind)).toEqual(['doorCodeRejected', 'doorOpened', 'buttonPressed']);
    expect(body.events[1]!.fields).toEqual({ relay: 'door', code: 'family' });
    expectNoSecret(response.body);
  });
});

describe('access', () => {
  it('answers 401 without a session and 403 without the CSRF token on every new route, and saves nothing', async () => {
    const { server, admin, rig } = await bench();
    const stranger = new Client(server);
    const routes = [
      { method: 'GET' as const, url: '/api/log' },
      { method: 'POST' as const, url: '/api/export', body: { passphrase: PASSPHRASE } },
      { method: 'POST' as const, url: '/api/import', body: { config: { version: 1 } } },
    ];
    for (const route of routes) {
      const response = await stranger.send(route);
      expect(response.statusCode, route.url).toBe(401);
      expectNoSecret(response.body);
    }
    for (const route of routes.filter((r) => r.method === 'POST')) {
      const response = await admin.send({ ...route, noCsrf: true });
      expect(response.statusCode, route.url).toBe(403);
      expect(response.json()).toMatchObject({ error: { code: 'CSRF' } });
    }
    expect(rig.files.writes).toEqual([]);
  });
});
