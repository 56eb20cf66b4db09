// Setup with the one-time code, login lockout, logout, password change, factory reset back to setup.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, setUpHarness, startHarness, type Harness } from './support/harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const mode = (file: string): number => statSync(file).mode & 0o777;

describe('first start and setup', () => {
  it('makes a setup code, keeps only its hash in web-auth.json and the code in setup-code, both 0600 in a 0700 dir', async () => {
    h = await startHarness();
    expect(h.setupCode).toMatch(/^[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$/);
    expect(mode(h.stateDir)).toBe(0o700);
    const authFile = path.join(h.stateDir, 'web-auth.json');
    expect(mode(authFile)).toBe(0o600);
    expect(readFileSync(authFile, 'utf8')).not.toContain(h.setupCode.replace(/-/g, ''));
    expect(readFileSync(authFile, 'utf8')).not.toContain(h.setupCode);
    expect(mode(path.join(h.stateDir, 'setup-code'))).toBe(0o600);
    expect(readFileSync(path.join(h.stateDir, 'setup-code'), 'utf8').trim()).toBe(h.setupCode);
  });

  it('a damaged web-auth.json is kept beside and setup begins again with a new code, instead of a door without its page', async () => {
    const stateDir = path.join(mkdtempSync(path.join(tmpdir(), 'prov-broken-')), 'state');
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    writeFileSync(path.join(stateDir, 'web-auth.json'), '{"version":1,"passwordHash":"scr', { mode: 0o600 });
    try {
      h = await startHarness({ stateDir });
      expect(h.setupCode).not.toBe('');
      const kept = readdirSync(stateDir).filter((name) => name.startsWith('web-auth.json.broken-'));
      expect(kept).toHaveLength(1);
      expect(readFileSync(path.join(stateDir, kept[0]!), 'utf8')).toBe('{"version":1,"passwordHash":"scr');
      expect(h.logger.lines.find((line) => line.startsWith('warn webAuthUnusable'))).toContain(kept[0]);
      const owner = h.client();
      expect((await owner.setUp(h.setupCode)).statusCode).toBe(200);
    } finally {
      await h?.close();
      h = undefined;
      rmSync(path.dirname(stateDir), { recursive: true, force: true });
    }
  });

  it('refuses a wrong code and a short password, accepts the right code, logs in, then refuses a second setup', async () => {
    h = await startHarness();
    const owner = h.client();
    const wrong = await owner.setUp('AAAA-BBBB-CCCC');
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json()).toMatchObject({ error: { code: 'WRONG_SETUP_CODE' } });
    const short = await owner.setUp(h.setupCode, 'short');
    expect(short.statusCode).toBe(400);
    expect(short.json()).toMatchObject({ error: { code: 'INVALID', fields: { password: expect.any(String) } } });

    const right = await owner.setUp(h.setupCode.toLowerCase().replace(/-/g, ' '));
    expect(right.statusCode).toBe(200);
    expect(right.headers['set-cookie']).toBeDefined();
    expect(h.logger.count('setupCompleted')).toBe(1);
    expect(existsSync(path.join(h.stateDir, 'setup-code'))).toBe(false);
    expect((await owner.get('/api/status')).statusCode).toBe(200);

    const again = await h.client().setUp(h.setupCode, 'another password!');
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ error: { code: 'ALREADY_SET_UP' } });
    expect((await h.client().logIn('another password!')).statusCode).toBe(401);
    expect((await h.client().logIn()).statusCode).toBe(200);
  });

  it('counts wrong setup codes toward the lockout', async () => {
    h = await startHarness();
    const guesser = h.client();
    for (let i = 0; i < 5; i += 1) expect((await guesser.setUp(`AAAA-BBBB-CCC${i + 2}`)).statusCode).toBe(401);
    const locked = await guesser.setUp(h.setupCode);
    expect(locked.statusCode).toBe(429);
    expect(h.logger.count('loginLockout')).toBe(1);
  });

  it('keeps the password across a restart and makes a new setup code while setup is pending', async () => {
    h = await startHarness();
    const first = h.setupCode;
    const stateDir = h.stateDir;
    await h.server.close();
    const again = await startHarness({ stateDir });
    expect(again.setupCode).not.toBe(first);
    expect((await again.client().setUp(first)).statusCode).toBe(401);
    expect((await again.client().setUp(again.setupCode)).statusCode).toBe(200);
    await again.server.close();
    const third = await startHarness({ stateDir });
    expect(third.server.setupCode).toBeUndefined();
    expect((await third.client().logIn()).statusCode).toBe(200);
    await third.close();
  });
});

