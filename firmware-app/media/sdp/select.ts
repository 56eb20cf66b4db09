// Choosing the codec and the telephone-event format of one audio m-line: the first codec of OUR preference order
// that the section has (RFC 3264 §6.1 leaves the choice to the answerer), and the telephone-event whose clock rate
// fits that codec (RFC 4733 §2.1: the codec's RTP clock rate; for G.722 8000, else 16000 as some phones offer).
import { fmtpTable, rtpmapTable } from './attributes.ts';
import { CODECS, identityFrom, isCodec, isTelephoneEvent, type CodecName, type FormatIdentity } from './codecs.ts';
import { carriesDtmf, parseEventList } from './telephoneEvent.ts';
import type { MediaDescription } from './types.ts';

export interface ChosenCodec {
  readonly name: CodecName;
  readonly payloadType: number;
  /** The RTP timestamp rate as the section declares it (8000 for G722 per RFC 3551; 16000 if the peer wrote so). */
  readonly rtpClockRate: number;
  /** The audio's sample rate (16000 for G722). */
  readonly sampleRate: number;
}

export interface ChosenTelephoneEvent {
  readonly payloadType: number;
  readonly clockRate: number;
  readonly events: ReadonlySet<number>;
}

interface Format {
  readonly payloadType: number;
  readonly identity: FormatIdentity;
}

/** The section's formats with what each stands for; unknown dynamic payload types are left out. */
export function formatsOf(media: MediaDescription): Format[] {
  const formats: Format[] = [];
  const rtpmaps = rtpmapTable(media);
  for (const f of media.formats) {
    const payloadType = Number(f);
    const identity = identityFrom(rtpmaps.get(payloadType), payloadType);
    if (identity !== undefined) formats.push({ payloadType, identity });
  }
  return formats;
}

/** The first codec of `preference` (after `sticky`, the codec of a running call) that `media` lists. */
export function chooseCodec(media: MediaDescription, preference: readonly CodecName[], sticky?: CodecName): ChosenCodec | undefined {
  const formats = formatsOf(media);
  const order = sticky !== undefined && preference.includes(sticky) ? [sticky, ...preference.filter((c) => c !== sticky)] : preference;
  for (const name of order) {
    const spec = CODECS[name];
    const format = formats.find((f) => isCodec(f.identity, spec));
    if (format !== undefined) {
      return { name, payloadType: format.payloadType, rtpClockRate: format.identity.clockRate, sampleRate: spec.sampleRate };
    }
  }
  return undefined;
}

/** The section's telephone-event that fits `codec` and carries the DTMF digits, if any. */
export function chooseTelephoneEvent(media: MediaDescription, codec: ChosenCodec): ChosenTelephoneEvent | undefined {
  const candidates: ChosenTelephoneEvent[] = [];
  const fmtps = fmtpTable(media);
  for (const f of formatsOf(media)) {
    if (!isTelephoneEvent(f.identity)) continue;
    const events = parseEventList(fmtps.get(String(f.payloadType)));
    if (events !== undefined && carriesDtmf(events)) candidates.push({ payloadType: f.payloadType, clockRate: f.identity.clockRate, events });
  }
  return candidates.find((c) => c.clockRate === codec.rtpClockRate) ?? candidates.find((c) => c.clockRate === codec.sampleRate);
}
