// SIP/SIPS URI grammar (RFC 3261 §19.1, §25.1) with RFC 5118 IPv6 references; other schemes as absoluteURI.

import {
  ALPHA, AT, CLASS, COLON, DIGIT, DOT, EQUAL, HEX, HNV, HOSTNAME, LBRACKET, PARAM, PASSWORD, PERCENT,
  QUESTION, RBRACKET, SCHEME, SEMI, USER, equalsLower, parseDecimal, scanClass,
} from './chars.ts';
import { type SipParseErrorCode, fail } from './errors.ts';
import { indexOfByte, text } from './text.ts';

/** Offsets of the last scanned SIP URI (scratch; read right after `scanUri`). */
export const URI = {
  schemeEnd: 0,
  userStart: -1,
  userEnd: -1,
  passwordStart: -1,
  passwordEnd: -1,
  hostStart: 0,
  hostEnd: 0,
  port: -1,
  paramsStart: 0,
  paramsEnd: 0,
  headersStart: 0,
  headersEnd: 0,
  isSip: false,
};

/** Index after a run of `flag` characters and `%HH` escapes. */
function scanEscaped(bytes: Uint8Array, p: number, end: number, flag: number): number {
  while (p < end) {
    const c = bytes[p]!;
    if ((CLASS[c]! & flag) !== 0) p++;
    else if (c === PERCENT && p + 2 < end && (CLASS[bytes[p + 1]!]! & HEX) !== 0 && (CLASS[bytes[p + 2]!]! & HEX) !== 0) p += 3;
    else break;
  }
  return p;
}

function isIpv4(bytes: Uint8Array, s: number, e: number): boolean {
  let parts = 0;
  let i = s;
  while (i <= e) {
    let j = i;
    while (j < e && (CLASS[bytes[j]!]! & DIGIT) !== 0) j++;
    if (j === i || j - i > 3 || parseDecimal(bytes, i, j, 255) < 0) return false;
    parts++;
    if (j === e) return parts === 4;
    if (bytes[j] !== DOT || parts === 4) return false;
    i = j + 1;
  }
  return false;
}

/** RFC 4291 §2.2 text form, with an optional IPv4 tail; no zone index. */
export function isIpv6(bytes: Uint8Array, s: number, e: number): boolean {
  if (e - s < 2) return false;
  let groups = 0;
  let compressed = false;
  let i = s;
  if (bytes[i] === COLON) {
    if (bytes[i + 1] !== COLON) return false;
    compressed = true;
    i += 2;
    if (i === e) return true;
  }
  while (i < e) {
    let j = i;
    while (j < e && (CLASS[bytes[j]!]! & HEX) !== 0) j++;
    if (j < e && bytes[j] === DOT) {
      if (!isIpv4(bytes, i, e)) return false;
      groups += 2;
      break;
    }
    if (j === i || j - i > 4) return false;
    groups++;
    if (j === e) break;
    if (bytes[j] !== COLON) return false;
    j++;
    if (j < e && bytes[j] === COLON) {
      if (compressed) return false;
      compressed = true;
      j++;
      if (j === e) break;
    } else if (j === e) {
      return false;
    }
    i = j;
  }
  return compressed ? groups <= 7 : groups === 8;
}

/**
 * Scans hostname / IPv4address at `p` in one pass: labels of letters, digits, `-` (not at either
 * end) and `_`, separated by dots, an optional final dot; a numeric last label means IPv4, whose
 * four octets are checked on the way.
 */
