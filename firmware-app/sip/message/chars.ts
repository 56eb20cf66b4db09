// Byte classes and small byte helpers for the SIP grammar of RFC 3261 §25.1 (no allocation).

export const CR = 13;
export const LF = 10;
export const SP = 32;
export const HT = 9;
export const COLON = 58;
export const SEMI = 59;
export const COMMA = 44;
export const DQUOTE = 34;
export const BACKSLASH = 92;
export const LAQUOT = 60;
export const RAQUOT = 62;
export const EQUAL = 61;
export const SLASH = 47;
export const AT = 64;
export const LBRACKET = 91;
export const RBRACKET = 93;
export const QUESTION = 63;
export const PERCENT = 37;
export const DOT = 46;

/** Bit flags of the class table. */
export const ALPHA = 1;
export const DIGIT = 2;
/** RFC 3261 `token` characters. */
export const TOKEN = 4;
/** `unreserved` = alphanum / mark. */
export const UNRESERVED = 8;
/** Characters allowed in a SIP URI user part besides escapes: unreserved / user-unreserved. */
export const USER = 16;
/** `paramchar` minus escapes: param-unreserved / unreserved. */
export const PARAM = 32;
/** Call-ID `word` characters. */
export const WORD = 64;
export const HEX = 128;
/** `hnv-unreserved` / unreserved: URI header names and values besides escapes. */
export const HNV = 256;
/** SIP URI `password` characters besides escapes. */
export const PASSWORD = 512;
/** Characters of a host name (letters, digits, `-`, `.`, and `_`, which is seen in the wild). */
export const HOSTNAME = 1024;
/** RFC 3986 scheme characters after the first letter. */
export const SCHEME = 2048;

function buildTable(): Uint16Array {
  const t = new Uint16Array(256);
  const add = (chars: string, flag: number): void => {
    for (let i = 0; i < chars.length; i++) t[chars.charCodeAt(i)] |= flag;
  };
  const alpha = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
  const digit = '0123456789';
  const alnum = alpha + digit;
  add(alpha, ALPHA);
  add(digit, DIGIT);
  add(digit + 'abcdefABCDEF', HEX);
  add(alnum + "-.!%*_+`'~", TOKEN);
  const unreserved = alnum + "-_.!~*'()";
  add(unreserved, UNRESERVED);
  add(unreserved + '&=+$,;?/', USER);
  add(unreserved + '[]/:&+$', PARAM);
  add(alnum + '-.!%*_+`\'~()<>:\\"/[]?{}', WORD);
  add(unreserved + '[]/?:+$', HNV);
  add(unreserved + '&=+$,', PASSWORD);
  add(alnum + '-._', HOSTNAME);
  add(alnum + '+-.', SCHEME);
  return t;
}

/** Character class of every byte value. */
export const CLASS: Uint16Array = buildTable();

export function isWs(c: number): boolean {
  return c === SP || c === HT;
}

/** Skips spaces and tabs; returns the first other index (or `end`). */
export function skipWs(bytes: Uint8Array, pos: number, end: number): number {
  while (pos < end && (bytes[pos] === SP || bytes[pos] === HT)) pos++;
  return pos;
}

/**
 * Skips linear white space, including a folded line break (CRLF followed by SP/HT), which
 * RFC 3261 §7.3.1 makes equivalent to a single space inside a header value.
 */
export function skipLws(bytes: Uint8Array, pos: number, end: number): number {
  for (;;) {
    const c = bytes[pos];
    if (pos < end && (c === SP || c === HT)) {
      pos++;
    } else if (c === CR && pos + 2 < end && bytes[pos + 1] === LF && isWs(bytes[pos + 2]!)) {
      pos += 3;
    } else {
      return pos;
    }
  }
}

/** Index after the run of bytes having `flag`, starting at `pos`. */
export function scanClass(bytes: Uint8Array, pos: number, end: number, flag: number): number {
  while (pos < end && (CLASS[bytes[pos]!]! & flag) !== 0) pos++;
  return pos;
}

/** Trims trailing white space of the range [start, end); returns the new end. */
export function trimEnd(bytes: Uint8Array, start: number, end: number): number {
  while (end > start && isWs(bytes[end - 1]!)) end--;
  return end;
}

/** ASCII case-insensitive comparison of a byte range with a lower-case ASCII string. */
export function equalsLower(bytes: Uint8Array, start: number, end: number, lower: string): boolean {
  if (end - start !== lower.length) return false;
  for (let i = 0; i < lower.length; i++) {
    let c = bytes[start + i]!;
    if (c >= 65 && c <= 90) c |= 0x20;
    if (c !== lower.charCodeAt(i)) return false;
  }
  return true;
}

/** Parses an unsigned decimal in [start, end); -1 when empty, not all digits or above `max`. */
export function parseDecimal(bytes: Uint8Array, start: number, end: number, max: number): number {
  if (start >= end) return -1;
  let n = 0;
  for (let i = start; i < end; i++) {
    const d = bytes[i]! - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
    if (n > max) return -1;
  }
  return n;
}

/**
 * A byte range of the header section packed into one small integer: start in the low 16 bits,
 * length in the next 15 (the parser keeps the header section under 64 KiB and lines under 32 KiB).
 */
export function pack(start: number, end: number): number {
  return start | ((end - start) << 16);
}

export function packedStart(packed: number): number {
  return packed & 0xffff;
}

export function packedEnd(packed: number): number {
  return (packed & 0xffff) + (packed >>> 16);
}
