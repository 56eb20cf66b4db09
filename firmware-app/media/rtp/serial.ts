// Modular arithmetic on RTP's wrapping counters: 16-bit sequence numbers and 32-bit timestamps (RFC 3550 §5.1).

/** `(a - b)` as a signed 32-bit distance between RTP timestamps: positive when `a` is later. */
export function timestampDelta(a: number, b: number): number {
  return (a - b) | 0;
}

/** `value + delta` wrapped to an unsigned 32-bit RTP timestamp; `delta` may be any safe integer. */
export function timestampAdd(value: number, delta: number): number {
  return (value + (delta % 2 ** 32) + 2 ** 32) % 2 ** 32;
}
