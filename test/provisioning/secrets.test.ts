// Secrets are write-only: a walk over every route (setup, login, all API routes, the page, errors, export, the event
// stream) never shows a SIP password, a door code hash, the admin password or its hash, the session secret or the
// setup code, in a body or a header.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { STORE_SECRETS } from './support/fakes.ts';
import { ADMIN_PASSWORD, API_ROUTES, startHarness, type Harness } from './support/harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

it('no response body or header of a full walk contains a secret', async () => {
  h = await startHarness();
  const setupCode = h.setupCode;
  const owner = h.client();
  const texts: string[] = [];
  const record = (response: { body: string; headers: Record<string, unknown> }): void => {
    texts.push(response.body, JSON.stringify(response.headers));
  };
  for (const route of [...API_ROUTES, { method: 'GET' as const, url: '/' }, { method: 'GET' as const, url: '/app.js' }]) record(await owner.send(route));
  record(await owner.setUp('WRONG-CODE-0000'));
  record(await owner.setUp(setupCode, 'short'));
  record(await owner.setUp(setupCode));

  const auth = JSON.parse(readFileSync(path.join(h.stateDir, 'web-auth.json'), 'utf8')) as { sessionSecret: string; passwordHash: string };
  const secrets = [ADMIN_PASSWORD, auth.sessionSecret, auth.passwordHash, auth.passwordHash.split('$').at(-1)!, setupCode, setupCode.replace(/-/g, ''), STORE_SECRETS.sipPassword, STORE_SECRETS.doorCodeHash];

  const walk = async (): Promise<void> => {
    for (const route of API_ROUTES.filter((r) => r.url !== '/api/factory-reset' && r.url !== '/api/logout')) record(await owner.send(route));
    for (const section of ['sip', 'media', 'audio', 'gpio', 'buttons', 'relays', 'leds', 'schedules', 'doorbell', 'web', 'nothing']) {
      record(await owner.get(`/api/config/${section}`));
    }
    record(await owner.send({ method: 'PUT', url: '/api/config/sip', body: { account: { password: STORE_SECRETS.sipPassword.toUpperCase() } } }));
    record(await owner.send({ method: 'PUT', url: '/api/config/sip', raw: '{bad' }));
    record(await owner.post('/api/password', { current: 'not it at all', next: ADMIN_PASSWORD }));
    record(await owner.post('/api/login', { password: 'wrong password!' }));
    record(await owner.post('/api/login', { password: ADMIN_PASSWORD }));
    record(await owner.get('/api/status'));
  };
  await walk();
  record(await owner.post('/api/logout', {}));
  record(await owner.logIn());

  const events = h.server.app.inject({ method: 'GET', url: '/api/events', headers: { cookie: owner.cookie! } });
  await h.status.subscribed();
  h.status.setDoor('calling');
  await h.server.close();
  const stream = await events;
  expect(stream.body).toContain('"state":"calling"');
  record(stream);

  expect(texts.length).toBeGreaterThan(60);
  for (const secret of secrets) {
    for (const text of texts) expect(text.includes(secret), `a response contains ${secret.slice(0, 6)}…`).toBe(false);
  }
  for (const secret of secrets) expect(h.logger.lines.join('\n')).not.toContain(secret);
});
