// The audio codecs we negotiate and the RFC 3551 §6 static payload types, with G.722's clock-rate quirk: its RTP
// clock is 8000 Hz (rtpmap G722/8000) although it samples at 16 kHz (RFC 3551 §4.5.2).
import { rtpmapOf, type Rtpmap } from './attributes.ts';
import type { MediaDescription } from './types.ts';

export type CodecName = 'PCMU' | 'PCMA' | 'G722';

export interface CodecSpec {
  readonly name: CodecName;
  readonly staticPayloadType: number;
  /** The RTP timestamp rate written in rtpmap. */
  readonly rtpClockRate: number;
  /** The audio's real sample rate. */
  readonly sampleRate: number;
}

export const CODECS: Readonly<Record<CodecName, CodecSpec>> = {
  PCMU: { name: 'PCMU', staticPayloadType: 0, rtpClockRate: 8000, sampleRate: 8000 },
  PCMA: { name: 'PCMA', staticPayloadType: 8, rtpClockRate: 8000, sampleRate: 8000 },
  G722: { name: 'G722', staticPayloadType: 9, rtpClockRate: 8000, sampleRate: 16000 },
};

/** Our default preference: G.711 first (FRITZ!Box users report G.722 trouble). */
export const DEFAULT_CODECS: readonly CodecName[] = ['PCMU', 'PCMA', 'G722'];

/** What one payload type of a media section stands for. */
export interface FormatIdentity {
  readonly encoding: string;
  readonly clockRate: number;
  readonly channels: number;
}

/** RFC 3551 Table 4: the static audio payload types. */
const STATIC_AUDIO: ReadonlyMap<number, FormatIdentity> = new Map([
  [0, { encoding: 'PCMU', clockRate: 8000, channels: 1 }],
  [3, { encoding: 'GSM', clockRate: 8000, channels: 1 }],
  [4, { encoding: 'G723', clockRate: 8000, channels: 1 }],
  [5, { encoding: 'DVI4', clockRate: 8000, channels: 1 }],
  [6, { encoding: 'DVI4', clockRate: 16000, channels: 1 }],
  [7, { encoding: 'LPC', clockRate: 8000, channels: 1 }],
  [8, { encoding: 'PCMA', clockRate: 8000, channels: 1 }],
  [9, { encoding: 'G722', clockRate: 8000, channels: 1 }],
  [10, { encoding: 'L16', clockRate: 44100, channels: 2 }],
  [11, { encoding: 'L16', clockRate: 44100, channels: 1 }],
  [12, { encoding: 'QCELP', clockRate: 8000, channels: 1 }],
  [13, { encoding: 'CN', clockRate: 8000, channels: 1 }],
  [14, { encoding: 'MPA', clockRate: 90000, channels: 1 }],
  [15, { encoding: 'G728', clockRate: 8000, channels: 1 }],
  [16, { encoding: 'DVI4', clockRate: 11025, channels: 1 }],
  [17, { encoding: 'DVI4', clockRate: 22050, channels: 1 }],
  [18, { encoding: 'G729', clockRate: 8000, channels: 1 }],
]);

/** The rtpmap of `payloadType` if the section has one, else the static assignment, else undefined (unusable). */
export function formatIdentity(media: MediaDescription, payloadType: number): FormatIdentity | undefined {
  return identityFrom(rtpmapOf(media, payloadType), payloadType);
}

/** formatIdentity with the rtpmap already looked up (rtpmapTable reads a section's rtpmaps in one pass). */
export function identityFrom(rtpmap: Rtpmap | undefined, payloadType: number): FormatIdentity | undefined {
  if (rtpmap !== undefined) return { encoding: rtpmap.encoding, clockRate: rtpmap.clockRate, channels: rtpmap.channels ?? 1 };
  return STATIC_AUDIO.get(payloadType);
}

/**
 * Whether a format is `codec`. Names compare case-insensitively (RFC 4855 §3: MIME subtypes). G722 also matches a
 * peer that wrote G722/16000 (a common mistake); the caller keeps the peer's clock rate for the RTP timestamps.
 */
export function isCodec(identity: FormatIdentity, codec: CodecSpec): boolean {
  if (identity.encoding.toUpperCase() !== codec.name || identity.channels !== 1) return false;
  return identity.clockRate === codec.rtpClockRate || identity.clockRate === codec.sampleRate;
}

export function isTelephoneEvent(identity: FormatIdentity): boolean {
  return identity.encoding.toLowerCase() === 'telephone-event';
}
