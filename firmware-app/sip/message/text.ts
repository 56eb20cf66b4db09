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
  if (end <= start) return '';
  if (nativeUtf8Slice !== undefined) return nativeUtf8Slice.call(bytes, start, end);
  return decoder.decode(bytes.subarray(start, end));
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
