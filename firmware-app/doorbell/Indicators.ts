// The status LEDs: every LED in the hardware shows the door's state as one blink pattern.
//
//   pattern            meaning
//   on                 registered (standalone mode always is) and idle: ready for a visitor
//   blink 100/1900     not registered with the PBX (yet, or it failed): a short flash every 2 s
//   blink 250/250      ringing: the door calls (a routing plan runs) or an incoming call rings at the door
//   blink 1000/1000    in a call (outgoing answered, or an incoming one answered or listening in)
//   blink 100/100      error: the PBX refused our credentials (until a registration succeeds), or, for 10 s, a relay
//                      pulse that could not be given (relay missing or refused)
//   off                the door application is stopped
//
// The page's LED self-test overrides all of these for a few seconds: every LED blinks 100/100, then the status shows.
//
// Precedence, most telling first: relay error, ringing / in call, credentials refused, not registered, ready.

import { type Led, type LedPattern, describePattern, samePattern } from '../../hal/gpio.ts';
import type { Clock, TimerHandle } from '../platform/Clock.ts';
import type { Logger } from '../platform/Logger.ts';

export type Registration = 'pending' | 'registered' | 'failed' | 'authFailed';
export type Activity = 'idle' | 'ringing' | 'inCall';

export interface DoorStatus {
  readonly registration: Registration;
  readonly activity: Activity;
}

const blink = (onMs: number, offMs: number): LedPattern => ({ blink: { onMs, offMs } });

export const LED_PATTERNS = {
  ready: 'on',
  unregistered: blink(100, 1900),
  ringing: blink(250, 250),
  inCall: blink(1000, 1000),
  error: blink(100, 100),
} as const satisfies Record<string, LedPattern>;

/** The self-test's pattern (the error's blink: the fastest an LED shows, so a dead one stands out). */
export const LED_TEST_PATTERN: LedPattern = blink(100, 100);

/** How long a relay fault shows as the error pattern. */
export const FAULT_SHOW_MS = 10_000;

/** The pattern for a status (and whether a relay fault is showing). */
export function ledPattern(status: DoorStatus, fault = false): LedPattern {
  if (fault) return LED_PATTERNS.error;
  if (status.activity === 'ringing') return LED_PATTERNS.ringing;
  if (status.activity === 'inCall') return LED_PATTERNS.inCall;
  if (status.registration === 'authFailed') return LED_PATTERNS.error;
  return status.registration === 'registered' ? LED_PATTERNS.ready : LED_PATTERNS.unregistered;
}

export class Indicators {
  readonly #leds: readonly Led[];
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #shown = new Map<string, LedPattern>();
  #status: DoorStatus = { registration: 'pending', activity: 'idle' };
  #fault: TimerHandle | undefined;
  #test: TimerHandle | undefined;

  constructor(leds: Iterable<Led>, clock: Clock, logger: Logger) {
    this.#leds = [...leds];
    this.#clock = clock;
    this.#logger = logger;
  }

  /** Shows this status (LEDs change, and are logged, only when their pattern does). */
  show(status: DoorStatus): void {
    this.#status = status;
    if (this.#test !== undefined) return; // the test's blinking holds; the status shows when it ends
    this.#apply(ledPattern(status, this.#fault !== undefined));
  }

  /** The self-test: every LED blinks fast (100/100) for `ms` (from now, a repeat starts over), then the status again. */
  test(ms: number): void {
    this.#test?.cancel();
    this.#test = this.#clock.setTimer(ms, () => {
      this.#test = undefined;
      this.show(this.#status);
    });
    this.#apply(LED_TEST_PATTERN);
  }

  /** A relay pulse failed: the error pattern for FAULT_SHOW_MS (from now), then the status again. */
  fault(): void {
    this.#fault?.cancel();
    this.#fault = this.#clock.setTimer(FAULT_SHOW_MS, () => {
      this.#fault = undefined;
      this.show(this.#status);
    });
    this.show(this.#status);
  }

  /** Every LED off, the fault and test timers cancelled (the application stops). */
  off(): void {
    this.#fault?.cancel();
    this.#fault = undefined;
    this.#test?.cancel();
    this.#test = undefined;
    this.#apply('off');
  }

  #apply(pattern: LedPattern): void {
    for (const led of this.#leds) {
      const shown = this.#shown.get(led.id);
      if (shown !== undefined && samePattern(shown, pattern)) continue;
      this.#shown.set(led.id, pattern);
      led.set(pattern);
      this.#logger.info('ledChanged', { led: led.id, pattern: describePattern(pattern) });
    }
  }
}
