// parseMessage: frames one SIP message (RFC 3261 §7, §18.3) into a SipMessage without copying bytes.

import { COLON, CR, DIGIT, HT, LF, SP, TOKEN, WORD, pack, parseDecimal, skipLws, scanClass, trimEnd } from './chars.ts';
import { SipParseError, fail } from './errors.ts';
import { H, internName } from './headerNames.ts';
import { packTable } from './headerTable.ts';
import { type NameAddr, readNameAddr } from './nameAddr.ts';
import { FOLDED, SipMessage, methodName } from './SipMessage.ts';
import { indexOfByte } from './text.ts';
import { URI, scanUri } from './uri.ts';
import { type Via, lastViaEnd, readVia, validateVias } from './via.ts';

/** Size limits; a message past any of them is rejected with a clear code. */
export interface ParseLimits {
  /** Whole message, body included (default 65535, the largest UDP payload). */
  readonly maxMessageBytes: number;
  /** Header lines (default 128; at most 255). */
  readonly maxHeaders: number;
  /** The start line or one header line, folded continuation lines included (default 8192; at most 32767). */
  readonly maxLineBytes: number;
}

export const DEFAULT_LIMITS: ParseLimits = { maxMessageBytes: 65535, maxHeaders: 128, maxLineBytes: 8192 };

// Header table scratch reused by every parse; the message gets an exact-size copy.
const scratch: number[] = new Array<number>(256).fill(0);
/** Offsets in the header section are packed into 16 bits (see SipMessage). */
const HEAD_LIMIT = 0xffff;

/** -1 for a SIP-Version other than SIP/x.y, 1 for SIP/2.0, 0 for another version. */
function checkVersion(bytes: Uint8Array, s: number, e: number): number {
  if (e - s < 7 || (bytes[s]! | 0x20) !== 0x73 || (bytes[s + 1]! | 0x20) !== 0x69 || (bytes[s + 2]! | 0x20) !== 0x70 || bytes[s + 3] !== 47) return -1;
  const dot = scanClass(bytes, s + 4, e, DIGIT);
  if (dot === s + 4 || bytes[dot] !== 46) return -1;
  const endMinor = scanClass(bytes, dot + 1, e, DIGIT);
  if (endMinor === dot + 1 || endMinor !== e) return -1;
  return e - s === 7 && bytes[s + 4] === 50 && bytes[s + 6] === 48 ? 1 : 0;
}

/** Index of the CRLF ending the start line at `p`; it may hold no control character but HT. */
function startLineEnd(bytes: Uint8Array, p: number, len: number, maxLine: number): number {
  const lf = indexOfByte(bytes, LF, p);
  if (lf < 0) fail('NO_HEADER_END', 'no line end after the start line');
  if (lf - p > maxLine) fail('LINE_TOO_LONG', `start line longer than ${maxLine} bytes`);
  const end = lf - 1;
  if (end < p || bytes[end] !== CR) fail('BAD_LINE_END', 'line ends with a bare LF; SIP needs CRLF');
  for (let i = p; i < end; i++) {
    const c = bytes[i]!;
    if (c < 32 && c !== HT) fail('BAD_CHARACTER', `control character 0x${c.toString(16)} in the start line`);
  }
  return end < len ? end : fail('NO_HEADER_END', 'truncated');
}

/**
 * Parses one SIP message from a datagram or from a frame cut by the StreamFramer.
 * Throws SipParseError (and nothing else) when the bytes are not a well-formed message.
 * The returned message keeps `bytes`: do not reuse the buffer while the message lives.
 */
