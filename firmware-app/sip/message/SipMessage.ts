// SipMessage: a read-only view of a received SIP message (RFC 3261 §7): the input bytes plus offsets.

import {
  BACKSLASH, CLASS, COLON, COMMA, DQUOTE, HT, LAQUOT, LF, RAQUOT, SP, TOKEN, equalsLower, packedEnd, packedStart,
  parseDecimal, trimEnd,
} from './chars.ts';
import { fail } from './errors.ts';
import { lineCount, lineEntry } from './headerTable.ts';
import { type DigestChallenge, type DigestCredentials, readChallenge, readCredentials } from './auth.ts';
import { H, headerIdOf, isListHeader } from './headerNames.ts';
import { type NameAddr, readNameAddrList } from './nameAddr.ts';
import { indexOfByte, text } from './text.ts';
import { type Via, readVias } from './via.ts';

/** Header table: one small integer per header line: value start | id << 16 | FOLDED. */
export const FOLDED = 1 << 23;

/** CSeq header (RFC 3261 §20.16). */
export interface CSeq {
  readonly seq: number;
  readonly method: string;
}

/**
 * A parsed SIP message. It keeps the bytes it was parsed from and a table of offsets; a header
 * value becomes a string only when it is read, and typed accessors parse their header on first
 * use (Via, From, To, Call-ID and CSeq were validated by the parser). Everything is read-only.
 */
export class SipMessage {
  /** The bytes the message was parsed from (not copied). */
  readonly bytes: Uint8Array;
  /** Response status code; 0 for a request. */
  readonly status: number;
  /** Request method; for a response, the method of its CSeq. */
  readonly method: string;
  /** The top (first) via-parm: the one a response is matched by. */
  readonly topVia: Via;
  readonly #from: NameAddr | undefined;
  readonly #to: NameAddr | undefined;
  readonly #startLine: number;
  readonly #table: number[];
  readonly #callId: number;
  readonly #cseq: number;
  readonly #bodyStart: number;
  readonly #bodyEnd: number;
  #cseqValue: CSeq | undefined;
  #contact: readonly NameAddr[] | '*' | undefined;

  /** @internal Built by `parseMessage`, not by hand. */
  constructor(
    bytes: Uint8Array,
    status: number,
    method: string,
    startLine: number,
    table: number[],
    topVia: Via,
    from: NameAddr | undefined,
    to: NameAddr | undefined,
    callId: number,
    cseq: number,
    cseqMethod: string,
    bodyStart: number,
    bodyEnd: number,
  ) {
    this.bytes = bytes;
    this.status = status;
    this.method = method;
    this.topVia = topVia;
    this.#from = from;
    this.#to = to;
    this.#startLine = startLine;
    this.#table = table;
    this.#callId = callId;
    this.#cseq = cseq;
    this.#bodyStart = bodyStart;
    this.#bodyEnd = bodyEnd;
    // Only a request kept for a 400 can carry a CSeq method other than its own.
    this.#cseqValue = cseqMethod === method || cseq < 0 ? undefined : { seq: cseq, method: cseqMethod };
    this.#contact = undefined;
  }

  get isRequest(): boolean {
    return this.status === 0;
  }

