// name-addr / addr-spec with header parameters (RFC 3261 §20.10, §25.1): From, To, Contact, Route …

import { CLASS, COMMA, DQUOTE, LAQUOT, QUESTION, RAQUOT, SEMI, SP, HT, TOKEN, CR, equalsLower, pack, packedEnd, packedStart, skipLws } from './chars.ts';
import { type SipParseErrorCode, fail } from './errors.ts';
import { PARAM_SCAN, paramMap, scanParam, scanQuoted, unquote } from './params.ts';
import { indexOfByte, text } from './text.ts';
import { type SipUri, scanUri, uriFromScan } from './uri.ts';

/** Offsets of the last element scanned by `scanNameAddr` (scratch). -1 marks an absent part. */
const NA = {
  displayStart: -1,
  displayEnd: -1,
  uriStart: 0,
  uriEnd: 0,
  paramsStart: 0,
  paramsEnd: 0,
  tagStart: -1,
  tagEnd: -1,
};

/**
 * Scans one `(name-addr / addr-spec) *(SEMI param)` element at `p`. With `list` set, a top-level
 * comma ends the element (Contact, Route); otherwise the element must fill the value (From, To).
 * Returns the index where the element ends.
 */
function scanNameAddr(bytes: Uint8Array, p: number, end: number, code: SipParseErrorCode, list: boolean): number {
  p = skipLws(bytes, p, end);
  NA.displayStart = NA.displayEnd = -1;
  NA.tagStart = NA.tagEnd = -1;
  let c = bytes[p];
  if (c === DQUOTE) {
    NA.displayStart = p;
    p = scanQuoted(bytes, p, end, code);
    NA.displayEnd = p;
    p = skipLws(bytes, p, end);
    if (bytes[p] !== LAQUOT) fail(code, 'quoted display name must be followed by <URI>');
  } else if (c !== LAQUOT) {
    // Either an unquoted display name (*(token LWS)) before <URI>, or a bare addr-spec.
    let q = p;
    for (;;) {
      c = bytes[q];
      if (q < end && ((CLASS[c!]! & TOKEN) !== 0 || c === SP || c === HT)) q++;
      else if (c === CR && skipLws(bytes, q, end) !== q) q = skipLws(bytes, q, end);
      else break;
    }
    if (q < end && bytes[q] === LAQUOT) {
      NA.displayStart = p;
      let e = q;
      while (e > p && (bytes[e - 1] === SP || bytes[e - 1] === HT || bytes[e - 1] === 10 || bytes[e - 1] === CR)) e--;
      NA.displayEnd = e;
      p = q;
    }
  }
  if (bytes[p] === LAQUOT) {
    const uriStart = p + 1;
    const q = indexOfByte(bytes, RAQUOT, uriStart);
    if (q < 0 || q >= end) fail(code, 'missing > after URI');
    scanUri(bytes, uriStart, q, code);
    NA.uriStart = uriStart;
    NA.uriEnd = q;
    p = q + 1;
  } else {
    // addr-spec: RFC 3261 §20.10 says a URI with a comma, semicolon or question mark must be in <>,
    // so the URI ends at the first of them (or white space); its ;params are header parameters.
    const uriStart = p;
    let q = p;
    while (q < end) {
      c = bytes[q]!;
      if (c === SEMI || c === SP || c === HT || c === CR || (list && c === COMMA)) break;
      if (c === QUESTION || c === COMMA) fail(code, 'a URI with ? or , must be enclosed in <>');
      q++;
    }
    scanUri(bytes, uriStart, q, code);
    NA.uriStart = uriStart;
    NA.uriEnd = q;
    p = q;
  }
  NA.paramsStart = p;
  for (;;) {
    const q = skipLws(bytes, p, end);
    if (q >= end || bytes[q] !== SEMI) {
      NA.paramsEnd = p;
      p = q;
      break;
    }
    p = scanParam(bytes, q, end, code);
    if (equalsLower(bytes, PARAM_SCAN.nameStart, PARAM_SCAN.nameEnd, 'tag')) {
      if (PARAM_SCAN.valueStart < 0 || bytes[PARAM_SCAN.valueStart] === DQUOTE) fail(code, 'tag needs a token value');
      NA.tagStart = PARAM_SCAN.valueStart;
      NA.tagEnd = PARAM_SCAN.valueEnd;
    }
  }
  if (p < end && !(list && bytes[p] === COMMA)) fail(code, 'unexpected character after address');
  return p;
}

