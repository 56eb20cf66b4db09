// Microphone gain and speaker volume: linear factors on 16-bit PCM, clipped to the sample range.

const MAX_FACTOR = 16;

/** A usable factor: NaN or infinite gives 1 (unchanged), negative gives 0, above 16 (+24 dB) gives 16. */
export function levelFactor(factor: number): number {
  if (!Number.isFinite(factor)) return Number.isNaN(factor) ? 1 : MAX_FACTOR;
  return Math.min(MAX_FACTOR, Math.max(0, factor));
}

/**
 * `frame` scaled by `factor`, each sample rounded and clipped to −32768 … 32767 (a loud visitor saturates instead
 * of wrapping around into noise). A factor of 1 returns `frame` itself; any other factor returns a new array.
 */
export function applyLevel(frame: Int16Array, factor: number): Int16Array {
  const f = levelFactor(factor);
  if (f === 1) return frame;
  const out = new Int16Array(frame.length);
  for (let i = 0; i < frame.length; i++) {
    const v = Math.round(frame[i]! * f);
    out[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
  }
  return out;
}