  /** The Request-URI as written; empty for a response. */
  get requestUri(): string {
    return this.isRequest ? text(this.bytes, packedStart(this.#startLine), packedEnd(this.#startLine)) : '';
  }

  /** The Reason-Phrase of a response; empty for a request. */
  get reason(): string {
    return this.isRequest ? '' : text(this.bytes, packedStart(this.#startLine), packedEnd(this.#startLine));
  }

  /** Number of header lines. */
  get headerCount(): number {
    return this.#count;
  }

  /** The body: a view into the input bytes, framed by Content-Length (RFC 3261 §18.3). */
  get body(): Uint8Array {
    return this.bytes.subarray(this.#bodyStart, this.#bodyEnd);
  }

  /** Length of the body after framing. */
  get contentLength(): number {
    return this.#bodyEnd - this.#bodyStart;
  }

  /** From; only a request kept on a SipParseError (for a 400) can have a malformed one, which throws here. */
  get from(): NameAddr {
    return this.#from ?? fail('BAD_FROM', 'malformed From header');
  }

  /** To; see `from`. */
  get to(): NameAddr {
    return this.#to ?? fail('BAD_TO', 'malformed To header');
  }

  get callId(): string {
    return text(this.bytes, packedStart(this.#callId), packedEnd(this.#callId));
  }

  get cseq(): CSeq {
    if (this.#cseq < 0) fail('BAD_CSEQ', 'malformed CSeq header');
    return (this.#cseqValue ??= { seq: this.#cseq, method: this.method });
  }

  // ---- raw header access -------------------------------------------------------------------

  /** Header line count, derived from the table (which packs two lines per element). */
  get #count(): number {
    return lineCount(this.#table);
  }

  #entry(i: number): number {
    return lineEntry(this.#table, i);
  }

  #id(i: number): number {
    return (this.#entry(i) >> 16) & 0x7f;
  }

  #valueStart(i: number): number {
    return this.#entry(i) & 0xffff;
  }

  /** End of the value of line `i`, trailing white space excluded (lines were checked to end in CRLF). */
  #valueEnd(i: number): number {
    const start = this.#entry(i) & 0xffff;
    let p = start;
    for (;;) {
      const lf = indexOfByte(this.bytes, LF, p);
      const next = this.bytes[lf + 1];
      if (next !== SP && next !== HT) return trimEnd(this.bytes, start, lf - 1);
      p = lf + 1;
    }
  }

  /** Start of the name of line `i`: back from the value over white space, the colon and the name. */
  #nameRange(i: number): [number, number] {
    let p = this.#valueStart(i);
    while (this.bytes[p - 1] !== COLON) p--;
    let end = p - 1;
    while (this.bytes[end - 1] === SP || this.bytes[end - 1] === HT) end--;
    let start = end;
    while (start > 0 && (CLASS[this.bytes[start - 1]!]! & TOKEN) !== 0) start--;
    return [start, end];
  }

  /** The value of header line `i`, unfolded (RFC 3261 §7.3.1: CRLF + white space is one SP). */
  #value(i: number): string {
    const s = text(this.bytes, this.#valueStart(i), this.#valueEnd(i));
    const value = (this.#entry(i) & FOLDED) === 0 ? s : s.replace(/[ \t]*\r\n[ \t]+/g, ' ');
    // Line ends were found natively; a stray control character is reported when its value is read.
    // A quoted-pair may escape a control character (RFC 3261 §25.1); a bare one is an error.
    if (CONTROL.test(value) && CONTROL.test(value.replace(QUOTED_PAIR, ''))) fail('BAD_CHARACTER', 'control character in a header value');
    return value;
  }

  #matches(i: number, id: number, lowerName: string): boolean {
    if (id !== 0) return this.#id(i) === id;
    if (this.#id(i) !== 0) return false;
    const [start, end] = this.#nameRange(i);
    return equalsLower(this.bytes, start, end, lowerName);
  }

  #indexOf(id: number, lowerName: string): number {
    for (let i = 0, n = this.#count; i < n; i++) if (this.#matches(i, id, lowerName)) return i;
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
    for (let i = 0, n = this.#count; i < n; i++) {
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
    for (let i = 0, n = this.#count; i < n; i++) {
      const [start, end] = this.#nameRange(i);
      out.push([text(this.bytes, start, end), this.#value(i)]);
    }
    return out;
  }

  /**
   * Byte ranges [lineStart, lineEnd) of every header line with this name, CRLF included, exactly
   * as received (folding kept). Used by the serializer to copy headers into a response unchanged.
   */
  headerLineRanges(name: string): Array<[number, number]> {
    const lower = name.toLowerCase();
    const id = headerIdOf(lower);
    const out: Array<[number, number]> = [];
    for (let i = 0, n = this.#count; i < n; i++) {
      if (!this.#matches(i, id, lower)) continue;
      let end = this.#valueEnd(i);
      end = indexOfByte(this.bytes, LF, end) + 1;
      out.push([this.#nameRange(i)[0], end]);
    }
    return out;
  }

  /** Range [valueStart, valueEnd) of the first header with this name, or undefined. */
  headerValueRange(name: string): [number, number] | undefined {
    const lower = name.toLowerCase();
    const i = this.#indexOf(headerIdOf(lower), lower);
    return i < 0 ? undefined : [this.#valueStart(i), this.#valueEnd(i)];
  }

  /** @internal Validates every Contact header and keeps the result (the parser calls it). */
  readContacts(): void {
    this.#contact = this.#readContacts();
  }

  // ---- typed accessors ---------------------------------------------------------------------

  /** Every via-parm of every Via header, top first. */
  get via(): Via[] {
    const out: Via[] = [];
    for (let i = 0, n = this.#count; i < n; i++) if (this.#id(i) === H.via) readVias(this.bytes, this.#valueStart(i), this.#valueEnd(i), out);
    return out;
  }

  /** Contact addresses with their parameters; `'*'` for the wildcard; empty when absent. */
  get contact(): readonly NameAddr[] | '*' {
    return (this.#contact ??= this.#readContacts());
  }

  #readContacts(): readonly NameAddr[] | '*' {
    let out: NameAddr[] = EMPTY_LIST;
    for (let i = 0, n = this.#count; i < n; i++) {
      if (this.#id(i) !== H.contact) continue;
      const s = this.#valueStart(i);
      const e = this.#valueEnd(i);
      if (e - s === 1 && this.bytes[s] === 42) return '*';
      out = readNameAddrList(this.bytes, s, e, 'BAD_CONTACT', out);
    }
    return out;
  }

  /** Route header addresses in order (RFC 3261 §20.34). */
  get route(): NameAddr[] {
    return this.#addressList(H.route);
  }

  /** Record-Route header addresses in order (RFC 3261 §20.30). */
  get recordRoute(): NameAddr[] {
    return this.#addressList(H.recordRoute);
  }

  #addressList(id: number): NameAddr[] {
    let out: NameAddr[] = [];
    for (let i = 0, n = this.#count; i < n; i++) if (this.#id(i) === id) out = readNameAddrList(this.bytes, this.#valueStart(i), this.#valueEnd(i), 'BAD_NAME_ADDR', out);
    return out;
  }

  get maxForwards(): number | undefined {
    const i = this.#indexOf(H.maxForwards, '');
    return i < 0 ? undefined : parseDecimal(this.bytes, this.#valueStart(i), this.#valueEnd(i), 255);
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
    for (let i = 0, n = this.#count; i < n; i++) if (this.#id(i) === id) out.push(read(this.bytes, this.#valueStart(i), this.#valueEnd(i)));
    return out;
  }
}

/** Shared empty result; callers get a fresh array as soon as there is something in it. */
const EMPTY_LIST: NameAddr[] = Object.freeze([]) as unknown as NameAddr[];

const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/;
const QUOTED_PAIR = /\\[^\r\n]/g;

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
