// Clock: the one way protocol and application code reads time and schedules work (fake in tests).

/** A scheduled callback; `cancel` is safe to call more than once, and after it fired. */
export interface TimerHandle {
  cancel(): void;
}

/** Monotonic time and one-shot timers. Protocol code never calls setTimeout or Date.now itself. */
export interface Clock {
  /** Monotonic milliseconds (not wall-clock time). */
  now(): number;
  /** Calls `fn` once, `ms` milliseconds from now. */
  setTimer(ms: number, fn: () => void): TimerHandle;
}

/**
 * The real clock: performance.now() and setTimeout. A timer callback that throws is reported to
 * `onError` (the composition root logs it) instead of taking the process down.
 */
export function createSystemClock(onError: (error: unknown) => void = () => {}): Clock {
  return {
    now: () => performance.now(),
    setTimer(ms, fn) {
      const timer = setTimeout(() => {
        try {
          fn();
        } catch (error) {
          onError(error);
        }
      }, Math.max(0, Math.ceil(ms)));
      return { cancel: () => clearTimeout(timer) };
    },
  };
}
