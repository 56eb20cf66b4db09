// What the route modules share: the ports main gave the server and the server's own auth state.

import type { Clock } from '../firmware-app/platform/Clock.ts';
import type { Logger } from '../firmware-app/platform/Logger.ts';
import type { AuthState } from './authState.ts';
import type { LoginLockout } from './lockout.ts';
import type { ConfigStoreApi, DeviceActions, EventLogSource, StatusSource } from './ports.ts';
import type { BoundedSessionStore } from './sessionStore.ts';

export interface RouteContext {
  readonly store: ConfigStoreApi;
  readonly status: StatusSource;
  readonly actions: DeviceActions;
  /** `GET /api/log`; without it the status's recent events. */
  readonly eventLog: EventLogSource | undefined;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly auth: AuthState;
  readonly lockout: LoginLockout;
  readonly sessions: BoundedSessionStore;
  /** Tells the owner a new setup code (after a factory reset). */
  readonly announceSetupCode: (code: string) => void;
}

/** Rate limit of the routes that run scrypt (a Pi must not be kept busy hashing): per address and minute. */
export const SCRYPT_ROUTE_LIMIT = { rateLimit: { max: 20, timeWindow: 60_000 } } as const;
