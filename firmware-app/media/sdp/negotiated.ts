// What a finished offer/answer exchange means for the RTP layer: where to send, with which payload types, at which
// packet time, in which direction, with which SRTP keys. Both answer.ts and acceptAnswer.ts produce it.
import { isIpv4, isIpv6, isUnspecified } from './address.ts';
import { attributeValues, parseRtcp, parseCrypto, ptimeOf, type CryptoAttribute } from './attributes.ts';
import { connectionAddress } from './direction.ts';
import type { ChosenCodec, ChosenTelephoneEvent } from './select.ts';
import type { Direction, MediaDescription, SessionDescription } from './types.ts';

export interface NegotiatedAudio {
  /** Index of the audio m-line in the offer and the answer. */
  readonly mediaIndex: number;
  /** The profile of the m-line: RTP/AVP, RTP/SAVP or the AVPF / SAVPF variant the peer offered. */
  readonly proto: string;
  /** Where the peer wants RTP; 0.0.0.0 / :: while it holds us the RFC 2543 way (then `direction` never sends). */
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** a=rtcp (RFC 3605) or RTP port + 1. */
  readonly remoteRtcpPort: number;
  /** The codec; `payloadType` is the number the peer expects in what we send. */
  readonly codec: ChosenCodec;
  /** The payload type we receive the codec with (our offer's number; the same as `codec.payloadType` when we answer). */
  readonly receivePayloadType: number;
  readonly telephoneEvent?: ChosenTelephoneEvent & { readonly receivePayloadType: number };
  /** Packet time we send with: the peer's a=ptime when it is 10–60 ms in steps of 10 (and within its maxptime), else ours. */
  readonly sendPtime: number;
  /** Our direction: whether we send and receive RTP now. */
  readonly direction: Direction;
  /** The peer asked us not to send (sendonly/inactive or c=0.0.0.0): the call is on hold, no RTP inactivity timeout. */
  readonly remoteHold: boolean;
  /** The peer's a=crypto lines for this stream (RFC 4568), for the SRTP layer. */
  readonly remoteCrypto: readonly CryptoAttribute[];
  /** Present when the exchange agreed SDES-SRTP (RFC 4568); undefined for plain RTP. */
  readonly srtp?: NegotiatedSrtp;
}

/**
 * The two a=crypto lines an exchange agreed, one per direction (RFC 4568 §6.1: each side's line carries the key
 * it sends with). They share one tag and one suite.
 */
export interface NegotiatedSrtp {
  /** Our line: the key we protect what we send with. */
  readonly local: CryptoAttribute;
  /** The peer's line: the key we unprotect what we receive with. */
  readonly remote: CryptoAttribute;
}

/** The peer's RTP address for `media` if we can send to it: an IP literal of our family (unspecified: hold). */
export function remoteAddressOf(session: SessionDescription, media: MediaDescription, ourAddrType: 'IP4' | 'IP6'): string | undefined {
  const address = connectionAddress(session, media);
  if (address === undefined) return undefined;
  if (isUnspecified(address)) return address;
  if (ourAddrType === 'IP4' ? isIpv4(address) : isIpv6(address)) return address;
  return undefined;
}

export function remoteRtcpPort(media: MediaDescription): number {
  const rtcp = attributeValues(media.attributes, 'rtcp')[0];
  const parsed = rtcp === undefined ? undefined : parseRtcp(rtcp);
  return parsed?.port ?? media.port + 1;
}

export function remoteCrypto(media: MediaDescription): CryptoAttribute[] {
  const out: CryptoAttribute[] = [];
  for (const value of attributeValues(media.attributes, 'crypto')) {
    const c = parseCrypto(value);
    if (c !== undefined) out.push(c);
  }
  return out;
}

/** The packet time to send with, given the peer's section and our default. */
export function sendPtimeFor(media: MediaDescription, ours: number): number {
  const wanted = ptimeOf(media);
  const max = ptimeOf(media, 'maxptime');
  if (wanted !== undefined && wanted >= 10 && wanted <= 60 && wanted % 10 === 0 && (max === undefined || wanted <= max)) return wanted;
  if (max !== undefined && max < ours) return Math.max(10, Math.floor(max / 10) * 10);
  return ours;
}
