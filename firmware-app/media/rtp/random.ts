// Injected randomness for RTP: SSRC, initial sequence number and timestamp (RFC 3550 §5.1), RTCP interval (§6.3).

/** Uniform in [0, 1): Math.random in production (or a crypto source), scripted in tests. */
export type Random = () => number;

/** A uniform integer in [0, 2^bits), bits ≤ 32; a broken source (NaN, out of range) is clamped, never trusted. */
export function randomBits(random: Random, bits: number): number {
  const value = random();
  const unit = Number.isFinite(value) ? Math.min(Math.max(value, 0), 1 - Number.EPSILON) : 0.5;
  return Math.floor(unit * 2 ** bits);
}
