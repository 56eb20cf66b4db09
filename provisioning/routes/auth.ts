// Setup, login, logout, password change and the session check (`/api/setup`, `/api/login`, `/api/logout`,
// `/api/password`, `/api/session`).

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CSRF_HEADER } from '../auth.ts';
import { SCRYPT_ROUTE_LIMIT, type RouteContext } from '../context.ts';
import { ApiError } from '../errors.ts';

const MIN_PASSWORD = 10;
const MAX_PASSWORD = 256;

function field(body: unknown, name: string): unknown {
  return typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined;
}

/** A new password's problem, or undefined when it is acceptable. */
function passwordProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'give a password';
  if ([...value].length < MIN_PASSWORD) return `at least ${MIN_PASSWORD} characters`;
  if (value.length > MAX_PASSWORD) return `at most ${MAX_PASSWORD} characters`;
  return undefined;
}

/** Refuses the attempt while the address (or everyone) is locked out. */
function refuseWhileLocked(ctx: RouteContext, address: string): void {
  const lock = ctx.lockout.check(address);
  if (lock === undefined) return;
  const retryAfterSec = Math.ceil(lock.retryAfterMs / 1000);
  throw new ApiError(429, 'LOCKED_OUT', `too many wrong attempts; try again in ${Math.ceil(retryAfterSec / 60)} min`, { retryAfterSec });
}

/** Counts a wrong password or setup code and logs it (never the value typed). */
function countFailure(ctx: RouteContext, address: string, what: 'password' | 'setupCode'): never {
  const result = ctx.lockout.fail(address);
  ctx.logger.warn('loginFailed', { from: address, what, failures: result.failures });
  if (result.lockedNow !== undefined) {
    const minutes = Math.ceil(result.lockedNow.retryAfterMs / 60_000);
    ctx.logger.warn('loginLockout', { from: address, scope: result.lockedNow.scope, minutes });
  }
  throw new ApiError(401, what === 'password' ? 'WRONG_PASSWORD' : 'WRONG_SETUP_CODE', what === 'password' ? 'wrong password' : 'wrong setup code');
}

/** Starts a fresh admin session (a new id: no fixation) and answers its CSRF token. */
async function logIn(ctx: RouteContext, request: FastifyRequest, reply: FastifyReply): Promise<{ ok: true; csrfToken: string }> {
  await request.session.regenerate();
  request.session.admin = true;
  request.session.epoch = ctx.sessions.epoch;
  const csrfToken = reply.generateCsrf();
  reply.header(CSRF_HEADER, csrfToken);
  return { ok: true, csrfToken };
}

export function authRoutes(app: FastifyInstance, ctx: RouteContext): void {
  app.post('/api/setup', { config: { access: 'setup', ...SCRYPT_ROUTE_LIMIT } }, async (request, reply) => {
    refuseWhileLocked(ctx, request.ip);
    const setupCode = field(request.body, 'setupCode');
    const password = field(request.body, 'password');
    if (typeof setupCode !== 'string' || setupCode.length > 64) {
      throw new ApiError(400, 'INVALID', 'give the setup code', { fields: { setupCode: 'the code from the device log or the setup-code file' } });
    }
    const problem = passwordProblem(password);
    if (problem !== undefined) throw new ApiError(400, 'INVALID', 'choose a longer password', { fields: { password: problem } });
    if (!(await ctx.auth.verifySetupCode(setupCode))) countFailure(ctx, request.ip, 'setupCode');
    // Two setups racing with the right code: only the first one that gets here sets the password.
    if (!ctx.auth.setupRequired) throw new ApiError(409, 'ALREADY_SET_UP', 'the device is already set up; log in');
    await ctx.auth.setPassword(password as string);
    ctx.lockout.succeed(request.ip);
    ctx.logger.info('setupCompleted', { from: request.ip });
    return logIn(ctx, request, reply);
  });

  app.post('/api/login', { config: { access: 'login', ...SCRYPT_ROUTE_LIMIT } }, async (request, reply) => {
    refuseWhileLocked(ctx, request.ip);
    const password = field(request.body, 'password');
    if (typeof password !== 'string' || password.length > MAX_PASSWORD) {
      throw new ApiError(400, 'INVALID', 'give the password', { fields: { password: 'required' } });
    }
    if (!(await ctx.auth.verifyPassword(password))) countFailure(ctx, request.ip, 'password');
    ctx.lockout.succeed(request.ip);
    ctx.logger.info('loggedIn', { from: request.ip });
    return logIn(ctx, request, reply);
  });

  app.post('/api/logout', async (request) => {
    await request.session.destroy();
    ctx.logger.info('loggedOut', { from: request.ip });
    return { ok: true };
  });

  app.post('/api/password', { config: SCRYPT_ROUTE_LIMIT }, async (request, reply) => {
    refuseWhileLocked(ctx, request.ip);
    const current = field(request.body, 'current');
    const next = field(request.body, 'next');
    const problem = passwordProblem(next);
    if (typeof current !== 'string' || current.length > MAX_PASSWORD || problem !== undefined) {
      const fields: Record<string, string> = {};
      if (typeof current !== 'string') fields.current = 'give the current password';
      if (problem !== undefined) fields.next = problem;
      throw new ApiError(400, 'INVALID', 'check the fields', { fields });
    }
    if (!(await ctx.auth.verifyPassword(current))) countFailure(ctx, request.ip, 'password');
    await ctx.auth.setPassword(next as string);
    ctx.sessions.clear(); // every browser logged in with the old password is out; this one logs in again
    ctx.logger.info('passwordChanged', { from: request.ip });
    return logIn(ctx, request, reply);
  });

  app.get('/api/session', async (_request, reply) => {
    const csrfToken = reply.generateCsrf();
    reply.header(CSRF_HEADER, csrfToken);
    return { authenticated: true, csrfToken };
  });
}
