// An LED for tests and the simulator: keeps its pattern and every change of it (blinking is not simulated toggle by
// toggle: the pattern is the state a test or the simulator's page shows).

import { type Led, type LedPattern, samePattern } from '../gpio.ts';
import type { HalClock } from '../ports.ts';

export class FakeLed implements Led {
  readonly id: string;
  /** Every pattern set, with its time, in order (setting the same pattern again is not a change). */
  readonly changes: { readonly at: number; readonly pattern: LedPattern }[] = [];
  readonly #clock: HalClock;
  #pattern: LedPattern = 'off';

  constructor(id: string, clock: HalClock) {
    this.id = id;
    this.#clock = clock;
  }

  get pattern(): LedPattern {
    return this.#pattern;
  }

  /** `off`, `on` or `blink`: what a glance at the LED tells. */
  get state(): 'off' | 'on' | 'blink' {
    return typeof this.#pattern === 'string' ? this.#pattern : 'blink';
  }

  set(pattern: LedPattern): void {
    if (samePattern(pattern, this.#pattern)) return;
    this.#pattern = pattern;
    this.changes.push({ at: this.#clock.now(), pattern });
  }
}
