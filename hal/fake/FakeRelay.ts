// A relay for tests and the simulator: records every pulse and every return to rest; the timing and the hard maximum
// are the real drivers' own (gpio/pulse.ts), so what a test sees here is what the door opener does.

import type { Relay, RelayRelease } from '../gpio.ts';
import { PulsedRelay, type PulseRecord } from '../gpio/pulse.ts';
import type { HalClock } from '../ports.ts';

/** One pulse as the relay took it: when, what was asked, what was granted (cut to the maximum). */
export type FakePulse = PulseRecord;

export class FakeRelay implements Relay {
  /** Every pulse, in order. */
  readonly pulses: FakePulse[] = [];
  /** Every return to rest, in order. */
  readonly releases: { readonly at: number; readonly reason: RelayRelease }[] = [];
  readonly #core: PulsedRelay;

  constructor(id: string, maxPulseMs: number, clock: HalClock) {
    this.#core = new PulsedRelay({ id, maxPulseMs, clock, drive: () => {}, onPulse: (pulse) => this.pulses.push(pulse) });
    this.#core.onReleased((reason) => this.releases.push({ at: clock.now(), reason }));
  }

  get id(): string {
    return this.#core.id;
  }

  /** The configured maximum, cut to the HAL's absolute cap. */
  get maxPulseMs(): number {
    return this.#core.maxPulseMs;
  }

  get active(): boolean {
    return this.#core.active;
  }

  pulse(ms: number): number {
    return this.#core.pulse(ms);
  }

  release(): void {
    this.#core.release();
  }

  /** What the HAL does at exit or close: back to rest, reported as `closed`. */
  close(): void {
    this.#core.close();
  }

  onReleased(listener: (reason: RelayRelease) => void): () => void {
    return this.#core.onReleased(listener);
  }
}
