// RTCP packets (RFC 3550 §6.4, §6.5, §6.6): SR, RR with report blocks, SDES CNAME, BYE, and their compound.

import { InternalError } from '../../errors.ts';
import { writeUint16, writeUint32 } from './bytes.ts';
import type { NtpTime } from './ntp.ts';

export const RTCP_SR = 200;
export const RTCP_RR = 201;
export const RTCP_SDES = 202;
export const RTCP_BYE = 203;
const SDES_CNAME = 1;

/** One reception report block (§6.4.1), 24 octets on the wire. */
export interface ReportBlock {
  /** The source this block reports on. */
  readonly ssrc: number;
  /** Fraction of packets lost since the last report, in 1/256 (0–255). */
  readonly fractionLost: number;
  /** Packets lost since the start (signed 24 bits: duplicates can make it negative). */
  readonly cumulativeLost: number;
  /** Extended highest sequence number received (cycles · 65536 + highest). */
  readonly highestSequence: number;
  /** Interarrival jitter in RTP timestamp units (§6.4.1, A.8). */
  readonly jitter: number;
  /** Middle 32 bits of the NTP time of the last SR received from that source (0 when none). */
  readonly lastSenderReport: number;
  /** Delay since that SR, in 1/65536 s (0 when none). */
  readonly delaySinceLastSenderReport: number;
}

/** The sender info of an SR (§6.4.1). */
export interface SenderInfo {
  readonly ntp: NtpTime;
  readonly rtpTimestamp: number;
  readonly packetCount: number;
  readonly octetCount: number;
}

export type RtcpPacket =
  | { readonly type: 'sr'; readonly ssrc: number; readonly sender: SenderInfo; readonly reports: readonly ReportBlock[] }
  | { readonly type: 'rr'; readonly ssrc: number; readonly reports: readonly ReportBlock[] }
  /** Only CNAME is kept of the SDES items; a chunk without one has `cname` undefined. */
  | { readonly type: 'sdes'; readonly chunks: ReadonlyArray<{ readonly ssrc: number; readonly cname: string | undefined }> }
  | { readonly type: 'bye'; readonly ssrcs: readonly number[]; readonly reason: string | undefined }
  /** APP, XR, feedback …: recognised as RTCP, skipped. */
  | { readonly type: 'other'; readonly packetType: number };

const encoder = new TextEncoder();

/**
 * A compound packet (§6.1): the packets in order, each with its common header. We start with an SR or RR and add an
 * SDES CNAME, as §6.1 requires of every compound we send; that order is the caller's (see RtcpReporter).
 */
export function buildRtcpCompound(packets: readonly RtcpPacket[]): Uint8Array {
  return concat(packets.map(buildOne));
}

function buildOne(packet: RtcpPacket): Uint8Array {
  switch (packet.type) {
    case 'sr': {
      const body = new Uint8Array(24 + 24 * packet.reports.length);
      writeUint32(body, 0, packet.ssrc);
      writeUint32(body, 4, packet.sender.ntp.seconds);
      writeUint32(body, 8, packet.sender.ntp.fraction);
      writeUint32(body, 12, packet.sender.rtpTimestamp);
      writeUint32(body, 16, packet.sender.packetCount);
      writeUint32(body, 20, packet.sender.octetCount);
      packet.reports.forEach((block, i) => writeReportBlock(body, 24 + 24 * i, block));
      return withHeader(RTCP_SR, countOf(packet.reports.length), body);
    }
    case 'rr': {
      const body = new Uint8Array(4 + 24 * packet.reports.length);
      writeUint32(body, 0, packet.ssrc);
      packet.reports.forEach((block, i) => writeReportBlock(body, 4 + 24 * i, block));
      return withHeader(RTCP_RR, countOf(packet.reports.length), body);
    }
    case 'sdes': {
      const chunks = packet.chunks.map((chunk) => {
        const text = encoder.encode(chunk.cname ?? '').subarray(0, 255);
        const items = chunk.cname === undefined ? 0 : 2 + text.length;
        // §6.5: the item list ends with at least one null octet, padded to a 32-bit boundary.
        const bytes = new Uint8Array(4 + Math.ceil((items + 1) / 4) * 4);
        writeUint32(bytes, 0, chunk.ssrc);
        if (chunk.cname !== undefined) {
          bytes[4] = SDES_CNAME;
          bytes[5] = text.length;
          bytes.set(text, 6);
        }
        return bytes;
      });
      return withHeader(RTCP_SDES, countOf(chunks.length), concat(chunks));
    }
    case 'bye': {
      const reason = packet.reason === undefined ? undefined : encoder.encode(packet.reason).subarray(0, 255);
      const reasonLength = reason === undefined ? 0 : Math.ceil((1 + reason.length) / 4) * 4;
      const body = new Uint8Array(4 * packet.ssrcs.length + reasonLength);
      packet.ssrcs.forEach((ssrc, i) => writeUint32(body, 4 * i, ssrc));
      if (reason !== undefined) {
        body[4 * packet.ssrcs.length] = reason.length;
        body.set(reason, 4 * packet.ssrcs.length + 1);
      }
      return withHeader(RTCP_BYE, countOf(packet.ssrcs.length), body);
    }
    case 'other':
      throw new InternalError('RTCP_BUILD', `RTCP: building packet type ${packet.packetType} is not supported`);
  }
}

function countOf(count: number): number {
  if (count > 31) throw new InternalError('RTCP_BUILD', `RTCP: ${count} items, at most 31 fit a packet`);
  return count;
}

/** The common header (§6.4.1): V=2, no padding, the 5-bit count, the type, the length in 32-bit words minus one. */
function withHeader(packetType: number, count: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + body.length);
  out[0] = 0x80 | count;
  out[1] = packetType;
  writeUint16(out, 2, out.length / 4 - 1);
  out.set(body, 4);
  return out;
}

function writeReportBlock(bytes: Uint8Array, offset: number, block: ReportBlock): void {
  writeUint32(bytes, offset, block.ssrc);
  const lost = Math.min(0x7fffff, Math.max(-0x800000, block.cumulativeLost));
  writeUint32(bytes, offset + 4, (((block.fractionLost & 0xff) << 24) | (lost & 0xffffff)) >>> 0);
  writeUint32(bytes, offset + 8, block.highestSequence);
  writeUint32(bytes, offset + 12, block.jitter);
  writeUint32(bytes, offset + 16, block.lastSenderReport);
  writeUint32(bytes, offset + 20, block.delaySinceLastSenderReport);
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
