// What the HAL needs from the outside world: a clock and a logger, shaped like platform's Clock and Logger (hal cannot
// import them, ARCHITECTURE.md), so main.ts passes those same objects in.

/** A scheduled callback; `cancel` is safe to call more than once, and after it fired. */
export interface HalTimerHandle {
  cancel(): void;
}

/** Monotonic milliseconds and one-shot timers (platform's Clock fits). */
export interface HalClock {
  now(): number;
  setTimer(ms: number, fn: () => void): HalTimerHandle;
}

export type HalLogFields = Readonly<Record<string, string | number | boolean>>;

/** One line per event (platform's Logger fits). */
export interface HalLogger {
  debug(event: string, fields?: HalLogFields): void;
  info(event: string, fields?: HalLogFields): void;
  warn(event: string, fields?: HalLogFields): void;
  error(event: string, fields?: HalLogFields): void;
}
