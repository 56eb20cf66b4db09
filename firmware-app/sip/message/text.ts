// Turns byte ranges of a received message into strings, only when a value is read (zero-copy parser).

type SliceFn = (this: Uint8Array, start: number, end: number) => string;

// Node's Buffer exposes a native UTF-8 slice that works on any Uint8Array and is the fastest way
// to make a short string from bytes. Feature-detected so this layer imports nothing from Node.
const nativeUtf8Slice = (globalThis as { Buffer?: { prototype: { utf8Slice?: SliceFn } } }).Buffer
  ?.prototype.utf8Slice;
const decoder = new TextDecoder('utf-8');

type IndexOfFn = (this: Uint8Array, value: number, from: number) => number;
// Node's Buffer#indexOf is a native memchr, several times faster than a JS loop or
// TypedArray#indexOf for finding line ends; it accepts any Uint8Array as `this`.
const nativeIndexOf = (globalThis as { Buffer?: { prototype: { indexOf?: IndexOfFn } } }).Buffer?.prototype.indexOf;

/** Index of the first byte equal to `value` at or after `from`, or -1. */
export const indexOfByte: (bytes: Uint8Array, value: number, from: number) => number =
  nativeIndexOf !== undefined
    ? (bytes, value, from) => nativeIndexOf.call(bytes, value, from)
    : (bytes, value, from) => bytes.indexOf(value, from);

/** The bytes [start, end) decoded as UTF-8 (invalid sequences become U+FFFD). */
export function text(bytes: Uint8Array, start: number, end: number): string {
  const n = end - start;
  if (n <= 0) return '';
  if (n <= SHORT) {
    let or = 0;
    for (let i = start; i < end; i++) or |= bytes[i]!;
    if (or < 0x80) return shortAscii(bytes, start, n);
  }
  if (nativeUtf8Slice !== undefined) return nativeUtf8Slice.call(bytes, start, end);
  return decoder.decode(bytes.subarray(start, end));
}

/** Up to this length, an ASCII value is built in JavaScript: a native slice call costs more. */
const SHORT = 16;
const char = String.fromCharCode;

/**
 * 1..16 ASCII bytes as a string, with one String.fromCharCode call: it makes a flat string of
 * the exact length, at about half the cost of a native slice for such short values (tags, hosts).
 */
function shortAscii(b: Uint8Array, s: number, n: number): string {
  switch (n) {
    case 1: return char(b[s]!);
    case 2: return char(b[s]!, b[s + 1]!);
    case 3: return char(b[s]!, b[s + 1]!, b[s + 2]!);
    case 4: return char(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!);
    case 5: return char(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!);
    case 6: return char(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!);
    case 7: return char(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!);
    case 8: return char(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!, b[s + 7]!);
    case 9: return char(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!, b[s + 7]!, b[s + 8]!);
    case 10: return char(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!, b[s + 7]!, b[s + 8]!, b[s + 9]!);
    case 11: return char(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!, b[s + 7]!, b[s + 8]!, b[s + 9]!, b[s + 10]!);
    case 12: return char(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!, b[s + 7]!, b[s + 8]!, b[s + 9]!, b[s + 10]!, b[s + 11]!);
    case 13: return char(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!, b[s + 7]!, b[s + 8]!, b[s + 9]!, b[s + 10]!, b[s + 11]!, b[s + 12]!);
    case 14: return char(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!, b[s + 7]!, b[s + 8]!, b[s + 9]!, b[s + 10]!, b[s + 11]!, b[s + 12]!, b[s + 13]!);
    case 15: return char(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!, b[s + 7]!, b[s + 8]!, b[s + 9]!, b[s + 10]!, b[s + 11]!, b[s + 12]!, b[s + 13]!, b[s + 14]!);
    default: return char(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!, b[s + 7]!, b[s + 8]!, b[s + 9]!, b[s + 10]!, b[s + 11]!, b[s + 12]!, b[s + 13]!, b[s + 14]!, b[s + 15]!);
  }
}

const encoder = new TextEncoder();

/** Number of bytes `s` takes in UTF-8 (a lone surrogate is written as U+FFFD: 3 bytes). */
export function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) {
      n += 1;
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 2; // a surrogate pair: 2 UTF-16 units, 4 bytes
      i++;
    } else {
      n += 2;
    }
  }
  return n;
}

/** Writes `s` as UTF-8 into `out` at `pos`; returns the index after it. */
export function writeUtf8(s: string, out: Uint8Array, pos: number): number {
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) return pos + encoder.encodeInto(s.slice(i), out.subarray(pos)).written;
    out[pos++] = c;
  }
  return pos;
}
