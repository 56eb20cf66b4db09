// The one relay rule, shared by the real drivers and FakeRelay: a pulse is cut to the relay's maximum (itself never
// above ABSOLUTE_MAX_PULSE_MS, whatever the config says), a pulse while one runs restarts the time from now, and
// every return to rest is reported once with its reason.

import type { Relay, RelayRelease } from '../gpio.ts';
import type { HalClock, HalTimerHandle } from '../ports.ts';

/** No relay is ever driven longer than this in one pulse, whatever the configuration asks (30 s). */
export const ABSOLUTE_MAX_PULSE_MS = 30_000;

/** The maximum a relay really gets: the configured one, cut to [0, ABSOLUTE_MAX_PULSE_MS]; not a number gives 0. */
export function effectiveMaxPulseMs(configured: number): number {
  if (!Number.isFinite(configured)) return configured === Infinity ? ABSOLUTE_MAX_PULSE_MS : 0;
  return Math.min(ABSOLUTE_MAX_PULSE_MS, Math.max(0, Math.round(configured)));
}

/** What one pulse was: when, what was asked, what was granted. */
export interface PulseRecord {
  readonly at: number;
  readonly askedMs: number;
  readonly ms: number;
}

export interface PulsedRelayOptions {
  readonly id: string;
  readonly maxPulseMs: number;
  readonly clock: HalClock;
  /** Drives the output (true) or puts it to rest (false). Must not throw: the driver logs its own failures. */
  readonly drive: (active: boolean) => void;
  /** Told about every granted pulse (FakeRelay records them). */
  readonly onPulse?: (pulse: PulseRecord) => void;
}

type RelayState = { readonly kind: 'rest' } | { readonly kind: 'driven'; readonly timer: HalTimerHandle; readonly until: number };

/** A Relay whose timing lives here and whose pin lives in the driver's `drive`. */
export class PulsedRelay implements Relay {
  readonly id: string;
  readonly maxPulseMs: number;
  readonly #clock: HalClock;
  readonly #drive: (active: boolean) => void;
  readonly #onPulse: ((pulse: PulseRecord) => void) | undefined;
  readonly #listeners = new Set<(reason: RelayRelease) => void>();
  #state: RelayState = { kind: 'rest' };

  constructor(options: PulsedRelayOptions) {
    this.id = options.id;
    this.maxPulseMs = effectiveMaxPulseMs(options.maxPulseMs);
    this.#clock = options.clock;
    this.#drive = options.drive;
    this.#onPulse = options.onPulse;
  }

  get active(): boolean {
    return this.#state.kind === 'driven';
  }

  /** When the running pulse ends (clock time), or undefined at rest. */
  get until(): number | undefined {
    return this.#state.kind === 'driven' ? this.#state.until : undefined;
  }

  pulse(ms: number): number {
    const granted = Number.isNaN(ms) ? 0 : Math.min(Math.max(0, Math.round(ms)), this.maxPulseMs);
    if (granted === 0) return 0;
    const wasDriven = this.#state.kind === 'driven';
    if (this.#state.kind === 'driven') this.#state.timer.cancel();
    const now = this.#clock.now();
    const timer = this.#clock.setTimer(granted, () => this.#rest('elapsed'));
    this.#state = { kind: 'driven', timer, until: now + granted };
    if (!wasDriven) this.#drive(true);
    this.#onPulse?.({ at: now, askedMs: ms, ms: granted });
    return granted;
  }

  release(): void {
    this.#rest('released');
  }

  /** Back to rest, reported as `closed` (HAL close, exit, releaseRelays). */
  close(): void {
    this.#rest('closed');
  }

  onReleased(listener: (reason: RelayRelease) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #rest(reason: RelayRelease): void {
    const state = this.#state;
    if (state.kind !== 'driven') return;
    state.timer.cancel();
    this.#state = { kind: 'rest' };
    this.#drive(false);
    for (const listener of [...this.#listeners]) listener(reason);
  }
}
