// Reading the peer's answer to our offer (RFC 3264 §7): the same m-lines in the same order, the audio stream not
// refused, a codec we offered, and a direction within what we offered (a peer answering our hold with sendrecv is
// understood as the most our offer allows, as RFC 3264 §6.1 limits the answer).
import { formatIdentity, isCodec, isTelephoneEvent, CODECS } from './codecs.ts';
import { declaredDirection, effectiveDirection, intersect, receives, reverse } from './direction.ts';
import { isIpv4 } from './address.ts';
import { remoteAddressOf, remoteCrypto, remoteRtcpPort, sendPtimeFor, type NegotiatedAudio } from './negotiated.ts';
import { fail, ok, type SdpResult } from './result.ts';
import { chooseCodec, chooseTelephoneEvent } from './select.ts';
import type { MediaDescription, SessionDescription } from './types.ts';
import { ptimeOf } from './attributes.ts';

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
  const ourAddrType = ourAddressType(offer);
  const remoteAddress = remoteAddressOf(answer, theirs, ourAddrType);
  if (remoteAddress === undefined) return fail('SDP_NOT_ACCEPTABLE', 'the answer has no address we can send to');
  const offeredNames = Object.values(CODECS)
    .filter((spec) => ours.formats.some((f) => isOffered(ours, f, (id) => isCodec(id, spec))))
    .map((spec) => spec.name);
  // The answer's first format that we offered is the codec (RFC 3264 §7: the answerer's order counts).
  const codec = chooseCodec(onlyFirstKnown(theirs, ours), offeredNames);
  if (codec === undefined) return fail('SDP_ANSWER_MISMATCH', 'the answer has no codec we offered');
  const receive = chooseCodec(ours, [codec.name]);
  const event = chooseTelephoneEvent(theirs, codec);
  const ourEvent = event === undefined ? undefined : chooseTelephoneEventAt(ours, event.clockRate);
  const theirDirection = effectiveDirection(answer, theirs);
  return ok({
    mediaIndex: index,
    proto: ours.proto,
    remoteAddress,
    remotePort: theirs.port,
    remoteRtcpPort: remoteRtcpPort(theirs),
    codec,
    receivePayloadType: receive?.payloadType ?? codec.payloadType,
    ...(event === undefined || ourEvent === undefined ? {} : { telephoneEvent: { ...event, receivePayloadType: ourEvent } }),
    sendPtime: sendPtimeFor(theirs, ptimeOf(ours) ?? 20),
    direction: intersect(declaredDirection(offer, ours), reverse(theirDirection)),
    remoteHold: !receives(theirDirection),
    remoteCrypto: remoteCrypto(theirs),
  });
}

function ourAddressType(offer: SessionDescription): 'IP4' | 'IP6' {
  const address = offer.connection?.address ?? offer.media[0]?.connections[0]?.address ?? '';
  return isIpv4(address) ? 'IP4' : 'IP6';
}

function isOffered(ours: MediaDescription, format: string, test: (id: NonNullable<ReturnType<typeof formatIdentity>>) => boolean): boolean {
  const id = formatIdentity(ours, Number(format));
  return id !== undefined && test(id);
}

/**
 * The answer's section cut to its first format that is one of our offered codecs (so chooseCodec takes the
 * answerer's choice, not our preference), keeping its telephone-events.
 */
function onlyFirstKnown(theirs: MediaDescription, ours: MediaDescription): MediaDescription {
  const ourCodecs = Object.values(CODECS).filter((spec) => ours.formats.some((f) => isOffered(ours, f, (id) => isCodec(id, spec))));
  const first = theirs.formats.find((f) => {
    const id = formatIdentity(theirs, Number(f));
    return id !== undefined && ourCodecs.some((spec) => isCodec(id, spec));
  });
  return { ...theirs, formats: first === undefined ? [] : [first] };
}

/** Our offered telephone-event payload type at `clockRate`. */
function chooseTelephoneEventAt(ours: MediaDescription, clockRate: number): number | undefined {
  for (const f of ours.formats) {
    const id = formatIdentity(ours, Number(f));
    if (id !== undefined && isTelephoneEvent(id) && id.clockRate === clockRate) return Number(f);
  }
  return undefined;
}
