// Who may use which route: before setup only POST /api/setup; without a session 401; without the CSRF token 403.
import { afterEach, describe, expect, it } from 'vitest';
import { API_ROUTES, STATE_CHANGING_ROUTES, setUpHarness, startHarness, type Harness } from './support/harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('before setup', () => {
  it('answers 401 SETUP_REQUIRED on every API route, the event stream and unknown API paths', async () => {
    h = await startHarness();
    const client = h.client();
    for (const route of [...API_ROUTES, { method: 'GET' as const, url: '/api/events' }, { method: 'POST' as const, url: '/api/login', body: { password: 'x' } }, { method: 'GET' as const, url: '/api/nothing' }]) {
      const response = await client.send(route);
      expect(response.statusCode, `${route.method} ${route.url}`).toBe(401);
      expect(response.json(), `${route.method} ${route.url}`).toMatchObject({ error: { code: 'SETUP_REQUIRED' } });
    }
    expect(h.actions.calls).toEqual([]);
    expect(h.store.writes).toEqual([]);
    expect(h.store.imports).toEqual([]);
    expect(h.store.factoryResets).toBe(0);
  });

  it('serves the page at / and sends every other page path to /', async () => {
    h = await startHarness();
    const client = h.client();
    const page = await client.get('/');
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect((await client.get('/app.js')).headers['content-type']).toContain('javascript');
    expect((await client.get('/app.css')).headers['content-type']).toContain('text/css');
    const other = await client.get('/settings/sip');
    expect(other.statusCode).toBe(302);
    expect(other.headers.location).toBe('/');
  });
});

describe('after setup', () => {
  it('answers 401 UNAUTHENTICATED on every API route without a session', async () => {
    ({ h } = await setUpHarness());
    const stranger = h.client();
    for (const route of [...API_ROUTES, { method: 'GET' as const, url: '/api/events' }, { method: 'GET' as const, url: '/api/nothing' }]) {
      const response = await stranger.send(route);
      expect(response.statusCode, `${route.method} ${route.url}`).toBe(401);
      expect(response.json(), `${route.method} ${route.url}`).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
    }
    expect(h.actions.calls).toEqual([]);
    expect(h.store.writes).toEqual([]);
    expect(h.store.imports).toEqual([]);
  });

  it('answers 403 CSRF on every state-changing route with a session but without the token, and does nothing', async () => {
    let admin;
    ({ h, admin } = await setUpHarness());
    for (const route of STATE_CHANGING_ROUTES) {
      const response = await admin.send({ ...route, noCsrf: true });
      expect(response.statusCode, `${route.method} ${route.url}`).toBe(403);
      expect(response.json(), `${route.method} ${route.url}`).toMatchObject({ error: { code: 'CSRF' } });
      const wrong = await admin.send({ ...route, noCsrf: true, headers: { 'x-csrf-token': 'abc-forged' } });
      expect(wrong.statusCode, `${route.method} ${route.url} forged`).toBe(403);
    }
    expect(h.actions.calls).toEqual([]);
    expect(h.store.writes).toEqual([]);
    expect(h.store.imports).toEqual([]);
    expect(h.store.factoryResets).toBe(0);
    expect((await admin.get('/api/session')).statusCode).toBe(200); // still logged in
  });

  it('refuses a state-changing request from another origin even with session and token', async () => {
    let admin;
    ({ h, admin } = await setUpHarness());
    const response = await admin.post('/api/actions/open-door', {}, { headers: { origin: 'http://evil.example', host: 'door.local' } });
    expect(response.statusCode).toBe(403);
    const login = await h.client().post('/api/login', { password: 'x'.repeat(12) }, { headers: { 'sec-fetch-site': 'cross-site' } });
    expect(login.statusCode).toBe(403);
    expect(h.actions.calls).toEqual([]);
  });

  it('runs every route with session and token', async () => {
    let admin;
    ({ h, admin } = await setUpHarness());
    for (const route of API_ROUTES.filter((r) => !['/api/logout', '/api/factory-reset'].includes(r.url))) {
      const response = await admin.send(route);
      expect(response.statusCode, `${route.method} ${route.url} ${response.body}`).toBe(200);
    }
    expect(h.actions.calls).toEqual(['openDoor', 'testCall', 'pulseRelay door 500', 'ledTest', 'speakerTest', 'micTest', 'press 1']);
    expect(h.store.writes).toEqual([{ section: 'media', value: { codecs: ['PCMA'] } }]);
  });
});
