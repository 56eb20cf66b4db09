// Our answer to a peer's offer (RFC 3264 §6): the first audio m-line we can use gets our codec (first of our
// preference that the offer has) and its telephone-event; every other m-line is refused with port 0, in the offer's
// order (§6: the answer has as many m-lines as the offer). SDES-SRTP per our policy (sdes.ts). No usable audio →
// SDP_NOT_ACCEPTABLE, which the caller turns into a 488.
import { formatCrypto, formatRtpmap, rtpmapOf } from './attributes.ts';
import { CODECS } from './codecs.ts';
import { answerDirection, effectiveDirection, receives } from './direction.ts';
import { checkLocal, ourSession, type CheckedLocal, type LocalMedia } from './local.ts';
import { remoteAddressOf, remoteCrypto, remoteRtcpPort, sendPtimeFor, type NegotiatedAudio } from './negotiated.ts';
import { fail, ok, type SdpResult } from './result.ts';
import { answerableProto, answerSdes } from './sdes.ts';
import { chooseCodec, chooseTelephoneEvent } from './select.ts';
import { DTMF_EVENTS } from './telephoneEvent.ts';
import type { Attribute, MediaDescription, SessionDescription } from './types.ts';

export interface Answered {
  readonly answer: SessionDescription;
  readonly audio: NegotiatedAudio;
}

/**
 * Answers `offer` (an initial offer or a re-offer). `current` is the running call's negotiation: its codec is kept
 * when the re-offer still has it, and its SRTP keys when the peer repeats its a=crypto line, so a hold or resume
 * switches neither.
 */
export function answerOffer(offer: SessionDescription, localMedia: LocalMedia, current?: NegotiatedAudio): SdpResult<Answered> {
  const checked = checkLocal(localMedia);
  if (!checked.ok) return checked;
  const local = checked.value;
  let audio: NegotiatedAudio | undefined;
  const media: MediaDescription[] = [];
  for (const [index, offered] of offer.media.entries()) {
    const negotiated = audio === undefined ? negotiate(offer, offered, index, local, current) : undefined;
    if (negotiated === undefined) {
      media.push(refused(offered));
      continue;
    }
    audio = negotiated;
    media.push(answerMedia(offered, local, negotiated));
  }
  if (audio === undefined) return fail('SDP_NOT_ACCEPTABLE', 'no usable audio stream in the offer');
  return ok({ answer: { ...ourSession(local), media }, audio });
}

function negotiate(
  offer: SessionDescription,
  offered: MediaDescription,
  index: number,
  local: CheckedLocal,
  current: NegotiatedAudio | undefined,
): NegotiatedAudio | undefined {
  if (offered.media !== 'audio' || offered.port === 0 || !answerableProto(offered.proto, local.srtp)) return undefined;
  const remoteAddress = remoteAddressOf(offer, offered, local.addrType);
  if (remoteAddress === undefined) return undefined;
  const codec = chooseCodec(offered, local.codecs, current?.codec.name);
  if (codec === undefined) return undefined;
  const sdes = answerSdes(offered, local.srtp, current?.srtp);
  if (!sdes.usable) return undefined;
  const telephoneEvent = chooseTelephoneEvent(offered, codec);
  const theirs = effectiveDirection(offer, offered);
  return {
    mediaIndex: index,
    proto: offered.proto,
    remoteAddress,
    remotePort: offered.port,
    remoteRtcpPort: remoteRtcpPort(offered),
    codec,
    receivePayloadType: codec.payloadType,
    ...(telephoneEvent === undefined ? {} : { telephoneEvent: { ...telephoneEvent, receivePayloadType: telephoneEvent.payloadType } }),
    sendPtime: sendPtimeFor(offered, local.ptime),
    direction: answerDirection(theirs, local.direction),
    remoteHold: !receives(theirs),
    remoteCrypto: remoteCrypto(offered),
    ...(sdes.srtp === undefined ? {} : { srtp: sdes.srtp }),
  };
}

/** Our m-line for the stream we take: the offer's payload type numbers (RFC 3264 §6.1), rtpmap as the offer wrote it. */
function answerMedia(offered: MediaDescription, local: CheckedLocal, audio: NegotiatedAudio): MediaDescription {
  const { codec, telephoneEvent } = audio;
  const formats = [String(codec.payloadType)];
  const spec = CODECS[codec.name];
  const attributes: Attribute[] = [
    formatRtpmap(rtpmapOf(offered, codec.payloadType) ?? { payloadType: codec.payloadType, encoding: spec.name, clockRate: spec.rtpClockRate }),
  ];
  if (telephoneEvent !== undefined) {
    const pt = telephoneEvent.payloadType;
    formats.push(String(pt));
    attributes.push(formatRtpmap(rtpmapOf(offered, pt) ?? { payloadType: pt, encoding: 'telephone-event', clockRate: telephoneEvent.clockRate }));
    attributes.push({ name: 'fmtp', value: `${pt} ${DTMF_EVENTS}` });
  }
  if (audio.srtp !== undefined) attributes.push(formatCrypto(audio.srtp.local));
  attributes.push({ name: 'ptime', value: String(local.ptime) }, { name: audio.direction });
  return { media: 'audio', port: local.port, proto: offered.proto, formats, connections: [], attributes, otherLines: [] };
}

/** RFC 3264 §6: a refused stream keeps its media type and proto, port 0, and at least one format. */
/**
 * RFC 3264 §8.2: a re-offer that disables every audio stream (port 0) of a running call is answered with every
 * m-line at port 0; the call stays up without media until an offer brings a stream back. Undefined for anything else.
 */
export function answerRemoval(offer: SessionDescription, localMedia: LocalMedia): SdpResult<SessionDescription> | undefined {
  const audio = offer.media.filter((m) => m.media === 'audio');
  if (audio.length === 0 || audio.some((m) => m.port !== 0)) return undefined;
  const checked = checkLocal(localMedia);
  if (!checked.ok) return checked;
  return ok({ ...ourSession(checked.value), media: offer.media.map(refused) });
}

function refused(offered: MediaDescription): MediaDescription {
  return { media: offered.media, port: 0, proto: offered.proto, formats: [offered.formats[0]!], connections: [], attributes: [], otherLines: [] };
}
