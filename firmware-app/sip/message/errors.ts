// SipParseError: the one error the message layer throws, with a stable code (RFC 3261 §21.4 status hint).

import { PeerInputError } from '../../errors.ts';
import type { SipMessage } from './SipMessage.ts';

/** Stable codes of malformed-message errors. */
export type SipParseErrorCode =
  | 'EMPTY_MESSAGE'
  | 'MESSAGE_TOO_LARGE'
  | 'LINE_TOO_LONG'
  | 'TOO_MANY_HEADERS'
  | 'BAD_LINE_END'
  | 'BAD_CHARACTER'
  | 'NO_HEADER_END'
  | 'BAD_START_LINE'
  | 'BAD_STATUS_LINE'
  | 'BAD_REQUEST_URI'
  | 'VERSION_NOT_SUPPORTED'
  | 'BAD_HEADER_NAME'
  | 'BAD_FOLDING'
  | 'MISSING_HEADER'
  | 'DUPLICATE_HEADER'
  | 'BAD_VIA'
  | 'BAD_FROM'
  | 'BAD_TO'
  | 'BAD_CALL_ID'
  | 'BAD_CSEQ'
  | 'CSEQ_METHOD_MISMATCH'
  | 'BAD_CONTACT'
  | 'BAD_NAME_ADDR'
  | 'BAD_MAX_FORWARDS'
  | 'BAD_CONTENT_LENGTH'
  | 'CONTENT_LENGTH_MISMATCH'
  | 'BAD_EXPIRES'
  | 'BAD_URI'
  | 'BAD_AUTH'
  | 'FRAME_TOO_LARGE';

/** A message that breaks the SIP grammar (RFC 3261 §25) or our size limits. */
export class SipParseError extends PeerInputError {
  declare readonly code: SipParseErrorCode;
  /**
   * The status a server should answer with when it can answer at all: 400 for grammar errors,
   * 505 for an unsupported SIP version, 513 for a message too large.
   */
  readonly status: number;
  /**
   * When the message is a request whose Via, From, To, Call-ID and CSeq are all well-formed, the
   * request as far as it parsed, so that a server can still send `status` back (RFC 3261 §8.2).
   */
  request: SipMessage | undefined;

  constructor(code: SipParseErrorCode, message: string) {
    super(code, message);
    this.status = code === 'VERSION_NOT_SUPPORTED' ? 505 : code === 'MESSAGE_TOO_LARGE' ? 513 : 400;
    this.request = undefined;
  }
}

/** Throws a SipParseError; written as a function so callers stay one-liners. */
export function fail(code: SipParseErrorCode, message: string): never {
  throw new SipParseError(code, message);
}
