// RTP data packets (RFC 3550 §5.1): zero-copy parse of a received datagram, build into a caller's buffer.

import { InternalError } from '../../errors.ts';
import { readUint16, readUint32, writeUint16, writeUint32 } from './bytes.ts';

/** The fixed header is 12 octets; each CSRC adds 4, a header extension 4 plus its length. */
export const RTP_HEADER_LENGTH = 12;

/** A header extension (§5.3.1): its profile-defined 16 bits and its data, a view into the packet. */
export interface RtpExtension {
  readonly profile: number;
  readonly data: Uint8Array;
}

/** A parsed RTP packet. `payload` (and `extension.data`) are views into the received bytes, nothing is copied. */
export interface RtpPacket {
  readonly marker: boolean;
  readonly payloadType: number;
  readonly sequenceNumber: number;
  readonly timestamp: number;
  readonly ssrc: number;
  readonly csrcs: readonly number[];
  readonly extension: RtpExtension | undefined;
  /** Octets of padding removed from the end (0 when the P bit is clear). */
  readonly paddingLength: number;
  readonly payload: Uint8Array;
}

/** Why a datagram is not an RTP packet we can read. */
export type RtpMalformed = 'tooShort' | 'badVersion' | 'csrcPastEnd' | 'extensionPastEnd' | 'badPadding';

export type RtpParseResult = { readonly ok: true; readonly packet: RtpPacket } | { readonly ok: false; readonly reason: RtpMalformed };

/** Reads an RTP packet from `bytes` without copying; a malformed one gives a reason, never a throw. */
export function parseRtp(bytes: Uint8Array): RtpParseResult {
  if (bytes.length < RTP_HEADER_LENGTH) return { ok: false, reason: 'tooShort' };
  const first = bytes[0]!;
  if (first >> 6 !== 2) return { ok: false, reason: 'badVersion' };
  const csrcCount = first & 0x0f;
  let offset = RTP_HEADER_LENGTH + 4 * csrcCount;
  if (offset > bytes.length) return { ok: false, reason: 'csrcPastEnd' };
  const csrcs: number[] = [];
  for (let i = 0; i < csrcCount; i++) csrcs.push(readUint32(bytes, RTP_HEADER_LENGTH + 4 * i));
  let extension: RtpExtension | undefined;
  if ((first & 0x10) !== 0) {
    if (offset + 4 > bytes.length) return { ok: false, reason: 'extensionPastEnd' };
    const words = readUint16(bytes, offset + 2);
    const end = offset + 4 + 4 * words;
    if (end > bytes.length) return { ok: false, reason: 'extensionPastEnd' };
    extension = { profile: readUint16(bytes, offset), data: bytes.subarray(offset + 4, end) };
    offset = end;
  }
  let paddingLength = 0;
  if ((first & 0x20) !== 0) {
    // §5.1: the last octet counts the padding, itself included, so 0 is as wrong as a count past the header.
    paddingLength = bytes[bytes.length - 1]!;
    if (paddingLength === 0 || offset + paddingLength > bytes.length) return { ok: false, reason: 'badPadding' };
  }
  return {
    ok: true,
    packet: {
      marker: (bytes[1]! & 0x80) !== 0,
      payloadType: bytes[1]! & 0x7f,
      sequenceNumber: readUint16(bytes, 2),
      timestamp: readUint32(bytes, 4),
      ssrc: readUint32(bytes, 8),
      csrcs,
      extension,
      paddingLength,
      payload: bytes.subarray(offset, bytes.length - paddingLength),
    },
  };
}

/** What a sender puts in the header it builds (no padding, no extension: we never need them). */
export interface RtpHeaderFields {
  readonly marker?: boolean;
  readonly payloadType: number;
  readonly sequenceNumber: number;
  readonly timestamp: number;
  readonly ssrc: number;
  readonly csrcs?: readonly number[];
}

/** Octets a packet with these fields and a payload of `payloadLength` octets takes. */
export function rtpPacketLength(fields: RtpHeaderFields, payloadLength: number): number {
  return RTP_HEADER_LENGTH + 4 * (fields.csrcs?.length ?? 0) + payloadLength;
}

/**
 * Writes the packet into `into` (from offset 0) or into a new buffer, and returns the view of the written octets.
 * Fields out of range or a buffer too small are our own bug, hence an InternalError rather than a result.
 */
export function buildRtp(fields: RtpHeaderFields, payload: Uint8Array, into?: Uint8Array): Uint8Array {
  const csrcs = fields.csrcs ?? [];
  checkField('payloadType', fields.payloadType, 0x7f);
  checkField('sequenceNumber', fields.sequenceNumber, 0xffff);
  checkField('timestamp', fields.timestamp, 0xffffffff);
  checkField('ssrc', fields.ssrc, 0xffffffff);
  if (csrcs.length > 15) throw new InternalError('RTP_FIELD_RANGE', `RTP: ${csrcs.length} CSRCs, at most 15 fit`);
  const length = rtpPacketLength(fields, payload.length);
  const out = into ?? new Uint8Array(length);
  if (out.length < length) throw new InternalError('RTP_BUFFER_TOO_SMALL', `RTP: ${length} octets do not fit in ${out.length}`);
  out[0] = 0x80 | csrcs.length;
  out[1] = (fields.marker === true ? 0x80 : 0) | fields.payloadType;
  writeUint16(out, 2, fields.sequenceNumber);
  writeUint32(out, 4, fields.timestamp);
  writeUint32(out, 8, fields.ssrc);
  csrcs.forEach((csrc, i) => {
    checkField('csrc', csrc, 0xffffffff);
    writeUint32(out, RTP_HEADER_LENGTH + 4 * i, csrc);
  });
  out.set(payload, length - payload.length);
  return out.subarray(0, length);
}

function checkField(name: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new InternalError('RTP_FIELD_RANGE', `RTP: ${name} ${value} is not an integer in 0..${max}`);
  }
}
