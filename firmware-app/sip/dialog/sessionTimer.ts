// RFC 4028 session timers: Session-Expires negotiation and the refresh and expiry timers of one session.

import type { Clock, TimerHandle } from '../../platform/Clock.ts';
import type { SipMessage } from '../message/index.ts';
import { supports } from './headers.ts';

/** The interval we ask for by default (RFC 4028 §4 recommends 1800 s). */
export const DEFAULT_SESSION_EXPIRES_S = 1800;

/** RFC 4028 §4: the smallest interval anyone may ask for. */
export const MIN_SE_S = 90;

export type Refresher = 'uac' | 'uas';

export interface SessionExpires {
  readonly delta: number;
  readonly refresher: Refresher | undefined;
}

/** The agreed terms, seen from our side: the interval in seconds and who sends the refreshes. */
export interface SessionTimerTerms {
  readonly interval: number;
  readonly refresher: 'local' | 'remote';
}

/** `Session-Expires: 1800;refresher=uac` (§4); undefined when absent or malformed. */
export function parseSessionExpires(message: SipMessage): SessionExpires | undefined {
  const value = message.header('session-expires');
  if (value === undefined) return undefined;
  const [head, ...params] = value.split(';');
  const delta = head!.trim();
  if (!/^\d{1,9}$/.test(delta)) return undefined;
  let refresher: Refresher | undefined;
  for (const param of params) {
    const [name, v] = param.split('=');
    const r = v?.trim().toLowerCase();
    if (name?.trim().toLowerCase() === 'refresher' && (r === 'uac' || r === 'uas')) refresher = r;
  }
  return { delta: Number(delta), refresher };
}

/** The Min-SE of a message (a 422 says what it needs, §6). */
export function parseMinSE(message: SipMessage): number | undefined {
  const value = message.header('min-se')?.split(';')[0]?.trim();
  return value !== undefined && /^\d{1,9}$/.test(value) ? Number(value) : undefined;
}

/**
 * §9: "If an incoming request contains a Supported header field with a value 'timer' and a Session Expires header
 * field, the UAS MAY reject the INVITE request with a 422 (Session Interval Too Small) response if the session
 * interval in the Session-Expires header field is smaller than the minimum interval defined by the UAS' local
 * policy", with our Min-SE in it. Ours is RFC 4028's floor, 90 s; the same holds for a re-INVITE and an UPDATE.
 * A UAC without `timer` could not retry, so its interval stands (we refresh, §9). Returns the 422's headers, or
 * undefined when the request may go on.
 */
export function intervalTooSmall(request: SipMessage, minSE: number = MIN_SE_S): Array<readonly [string, string]> | undefined {
  const se = parseSessionExpires(request);
  if (se === undefined || se.delta >= minSE || !supports(request, 'timer')) return undefined;
  return [['Min-SE', String(minSE)]];
}

/**
 * §7.2: the terms of a 2xx to a session refresh request *we* sent (initial INVITE, re-INVITE, UPDATE).
 * No Session-Expires: no session timer. `refresher=uac` is us; the UAS must name one, and if it did not we
 * refresh ourselves, which is the safe side.
 */
export function termsOfResponse(response: SipMessage): SessionTimerTerms | undefined {
  const se = parseSessionExpires(response);
  if (se === undefined || se.delta === 0) return undefined;
  return { interval: se.delta, refresher: se.refresher === 'uas' ? 'remote' : 'local' };
}

/**
 * §9: the terms of our 2xx to a session refresh request the peer sent, and the headers that say them. We
 * take the peer's interval as it is (no 422 of our own). The peer's refresher choice stands; without one, the
 * UAC refreshes when it supports timers and we do otherwise. A UAC without `Supported: timer` cannot be the
 * refresher, and a UAC that supports timers gets `Require: timer`.
 */
export function termsForAnswer(request: SipMessage): { terms: SessionTimerTerms; headers: Array<readonly [string, string]> } | undefined {
  const se = parseSessionExpires(request);
  if (se === undefined || se.delta === 0) return undefined;
  const uacSupports = supports(request, 'timer');
  const refresher: Refresher = uacSupports ? (se.refresher ?? 'uac') : 'uas';
  const headers: Array<readonly [string, string]> = [['Session-Expires', `${se.delta};refresher=${refresher}`]];
  if (uacSupports) headers.push(['Require', 'timer']);
  return { terms: { interval: se.delta, refresher: refresher === 'uac' ? 'remote' : 'local' }, headers };
}

/** The refresh and expiry timers of one session (§10). */
export class SessionTimer {
  readonly #clock: Clock;
  readonly #onRefresh: () => void;
  readonly #onExpire: () => void;
  #refresh: TimerHandle | undefined;
  #expiry: TimerHandle | undefined;
  #terms: SessionTimerTerms | undefined;

  constructor(clock: Clock, onRefresh: () => void, onExpire: () => void) {
    this.#clock = clock;
    this.#onRefresh = onRefresh;
    this.#onExpire = onExpire;
  }

  get terms(): SessionTimerTerms | undefined {
    return this.#terms;
  }

  /**
   * (Re)starts the timers for new terms (undefined: no session timer). The refresher refreshes at half the
   * interval (§10). The other side sends a BYE when no refresh came by expiry − min(32 s, interval / 3); the
   * refresher itself gives up when a whole interval passed without a successful refresh.
   */
  start(terms: SessionTimerTerms | undefined): void {
    this.stop();
    this.#terms = terms;
    if (terms === undefined) return;
    const intervalMs = terms.interval * 1000;
    if (terms.refresher === 'local') {
      this.#refresh = this.#clock.setTimer(intervalMs / 2, () => this.#onRefresh());
      this.#expiry = this.#clock.setTimer(intervalMs, () => this.#onExpire());
    } else {
      const margin = Math.min(32, terms.interval / 3) * 1000;
      this.#expiry = this.#clock.setTimer(intervalMs - margin, () => this.#onExpire());
    }
  }

  /** Tries the refresh again in `ms` (our refresh met glare, or another transaction was under way). */
  retryRefresh(ms: number): void {
    this.#refresh?.cancel();
    this.#refresh = this.#clock.setTimer(ms, () => this.#onRefresh());
  }

  stop(): void {
    this.#refresh?.cancel();
    this.#expiry?.cancel();
    this.#refresh = undefined;
    this.#expiry = undefined;
  }
}
