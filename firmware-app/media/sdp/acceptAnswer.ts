// Reading the peer's answer to our offer (RFC 3264 §7): the same m-lines in the same order, the audio stream not
// refused, a codec we offered, and a direction within what we offered (a peer answering our hold with sendrecv is
// understood as the most our offer allows, as RFC 3264 §6.1 limits the answer), and SDES-SRTP as our offer asked
// for it (sdes.ts).
import { isIpv4 } from './address.ts';
import { ptimeOf } from './attributes.ts';
import { CODECS, formatIdentity, isTelephoneEvent, type CodecName } from './codecs.ts';
import { declaredDirection, effectiveDirection, intersect, receives, reverse } from './direction.ts';
import { remoteAddressOf, remoteCrypto, remoteRtcpPort, sendPtimeFor, type NegotiatedAudio } from './negotiated.ts';
import { fail, ok, type SdpResult } from './result.ts';
import { acceptSdes } from './sdes.ts';
import { chooseCodec, chooseTelephoneEvent, type ChosenCodec } from './select.ts';
import type { MediaDescription, SessionDescription } from './types.ts';

/** Checks `answer` against `offer` (our own, as sent) and says what was agreed. */
export function acceptAnswer(offer: SessionDescription, answer: SessionDescription): SdpResult<NegotiatedAudio> {
  if (answer.media.length !== offer.media.length) {
    return fail('SDP_ANSWER_MISMATCH', `${answer.media.length} m-lines answer ${offer.media.length} offered`);
  }
  const index = offer.media.findIndex((m) => m.media === 'audio' && m.port !== 0);
  const ours = offer.media[index];
  const theirs = answer.media[index];
  if (ours === undefined || theirs === undefined) return fail('SDP_ANSWER_MISMATCH', 'our offer has no audio stream');
  if (theirs.media !== 'audio') return fail('SDP_ANSWER_MISMATCH', `m-line ${index} answered as ${theirs.media.slice(0, 20)}`);
  if (theirs.port === 0) return fail('SDP_NOT_ACCEPTABLE', 'the answer refused the audio stream');
  const remoteAddress = remoteAddressOf(answer, theirs, isIpv4(offer.connection?.address ?? '') ? 'IP4' : 'IP6');
  if (remoteAddress === undefined) return fail('SDP_NOT_ACCEPTABLE', 'the answer has no address we can send to');
  const codec = answeredCodec(ours, theirs);
  if (codec === undefined) return fail('SDP_ANSWER_MISMATCH', 'the answer has no codec we offered');
  const srtp = acceptSdes(ours, theirs);
  if (!srtp.ok) return srtp;
  const event = chooseTelephoneEvent(theirs, codec);
  const ourEventPt = event === undefined ? undefined : offeredTelephoneEvent(ours, event.clockRate);
  const theirDirection = effectiveDirection(answer, theirs);
  return ok({
    mediaIndex: index,
    proto: ours.proto,
    remoteAddress,
    remotePort: theirs.port,
    remoteRtcpPort: remoteRtcpPort(theirs),
    codec,
    receivePayloadType: chooseCodec(ours, [codec.name])?.payloadType ?? codec.payloadType,
    ...(event === undefined || ourEventPt === undefined ? {} : { telephoneEvent: { ...event, receivePayloadType: ourEventPt } }),
    sendPtime: sendPtimeFor(theirs, ptimeOf(ours) ?? 20),
    direction: intersect(declaredDirection(offer, ours), reverse(theirDirection)),
    remoteHold: !receives(theirDirection),
    remoteCrypto: remoteCrypto(theirs),
    ...(srtp.value === undefined ? {} : { srtp: srtp.value }),
  });
}

/** The answer's first format that is a codec we offered (RFC 3264 §7: the answerer's order counts, not ours). */
function answeredCodec(ours: MediaDescription, theirs: MediaDescription): ChosenCodec | undefined {
  const offered = (Object.keys(CODECS) as CodecName[]).filter((name) => chooseCodec(ours, [name]) !== undefined);
  for (const format of theirs.formats) {
    const codec = chooseCodec({ ...theirs, formats: [format] }, offered);
    if (codec !== undefined) return codec;
  }
  return undefined;
}

/** Our offered telephone-event payload type at `clockRate`. */
function offeredTelephoneEvent(ours: MediaDescription, clockRate: number): number | undefined {
  for (const f of ours.formats) {
    const id = formatIdentity(ours, Number(f));
    if (id !== undefined && isTelephoneEvent(id) && id.clockRate === clockRate) return Number(f);
  }
  return undefined;
}
