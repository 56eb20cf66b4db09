// Public API of the SIP message layer: parser, serializer, stream framer and header grammar.

export { parseMessage, DEFAULT_LIMITS, type ParseLimits } from './parse.ts';
export { SipMessage, type CSeq } from './SipMessage.ts';
export { SipParseError, type SipParseErrorCode } from './errors.ts';
export type { Via } from './via.ts';
export type { NameAddr } from './nameAddr.ts';
export { parseUri, type SipUri } from './uri.ts';
export { parseChallenge, parseCredentials, type DigestChallenge, type DigestCredentials } from './auth.ts';
export { serializeMessage, buildResponse, type SipMessageInit, type ResponseInit } from './serialize.ts';
export { StreamFramer, type StreamFramerOptions, type FramerEvents } from './StreamFramer.ts';