/** An address with its header parameters: From, To, Contact, Route, Record-Route … */
export interface NameAddr {
  /** Display name without quotes, or undefined. */
  readonly displayName: string | undefined;
  /** The URI as written, without `<>`. */
  readonly uri: string;
  /** The `tag` parameter (From/To), or undefined. */
  readonly tag: string | undefined;
  /** Header parameters (not URI parameters), names lower-cased, `null` for a flag. */
  readonly params: ReadonlyMap<string, string | null>;
  /** The URI split into its parts. */
  readonly parsedUri: SipUri;
}

/** Lazy view of one scanned address: strings are made only when a property is read. */
class NameAddrValue implements NameAddr {
  readonly #bytes: Uint8Array;
  readonly #uri: number;
  readonly #tag: number;
  readonly #display: number;
  readonly #paramRange: number;

  /** Captures the element just scanned by `scanNameAddr`. */
  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
    this.#uri = pack(NA.uriStart, NA.uriEnd);
    this.#tag = NA.tagStart >= 0 ? pack(NA.tagStart, NA.tagEnd) : -1;
    this.#display = NA.displayStart >= 0 ? pack(NA.displayStart, NA.displayEnd) : -1;
    this.#paramRange = pack(NA.paramsStart, NA.paramsEnd);
  }

  get uri(): string {
    return text(this.#bytes, packedStart(this.#uri), packedEnd(this.#uri));
  }

  get tag(): string | undefined {
    return this.#tag < 0 ? undefined : text(this.#bytes, packedStart(this.#tag), packedEnd(this.#tag));
  }

  get displayName(): string | undefined {
    if (this.#display < 0) return undefined;
    const start = packedStart(this.#display);
    const raw = text(this.#bytes, start, packedEnd(this.#display));
    return this.#bytes[start] === DQUOTE ? unquote(raw) : raw.replace(/\s+/g, ' ');
  }

  /** Built on each read: parameters are read rarely, and a cache would cost every message a field. */
  get params(): ReadonlyMap<string, string | null> {
    return paramMap(this.#bytes, packedStart(this.#paramRange), packedEnd(this.#paramRange));
  }

  get parsedUri(): SipUri {
    const start = packedStart(this.#uri);
    const end = packedEnd(this.#uri);
    scanUri(this.#bytes, start, end, 'BAD_URI');
    return uriFromScan(this.#bytes, start, end);
  }

  toJSON(): object {
    return { displayName: this.displayName, uri: this.uri, tag: this.tag, params: Object.fromEntries(this.params) };
  }
}

/** Validates the single address filling [start, end) and returns a lazy view of it. */
export function readNameAddr(bytes: Uint8Array, start: number, end: number, code: SipParseErrorCode): NameAddr {
  scanNameAddr(bytes, start, end, code, false);
  return new NameAddrValue(bytes);
}

/**
 * Reads a comma-separated list of addresses, appended to `out`; returns the list. An empty `out`
 * is not written to: a new array is made, one element long in the common one-address case.
 */
export function readNameAddrList(bytes: Uint8Array, start: number, end: number, code: SipParseErrorCode, out: NameAddr[]): NameAddr[] {
  let p = start;
  for (;;) {
    p = scanNameAddr(bytes, p, end, code, true);
    const item = new NameAddrValue(bytes);
    if (out.length === 0) out = [item];
    else out.push(item);
    if (p >= end) return out;
    p++;
  }
}
