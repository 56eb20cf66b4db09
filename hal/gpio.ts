// The GPIO HAL interfaces: a bell button that reports edges, a relay that pulses (never longer than its hard maximum)
// and an LED that shows a pattern. Real drivers (sysfs through onoff, the character device through gpiod's tools)
// and fakes implement them; the door application sees nothing else.

/** One level change of a button, at the HAL clock's time (monotonic milliseconds). */
export interface ButtonEdge {
  /** True when the button went down (pressed), false when it was let go. */
  readonly pressed: boolean;
  readonly at: number;
}

/** A push button (the bell). Edges arrive raw, bounces included: the application debounces. */
export interface Button {
  readonly id: string;
  /** Subscribes to edges; returns the unsubscribe function. */
  onEdge(listener: (edge: ButtonEdge) => void): () => void;
}

/** Why a relay went back to rest. */
export type RelayRelease = 'elapsed' | 'released' | 'closed';

/**
 * A relay output (door opener, chime). `pulse` drives it for `ms`, cut to `maxPulseMs`, which the HAL enforces
 * itself whatever the caller asks: a bug above can never hold a door open. A pulse while one runs restarts the
 * time from now. Never throws; a failing pin is logged by the driver.
 */
export interface Relay {
  readonly id: string;
  /** The hard maximum of one pulse, in milliseconds. */
  readonly maxPulseMs: number;
  /** True while the relay is driven. */
  readonly active: boolean;
  /** Drives the relay; returns the milliseconds it will be driven (at most `maxPulseMs`, 0 when `ms` ≤ 0). */
  pulse(ms: number): number;
  /** Back to rest now (no-op when at rest). */
  release(): void;
  /** Called each time the relay goes back to rest after a pulse; returns the unsubscribe function. */
  onReleased(listener: (reason: RelayRelease) => void): () => void;
}

/** What an LED shows: steady off or on, or blinking with these on and off times. */
export type LedPattern = 'off' | 'on' | { readonly blink: { readonly onMs: number; readonly offMs: number } };

/** An indicator LED; the HAL runs blink patterns on its clock. */
export interface Led {
  readonly id: string;
  readonly pattern: LedPattern;
  set(pattern: LedPattern): void;
}

/** Two patterns are the same (blink patterns compared by their times). */
export function samePattern(a: LedPattern, b: LedPattern): boolean {
  if (typeof a === 'string' || typeof b === 'string') return a === b;
  return a.blink.onMs === b.blink.onMs && a.blink.offMs === b.blink.offMs;
}

/** A pattern as one short word for logs: `off`, `on`, `blink:250/250`. */
export function describePattern(pattern: LedPattern): string {
  return typeof pattern === 'string' ? pattern : `blink:${pattern.blink.onMs}/${pattern.blink.offMs}`;
}
