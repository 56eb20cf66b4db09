// A relay for tests and the simulator: records every pulse and enforces the same hard maximum as the real drivers.

import type { Relay, RelayRelease } from '../gpio.ts';
import type { HalClock, HalTimerHandle } from '../ports.ts';

/** One pulse as the relay took it: when, what was asked, what was granted (cut to the maximum). */
export interface FakePulse {
  readonly at: number;
  readonly askedMs: number;
  readonly ms: number;
}

export class FakeRelay implements Relay {
  readonly id: string;
  readonly maxPulseMs: number;
  /** Every pulse, in order. */
  readonly pulses: FakePulse[] = [];
  /** Every return to rest, in order. */
  readonly releases: { readonly at: number; readonly reason: RelayRelease }[] = [];
  readonly #clock: HalClock;
  readonly #listeners = new Set<(reason: RelayRelease) => void>();
  #timer: HalTimerHandle | undefined;

  constructor(id: string, maxPulseMs: number, clock: HalClock) {
    this.id = id;
    this.maxPulseMs = maxPulseMs;
    this.#clock = clock;
  }

  get active(): boolean {
    return this.#timer !== undefined;
  }

  pulse(ms: number): number {
    const granted = Math.min(Math.max(0, Math.round(ms)), this.maxPulseMs);
    if (granted === 0) return 0;
    this.#timer?.cancel();
    this.pulses.push({ at: this.#clock.now(), askedMs: ms, ms: granted });
    this.#timer = this.#clock.setTimer(granted, () => this.#rest('elapsed'));
    return granted;
  }

  release(): void {
    this.#rest('released');
  }

  /** What the HAL does at exit or close: back to rest, reported as `closed`. */
  close(): void {
    this.#rest('closed');
  }

  onReleased(listener: (reason: RelayRelease) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #rest(reason: RelayRelease): void {
    if (this.#timer === undefined) return;
    this.#timer.cancel();
    this.#timer = undefined;
    this.releases.push({ at: this.#clock.now(), reason });
    for (const listener of [...this.#listeners]) listener(reason);
  }
}
