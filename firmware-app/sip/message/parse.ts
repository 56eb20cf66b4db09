// parseMessage: frames one SIP message (RFC 3261 §7, §18.3) into a SipMessage without copying bytes.

import { CLASS, COLON, CR, DIGIT, HT, LF, SP, TOKEN, WORD, parseDecimal, skipLws, scanClass, trimEnd } from './chars.ts';
import { SipParseError, fail } from './errors.ts';
import { H, foldHash, internName } from './headerNames.ts';
import { scanNameAddr, validateNameAddrList } from './nameAddr.ts';
import { FOLDED, SipMessage, methodName } from './SipMessage.ts';
import { scanUri } from './uri.ts';
import { validateVias } from './via.ts';

/** Size limits; a message past any of them is rejected with a clear code. */
export interface ParseLimits {
  /** Whole message, body included (default 65535, the largest UDP payload). */
  readonly maxMessageBytes: number;
  /** Header lines (default 128; at most 255). */
  readonly maxHeaders: number;
  /** One header line, folded continuation lines included (default 8192; at most 32767). */
  readonly maxLineBytes: number;
}

export const DEFAULT_LIMITS: ParseLimits = { maxMessageBytes: 65535, maxHeaders: 128, maxLineBytes: 8192 };

// Header table scratch reused by every parse; the message gets an exact-size copy.
const scratch: number[] = new Array<number>(512).fill(0);
/** Offsets of the header section are packed into 16 bits (see SipMessage). */
const HEAD_LIMIT = 0xffff;

/** Index of the CR ending the line that starts at `p`; the line holds no controls but HT. */
function lineEnd(bytes: Uint8Array, p: number, len: number): number {
  while (p < len) {
    const c = bytes[p]!;
    if (c >= 32 || c === HT) p++;
    else if (c === CR) {
      if (bytes[p + 1] !== LF) fail('BAD_LINE_END', 'CR not followed by LF');
      return p;
    } else if (c === LF) fail('BAD_LINE_END', 'line ends with a bare LF; SIP needs CRLF');
    else fail('BAD_CHARACTER', `control character 0x${c.toString(16)} in a header line`);
  }
  return fail('NO_HEADER_END', 'the header section has no end (no empty line)');
}

/** -1 for a SIP-Version other than SIP/x.y, 1 for SIP/2.0, 0 for another version. */
function checkVersion(bytes: Uint8Array, s: number, e: number): number {
  if (e - s < 7 || (bytes[s]! | 0x20) !== 0x73 || (bytes[s + 1]! | 0x20) !== 0x69 || (bytes[s + 2]! | 0x20) !== 0x70 || bytes[s + 3] !== 47) return -1;
  const dot = scanClass(bytes, s + 4, e, DIGIT);
  if (dot === s + 4 || bytes[dot] !== 46) return -1;
  const endMinor = scanClass(bytes, dot + 1, e, DIGIT);
  if (endMinor === dot + 1 || endMinor !== e) return -1;
  return e - s === 7 && bytes[s + 4] === 50 && bytes[s + 6] === 48 ? 1 : 0;
}

/**
 * Parses one SIP message from a datagram or from a frame cut by the StreamFramer.
 * Throws SipParseError (and nothing else) when the bytes are not a well-formed message.
 * The returned message keeps `bytes`: do not reuse the buffer while the message lives.
 */
