// The header table of a parsed message: two header lines per number, to keep a message small.

// One header line is 24 bits: value start (16) | name id (7) | folded flag (1). Two of them fit
// exactly in a double's 53-bit mantissa, so the table is a packed array of doubles, half as long
// as the header count. An odd count leaves the last high half 0, which no real line can be:
// every value starts after the start line, so its offset is never 0.

const HALF = 0x1000000; // 2^24

// Pairs are packed here first: this array already holds doubles, so `slice` hands out an
// exact-size double array in one allocation, with no elements-kind transition on the way.
const pairs: number[] = new Array<number>(128).fill(0.5);

/** Packs `count` (at most 255) 24-bit line entries from `scratch` into an exact-size table. */
export function packTable(scratch: number[], count: number): number[] {
  const n = (count + 1) >> 1;
  for (let i = 0; i < count; i += 2) pairs[i >> 1] = scratch[i]! + (i + 1 < count ? scratch[i + 1]! * HALF : 0);
  return pairs.slice(0, n);
}

/** The number of header lines in `table`. */
export function lineCount(table: number[]): number {
  const n = table.length;
  if (n === 0) return 0;
  return table[n - 1]! >= HALF ? n << 1 : (n << 1) - 1;
}

/** The 24-bit entry of line `i`. */
export function lineEntry(table: number[], i: number): number {
  const packed = table[i >> 1]!;
  const high = Math.floor(packed / HALF);
  return (i & 1) === 0 ? packed - high * HALF : high;
}
