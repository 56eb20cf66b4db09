// The provisioning web server: fastify with sessions, CSRF, rate limits and security headers, the JSON API of
// issue [6/8] and the page's three files. main.ts creates it, logs the setup code it returns, and listens.

import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyHelmet from '@fastify/helmet';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifySession from '@fastify/session';
import Fastify, { type FastifyInstance } from 'fastify';
import { createSystemClock, type Clock } from '../firmware-app/platform/Clock.ts';
import type { Logger } from '../firmware-app/platform/Logger.ts';
import { installAccessChecks } from './auth.ts';
import { loadAuthState } from './authState.ts';
import type { RouteContext } from './context.ts';
import { ApiError, installErrorHandler } from './errors.ts';
import { listenAddress, listenOn, type ListeningAddress } from './listen.ts';
import { type LockoutPolicy, openLoginLockout } from './lockout.ts';
import { DEFAULT_PASSWORD_COST, type PasswordHashCost } from './passwordHash.ts';
import type { ConfigStoreApi, DeviceActions, EventLogSource, ProvisioningPaths, StatusSource } from './ports.ts';
import { actionRoutes } from './routes/actions.ts';
import { authRoutes } from './routes/auth.ts';
import { configRoutes } from './routes/config.ts';
import { maintenanceRoutes } from './routes/maintenance.ts';
import { pageRoutes, type PageAssets } from './routes/pages.ts';
import { statusRoutes } from './routes/status.ts';
import { createSessionStore } from './sessionStore.ts';
import { createEventStreams } from './sse.ts';
import { deviceCertificate } from './tls.ts';

export type { PageAssets } from './routes/pages.ts';

export interface ProvisioningServerOptions {
  readonly store: ConfigStoreApi;
  readonly status: StatusSource;
  readonly actions: DeviceActions;
  /** The event log for `GET /api/log` (main's EventLog); default: the status's recent events. */
  readonly eventLog?: EventLogSource;
  readonly paths: ProvisioningPaths;
  readonly logger: Logger;
  readonly assets: PageAssets;
  /** Lockouts and heartbeats (default: the system clock). */
  readonly clock?: Clock;
  /**
   * Tells the owner a setup code made after a factory reset (main prints it to the terminal or the journal).
   * The code made at start is in `setupCode`. Default: a `setupRequired` line naming the setup-code file.
   */
  readonly announceSetupCode?: (code: string) => void;
  /** Tests only: cheaper scrypt and other lockout numbers. */
  readonly passwordCost?: PasswordHashCost;
  readonly lockout?: LockoutPolicy;
}

export interface ProvisioningServer {
  /** The setup code made at this start while nobody has chosen a password yet: main shows it to the owner. */
  readonly setupCode: string | undefined;
  /** The fastify instance (tests use `inject`). */
  readonly app: FastifyInstance;
  /** Listens on `http://host:port/` or `https://host:port/` (port 0: any free port); answers the real URL. */
  listen(url: string): Promise<{ readonly url: string }>;
  /**
   * Moves the page to another address (a saved `web.listen`): the old address stops answering, sessions stay. When the
   * new address cannot be listened on, the page goes back to the old one and the error is thrown.
   */
  move(url: string): Promise<{ readonly url: string }>;
  /** Ends the event streams and closes the server. */
  close(): Promise<void>;
}

const BODY_LIMIT = 64 * 1024;
const SESSION_HOURS = 12;

