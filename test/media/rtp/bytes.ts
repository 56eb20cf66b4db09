// Test helpers: packets written as hex text, and a scripted random.

/** `'80 e0 ff'` → bytes; whitespace ignored. */
export function hex(text: string): Uint8Array {
  return Uint8Array.from((text.replace(/\s+/g, '').match(/../g) ?? []).map((b) => parseInt(b, 16)));
}

/** Bytes → `'80e0ff'`. */
export function toHex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** A random source that returns the given values in turn, then 0. */
export function scripted(...values: number[]): () => number {
  return () => values.shift() ?? 0;
}

/** A deterministic pseudo-random source in [0, 1) (a linear congruential generator), for long simulations. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}