export function parseMessage(bytes: Uint8Array, limits: ParseLimits = DEFAULT_LIMITS): SipMessage {
  const len = bytes.length;
  if (len > limits.maxMessageBytes) fail('MESSAGE_TOO_LARGE', `message of ${len} bytes exceeds ${limits.maxMessageBytes}`);
  let p = 0;
  // RFC 3261 §7.5: ignore CRLFs before the start line (keep-alives on streams, sloppy peers).
  while (p + 1 < len && bytes[p] === CR && bytes[p + 1] === LF) p += 2;
  if (p >= len) fail('EMPTY_MESSAGE', 'no start line');

  // ---- start line ----
  const startLine = p;
  const startEnd = lineEnd(bytes, p, len);
  let isRequest: boolean;
  let status = 0;
  let method = '';
  let p1: number;
  let p2: number;
  let version: number;
  // A status line starts with "SIP/"; a method is a token and cannot contain "/".
  if ((bytes[p]! | 0x20) === 0x73 && (bytes[p + 1]! | 0x20) === 0x69 && (bytes[p + 2]! | 0x20) === 0x70 && bytes[p + 3] === 47) {
    isRequest = false;
    let v = p;
    while (v < startEnd && bytes[v] !== SP) v++;
    version = checkVersion(bytes, p, v);
    if (version === -1) fail('BAD_STATUS_LINE', 'bad SIP-Version in the status line');
    const codeEnd = scanClass(bytes, v + 1, startEnd, DIGIT);
    status = codeEnd - (v + 1) === 3 ? parseDecimal(bytes, v + 1, codeEnd, 699) : -1;
    if (status < 100) fail('BAD_STATUS_LINE', 'status code must be three digits, 100-699');
    if (bytes[codeEnd] !== SP) fail('BAD_STATUS_LINE', 'status code must be followed by SP and a reason phrase');
    p1 = codeEnd + 1;
    p2 = startEnd;
  } else {
    isRequest = true;
    const methodEnd = scanClass(bytes, p, startEnd, TOKEN);
    if (methodEnd === p || bytes[methodEnd] !== SP) fail('BAD_START_LINE', 'request line must be Method SP Request-URI SP SIP-Version');
    method = methodName(bytes, p, methodEnd);
    p1 = methodEnd + 1;
    p2 = p1;
    while (p2 < startEnd && bytes[p2] !== SP) p2++;
    if (p2 === p1 || p2 >= startEnd) fail('BAD_START_LINE', 'request line must be Method SP Request-URI SP SIP-Version');
    version = checkVersion(bytes, p2 + 1, startEnd);
    if (version === -1) fail('BAD_START_LINE', 'bad SIP-Version in the request line (is there white space in the Request-URI?)');
  }
  p = startEnd + 2;

  // ---- header lines ----
  const maxHeaders = Math.min(limits.maxHeaders, 255);
  const maxLine = Math.min(limits.maxLineBytes, 0x7fff);
  let count = 0;
  let iVia = -1, iFrom = -1, iTo = -1, iCallId = -1, iCSeq = -1, iContentLength = -1, iMaxForwards = -1;
  for (;;) {
    if (p > HEAD_LIMIT) fail('MESSAGE_TOO_LARGE', 'header section larger than 64 KiB');
    let c = bytes[p];
    if (c === CR) {
      if (bytes[p + 1] !== LF) fail(p + 1 >= len ? 'NO_HEADER_END' : 'BAD_LINE_END', 'bad empty line');
      p += 2;
      break;
    }
    if (p >= len) fail('NO_HEADER_END', 'the header section has no end (no empty line)');
    if (c === SP || c === HT) fail('BAD_FOLDING', 'a line starting with white space must continue a header');
    const nameStart = p;
    let hash = 0;
    while (p < len && (CLASS[(c = bytes[p])!]! & TOKEN) !== 0) {
      hash = foldHash(hash, c!);
      p++;
    }
    const nameEnd = p;
    if (nameEnd === nameStart) fail(c === LF ? 'BAD_LINE_END' : 'BAD_HEADER_NAME', 'header line does not start with a name');
    while (p < len && (bytes[p] === SP || bytes[p] === HT)) p++;
    if (bytes[p] !== COLON) fail('BAD_HEADER_NAME', 'header name must be followed by a colon');
    p = skipLws(bytes, p + 1, len);
    const valueStart = p;
    let folded = 0;
    for (;;) {
      p = lineEnd(bytes, p, len);
      const next = bytes[p + 2];
      if (next !== SP && next !== HT) break;
      folded = FOLDED;
      p += 3;
    }
    if (p - nameStart > maxLine) fail('LINE_TOO_LONG', `header line longer than ${maxLine} bytes`);
    const valueEnd = trimEnd(bytes, valueStart, p);
    if (count === maxHeaders) fail('TOO_MANY_HEADERS', `more than ${maxHeaders} header lines`);
    const id = internName(bytes, nameStart, nameEnd, hash);
    switch (id) {
      case H.via: if (iVia < 0) iVia = count; break;
      case H.from: iFrom = once(iFrom, count, 'From'); break;
      case H.to: iTo = once(iTo, count, 'To'); break;
      case H.callId: iCallId = once(iCallId, count, 'Call-ID'); break;
      case H.cseq: iCSeq = once(iCSeq, count, 'CSeq'); break;
      case H.contentLength: iContentLength = once(iContentLength, count, 'Content-Length'); break;
      case H.maxForwards: iMaxForwards = once(iMaxForwards, count, 'Max-Forwards'); break;
    }
    scratch[count << 1] = nameStart | (id << 16) | folded;
    scratch[(count << 1) + 1] = valueStart | ((valueEnd - valueStart) << 16);
    count++;
    p += 2;
  }
  if (p - 2 > HEAD_LIMIT) fail('MESSAGE_TOO_LARGE', 'header section larger than 64 KiB');
  const table = scratch.slice(0, count << 1);

  // ---- the headers every transaction needs (RFC 3261 §8.1.1) ----
  if (iVia < 0) fail('MISSING_HEADER', 'no Via header');
  if (iFrom < 0) fail('MISSING_HEADER', 'no From header');
  if (iTo < 0) fail('MISSING_HEADER', 'no To header');
  if (iCallId < 0) fail('MISSING_HEADER', 'no Call-ID header');
  if (iCSeq < 0) fail('MISSING_HEADER', 'no CSeq header');
  for (let i = 0; i < count; i++) {
    if (((table[i << 1]! >> 16) & 0x7f) === H.via) validateVias(bytes, vStart(table, i), vEnd(table, i));
  }
  scanNameAddr(bytes, vStart(table, iFrom), vEnd(table, iFrom), 'BAD_FROM', false);
  scanNameAddr(bytes, vStart(table, iTo), vEnd(table, iTo), 'BAD_TO', false);
  validateCallId(bytes, vStart(table, iCallId), vEnd(table, iCallId));
  const cseqMethod = validateCSeq(bytes, vStart(table, iCSeq), vEnd(table, iCSeq));
  if (!isRequest) method = cseqMethod;

  // ---- body framing (RFC 3261 §18.3) ----
  let bodyEnd = len;
  let framingError: SipParseError | undefined;
  if (iContentLength >= 0) {
    const n = parseDecimal(bytes, vStart(table, iContentLength), vEnd(table, iContentLength), 0x7fffffff);
    if (n < 0) framingError = new SipParseError('BAD_CONTENT_LENGTH', 'Content-Length is not a number');
    else if (p + n > len) framingError = new SipParseError('CONTENT_LENGTH_MISMATCH', `Content-Length ${n} exceeds the ${len - p} bytes received`);
    else bodyEnd = p + n;
  }
  const message = new SipMessage(bytes, isRequest, status, method, startLine, p1, p2, table,
    { via: iVia, from: iFrom, to: iTo, callId: iCallId, cseq: iCSeq }, p, framingError === undefined ? bodyEnd : p);

  // ---- the rest: a request failing here can still be answered (400, 505) ----
  try {
    if (framingError !== undefined) throw framingError;
    if (version === 0) fail('VERSION_NOT_SUPPORTED', 'only SIP/2.0 is supported');
    if (isRequest) {
      scanUri(bytes, p1, p2, 'BAD_REQUEST_URI');
      if (cseqMethod !== method) fail('CSEQ_METHOD_MISMATCH', `CSeq method ${cseqMethod} differs from ${method}`);
    }
    if (iMaxForwards >= 0 && parseDecimal(bytes, vStart(table, iMaxForwards), vEnd(table, iMaxForwards), 255) < 0) {
      fail('BAD_MAX_FORWARDS', 'Max-Forwards must be a number 0-255');
    }
    for (let i = 0; i < count; i++) {
      if (((table[i << 1]! >> 16) & 0x7f) === H.contact) validateContact(bytes, vStart(table, i), vEnd(table, i));
    }
  } catch (err) {
    if (err instanceof SipParseError && isRequest) err.request = message;
    throw err;
  }
  return message;
}

