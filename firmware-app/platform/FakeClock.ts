// FakeClock: a Clock advanced by hand, so Timer B (32 s) or a week of re-registrations run in milliseconds.

import type { Clock, TimerHandle } from './Clock.ts';

interface Pending {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
  cancelled: boolean;
}

/** A Clock whose time only moves when `advance` is called; timers fire in time order. */
export class FakeClock implements Clock {
  #now: number;
  #seq = 0;
  #timers: Pending[] = [];

  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimer(ms: number, fn: () => void): TimerHandle {
    const timer: Pending = { at: this.#now + Math.max(0, ms), seq: this.#seq++, fn, cancelled: false };
    this.#timers.push(timer);
    return {
      cancel: () => {
        timer.cancelled = true;
      },
    };
  }

  /** Timers not yet fired nor cancelled. */
  get pending(): number {
    return this.#timers.filter((t) => !t.cancelled).length;
  }

  /** Moves time forward by `ms`, firing every timer due on the way, in order (timers set by timers too). */
  advance(ms: number): void {
    const target = this.#now + ms;
    for (;;) {
      const next = this.#nextDue(target);
      if (next === undefined) break;
      this.#now = next.at;
      next.cancelled = true;
      next.fn();
    }
    this.#now = target;
    this.#timers = this.#timers.filter((t) => !t.cancelled);
  }

  /** Advances to the next pending timer and fires it; returns false when none is pending. */
  runNext(): boolean {
    const next = this.#nextDue(Infinity);
    if (next === undefined) return false;
    this.advance(next.at - this.#now);
    return true;
  }

  #nextDue(limit: number): Pending | undefined {
    let best: Pending | undefined;
    for (const t of this.#timers) {
      if (t.cancelled || t.at > limit) continue;
      if (best === undefined || t.at < best.at || (t.at === best.at && t.seq < best.seq)) best = t;
    }
    return best;
  }
}