export function parseMessage(bytes: Uint8Array, limits: ParseLimits = DEFAULT_LIMITS): SipMessage {
  const len = bytes.length;
  if (len > limits.maxMessageBytes) fail('MESSAGE_TOO_LARGE', `message of ${len} bytes exceeds ${limits.maxMessageBytes}`);
  const maxHeaders = Math.min(limits.maxHeaders, 255);
  const maxLine = Math.min(limits.maxLineBytes, 0x7fff);
  let p = 0;
  // RFC 3261 §7.5: ignore CRLFs before the start line (keep-alives on streams, sloppy peers).
  while (p + 1 < len && bytes[p] === CR && bytes[p + 1] === LF) p += 2;
  if (p >= len) fail('EMPTY_MESSAGE', 'no start line');

  // ---- start line ----
  const startEnd = startLineEnd(bytes, p, len, maxLine);
  let isRequest: boolean;
  let status = 0;
  let method = '';
  let p1: number;
  let p2: number;
  let version: number;
  // An error found after which the request can still be answered (RFC 4475 asks for a 400).
  let deferred: SipParseError | undefined;
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
    if (version === -1) {
      // White space inside the Request-URI (RFC 4475 §3.1.2.8): still a request that can be answered.
      let last = startEnd;
      while (last > p2 && bytes[last - 1] !== SP) last--;
      version = checkVersion(bytes, last, startEnd);
      if (version === -1) fail('BAD_START_LINE', 'bad SIP-Version in the request line');
      p2 = last - 1;
      deferred = new SipParseError('BAD_START_LINE', 'white space inside the Request-URI');
    }
  }
  p = startEnd + 2;

  // ---- header lines; the headers every transaction needs are validated as they come ----
  let count = 0;
  let topVia: Via | undefined;
  let from: NameAddr | undefined;
  let to: NameAddr | undefined;
  let callId = -1;
  let cseq = -1;
  let cseqMethod = '';
  let contentLength = -1;
  let maxForwards = -1;
  let contacts = 0;
  let seen = 0;
  for (;;) {
    if (p > HEAD_LIMIT) fail('MESSAGE_TOO_LARGE', 'header section larger than 64 KiB');
    const c = bytes[p];
    if (c === CR) {
      if (bytes[p + 1] !== LF) fail(p + 1 >= len ? 'NO_HEADER_END' : 'BAD_LINE_END', 'bad empty line');
      p += 2;
      break;
    }
    if (p >= len) fail('NO_HEADER_END', 'the header section has no end (no empty line)');
    if (c === SP || c === HT) fail('BAD_FOLDING', 'a line starting with white space must continue a header');
    const nameStart = p;
    // The name ends before the colon (and any white space); a known name needs no further check.
    const colon = indexOfByte(bytes, COLON, p);
    if (colon < 0) fail('BAD_HEADER_NAME', 'header line without a colon');
    const nameEnd = trimEnd(bytes, nameStart, colon);
    const id = nameEnd > nameStart ? internName(bytes, nameStart, nameEnd) : 0;
    if (id === 0 && (nameEnd === nameStart || scanClass(bytes, nameStart, nameEnd, TOKEN) !== nameEnd)) {
      fail(c === LF ? 'BAD_LINE_END' : 'BAD_HEADER_NAME', 'header line does not start with a name and a colon');
    }
    p = colon;
    p = skipLws(bytes, p + 1, len);
    const valueStart = p;
    let folded = 0;
    // Line ends are found natively; control characters inside values are caught by the grammar
    // of the headers validated here and, for the others, when the value is read.
    for (;;) {
      const lf = indexOfByte(bytes, LF, p);
      if (lf < 0) fail('NO_HEADER_END', 'the header section has no end (no empty line)');
      if (bytes[lf - 1] !== CR) fail('BAD_LINE_END', 'line ends with a bare LF; SIP needs CRLF');
      p = lf - 1;
      const next = bytes[lf + 1];
      if (next !== SP && next !== HT) break;
      folded = FOLDED;
      p = lf + 2;
    }
    if (p - nameStart > maxLine) fail('LINE_TOO_LONG', `header line longer than ${maxLine} bytes`);
    const valueEnd = trimEnd(bytes, valueStart, p);
    if (count === maxHeaders) fail('TOO_MANY_HEADERS', `more than ${maxHeaders} header lines`);
    try {
    switch (id) {
      case H.via:
        if (topVia === undefined) {
          topVia = readVia(bytes, valueStart, valueEnd);
          const rest = lastViaEnd(topVia);
          if (rest < valueEnd) validateVias(bytes, rest + 1, valueEnd);
        } else {
          validateVias(bytes, valueStart, valueEnd);
        }
        break;
      case H.from:
        if (from !== undefined) fail('DUPLICATE_HEADER', 'more than one From header');
        from = readNameAddr(bytes, valueStart, valueEnd, 'BAD_FROM');
        break;
      case H.to:
        if (to !== undefined) fail('DUPLICATE_HEADER', 'more than one To header');
        to = readNameAddr(bytes, valueStart, valueEnd, 'BAD_TO');
        break;
      case H.callId:
        if (callId >= 0) fail('DUPLICATE_HEADER', 'more than one Call-ID header');
        validateCallId(bytes, valueStart, valueEnd);
        callId = pack(valueStart, valueEnd);
        break;
      case H.cseq:
        if (cseq >= 0) fail('DUPLICATE_HEADER', 'more than one CSeq header');
        cseq = readCSeqNumber(bytes, valueStart, valueEnd);
        cseqMethod = methodName(bytes, skipLws(bytes, scanClass(bytes, valueStart, valueEnd, DIGIT), valueEnd), valueEnd);
        break;
      case H.contentLength:
        if (contentLength !== -1) fail('DUPLICATE_HEADER', 'more than one Content-Length header');
        contentLength = parseDecimal(bytes, valueStart, valueEnd, 0x7fffffff);
        if (contentLength < 0) contentLength = -2;
        break;
      case H.maxForwards:
        if (maxForwards !== -1) fail('DUPLICATE_HEADER', 'more than one Max-Forwards header');
        maxForwards = parseDecimal(bytes, valueStart, valueEnd, 255);
        if (maxForwards < 0) maxForwards = -2;
        break;
      case H.contact:
        contacts++;
        break;
    }
    } catch (err) {
      // Only a readable Via gives a route for an answer; other hot headers may fail and be answered.
      if (id === H.via || !(err instanceof SipParseError)) throw err;
      deferred ??= err;
    }
    if (id <= H.cseq) seen |= 1 << id;
    scratch[count++] = valueStart | (id << 16) | folded;
    p += 2;
  }
  if (p - 2 > HEAD_LIMIT) fail('MESSAGE_TOO_LARGE', 'header section larger than 64 KiB');
  if (topVia === undefined) fail('MISSING_HEADER', 'no Via header');
  if ((seen & (1 << H.from)) === 0) fail('MISSING_HEADER', 'no From header');
  if ((seen & (1 << H.to)) === 0) fail('MISSING_HEADER', 'no To header');
  if ((seen & (1 << H.callId)) === 0) fail('MISSING_HEADER', 'no Call-ID header');
  if ((seen & (1 << H.cseq)) === 0) fail('MISSING_HEADER', 'no CSeq header');
  if (!isRequest) method = cseqMethod;

  // ---- body framing (RFC 3261 §18.3) ----
  let bodyEnd = len;
  let framingError: SipParseError | undefined;
  if (contentLength === -2) framingError = new SipParseError('BAD_CONTENT_LENGTH', 'Content-Length is not a number');
  else if (contentLength >= 0 && p + contentLength > len) {
    framingError = new SipParseError('CONTENT_LENGTH_MISMATCH', `Content-Length ${contentLength} exceeds the ${len - p} bytes received`);
  } else if (contentLength >= 0) bodyEnd = p + contentLength;
  const message = new SipMessage(bytes, status, method, pack(p1, p2), packTable(scratch, count),
    topVia, from, to, callId, cseq, cseqMethod, p, framingError === undefined ? bodyEnd : p);

  // ---- the rest: a request failing here can still be answered (400, 505) ----
  try {
    if (deferred !== undefined) throw deferred;
    if (framingError !== undefined) throw framingError;
    if (version === 0) fail('VERSION_NOT_SUPPORTED', 'only SIP/2.0 is supported');
    if (isRequest) {
      scanUri(bytes, p1, p2, 'BAD_REQUEST_URI');
      // RFC 3261 §19.1.1: URI headers are not allowed in a Request-URI (RFC 4475 §3.1.2.11).
      if (URI.isSip && URI.headersEnd > URI.headersStart) fail('BAD_REQUEST_URI', 'a Request-URI may not carry ?headers');
      if (cseqMethod !== method) fail('CSEQ_METHOD_MISMATCH', `CSeq method ${cseqMethod} differs from ${method}`);
    }
    if (maxForwards === -2) fail('BAD_MAX_FORWARDS', 'Max-Forwards must be a number 0-255');
    if (contacts > 0) message.readContacts();
  } catch (err) {
    if (err instanceof SipParseError && isRequest) err.request = message;
    throw err;
  }
  return message;
}

