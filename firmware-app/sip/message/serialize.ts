// Serializer: builds SIP requests and responses (RFC 3261 §7) into one buffer with one allocation.

import { CLASS, TOKEN } from './chars.ts';
import { SipParseError } from './errors.ts';
import { H, headerIdOf } from './headerNames.ts';
import type { SipMessage } from './SipMessage.ts';
import { utf8Length, writeUtf8 } from './text.ts';
import { viaInsertionPoints } from './via.ts';

/** A message to build. Content-Length is always computed from the body and written last. */
export type SipMessageInit =
  | {
      readonly isRequest: true;
      readonly method: string;
      readonly requestUri: string;
      readonly headers: ReadonlyArray<readonly [name: string, value: string]>;
      readonly body?: Uint8Array;
    }
  | {
      readonly isRequest: false;
      readonly status: number;
      readonly reason: string;
      readonly headers: ReadonlyArray<readonly [name: string, value: string]>;
      readonly body?: Uint8Array;
    };

/** A response to a received request. */
export interface ResponseInit {
  readonly status: number;
  readonly reason: string;
  /** Added as `;tag=` to the To header when the request's To has no tag yet. */
  readonly toTag?: string;
  /** Further headers, written after the copied ones. */
  readonly headers?: ReadonlyArray<readonly [name: string, value: string]>;
  readonly body?: Uint8Array;
  /**
   * RFC 3261 §18.2.1 / RFC 3581 §4: parameters the server adds to the top Via of the copy:
   * `received` (the source address) and `rport` (the source port, filling a valueless rport).
   */
  readonly topVia?: { readonly received?: string; readonly rport?: number };
}

const EMPTY = new Uint8Array(0);

/** Whether every character of `s` is an RFC 3261 token character (true for the empty string). */
function isTokenText(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 127 || (CLASS[c]! & TOKEN) === 0) return false;
  }
  return true;
}

/**
 * Throws unless `name` is a token and `value` holds no CR, LF or other control character, so that
 * nothing taken from configuration or a peer can inject header lines.
 */
function checkHeader(name: string, value: string): void {
  if (name === '') throw new SipParseError('BAD_HEADER_NAME', 'empty header name');
  if (!isTokenText(name)) throw new SipParseError('BAD_HEADER_NAME', `header name ${JSON.stringify(name)} is not a token`);
  checkText(value, `value of ${name}`);
}

/** RFC 3261 §25.1: tag-param = "tag" EQUAL token. */
function checkToken(value: string, what: string): void {
  if (!isTokenText(value)) throw new SipParseError('BAD_TO', `${what} is not a token`);
  if (value === '') throw new SipParseError('BAD_TO', `${what} is empty`);
}

function checkText(value: string, what: string): void {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if ((c < 32 && c !== 9) || c === 127) throw new SipParseError('BAD_CHARACTER', `control character in ${what}`);
  }
}

/** The status line of a response; throws on a status outside 100-699 or a control character in the reason. */
function statusLine(status: number, reason: string): string {
  if (!Number.isInteger(status) || status < 100 || status > 699) throw new SipParseError('BAD_STATUS_LINE', 'status must be 100-699');
  checkText(reason, 'reason phrase');
  return `SIP/2.0 ${status} ${reason}\r\n`;
}

function writeAscii(s: string, out: Uint8Array, pos: number): number {
  for (let i = 0; i < s.length; i++) out[pos++] = s.charCodeAt(i);
  return pos;
}

/** Bytes the header lines (minus any Content-Length, which we write ourselves) take; checks each. */
function headersLength(headers: ReadonlyArray<readonly [string, string]>): number {
  let total = 0;
  for (const [name, value] of headers) {
    checkHeader(name, value);
    if (headerIdOf(name) !== H.contentLength) total += name.length + 2 + utf8Length(value) + 2;
  }
  return total;
}

/** Writes `name: value CRLF` lines (Content-Length skipped); returns the index after them. */
function writeHeaders(headers: ReadonlyArray<readonly [string, string]>, out: Uint8Array, pos: number): number {
  for (const [name, value] of headers) {
    if (headerIdOf(name) === H.contentLength) continue;
    pos = writeAscii(name, out, pos);
    out[pos++] = 58;
    out[pos++] = 32;
    pos = writeUtf8(value, out, pos);
    out[pos++] = 13;
    out[pos++] = 10;
  }
  return pos;
}