/** Loads (or makes) the page's auth state and builds the server; it listens only when `listen` is called. */
export async function createProvisioningServer(options: ProvisioningServerOptions): Promise<ProvisioningServer> {
  const { logger } = options;
  const clock = options.clock ?? createSystemClock((error) => logger.error('webTimerFailed', { error: String(error) }));
  const { state: auth, setupCode, unusableKeptAs } = await loadAuthState(options.paths.stateDir, options.passwordCost ?? DEFAULT_PASSWORD_COST);
  if (unusableKeptAs !== undefined) logger.warn('webAuthUnusable', { keptAs: unusableKeptAs, detail: 'the page is set up again with a new setup code' });
  const sessions = createSessionStore();
  const streams = createEventStreams(options.status, clock);

  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const app = Fastify({
    logger: false,
    bodyLimit: BODY_LIMIT,
    trustProxy: false,
    return503OnClosing: true,
    // The handler is kept so `listen` can serve it over HTTP or HTTPS; the URL is known only then.
    serverFactory: (h) => {
      handler = h;
      return createHttpServer(h);
    },
  });
  installErrorHandler(app, logger);
  // JSON only: a form or text body (what a cross-site form can send) is refused with 415 before any route runs.
  app.removeContentTypeParser('text/plain');
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"], scriptSrc: ["'self'"], styleSrc: ["'self'"], imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"], fontSrc: ["'self'"], objectSrc: ["'none'"], baseUri: ["'none'"],
        formAction: ["'self'"], frameAncestors: ["'none'"],
      },
    },
    // A self-signed certificate must not pin browsers to HTTPS for a year; the owner may go back to HTTP.
    strictTransportSecurity: false,
    crossOriginEmbedderPolicy: false,
  });
  await app.register(fastifyRateLimit, {
    global: true, max: 600, timeWindow: 60_000,
    errorResponseBuilder: (_request, context) =>
      new ApiError(429, 'RATE_LIMITED', 'too many requests; wait a moment', { retryAfterSec: Math.ceil(context.ttl / 1000) }),
  });
  await app.register(fastifyCookie);
  // @fastify/session's `secure: 'auto'` turns SameSite=Strict into Lax on plain HTTP; this runs before it writes the
  // cookie (hooks run in the order added) and puts Strict back: a cross-site link must not carry the session.
  app.addHook('onSend', async (request) => {
    if (request.session !== null && request.session !== undefined) request.session.cookie.sameSite = 'strict';
  });
  await app.register(fastifySession, {
    secret: auth.sessionSecret,
    cookieName: 'doorbell_session',
    store: sessions,
    saveUninitialized: false,
    cookie: { httpOnly: true, sameSite: 'strict', secure: 'auto', path: '/', maxAge: SESSION_HOURS * 3_600_000 },
  });
  await app.register(fastifyCsrf, { sessionPlugin: '@fastify/session', getToken: (request) => request.headers['x-csrf-token'] as string | undefined });
  installAccessChecks(app, auth, sessions);

  const announceSetupCode = options.announceSetupCode
    ?? (() => logger.warn('setupRequired', { setupCodeFile: auth.setupCodeFile }));
  // Kept in the state directory: a restart (a power cut) does not reset the counters an attacker ran up.
  const lockout = openLoginLockout(options.paths.stateDir, { clock, logger, ...(options.lockout !== undefined ? { policy: options.lockout } : {}) });
  const ctx: RouteContext = {
    store: options.store, status: options.status, actions: options.actions, eventLog: options.eventLog, logger, clock, auth, sessions,
    lockout, announceSetupCode,
  };
  pageRoutes(app, options.assets);
  authRoutes(app, ctx);
  statusRoutes(app, ctx, streams);
  configRoutes(app, ctx);
  maintenanceRoutes(app, ctx);
  actionRoutes(app, ctx);
  await app.ready();

  // We listen ourselves (fastify's listen knows only its own HTTP server), so we close the server ourselves too.
  let listening: Server | undefined;
  let listeningOn: string | undefined;
  let closed = false;
  const listen = async (url: string): Promise<{ readonly url: string }> => {
    if (closed) throw new ApiError(500, 'CLOSED', 'the page server is closed');
    if (listening !== undefined) throw new ApiError(500, 'ALREADY_LISTENING', 'the page listens already');
    const address: ListeningAddress = listenAddress(url);
    let server: Server;
    if (address.https) {
      const tls = await deviceCertificate(options.paths.stateDir, address.host);
      server = createHttpsServer({ key: tls.key, cert: tls.cert }, handler);
    } else {
      server = app.server;
    }
    const actual = await listenOn(server, address);
    listening = server;
    listeningOn = url;
    logger.info('webListening', { url: actual });
    return { url: actual };
  };
  /** Stops listening: event streams ended, open connections cut. */
  const unlisten = async (): Promise<void> => {
    streams.closeAll();
    const server = listening;
    listening = undefined;
    if (server?.listening === true) {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    }
  };
  return {
    setupCode,
    app,
    listen,
    async move(url) {
      if (closed) throw new ApiError(500, 'CLOSED', 'the page server is closed');
      const previous = listeningOn;
      await unlisten();
      try {
        return await listen(url);
      } catch (error) {
        if (previous === undefined) throw error;
        try {
          await listen(previous);
        } catch (back) {
          const said = (e: unknown): string => (e instanceof Error ? e.message : String(e));
          throw new Error(`${said(error)}; and back at ${previous}: ${said(back)} (the page listens nowhere)`, { cause: error });
        }
        throw error;
      }
    },
    async close() {
      closed = true;
      await unlisten();
      await app.close();
      await lockout.flush();
    },
  };
}
