// RFC 3261 §17 timer values, all derived from T1, T2 and T4 in this one place (Table 4; RFC 6026 L, M).

import type { Clock, TimerHandle } from '../../platform/Clock.ts';

/** The base timer values in milliseconds. */
export interface TimerBase {
  /** RTT estimate (default 500 ms). */
  readonly T1: number;
  /** Maximum retransmit interval for non-INVITE requests and INVITE responses (default 4 s). */
  readonly T2: number;
  /** Maximum duration a message remains in the network (default 5 s). */
  readonly T4: number;
}

export const DEFAULT_TIMER_BASE: TimerBase = { T1: 500, T2: 4000, T4: 5000 };

/** Every transaction timer for one transport kind. Zero means "fires at once" (reliable transports). */
export interface TimerValues {
  /** INVITE request retransmit, initial interval (doubles). Unreliable only. */
  readonly A: number;
  /** INVITE transaction timeout. */
  readonly B: number;
  /** Wait time for response retransmissions after a non-2xx final (client INVITE). */
  readonly D: number;
  /** Non-INVITE request retransmit, initial interval (doubles up to T2). Unreliable only. */
  readonly E: number;
  /** Non-INVITE transaction timeout. */
  readonly F: number;
  /** INVITE response retransmit, initial interval (doubles up to T2). Unreliable only. */
  readonly G: number;
  /** Wait time for ACK receipt. */
  readonly H: number;
  /** Wait time for ACK retransmissions. */
  readonly I: number;
  /** Wait time for non-INVITE request retransmissions. */
  readonly J: number;
  /** Wait time for response retransmissions (client non-INVITE). */
  readonly K: number;
  /** RFC 6026: server INVITE Accepted state lifetime. */
  readonly L: number;
  /** RFC 6026: client INVITE Accepted state lifetime. */
  readonly M: number;
  /** Cap for doubling intervals (T2). */
  readonly T2: number;
  /** §17.2.1: send 100 Trying when the TU has not answered an INVITE within this time. */
  readonly trying: number;
}

/** Derives every timer from the base values (RFC 3261 Table 4, RFC 6026 §8.4, §8.7). */
export function timerValues(base: TimerBase, reliable: boolean): TimerValues {
  const { T1, T2, T4 } = base;
  return {
    A: T1,
    B: 64 * T1,
    D: reliable ? 0 : Math.max(32000, 64 * T1),
    E: T1,
    F: 64 * T1,
    G: T1,
    H: 64 * T1,
    I: reliable ? 0 : T4,
    J: reliable ? 0 : 64 * T1,
    K: reliable ? 0 : T4,
    L: 64 * T1,
    M: 64 * T1,
    T2,
    trying: 200,
  };
}


/** Named one-shot timers of one transaction; starting a name again replaces it. */
export class TimerSet<Name extends string> {
  readonly #clock: Clock;
  readonly #running = new Map<Name, TimerHandle>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  start(name: Name, ms: number, fire: () => void): void {
    this.#running.get(name)?.cancel();
    const handle = this.#clock.setTimer(ms, () => {
      this.#running.delete(name);
      fire();
    });
    this.#running.set(name, handle);
  }

  stop(name: Name): void {
    this.#running.get(name)?.cancel();
    this.#running.delete(name);
  }

  stopAll(): void {
    for (const handle of this.#running.values()) handle.cancel();
    this.#running.clear();
  }

  get size(): number {
    return this.#running.size;
  }
}