function scanHostname(bytes: Uint8Array, p: number, end: number, code: SipParseErrorCode): number {
  const start = p;
  let labelStart = p;
  let lastLabelNumeric = true; // digits only in the label being scanned
  let numericLabels = 0;
  let labels = 0;
  let octet = 0;
  let octetsOk = true;
  while (p < end) {
    const c = bytes[p]!;
    const k = CLASS[c]!;
    if ((k & DIGIT) !== 0) {
      octet = octet * 10 + c - 48;
      if (octet > 255 || p - labelStart >= 3) octetsOk = false;
    } else if (c === DOT) {
      if (p === labelStart || bytes[labelStart] === 45 || bytes[p - 1] === 45) break;
      labels++;
      if (lastLabelNumeric) numericLabels++;
      lastLabelNumeric = true;
      octet = 0;
      labelStart = p + 1;
    } else if ((k & HOSTNAME) !== 0) {
      lastLabelNumeric = false;
    } else {
      break;
    }
    p++;
  }
  if (p === start || (p < end && bytes[p] === DOT)) fail(code, 'bad host name');
  if (p > labelStart) {
    if (bytes[labelStart] === 45 || bytes[p - 1] === 45) fail(code, 'host label starts or ends with -');
    labels++;
    if (lastLabelNumeric) numericLabels++;
  } else {
    lastLabelNumeric = numericLabels === labels; // ended with a dot: judge by the label before it
  }
  // RFC 3261: toplabel starts with a letter, so a numeric last label must be an IPv4 address.
  if (lastLabelNumeric && (labels !== 4 || numericLabels !== 4 || !octetsOk)) fail(code, 'bad IPv4 address');
  return p;
}

/** Scans a host (name, IPv4 or bracketed IPv6) at `p`; returns the index after it. */
export function scanHost(bytes: Uint8Array, p: number, end: number, code: SipParseErrorCode): number {
  if (bytes[p] === LBRACKET) {
    let q = p + 1;
    while (q < end && bytes[q] !== RBRACKET) q++;
    if (q >= end || !isIpv6(bytes, p + 1, q)) fail(code, 'bad IPv6 reference');
    return q + 1;
  }
  return scanHostname(bytes, p, end, code);
}

/** Parses `:port` at `p` when present; returns the index after it and stores the port in URI.port. */
export function scanPort(bytes: Uint8Array, p: number, end: number, code: SipParseErrorCode): number {
  URI.port = -1;
  if (p >= end || bytes[p] !== COLON) return p;
  const q = scanClass(bytes, p + 1, end, DIGIT);
  const port = parseDecimal(bytes, p + 1, q, 65535);
  if (port < 0) fail(code, 'bad port');
  URI.port = port;
  return q;
}

/**
 * Validates the URI in [start, end) and fills `URI` with its parts. SIP and SIPS URIs are checked
 * against the full grammar; any other scheme (tel, urn, http …) against the generic absoluteURI form.
 */
export function scanUri(bytes: Uint8Array, start: number, end: number, code: SipParseErrorCode): void {
  if (start >= end || (CLASS[bytes[start]!]! & ALPHA) === 0) fail(code, 'URI has no scheme');
  const schemeEnd = scanClass(bytes, start + 1, end, SCHEME);
  if (schemeEnd >= end || bytes[schemeEnd] !== COLON) fail(code, 'URI has no scheme');
  URI.schemeEnd = schemeEnd;
  URI.userStart = URI.userEnd = URI.passwordStart = URI.passwordEnd = -1;
  URI.port = -1;
  const isSip = equalsLower(bytes, start, schemeEnd, 'sip') || equalsLower(bytes, start, schemeEnd, 'sips');
  URI.isSip = isSip;
  if (!isSip) {
    // absoluteURI: printable, no white space, no <, >, or quotes
    if (schemeEnd + 1 >= end) fail(code, 'empty URI');
    for (let i = schemeEnd + 1; i < end; i++) {
      const c = bytes[i]!;
      if (c <= 32 || c >= 127 || c === 60 || c === 62 || c === 34) fail(code, 'bad character in URI');
    }
    URI.hostStart = URI.hostEnd = URI.paramsStart = URI.paramsEnd = URI.headersStart = URI.headersEnd = end;
    return;
  }
  let p = schemeEnd + 1;
  // The first '@' anywhere in the URI ends the userinfo (found natively; past `end` means none).
  let at = indexOfByte(bytes, AT, p);
  if (at >= end) at = -1;
  if (at >= 0) {
    const userEnd = scanEscaped(bytes, p, at, USER);
    if (userEnd === p) fail(code, 'empty user part in URI');
    URI.userStart = p;
    URI.userEnd = userEnd;
    if (userEnd < at) {
      if (bytes[userEnd] !== COLON) fail(code, 'bad character in URI user part');
      const passwordEnd = scanEscaped(bytes, userEnd + 1, at, PASSWORD);
      if (passwordEnd !== at) fail(code, 'bad character in URI password');
      URI.passwordStart = userEnd + 1;
      URI.passwordEnd = at;
    }
    p = at + 1;
  }
  URI.hostStart = p;
  p = scanHost(bytes, p, end, code);
  URI.hostEnd = p;
  p = scanPort(bytes, p, end, code);
  URI.paramsStart = p;
  while (p < end && bytes[p] === SEMI) {
    const nameEnd = scanEscaped(bytes, p + 1, end, PARAM);
    if (nameEnd === p + 1) fail(code, 'empty URI parameter name');
    p = nameEnd;
    if (p < end && bytes[p] === EQUAL) {
      const valueEnd = scanEscaped(bytes, p + 1, end, PARAM);
      if (valueEnd === p + 1) fail(code, 'empty URI parameter value');
      p = valueEnd;
    }
  }
  URI.paramsEnd = p;
  URI.headersStart = p;
  if (p < end && bytes[p] === QUESTION) {
    do {
      const nameEnd = scanEscaped(bytes, p + 1, end, HNV);
      if (nameEnd === p + 1 || nameEnd >= end || bytes[nameEnd] !== EQUAL) fail(code, 'bad URI header');
      p = scanEscaped(bytes, nameEnd + 1, end, HNV);
    } while (p < end && bytes[p] === 38 /* & */);
  }
  URI.headersEnd = p;
  if (p !== end) fail(code, 'bad character in URI');
}

