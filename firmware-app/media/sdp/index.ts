// The SDP module's public surface (RFC 8866 parse/serialize, RFC 3264 offer/answer): what media/MediaSession imports.
export { parseSdp } from './parse.ts';
export { serializeSdp } from './serialize.ts';
export { buildOffer } from './offer.ts';
export { answerOffer, type Answered } from './answer.ts';
export { acceptAnswer } from './acceptAnswer.ts';
export { startOrigin, stampOrigin, type OriginState } from './origin.ts';
export { SdpNegotiation, type NegotiationState } from './SdpNegotiation.ts';
export type { NegotiatedAudio, NegotiatedSrtp } from './negotiated.ts';
export type { LocalMedia, LocalSrtp } from './local.ts';
export type { CryptoAttribute } from './attributes.ts';
export type { CodecName } from './codecs.ts';
export type { SdpResult, SdpFailure, SdpErrorCode } from './result.ts';
export type { SessionDescription, MediaDescription, Direction } from './types.ts';
