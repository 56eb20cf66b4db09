// When the next REGISTER goes after a failure (RFC 5626 §4.5 consecutive failures, quick reconnects after a flow failure).

import type { Failure } from './exchange.ts';
import { BACKOFF_CAP_S, backoffSeconds } from './policy.ts';
import { retryAfterWait } from './responses.ts';

/**
 * After a flow failed, a registrar restart (Kamailio, Asterisk: a second or two) must not cost the §4.5 back-off of
 * 30–60 s: the re-REGISTER goes at once, then after 1, 2 and 4 s more, so the door is back within 10 s of the restart.
 */
const RECONNECT_WAITS_S: readonly number[] = [1, 2, 4];
/** Failures that mean "nobody listens there yet", for which those quick waits apply. */
const RECONNECT_REASONS: ReadonlySet<string> = new Set(['transport-error', 'flow-closed', 'no-transport']);

/**
 * The failure count and the waits it gives. It is reset by start() and by a flow that lived one keep-alive interval,
 * never by a 200 alone: a flow that dies right after each 200 is a consecutive failure, not a fresh start.
 */
export class RetrySchedule {
  readonly #random: () => number;
  /** Consecutive failures: RFC 5626 §4.5 consecutive-failures. */
  #failures = 0;
  /** Short waits (s) left for reconnecting after a flow failure, before the §4.5 back-off takes over. */
  #reconnectWaits: number[] = [];
  /** Flow failures since a flow last lived. */
  #flowFailures = 0;

  constructor(random: () => number) {
    this.#random = random;
  }

  /** Everything before is history: a new start, or a flow that proved to work. */
  reset(): void {
    this.#failures = 0;
    this.#reconnectWaits = [];
    this.#flowFailures = 0;
  }

  /**
   * A REGISTER succeeded: the registration failures before it are over, unless a flow failed since a flow last proved
   * to work: a flow that dies right after each 200 stays a run of consecutive failures until one works (see `reset`).
   */
  registered(): void {
    if (this.#flowFailures === 0) this.#failures = 0;
  }

  /**
   * A flow failed. `true`: re-register at once (the first flow failure since a flow last proved to work), with the
   * quick waits armed for a registrar that is restarting. `false`: a consecutive failure; back off (see `wait`).
   */
  flowFailed(): boolean {
    if (this.#flowFailures++ > 0) return false;
    this.#reconnectWaits = [...RECONNECT_WAITS_S];
    return true;
  }

  /**
   * Seconds until the next attempt after `failure`: `retryInSeconds` when given, else a quick wait while any are left
   * (a connect refused or a closed connection only), else the §4.5 back-off; all but a quick wait count a failure.
   */
  wait(failure: Failure, retryInSeconds?: number): number {
    const quick = retryInSeconds === undefined && RECONNECT_REASONS.has(failure.reason) ? this.#reconnectWaits.shift() : undefined;
    if (quick !== undefined) return quick;
    this.#failures++;
    return Math.min(BACKOFF_CAP_S, retryInSeconds ?? backoffSeconds(this.#failures, this.#random, failure.backoffBase));
  }

  /** The wait a 503's Retry-After asks for (see retryAfterWait). */
  retryAfter(retryAfter: number, moreTargets: boolean): number {
    return retryAfterWait(retryAfter, moreTargets, this.#failures, this.#random);
  }
}
