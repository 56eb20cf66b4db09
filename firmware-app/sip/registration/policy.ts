// Registration timing (baresip/re policy, RFC 3261 §10.2.1, §21.5.4, RFC 5626 §4.4.1): refresh, back-off, keep-alive.

/** Requested expiry when the configuration names none (seconds). */
export const DEFAULT_EXPIRES_S = 600;
/** Keep-alive interval when the configuration names none (seconds); jittered ±20 %. */
export const DEFAULT_KEEPALIVE_S = 25;
/** RFC 5626 §4.5 base-time when all flows failed (we keep one): the wait ceiling is base · 2^failures … */
export const BACKOFF_BASE_S = 30;
/** … up to this cap (max-time, 30 min), which also bounds a 503's Retry-After. */
export const BACKOFF_CAP_S = 1800;
/** Base-time after a 403: the account is refused, so ask again rarely (but do ask: the PBX side may be fixed). */
export const FORBIDDEN_BACKOFF_BASE_S = 300;
/** RFC 5626 §4.4.1: a CRLF ping not answered by a pong within this long means the flow is dead (milliseconds). */
export const PONG_TIMEOUT_MS = 10_000;
/** Refresh at this fraction of the granted expiry … */
export const REFRESH_FRACTION = 0.9;
/** … and at least this many seconds before the binding runs out, so a short expiry survives one lost request. */
export const REFRESH_MARGIN_S = 5;
/** stop() resolves after this long even when the un-REGISTER is never answered (milliseconds). */
export const STOP_BOUND_MS = 5000;

function unit(value: number): number {
  return Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0.5;
}

/**
 * RFC 5626 §4.5: seconds to wait after `failures` consecutive failures (1 for the first):
 * `min(1800, base · 2^failures) × (0.5 … 1.0)`, the factor drawn from `random`; base 30 s (all flows failed), 300 s
 * after a 403. Jitter keeps a house full of devices that lost the same server from coming back at the same second.
 * (The first retry after a flow failure is not backed off at all: it goes at once.)
 */
export function backoffSeconds(failures: number, random: () => number, base: number = BACKOFF_BASE_S): number {
  const n = Math.min(Math.max(0, failures), 16);
  const ceiling = Math.min(BACKOFF_CAP_S, base * 2 ** n);
  return ceiling * (0.5 + 0.5 * unit(random()));
}

/** When to refresh a binding granted for `expires` seconds: at 90 %, never later than 5 s before it ends, never before half. */
export function refreshSeconds(expires: number): number {
  return Math.max(expires / 2, Math.min(expires * REFRESH_FRACTION, expires - REFRESH_MARGIN_S));
}

/**
 * Seconds to the next keep-alive. RFC 5626 §4.4.1: with a `Flow-Timer` from the registrar, between 80 % and 100 %
 * of it; otherwise the configured interval ±20 %.
 */
export function keepAliveSeconds(configured: number, random: () => number, flowTimer?: number): number {
  const r = unit(random());
  return flowTimer !== undefined ? flowTimer * (0.8 + 0.2 * r) : configured * (0.8 + 0.4 * r);
}

/** The delta-seconds of a Retry-After value (RFC 3261 §20.33: `120 (comment);duration=…`), or undefined. */
export function parseRetryAfter(value: string | undefined): number | undefined {
  const match = value === undefined ? null : /^\s*(\d{1,10})/.exec(value);
  return match === null ? undefined : Number(match[1]);
}

/** A positive integer header value (Min-Expires, Flow-Timer), or undefined. */
export function parseSeconds(value: string | undefined): number | undefined {
  const match = value === undefined ? null : /^\s*(\d{1,10})\s*$/.exec(value);
  if (match === null) return undefined;
  const seconds = Number(match[1]);
  return seconds > 0 ? seconds : undefined;
}