/** Call-ID = word [ "@" word ] (RFC 3261 §25.1). */
function validateCallId(bytes: Uint8Array, s: number, e: number): void {
  const at = scanClass(bytes, s, e, WORD);
  if (at === s) fail('BAD_CALL_ID', 'empty or malformed Call-ID');
  if (at === e) return;
  if (bytes[at] !== 64 || at + 1 === e || scanClass(bytes, at + 1, e, WORD) !== e) fail('BAD_CALL_ID', 'malformed Call-ID');
}

/** CSeq = 1*DIGIT LWS Method; returns the number. Sequence numbers stay below 2^31 (§8.1.1.5). */
function readCSeqNumber(bytes: Uint8Array, s: number, e: number): number {
  const digitsEnd = scanClass(bytes, s, e, DIGIT);
  const seq = parseDecimal(bytes, s, digitsEnd, 0x7fffffff);
  if (seq < 0) fail('BAD_CSEQ', 'CSeq needs a sequence number below 2^31');
  const m = skipLws(bytes, digitsEnd, e);
  if (m === digitsEnd) fail('BAD_CSEQ', 'CSeq needs white space before the method');
  if (m === e || scanClass(bytes, m, e, TOKEN) !== e) fail('BAD_CSEQ', 'CSeq method is not a token');
  return seq;
}

