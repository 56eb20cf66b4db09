// Sends one packet every 20 ms against an absolute schedule on the injected clock (slot n is due at start + n · 20 ms).

import type { Clock, TimerHandle } from '../../platform/Clock.ts';

export interface PacerOptions {
  readonly clock: Clock;
  /** Packet time in ms (20). */
  readonly intervalMs?: number;
  /**
   * Most slots one late timer sends back to back (3, i.e. 60 ms of audio). A timer later than that (a stalled
   * process) sends only the newest `maxBurst` slots due and skips the older ones: a burst of stale audio would only
   * overflow the far end's jitter buffer, and the timestamps stay on schedule either way.
   */
  readonly maxBurst?: number;
  /** Sends slot `index` (0, 1, 2 …); RtpSender.timestampAt(index) gives its timestamp. */
  readonly send: (index: number) => void;
  /** Slots `firstIndex … firstIndex + count - 1` were skipped by the rule of `maxBurst`. */
  readonly skipped?: (firstIndex: number, count: number) => void;
}

export type PacerState =
  | { readonly kind: 'idle' }
  | { readonly kind: 'running'; readonly startedAt: number; next: number; timer: TimerHandle }
  | { readonly kind: 'stopped' };

/**
 * The next timer is always set for `start + next · interval`, never `last fire + interval`, so timer lateness does
 * not accumulate: after ten minutes slot 30 000 goes out within one timer's lateness of 600 s. One-shot: once
 * stopped it stays stopped (on hold, keep it running and send nothing, so timestamps keep following real time).
 */
export class Pacer {
  readonly #clock: Clock;
  readonly #interval: number;
  readonly #maxBurst: number;
  readonly #send: (index: number) => void;
  readonly #skipped: (firstIndex: number, count: number) => void;
  #state: PacerState = { kind: 'idle' };

  constructor(options: PacerOptions) {
    this.#clock = options.clock;
    this.#interval = options.intervalMs ?? 20;
    this.#maxBurst = Math.max(1, options.maxBurst ?? 3);
    this.#send = options.send;
    this.#skipped = options.skipped ?? (() => {});
  }

  get state(): PacerState['kind'] {
    return this.#state.kind;
  }

  /** Starts the schedule now; slot 0 is sent from a timer, not from inside this call. */
  start(): void {
    if (this.#state.kind !== 'idle') return;
    this.#state = { kind: 'running', startedAt: this.#clock.now(), next: 0, timer: this.#clock.setTimer(0, () => this.#fire()) };
  }

  stop(): void {
    if (this.#state.kind === 'running') this.#state.timer.cancel();
    this.#state = { kind: 'stopped' };
  }

  #fire(): void {
    const state = this.#state;
    if (state.kind !== 'running') return;
    // Slots 0 … due-1 are due now; a timer that fires early (sub-millisecond rounding) finds nothing new to send.
    const due = Math.floor((this.#clock.now() - state.startedAt) / this.#interval) + 1;
    if (due - state.next > this.#maxBurst) {
      const count = due - this.#maxBurst - state.next;
      this.#skipped(state.next, count);
      state.next += count;
    }
    try {
      while (state.next < due) {
        const index = state.next++;
        this.#send(index);
        if (this.#state !== state) return; // stopped by the send callback
      }
    } finally {
      // A send that throws (a bug) costs its slot, never the schedule: the next timer is set whatever happened.
      if (this.#state === state) state.timer = this.#clock.setTimer(state.startedAt + state.next * this.#interval - this.#clock.now(), () => this.#fire());
    }
  }
}