describe('login', () => {
  it('locks an address out after 5 wrong passwords: 429 with Retry-After, even for the right one, one loginLockout line', async () => {
    ({ h } = await setUpHarness());
    const attacker = h.client();
    for (let i = 0; i < 5; i += 1) {
      const wrong = await attacker.logIn(`wrong password ${i}`);
      expect(wrong.statusCode).toBe(401);
      expect(wrong.json()).toMatchObject({ error: { code: 'WRONG_PASSWORD' } });
    }
    const locked = await attacker.logIn();
    expect(locked.statusCode).toBe(429);
    expect(locked.json()).toMatchObject({ error: { code: 'LOCKED_OUT' } });
    expect(Number(locked.headers['retry-after'])).toBe(900);
    expect(h.logger.count('loginFailed')).toBe(5);
    expect(h.logger.count('loginLockout')).toBe(1);
    expect(h.logger.lines.join('\n')).not.toContain('wrong password');

    h.clock.advance(10 * 60_000);
    const later = await attacker.logIn();
    expect(later.statusCode).toBe(429);
    expect(Number(later.headers['retry-after'])).toBe(300);
    h.clock.advance(5 * 60_000);
    expect((await attacker.logIn()).statusCode).toBe(200);
  });

  it('locks everyone out after 20 wrong passwords from many addresses', async () => {
    ({ h } = await setUpHarness());
    for (let i = 0; i < 20; i += 1) {
      const response = await h.server.app.inject({ method: 'POST', url: '/api/login', payload: { password: `guess number ${i}` }, remoteAddress: `10.0.0.${i + 1}` });
      expect(response.statusCode).toBe(401);
    }
    const owner = await h.server.app.inject({ method: 'POST', url: '/api/login', payload: { password: ADMIN_PASSWORD }, remoteAddress: '10.0.1.1' });
    expect(owner.statusCode).toBe(429);
    expect(h.logger.lines.filter((l) => l.startsWith('warn loginLockout')).join()).toContain('scope=overall');
  });

  it('logout ends the session', async () => {
    let admin;
    ({ h, admin } = await setUpHarness());
    const cookie = admin.cookie;
    expect((await admin.post('/api/logout', {})).statusCode).toBe(200);
    admin.cookie = cookie; // a browser that kept the old cookie gets nothing with it
    expect((await admin.get('/api/status')).statusCode).toBe(401);
  });

  it('changes the password: wrong current refused, old sessions and password end, the new one works', async () => {
    let admin;
    ({ h, admin } = await setUpHarness());
    const other = h.client();
    expect((await other.logIn()).statusCode).toBe(200);
    const wrong = await admin.post('/api/password', { current: 'not the password', next: 'a new password 42' });
    expect(wrong.statusCode).toBe(401);
    const weak = await admin.post('/api/password', { current: ADMIN_PASSWORD, next: 'short' });
    expect(weak.statusCode).toBe(400);
    expect(weak.json()).toMatchObject({ error: { fields: { next: expect.any(String) } } });
    const changed = await admin.post('/api/password', { current: ADMIN_PASSWORD, next: 'a new password 42' });
    expect(changed.statusCode).toBe(200);
    expect(h.logger.count('passwordChanged')).toBe(1);
    expect((await admin.get('/api/status')).statusCode).toBe(200);
    expect((await other.get('/api/status')).statusCode).toBe(401);
    expect((await h.client().logIn()).statusCode).toBe(401);
    expect((await h.client().logIn('a new password 42')).statusCode).toBe(200);
  });

  it('factory reset needs the confirmation, then ends every session and starts setup with a new code', async () => {
    let admin;
    ({ h, admin } = await setUpHarness());
    expect((await admin.post('/api/factory-reset', { confirm: 'yes' })).statusCode).toBe(400);
    expect(h.store.factoryResets).toBe(0);
    expect((await admin.post('/api/factory-reset', { confirm: 'RESET' })).statusCode).toBe(200);
    expect(h.store.factoryResets).toBe(1);
    expect(h.announced).toHaveLength(1);
    expect(h.announced[0]).not.toBe(h.setupCode);
    expect((await admin.get('/api/status')).json()).toMatchObject({ error: { code: 'SETUP_REQUIRED' } });
    expect((await h.client().setUp(h.setupCode)).statusCode).toBe(401);
    expect((await h.client().setUp(h.announced[0]!)).statusCode).toBe(200);
  });
});