/** The Content-Length line and the empty line that ends the head. */
function lengthLines(body: Uint8Array): string {
  return `Content-Length: ${body.length}\r\n\r\n`;
}

/** Writes the `lengthLines` of `body`, then the body, at `pos` (the end of `out`). */
function writeBody(lines: string, body: Uint8Array, out: Uint8Array, pos: number): Uint8Array {
  pos = writeAscii(lines, out, pos);
  out.set(body, pos);
  return out;
}

/** Serializes a message; headers keep their order, Content-Length is added from the body. */
export function serializeMessage(init: SipMessageInit): Uint8Array {
  const body = init.body ?? EMPTY;
  let startLine: string;
  if (init.isRequest) {
    if (init.method === '' || !isTokenText(init.method)) throw new SipParseError('BAD_START_LINE', 'method is not a token');
    if (/[\s<>"]/.test(init.requestUri) || init.requestUri === '') throw new SipParseError('BAD_REQUEST_URI', 'Request-URI holds white space or <>"');
    startLine = `${init.method} ${init.requestUri} SIP/2.0\r\n`;
  } else {
    startLine = statusLine(init.status, init.reason);
  }
  const tail = lengthLines(body);
  const out = new Uint8Array(utf8Length(startLine) + headersLength(init.headers) + tail.length + body.length);
  const pos = writeHeaders(init.headers, out, writeUtf8(startLine, out, 0));
  return writeBody(tail, body, out, pos);
}

const COPIED = ['via', 'from', 'to', 'call-id', 'cseq'] as const;

/**
 * Builds a response to `request` (RFC 3261 §8.2.6.2): Via, From, To, Call-ID and CSeq are copied
 * byte for byte as they came, then `init.headers`, then Content-Length and the body.
 */
export function buildResponse(request: SipMessage, init: ResponseInit): Uint8Array {
  const body = init.body ?? EMPTY;
  const startLine = statusLine(init.status, init.reason);
  const extra = init.headers ?? [];
  const src = request.bytes;
  const ranges = COPIED.map((name) => request.headerLineRanges(name));
  // Insertions into the copied bytes, in increasing offset order.
  const inserts: Array<[at: number, text: string]> = [];
  if (init.topVia !== undefined) {
    const points = viaInsertionPoints(request.topVia);
    const { received, rport } = init.topVia;
    if (rport !== undefined && points.rportNameEnd >= 0) inserts.push([points.rportNameEnd, `=${rport}`]);
    if (received !== undefined && !points.hasReceived) {
      if (!/^[0-9A-Fa-f.:]+$/.test(received)) throw new SipParseError('BAD_VIA', 'received must be an IP address');
      inserts.push([points.paramsEnd, `;received=${received}`]);
    }
  }
  if (init.toTag !== undefined && request.to.tag === undefined) {
    checkToken(init.toTag, 'To tag');
    inserts.push([request.headerValueRange('to')![1], `;tag=${init.toTag}`]);
  }
  inserts.sort((a, b) => a[0] - b[0]);
  const insertedLength = inserts.reduce((n, [, t]) => n + t.length, 0);
  const tail = lengthLines(body);
  let total = utf8Length(startLine) + insertedLength + tail.length + body.length;
  for (const list of ranges) for (const [s, e] of list) total += e - s;
  total += headersLength(extra);
  const out = new Uint8Array(total);
  let pos = writeUtf8(startLine, out, 0);
  for (const list of ranges) {
    for (const [s, e] of list) {
      let from = s;
      for (const [at, text] of inserts) {
        if (at < s || at >= e) continue;
        out.set(src.subarray(from, at), pos);
        pos += at - from;
        pos = writeAscii(text, out, pos);
        from = at;
      }
      out.set(src.subarray(from, e), pos);
      pos += e - from;
    }
  }
  return writeBody(tail, body, out, writeHeaders(extra, out, pos));
}
