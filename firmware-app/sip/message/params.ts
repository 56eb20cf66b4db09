// Header parameters and quoted strings (RFC 3261 §25.1: generic-param, gen-value, quoted-string).

import { BACKSLASH, CLASS, COLON, CR, DQUOTE, EQUAL, LBRACKET, RBRACKET, SEMI, TOKEN, skipLws, scanClass } from './chars.ts';
import { type SipParseErrorCode, fail } from './errors.ts';
import { text } from './text.ts';
import { isIpv6 } from './uri.ts';

/** Offsets of the last parameter scanned by `scanParam` (scratch). valueStart is -1 without a value. */
export const PARAM_SCAN = { nameStart: 0, nameEnd: 0, valueStart: -1, valueEnd: -1 };

/**
 * Scans a quoted-string whose opening quote is at `p`; returns the index after the closing quote.
 * qdtext is any byte but `"` and `\` and controls (UTF-8 allowed); quoted-pair is `\` and one byte
 * other than CR and LF.
 */
export function scanQuoted(bytes: Uint8Array, p: number, end: number, code: SipParseErrorCode): number {
  p++;
  while (p < end) {
    const c = bytes[p]!;
    if (c === DQUOTE) return p + 1;
    if (c === BACKSLASH) {
      const next = bytes[p + 1];
      if (p + 1 >= end || next === CR || next === 10) fail(code, 'bad escape in quoted string');
      p += 2;
    } else if (c < 32 && c !== 9) {
      if (c === CR && p + 2 < end && bytes[p + 1] === 10 && (bytes[p + 2] === 32 || bytes[p + 2] === 9)) p += 3;
      else fail(code, 'control character in quoted string');
    } else {
      p++;
    }
  }
  return fail(code, 'unterminated quoted string');
}

/** The content of a quoted-string with its quotes removed and quoted-pairs resolved. */
export function unquote(s: string): string {
  if (s.length < 2 || s.charCodeAt(0) !== DQUOTE) return s;
  const inner = s.slice(1, -1);
  return inner.indexOf('\\') < 0 ? inner : inner.replace(/\\(.)/gs, '$1');
}

/**
 * Scans one `;name[=value]` header parameter; `p` is at the `;`. gen-value is a token, a host
 * (IPv6 references included) or a quoted-string. Returns the index after the parameter.
 */
export function scanParam(
  bytes: Uint8Array,
  p: number,
  end: number,
  code: SipParseErrorCode,
  allowColon = false,
): number {
  p = skipLws(bytes, p + 1, end);
  const nameEnd = scanClass(bytes, p, end, TOKEN);
  if (nameEnd === p) fail(code, 'empty parameter name');
  PARAM_SCAN.nameStart = p;
  PARAM_SCAN.nameEnd = nameEnd;
  PARAM_SCAN.valueStart = PARAM_SCAN.valueEnd = -1;
  p = skipLws(bytes, nameEnd, end);
  if (p >= end || bytes[p] !== EQUAL) return nameEnd;
  p = skipLws(bytes, p + 1, end);
  const valueStart = p;
  const c = bytes[p];
  if (c === DQUOTE) {
    p = scanQuoted(bytes, p, end, code);
  } else if (c === LBRACKET) {
    while (p < end && bytes[p] !== RBRACKET) p++;
    if (p >= end || !isIpv6(bytes, valueStart + 1, p)) fail(code, 'bad IPv6 parameter value');
    p++;
  } else {
    // Via's received= may hold an unbracketed IPv6 address (RFC 5118 §4.5).
    while (p < end && ((CLASS[bytes[p]!]! & TOKEN) !== 0 || (allowColon && bytes[p] === COLON))) p++;
    if (p === valueStart) fail(code, 'parameter value is not a token');
  }
  PARAM_SCAN.valueStart = valueStart;
  PARAM_SCAN.valueEnd = p;
  return p;
}

/**
 * Builds the map of header parameters in [start, end), which was validated when the message
 * was parsed. Names are lower-cased; quoted values are unquoted; a bare name maps to null.
 */
export function paramMap(bytes: Uint8Array, start: number, end: number, allowColon = false): Map<string, string | null> {
  const out = new Map<string, string | null>();
  let p = skipLws(bytes, start, end);
  while (p < end && bytes[p] === SEMI) {
    p = scanParam(bytes, p, end, 'BAD_NAME_ADDR', allowColon);
    const name = text(bytes, PARAM_SCAN.nameStart, PARAM_SCAN.nameEnd).toLowerCase();
    const value = PARAM_SCAN.valueStart < 0 ? null : unquote(text(bytes, PARAM_SCAN.valueStart, PARAM_SCAN.valueEnd));
    out.set(name, value);
    p = skipLws(bytes, p, end);
  }
  return out;
}
