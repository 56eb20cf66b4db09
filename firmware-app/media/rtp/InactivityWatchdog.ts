// Ends a call whose far end vanished: no RTP (or RTCP) for `timeoutMs`, except while the call is on hold.

import type { Clock, TimerHandle } from '../../platform/Clock.ts';

export interface InactivityWatchdogOptions {
  readonly clock: Clock;
  /** Silence that ends the call, from the config (e.g. 30 000 ms). */
  readonly timeoutMs: number;
  /** Called once, with how long nothing arrived, when the timeout passes; the watchdog is then `expired`. */
  readonly expired: (silentMs: number) => void;
}

export type WatchdogState =
  | { readonly kind: 'idle' }
  | { readonly kind: 'watching'; lastHeardAt: number; timer: TimerHandle }
  | { readonly kind: 'held' }
  | { readonly kind: 'expired' }
  | { readonly kind: 'stopped' };

/**
 * `heard()` only records the time (it runs 50 times a second); the single timer, when it fires, re-arms itself for
 * the remaining time if something arrived meanwhile. On hold the far end may legitimately send nothing (RFC 3264
 * §8.4 `sendonly`/`inactive`), so `hold()` suspends the watch and `resume()` gives a full timeout again.
 */
export class InactivityWatchdog {
  readonly #clock: Clock;
  readonly #timeoutMs: number;
  readonly #expired: (silentMs: number) => void;
  #state: WatchdogState = { kind: 'idle' };

  constructor(options: InactivityWatchdogOptions) {
    this.#clock = options.clock;
    this.#timeoutMs = options.timeoutMs;
    this.#expired = options.expired;
  }

  get state(): WatchdogState['kind'] {
    return this.#state.kind;
  }

  /** Starts watching (the media starts); the first packet has `timeoutMs` to arrive. */
  start(): void {
    if (this.#state.kind === 'idle') this.#watch();
  }

  /** A packet of the call arrived. */
  heard(): void {
    if (this.#state.kind === 'watching') this.#state.lastHeardAt = this.#clock.now();
  }

  /** The call went on hold (either side): silence is expected until `resume`. */
  hold(): void {
    if (this.#state.kind !== 'watching') return;
    this.#state.timer.cancel();
    this.#state = { kind: 'held' };
  }

  /** Media flows again: a full timeout from now. */
  resume(): void {
    if (this.#state.kind === 'held') this.#watch();
  }

  stop(): void {
    if (this.#state.kind === 'watching') this.#state.timer.cancel();
    this.#state = { kind: 'stopped' };
  }

  #watch(): void {
    const now = this.#clock.now();
    this.#state = { kind: 'watching', lastHeardAt: now, timer: this.#clock.setTimer(this.#timeoutMs, () => this.#check()) };
  }

  #check(): void {
    const state = this.#state;
    if (state.kind !== 'watching') return;
    const silentMs = this.#clock.now() - state.lastHeardAt;
    if (silentMs < this.#timeoutMs) {
      state.timer = this.#clock.setTimer(this.#timeoutMs - silentMs, () => this.#check());
      return;
    }
    this.#state = { kind: 'expired' };
    this.#expired(silentMs);
  }
}
