// SipMessage: a read-only view of a received SIP message (RFC 3261 §7): the input bytes plus offsets.

import { COMMA, CR, DQUOTE, LAQUOT, RAQUOT, BACKSLASH, equalsLower, parseDecimal, skipLws } from './chars.ts';
import { type SipParseErrorCode, fail } from './errors.ts';
import { type DigestChallenge, type DigestCredentials, readChallenge, readCredentials } from './auth.ts';
import { H, headerIdOf, isListHeader } from './headerNames.ts';
import { type NameAddr, readNameAddr, readNameAddrList } from './nameAddr.ts';
import { text } from './text.ts';
import { type Via, readVia, readVias } from './via.ts';

/** Header table packing: two small integers per header line (see parse.ts). */
export const FOLDED = 1 << 23;
const ID_SHIFT = 16;
const LOW16 = 0xffff;

/** CSeq header (RFC 3261 §20.16). */
export interface CSeq {
  readonly seq: number;
  readonly method: string;
}

/** Where the parts of the start line sit (request: method, Request-URI; response: reason). */
export interface StartLine {
  readonly start: number;
  readonly a: number;
  readonly b: number;
  readonly c: number;
}

/** Indexes of the first occurrence of the hot headers in the header table (-1 when absent). */
export interface HotIndex {
  readonly via: number;
  readonly from: number;
  readonly to: number;
  readonly callId: number;
  readonly cseq: number;
}

/**
 * A parsed SIP message. It keeps the bytes it was parsed from and a table of offsets; a header
 * value becomes a string only when it is read, and typed accessors parse their header on first
 * use. Everything returned is read-only.
 */
export class SipMessage {
  /** The bytes the message was parsed from (not copied). */
  readonly bytes: Uint8Array;
  readonly isRequest: boolean;
  /** Response status code; 0 for a request. */
  readonly status: number;
  /** Request method; for a response, the method of its CSeq. */
  readonly method: string;
  readonly #startLine: number;
  readonly #p1: number;
  readonly #p2: number;
  readonly #table: number[];
  readonly #hot: number;
  readonly #hotTo: number;
  readonly #bodyStart: number;
  readonly #bodyEnd: number;
  #topVia: Via | undefined;
  #from: NameAddr | undefined;
  #to: NameAddr | undefined;
  #cseq: CSeq | undefined;

  /** @internal Built by `parseMessage`, not by hand. */
  constructor(
    bytes: Uint8Array,
    isRequest: boolean,
    status: number,
    method: string,
    startLine: number,
    p1: number,
    p2: number,
    table: number[],
    hot: HotIndex,
    bodyStart: number,
    bodyEnd: number,
  ) {
    this.bytes = bytes;
    this.isRequest = isRequest;
    this.status = status;
    this.method = method;
    this.#startLine = startLine;
    this.#p1 = p1;
    this.#p2 = p2;
    this.#table = table;
    // Four 8-bit header indexes in one small integer keep the object small.
    this.#hot = hot.via | (hot.from << 8) | (hot.callId << 16);
    this.#hotTo = hot.to | (hot.cseq << 8);
    this.#bodyStart = bodyStart;
    this.#bodyEnd = bodyEnd;
    this.#topVia = undefined;
    this.#from = undefined;
    this.#to = undefined;
    this.#cseq = undefined;
  }