function once(index: number, count: number, name: string): number {
  if (index >= 0) fail('DUPLICATE_HEADER', `more than one ${name} header`);
  return count;
}

function vStart(table: number[], i: number): number {
  return table[(i << 1) + 1]! & 0xffff;
}

function vEnd(table: number[], i: number): number {
  const q = table[(i << 1) + 1]!;
  return (q & 0xffff) + (q >>> 16);
}

/** Call-ID = word [ "@" word ] (RFC 3261 §25.1). */
function validateCallId(bytes: Uint8Array, s: number, e: number): void {
  const at = scanClass(bytes, s, e, WORD);
  if (at === s) fail('BAD_CALL_ID', 'empty or malformed Call-ID');
  if (at === e) return;
  if (bytes[at] !== 64 || scanClass(bytes, at + 1, e, WORD) !== e || at + 1 === e) fail('BAD_CALL_ID', 'malformed Call-ID');
}

/** CSeq = 1*DIGIT LWS Method; returns the method. Sequence numbers stay below 2^31 (§8.1.1.5). */
function validateCSeq(bytes: Uint8Array, s: number, e: number): string {
  const digitsEnd = scanClass(bytes, s, e, DIGIT);
  if (digitsEnd === s || parseDecimal(bytes, s, digitsEnd, 0x7fffffff) < 0) fail('BAD_CSEQ', 'CSeq needs a sequence number below 2^31');
  const m = skipLws(bytes, digitsEnd, e);
  if (m === digitsEnd) fail('BAD_CSEQ', 'CSeq needs white space before the method');
  if (scanClass(bytes, m, e, TOKEN) !== e || m === e) fail('BAD_CSEQ', 'CSeq method is not a token');
  return methodName(bytes, m, e);
}

function validateContact(bytes: Uint8Array, s: number, e: number): void {
  if (e - s === 1 && bytes[s] === 42) return; // Contact: * (REGISTER removing every binding)
  validateNameAddrList(bytes, s, e, 'BAD_CONTACT');
}
