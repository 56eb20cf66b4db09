// Who may use which route: before setup only `POST /api/setup`; then `POST /api/login`, and every other API route
// only with a logged-in session and, when it changes state, the session's CSRF token. Requests from another origin
// that change state are refused outright (login CSRF included).

import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuthState } from './authState.ts';
import type { BoundedSessionStore } from './sessionStore.ts';
import { ApiError } from './errors.ts';

/** A route's access level, set in its `config.access` (API routes without one need a session). */
export type Access = 'page' | 'setup' | 'login' | 'session';

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface Session {
    /** Set when this session logged in with the admin password (or completed setup). */
    admin?: boolean;
    /** The session store's epoch at login: sessions from before a password change or reset no longer count. */
    epoch?: number;
    _csrf?: string;
  }
}

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The header the page sends its CSRF token in; the token comes from `GET /api/session` or `GET /api/status`. */
export const CSRF_HEADER = 'x-csrf-token';

function accessOf(request: FastifyRequest): Access {
  const access = request.routeOptions.config.access;
  if (access !== undefined) return access;
  return request.url.startsWith('/api/') || request.url === '/api' ? 'session' : 'page';
}

/** A browser's request from a page of another site: a forged form or fetch. */
function isCrossSite(request: FastifyRequest): boolean {
  const site = request.headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site') return true;
  const origin = request.headers.origin;
  if (origin === undefined) return false;
  try {
    return new URL(origin).host !== request.headers.host;
  } catch {
    return true; // `Origin: null` (sandboxed frames, file:) is never our page
  }
}

/** Whether the request's session logged in (and not before the last password change or reset). */
export function isAdmin(request: FastifyRequest, sessions: BoundedSessionStore): boolean {
  return request.session.admin === true && request.session.epoch === sessions.epoch;
}

/** Installs the access checks; runs after @fastify/session has loaded the request's session. */
export function installAccessChecks(app: FastifyInstance, auth: AuthState, sessions: BoundedSessionStore): void {
  app.addHook('onRequest', async (request) => {
    const access = accessOf(request);
    if (access === 'page') return;
    if (auth.setupRequired) {
      if (access !== 'setup') throw new ApiError(401, 'SETUP_REQUIRED', 'the device is not set up yet: enter the setup code and choose a password');
      return;
    }
    if (access === 'setup') throw new ApiError(409, 'ALREADY_SET_UP', 'the device is already set up; log in');
    if (access === 'session' && !isAdmin(request, sessions)) throw new ApiError(401, 'UNAUTHENTICATED', 'log in first');
  });

  app.addHook('preHandler', (request, reply, done) => {
    if (!STATE_CHANGING.has(request.method)) return done();
    if (isCrossSite(request)) return done(new ApiError(403, 'CSRF', 'requests from another site are refused'));
    if (accessOf(request) !== 'session') return done();
    app.csrfProtection(request, reply, done);
  });
}
