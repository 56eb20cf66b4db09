// A provisioning server on fakes in a temp state directory, driven with fastify.inject, and a small browser-like
// client that keeps the session cookie and the CSRF token.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { FakeClock } from '../../../firmware-app/platform/FakeClock.ts';
import { createProvisioningServer, type ProvisioningServer } from '../../../provisioning/server.ts';
import { fakeActions, fakeStatus, fakeStore, memoryLogger, type FakeActions, type FakeStatus, type FakeStore, type MemoryLogger } from './fakes.ts';

export const PLACEHOLDER_ASSETS = { html: '<!doctype html><title>door</title><script src="/app.js"></script>', js: 'void 0;', css: 'body{}' };
export const ADMIN_PASSWORD = 'correct horse battery';

export interface Harness {
  readonly server: ProvisioningServer;
  readonly stateDir: string;
  readonly store: FakeStore;
  readonly status: FakeStatus;
  readonly actions: FakeActions;
  readonly logger: MemoryLogger;
  readonly clock: FakeClock;
  readonly announced: string[];
  /** The setup code made at start. */
  readonly setupCode: string;
  client(): Client;
  close(): Promise<void>;
}

export async function startHarness(options: { simulator?: boolean; stateDir?: string } = {}): Promise<Harness> {
  const stateDir = options.stateDir ?? path.join(mkdtempSync(path.join(tmpdir(), 'prov-')), 'state');
  const store = fakeStore();
  const status = fakeStatus();
  const actions = fakeActions(options.simulator ?? true);
  const logger = memoryLogger();
  const clock = new FakeClock(1_000_000);
  const announced: string[] = [];
  const server = await createProvisioningServer({
    store, status, actions, logger, clock, paths: { stateDir }, assets: PLACEHOLDER_ASSETS,
    passwordCost: { log2N: 10 }, announceSetupCode: (code) => announced.push(code),
  });
  return {
    server, stateDir, store, status, actions, logger, clock, announced,
    setupCode: server.setupCode ?? '',
    client: () => new Client(server),
    async close() {
      await server.close();
      if (options.stateDir === undefined) rmSync(path.dirname(stateDir), { recursive: true, force: true });
    },
  };
}

export interface Sent {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly url: string;
  readonly body?: unknown;
  /** A raw body (bad JSON tests); sent as application/json. */
  readonly raw?: string;
  /** Leave the CSRF token out. */
  readonly noCsrf?: boolean;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Keeps the cookie and CSRF token the way the page does. */
export class Client {
  readonly #server: ProvisioningServer;
  cookie: string | undefined;
  csrfToken: string | undefined;
  readonly responses: LightMyRequestResponse[] = [];

  constructor(server: ProvisioningServer) {
    this.#server = server;
  }

  async send(sent: Sent): Promise<LightMyRequestResponse> {
    const headers: Record<string, string> = { ...sent.headers };
    if (this.cookie !== undefined) headers.cookie = this.cookie;
    if (sent.method !== 'GET' && !sent.noCsrf && this.csrfToken !== undefined) headers['x-csrf-token'] = this.csrfToken;
    let payload: string | undefined;
    if (sent.raw !== undefined) payload = sent.raw;
    else if (sent.body !== undefined) payload = JSON.stringify(sent.body);
    if (payload !== undefined) headers['content-type'] = 'application/json';
    const response = await this.#server.app.inject({ method: sent.method, url: sent.url, headers, ...(payload === undefined ? {} : { payload }) });
    this.responses.push(response);
    const session = response.cookies.find((c) => c.name === 'doorbell_session');
    if (session !== undefined) this.cookie = session.value === '' ? undefined : `doorbell_session=${session.value}`;
    if (response.headers['content-type']?.toString().includes('json')) {
      const data = response.json() as { csrfToken?: unknown } | null;
      if (typeof data?.csrfToken === 'string') this.csrfToken = data.csrfToken;
    }
    return response;
  }

  get(url: string): Promise<LightMyRequestResponse> {
    return this.send({ method: 'GET', url });
  }

  post(url: string, body?: unknown, extra: Partial<Sent> = {}): Promise<LightMyRequestResponse> {
    return this.send({ method: 'POST', url, body, ...extra });
  }

  async setUp(code: string, password = ADMIN_PASSWORD): Promise<LightMyRequestResponse> {
    return this.post('/api/setup', { setupCode: code, password });
  }

  async logIn(password = ADMIN_PASSWORD): Promise<LightMyRequestResponse> {
    return this.post('/api/login', { password });
  }
}

/** A harness already set up with ADMIN_PASSWORD, and a client logged in. */
export async function setUpHarness(options: { simulator?: boolean } = {}): Promise<{ h: Harness; admin: Client }> {
  const h = await startHarness(options);
  const admin = h.client();
  const answer = await admin.setUp(h.setupCode);
  if (answer.statusCode !== 200) throw new Error(`setup failed: ${answer.statusCode} ${answer.body}`);
  return { h, admin };
}

/** Every API route with a body that would be valid, for the walks over all routes. */
export const API_ROUTES: readonly Sent[] = [
  { method: 'GET', url: '/api/status' },
  { method: 'GET', url: '/api/session' },
  { method: 'GET', url: '/api/config/sip' },
  { method: 'GET', url: '/api/config/doorbell' },
  { method: 'GET', url: '/api/export' },
  { method: 'PUT', url: '/api/config/media', body: { codecs: ['PCMA'] } },
  { method: 'POST', url: '/api/actions/open-door', body: {} },
  { method: 'POST', url: '/api/actions/test-call', body: {} },
  { method: 'POST', url: '/api/actions/pulse-relay', body: { relay: 'door', ms: 500 } },
  { method: 'POST', url: '/api/actions/led-test', body: {} },
  { method: 'POST', url: '/api/actions/speaker-test', body: {} },
  { method: 'POST', url: '/api/actions/mic-test', body: {} },
  { method: 'POST', url: '/api/simulate/button/1', body: {} },
  { method: 'POST', url: '/api/password', body: { current: ADMIN_PASSWORD, next: ADMIN_PASSWORD } },
  { method: 'POST', url: '/api/logout', body: {} },
  { method: 'GET', url: '/api/log' },
  { method: 'POST', url: '/api/export', body: { passphrase: 'a long export passphrase' } },
  { method: 'POST', url: '/api/import', body: { config: { relays: [{ id: 'door' }] } } },
  { method: 'POST', url: '/api/factory-reset', body: { confirm: 'RESET' } },
];

/** The state-changing routes (the CSRF token is required on each). */
export const STATE_CHANGING_ROUTES = API_ROUTES.filter((r) => r.method !== 'GET');