  /** The Request-URI as written; empty for a response. */
  get requestUri(): string {
    return this.isRequest ? text(this.bytes, this.#p1, this.#p2) : '';
  }

  /** The Reason-Phrase of a response; empty for a request. */
  get reason(): string {
    return this.isRequest ? '' : text(this.bytes, this.#p1, this.#p2);
  }

  /** Number of header lines. */
  get headerCount(): number {
    return this.#table.length >> 1;
  }

  /** The body: a view into the input bytes, framed by Content-Length (RFC 3261 §18.3). */
  get body(): Uint8Array {
    return this.bytes.subarray(this.#bodyStart, this.#bodyEnd);
  }

  /** Length of the body after framing. */
  get contentLength(): number {
    return this.#bodyEnd - this.#bodyStart;
  }

  // ---- raw header access -------------------------------------------------------------------

  #id(i: number): number {
    return (this.#table[i << 1]! >> ID_SHIFT) & 0x7f;
  }

  #valueStart(i: number): number {
    return this.#table[(i << 1) + 1]! & LOW16;
  }

  #valueEnd(i: number): number {
    const q = this.#table[(i << 1) + 1]!;
    return (q & LOW16) + (q >>> ID_SHIFT);
  }

  /** The value of header line `i`, unfolded (RFC 3261 §7.3.1: CRLF + white space is one SP). */
  #value(i: number): string {
    const s = text(this.bytes, this.#valueStart(i), this.#valueEnd(i));
    return (this.#table[i << 1]! & FOLDED) === 0 ? s : s.replace(/[ \t]*\r\n[ \t]+/g, ' ');
  }

  /** The header name of line `i` as written. */
  #name(i: number): string {
    const start = this.#table[i << 1]! & LOW16;
    let end = start;
    while (this.bytes[end] !== 58 && this.bytes[end] !== 32 && this.bytes[end] !== 9) end++;
    return text(this.bytes, start, end);
  }

  #matches(i: number, id: number, lowerName: string): boolean {
    if (id !== 0) return this.#id(i) === id;
    if (this.#id(i) !== 0) return false;
    const start = this.#table[i << 1]! & LOW16;
    return equalsLower(this.bytes, start, start + lowerName.length, lowerName) &&
      (this.bytes[start + lowerName.length] === 58 || this.bytes[start + lowerName.length] === 32 || this.bytes[start + lowerName.length] === 9);
  }

  #indexOf(id: number, lowerName: string, from = 0): number {
    const n = this.#table.length >> 1;
    for (let i = from; i < n; i++) if (this.#matches(i, id, lowerName)) return i;
    return -1;
  }

  /** First value of the named header (any case, long or compact form), or undefined. */
  header(name: string): string | undefined {
    const lower = name.toLowerCase();
    const i = this.#indexOf(headerIdOf(lower), lower);
    return i < 0 ? undefined : this.#value(i);
  }

  /**
   * Every value of the named header in order. Comma-separated lists are split for headers whose
   * grammar is a list (Via, Contact, Route, Allow, Supported …), never inside quotes or `<>`.
   */
  headers(name: string): string[] {
    const lower = name.toLowerCase();
    const id = headerIdOf(lower);
    const out: string[] = [];
    const n = this.#table.length >> 1;
    for (let i = 0; i < n; i++) {
      if (!this.#matches(i, id, lower)) continue;
      const value = this.#value(i);
      if (id !== 0 && isListHeader(id)) splitList(value, out);
      else out.push(value);
    }
    return out;
  }

  /** Every header line as [name as written, unfolded value], in order. */
  entries(): Array<[string, string]> {
    const out: Array<[string, string]> = [];
    const n = this.#table.length >> 1;
    for (let i = 0; i < n; i++) out.push([this.#name(i), this.#value(i)]);
    return out;
  }

  /**
   * Byte ranges [lineStart, lineEnd) of every header line with this id, CRLF included, exactly as
   * received (folding kept). Used by the serializer to copy headers into a response unchanged.
   */
  headerLineRanges(name: string): Array<[number, number]> {
    const lower = name.toLowerCase();
    const id = headerIdOf(lower);
    const out: Array<[number, number]> = [];
    const n = this.#table.length >> 1;
    for (let i = 0; i < n; i++) {
      if (!this.#matches(i, id, lower)) continue;
      let end = this.#valueEnd(i);
      while (this.bytes[end] !== CR || (this.bytes[end + 2] === 32 || this.bytes[end + 2] === 9)) end++;
      out.push([this.#table[i << 1]! & LOW16, end + 2]);
    }
    return out;
  }

  /** Range [valueStart, valueEnd) of the first header with this name, or undefined. */
  headerValueRange(name: string): [number, number] | undefined {
    const lower = name.toLowerCase();
    const i = this.#indexOf(headerIdOf(lower), lower);
    return i < 0 ? undefined : [this.#valueStart(i), this.#valueEnd(i)];
  }

  // ---- typed accessors ---------------------------------------------------------------------

  /** The top (first) via-parm: the one a response is matched by. */
  get topVia(): Via {
    if (this.#topVia === undefined) {
      const i = this.#hot & 0xff;
      this.#topVia = readVia(this.bytes, this.#valueStart(i), this.#valueEnd(i));
    }
    return this.#topVia;
  }

  /** Every via-parm of every Via header, top first. */
  get via(): Via[] {
    const out: Via[] = [];
    const n = this.#table.length >> 1;
    for (let i = 0; i < n; i++) if (this.#id(i) === H.via) readVias(this.bytes, this.#valueStart(i), this.#valueEnd(i), out);
    return out;
  }

  get from(): NameAddr {
    if (this.#from === undefined) {
      const i = (this.#hot >> 8) & 0xff;
      this.#from = readNameAddr(this.bytes, this.#valueStart(i), this.#valueEnd(i), 'BAD_FROM');
    }
    return this.#from;
  }

  get to(): NameAddr {
    if (this.#to === undefined) {
      const i = this.#hotTo & 0xff;
      this.#to = readNameAddr(this.bytes, this.#valueStart(i), this.#valueEnd(i), 'BAD_TO');
    }
    return this.#to;
  }

  get callId(): string {
    const i = (this.#hot >> 16) & 0xff;
    return text(this.bytes, this.#valueStart(i), this.#valueEnd(i));
  }

  get cseq(): CSeq {
    if (this.#cseq === undefined) {
      const i = (this.#hotTo >> 8) & 0xff;
      this.#cseq = readCSeq(this.bytes, this.#valueStart(i), this.#valueEnd(i));
    }
    return this.#cseq;
  }

  /** Contact addresses with their parameters; `'*'` for the wildcard; empty when absent. */
  get contact(): NameAddr[] | '*' {
    const out: NameAddr[] = [];
    const n = this.#table.length >> 1;
    for (let i = 0; i < n; i++) {
      if (this.#id(i) !== H.contact) continue;
      const s = this.#valueStart(i);
      const e = this.#valueEnd(i);
      if (e - s === 1 && this.bytes[s] === 42) return '*';
      readNameAddrList(this.bytes, s, e, 'BAD_CONTACT', out);
    }
    return out;
  }

  /** Route header addresses in order (RFC 3261 §20.34). */
  get route(): NameAddr[] {
    return this.#addressList(H.route, 'BAD_NAME_ADDR');
  }

  /** Record-Route header addresses in order (RFC 3261 §20.30). */
  get recordRoute(): NameAddr[] {
    return this.#addressList(H.recordRoute, 'BAD_NAME_ADDR');
  }

  #addressList(id: number, code: SipParseErrorCode): NameAddr[] {
    const out: NameAddr[] = [];
    const n = this.#table.length >> 1;
    for (let i = 0; i < n; i++) if (this.#id(i) === id) readNameAddrList(this.bytes, this.#valueStart(i), this.#valueEnd(i), code, out);
    return out;
  }

  #number(id: number, max: number, code: SipParseErrorCode): number | undefined {
    const i = this.#indexOf(id, '');
    if (i < 0) return undefined;
    const n = parseDecimal(this.bytes, this.#valueStart(i), this.#valueEnd(i), max);
    return n < 0 ? fail(code, 'not a number') : n;
  }

  get maxForwards(): number | undefined {
    return this.#number(H.maxForwards, 255, 'BAD_MAX_FORWARDS');
  }

  /**
   * The Expires header in seconds, clamped at 2^32-1; undefined when absent or not delta-seconds
   * (an RFC 2543 SIP-date, which RFC 3261 §20.19 no longer allows).
   */
  get expires(): number | undefined {
    const i = this.#indexOf(H.expires, '');
    if (i < 0) return undefined;
    return readDeltaSeconds(this.bytes, this.#valueStart(i), this.#valueEnd(i));
  }

  get contentType(): string | undefined {
    return this.header('content-type');
  }

  get wwwAuthenticate(): DigestChallenge[] {
    return this.#each(H.wwwAuthenticate, readChallenge);
  }

  get proxyAuthenticate(): DigestChallenge[] {
    return this.#each(H.proxyAuthenticate, readChallenge);
  }

  get authorization(): DigestCredentials[] {
    return this.#each(H.authorization, readCredentials);
  }

  get proxyAuthorization(): DigestCredentials[] {
    return this.#each(H.proxyAuthorization, readCredentials);
  }

  #each<T>(id: number, read: (bytes: Uint8Array, s: number, e: number) => T): T[] {
    const out: T[] = [];
    const n = this.#table.length >> 1;
    for (let i = 0; i < n; i++) if (this.#id(i) === id) out.push(read(this.bytes, this.#valueStart(i), this.#valueEnd(i)));
    return out;
  }

  /** Start of the start line (after any leading CRLFs); used by the serializer. */
  get startLineOffset(): number {
    return this.#startLine;
  }
}

/** Reads a validated CSeq value: `1*DIGIT LWS Method`. */
export function readCSeq(bytes: Uint8Array, start: number, end: number): CSeq {
  let p = start;
  while (p < end && bytes[p]! >= 48 && bytes[p]! <= 57) p++;
  const seq = parseDecimal(bytes, start, p, 0x7fffffff);
  const m = skipLws(bytes, p, end);
  return { seq, method: methodName(bytes, m, end) };
}

/** delta-seconds, clamped at 2^32-1; undefined when empty or not all digits. */
export function readDeltaSeconds(bytes: Uint8Array, start: number, end: number): number | undefined {
  if (start >= end) return undefined;
  let n = 0;
  for (let i = start; i < end; i++) {
    const d = bytes[i]! - 48;
    if (d < 0 || d > 9) return undefined;
    n = Math.min(n * 10 + d, 0xffffffff);
  }
  return n;
}

const METHODS = ['INVITE', 'ACK', 'BYE', 'CANCEL', 'OPTIONS', 'REGISTER', 'PRACK', 'SUBSCRIBE', 'NOTIFY', 'PUBLISH', 'INFO', 'REFER', 'MESSAGE', 'UPDATE'];

/** The method in [start, end) as a string; well-known methods return a shared constant. */
export function methodName(bytes: Uint8Array, start: number, end: number): string {
  const len = end - start;
  for (const m of METHODS) {
    if (m.length !== len || m.charCodeAt(0) !== bytes[start]) continue;
    let i = 1;
    while (i < len && m.charCodeAt(i) === bytes[start + i]) i++;
    if (i === len) return m;
  }
  return text(bytes, start, end);
}

/** Splits a list value at top-level commas (not inside quotes or <>), trimming each element. */
export function splitList(value: string, out: string[]): void {
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (quoted) {
      if (c === BACKSLASH) i++;
      else if (c === DQUOTE) quoted = false;
    } else if (c === DQUOTE) quoted = true;
    else if (c === LAQUOT) depth++;
    else if (c === RAQUOT) depth = Math.max(0, depth - 1);
    else if (c === COMMA && depth === 0) {
      const part = value.slice(start, i).trim();
      if (part !== '') out.push(part);
      start = i + 1;
    }
  }
  const last = value.slice(start).trim();
  if (last !== '') out.push(last);
}
