// The target playout delay of the jitter buffer, from how much the packets' transit times spread.

/** Packets remembered: 100 packets of 20 ms, about 2 s. */
const WINDOW = 100;

export interface DelayEstimatorOptions {
  readonly frameMs: number;
  readonly minDelayMs: number;
  readonly maxDelayMs: number;
}

/**
 * The rule: each packet's relative transit time is `arrival − timestamp` (both in ms; the unknown clock offset
 * cancels out below). Over the last 100 packets (about 2 s), the spread is the largest transit minus the smallest:
 * the most any packet arrived later than the earliest one would have let it. The target delay is one frame plus
 * that spread, rounded up to whole frames and held between `minDelayMs` and `maxDelayMs` (20–200 ms by default).
 * A burst of jitter raises the target at once; the target falls again when the burst leaves the window.
 * Reordered packets count through their transit like any other; a sender clock off by 1 % adds at most one frame.
 */
export class DelayEstimator {
  readonly #options: DelayEstimatorOptions;
  readonly #transits = new Float64Array(WINDOW);
  #count = 0;
  #next = 0;

  constructor(options: DelayEstimatorOptions) {
    this.#options = options;
  }

  /** Records one packet: when it arrived and its media time (RTP timestamp in ms). */
  observe(arrivalMs: number, mediaMs: number): void {
    this.#transits[this.#next] = arrivalMs - mediaMs;
    this.#next = (this.#next + 1) % WINDOW;
    this.#count = Math.min(this.#count + 1, WINDOW);
  }

  /** Forgets every packet (a new stream, or the same source restarted). */
  reset(): void {
    this.#count = 0;
    this.#next = 0;
  }

  /** The target playout delay in ms, a whole number of frames. */
  get targetMs(): number {
    const { frameMs, minDelayMs, maxDelayMs } = this.#options;
    let low = Infinity;
    let high = -Infinity;
    for (let i = 0; i < this.#count; i++) {
      const transit = this.#transits[i]!;
      if (transit < low) low = transit;
      if (transit > high) high = transit;
    }
    const spread = this.#count === 0 ? 0 : high - low;
    const frames = Math.ceil((frameMs + spread) / frameMs - 1e-9);
    const clamped = Math.min(Math.max(frames * frameMs, minDelayMs), maxDelayMs);
    return Math.ceil(clamped / frameMs - 1e-9) * frameMs;
  }
}