/** A parsed URI. Strings are as on the wire (escapes kept); param names are lower-cased. */
export interface SipUri {
  /** Lower-case scheme: `sip`, `sips`, `tel` … */
  readonly scheme: string;
  readonly user: string | undefined;
  readonly password: string | undefined;
  /** Host as written; an IPv6 reference keeps its brackets. Empty for non-SIP schemes. */
  readonly host: string;
  readonly port: number | undefined;
  /** URI parameters (`;transport=tcp;lr`), names lower-cased, `null` for a parameter without value. */
  readonly params: ReadonlyMap<string, string | null>;
  /** URI headers (`?Subject=x`), as written. */
  readonly headers: ReadonlyMap<string, string>;
  /** The whole URI as written. */
  readonly raw: string;
}

function splitPairs(s: string, separator: string, lowerNames: boolean): Map<string, string | null> {
  const out = new Map<string, string | null>();
  if (s === '') return out;
  for (const part of s.split(separator)) {
    const eq = part.indexOf('=');
    const name = eq < 0 ? part : part.slice(0, eq);
    out.set(lowerNames ? name.toLowerCase() : name, eq < 0 ? null : part.slice(eq + 1));
  }
  return out;
}

/** Builds a SipUri from the bytes just validated by `scanUri`. */
export function uriFromScan(bytes: Uint8Array, start: number, end: number): SipUri {
  const raw = text(bytes, start, end);
  const scheme = text(bytes, start, URI.schemeEnd).toLowerCase();
  if (!URI.isSip) {
    return { scheme, user: undefined, password: undefined, host: '', port: undefined, params: new Map(), headers: new Map(), raw };
  }
  const headerPairs = splitPairs(text(bytes, URI.headersStart + 1, URI.headersEnd), '&', false);
  return {
    scheme,
    user: URI.userStart >= 0 ? text(bytes, URI.userStart, URI.userEnd) : undefined,
    password: URI.passwordStart >= 0 ? text(bytes, URI.passwordStart, URI.passwordEnd) : undefined,
    host: text(bytes, URI.hostStart, URI.hostEnd),
    port: URI.port >= 0 ? URI.port : undefined,
    params: splitPairs(text(bytes, URI.paramsStart + 1, URI.paramsEnd), ';', true),
    headers: new Map([...headerPairs].map(([k, v]) => [k, v ?? ''])),
    raw,
  };
}

const encoder = new TextEncoder();

/** Parses a URI string; throws SipParseError `BAD_URI` when it breaks the grammar. */
export function parseUri(uri: string): SipUri {
  const bytes = encoder.encode(uri);
  scanUri(bytes, 0, bytes.length, 'BAD_URI');
  return uriFromScan(bytes, 0, bytes.length);
}
