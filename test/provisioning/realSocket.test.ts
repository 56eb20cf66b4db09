// One test over a real loopback socket: setup with the code, then login, the status with the CSRF token and a
// config save, with fetch as a browser would send them.
import { type AddressInfo, type Server, createServer } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { ADMIN_PASSWORD, startHarness, type Harness } from './support/harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

it('sets up, logs in and saves over HTTP on 127.0.0.1', async () => {
  h = await startHarness();
  const { url } = await h.server.listen('http://127.0.0.1:0/');
  expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  const call = (path: string, init: RequestInit = {}): Promise<Response> => fetch(new URL(path, url), { ...init, signal: AbortSignal.timeout(5_000) });
  const json = { 'content-type': 'application/json' };

  expect((await call('/api/status')).status).toBe(401);
  const setup = await call('/api/setup', { method: 'POST', headers: json, body: JSON.stringify({ setupCode: h.setupCode, password: ADMIN_PASSWORD }) });
  expect(setup.status).toBe(200);

  const login = await call('/api/login', { method: 'POST', headers: json, body: JSON.stringify({ password: ADMIN_PASSWORD }) });
  expect(login.status).toBe(200);
  const cookie = login.headers.getSetCookie().find((c) => c.startsWith('doorbell_session='))!.split(';')[0]!;
  const status = await call('/api/status', { headers: { cookie } });
  expect(status.status).toBe(200);
  const body = (await status.json()) as { csrfToken: string; registration: { state: string } };
  expect(body.registration.state).toBe('registered');
  expect(status.headers.get('x-csrf-token')).toBe(body.csrfToken);

  const save = await call('/api/config/audio', { method: 'PUT', headers: { ...json, cookie, 'x-csrf-token': body.csrfToken }, body: JSON.stringify({ volume: 70 }) });
  expect(save.status).toBe(200);
  expect(h.store.writes).toEqual([{ section: 'audio', value: { volume: 70 } }]);
  const bad = await call('/api/config/audio', { method: 'PUT', headers: { ...json, cookie, 'x-csrf-token': body.csrfToken }, body: '{' });
  expect(bad.status).toBe(400);

  await h.server.close(); // the socket is really closed: nothing keeps the process alive after stop
  await expect(call('/api/status')).rejects.toThrow();
});

/** A loopback TCP server on a free port (a port held by another program). */
async function holdPort(): Promise<Server> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

async function freePort(): Promise<number> {
  const server = await holdPort();
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

it('moves to another address keeping sessions; an address it cannot listen on leaves it where it was', async () => {
  h = await startHarness();
  const first = (await h.server.listen('http://127.0.0.1:0/')).url;
  const setup = await fetch(new URL('/api/setup', first), {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ setupCode: h.setupCode, password: ADMIN_PASSWORD }),
  });
  const cookie = setup.headers.getSetCookie().find((c) => c.startsWith('doorbell_session='))!.split(';')[0]!;

  const port = await freePort();
  const moved = (await h.server.move(`http://127.0.0.1:${port}/`)).url;
  expect(moved).toBe(`http://127.0.0.1:${port}/`);
  await expect(fetch(new URL('/api/status', first))).rejects.toThrow();
  expect((await fetch(new URL('/api/status', moved), { headers: { cookie } })).status).toBe(200);

  const holder = await holdPort();
  try {
    const taken = (holder.address() as AddressInfo).port;
    await expect(h.server.move(`http://127.0.0.1:${taken}/`)).rejects.toThrow(/cannot listen on 127\.0\.0\.1:\d+: .*EADDRINUSE/);
    expect((await fetch(new URL('/api/status', moved), { headers: { cookie } })).status).toBe(200);
  } finally {
    holder.close();
  }
});

it('refuses to listen or move once closed', async () => {
  h = await startHarness();
  await h.server.listen('http://127.0.0.1:0/');
  await h.server.close();
  await expect(h.server.move('http://127.0.0.1:0/')).rejects.toThrow(/closed/);
  await expect(h.server.listen('http://127.0.0.1:0/')).rejects.toThrow(/closed/);
});
