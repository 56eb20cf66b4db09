// The configuration page's API as the owner uses it: setup with the code the door printed, then a logged-in client
// (session cookie and CSRF token) for tests that drive a door started from its command line.

import { expect } from 'vitest';
import type { DoorProcess } from './doorProcess.ts';

/** A logged-in API client: paths are relative to the page's URL (`api/status`). */
export interface PageApi {
  readonly url: string;
  get(path: string): Promise<Response>;
  put(path: string, body: unknown): Promise<Response>;
  post(path: string, body?: unknown): Promise<Response>;
}

/** Reads the `setupRequired` line, claims the device with its code and `password`, and returns the session's client. */
export async function setUpPage(door: DoorProcess, password = 'owner-password-1'): Promise<PageApi> {
  const line = await door.waitForLine(/ setupRequired url=\S+ setupCode=\S+/, 10_000);
  const url = /url=(\S+)/.exec(line)![1]!;
  const setupCode = /setupCode=(\S+)/.exec(line)![1]!;
  const setup = await fetch(`${url}api/setup`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ setupCode, password }),
  });
  expect(setup.status).toBe(200);
  const cookie = setup.headers.get('set-cookie')!.split(';')[0]!;
  const { csrfToken } = (await setup.json()) as { csrfToken: string };
  const send = (method: string, path: string, body: unknown): Promise<Response> => fetch(`${url}${path}`, {
    method, headers: { cookie, 'x-csrf-token': csrfToken, 'content-type': 'application/json' }, body: JSON.stringify(body),
  });
  return {
    url,
    get: (path) => fetch(`${url}${path}`, { headers: { cookie } }),
    put: (path, body) => send('PUT', path, body),
    post: (path, body = {}) => send('POST', path, body),
  };
}
