// The one LED rule, shared by the real drivers: `on` and `off` drive the pin steadily, a blink pattern toggles it on
// the HAL clock (on first; or shows steady on where the driver asks for `steadyBlink`), a new pattern replaces the old
// one at once, `close` leaves the LED off.

import { type Led, type LedPattern, samePattern } from '../gpio.ts';
import type { HalClock, HalTimerHandle } from '../ports.ts';

/** Shortest on or off phase of a blink: a 0 ms phase from a bad config must not spin the clock. */
export const MIN_BLINK_PHASE_MS = 20;

export interface BlinkingLedOptions {
  readonly id: string;
  readonly clock: HalClock;
  /** Lights (true) or darkens (false) the LED. Must not throw: the driver logs its own failures. */
  readonly drive: (lit: boolean) => void;
  /**
   * Show blink patterns as steady `on` (the pattern is still reported as asked): for a driver where every change
   * costs a process restart (gpioset without --interactive), a blink would restart it several times a second.
   */
  readonly steadyBlink?: boolean;
}

/** A Led whose patterns run here and whose pin lives in the driver's `drive`. */
export class BlinkingLed implements Led {
  readonly id: string;
  readonly #clock: HalClock;
  readonly #drive: (lit: boolean) => void;
  readonly #steadyBlink: boolean;
  #pattern: LedPattern = 'off';
  #timer: HalTimerHandle | undefined;
  #lit: boolean | undefined;

  constructor(options: BlinkingLedOptions) {
    this.id = options.id;
    this.#clock = options.clock;
    this.#drive = options.drive;
    this.#steadyBlink = options.steadyBlink === true;
  }

  get pattern(): LedPattern {
    return this.#pattern;
  }

  /** Is the LED lit at this moment (a blinking LED is lit half the time)? */
  get lit(): boolean {
    return this.#lit === true;
  }

  set(pattern: LedPattern): void {
    // The same blink again keeps its phase: re-setting it on every state report must not make it stutter.
    if (samePattern(pattern, this.#pattern) && this.#lit !== undefined) return;
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#pattern = pattern;
    if (typeof pattern === 'string' || this.#steadyBlink) {
      this.#show(pattern !== 'off');
      return;
    }
    const onMs = Math.max(MIN_BLINK_PHASE_MS, pattern.blink.onMs);
    const offMs = Math.max(MIN_BLINK_PHASE_MS, pattern.blink.offMs);
    const phase = (lit: boolean): void => {
      this.#show(lit);
      this.#timer = this.#clock.setTimer(lit ? onMs : offMs, () => phase(!lit));
    };
    phase(true);
  }

  /** Off, and no timer left. */
  close(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#pattern = 'off';
    this.#lit = undefined; // written even when it looks off already: the pin is about to be let go
    this.#show(false);
  }

  #show(lit: boolean): void {
    if (this.#lit === lit) return;
    this.#lit = lit;
    this.#drive(lit);
  }
}
