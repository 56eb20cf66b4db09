// Parses a received RTCP compound packet (RFC 3550 §6.1, validity checks of §A.2) without ever throwing.

import { readUint16, readUint32 } from './bytes.ts';
import { RTCP_BYE, RTCP_RR, RTCP_SDES, RTCP_SR, type ReportBlock, type RtcpPacket } from './rtcpPacket.ts';

export type RtcpMalformed = 'tooShort' | 'badVersion' | 'lengthPastEnd' | 'badPadding' | 'countPastEnd' | 'notRtcp';

export type RtcpParseResult =
  | { readonly ok: true; readonly packets: readonly RtcpPacket[] }
  | { readonly ok: false; readonly reason: RtcpMalformed };

const decoder = new TextDecoder();

/**
 * Reads every packet of a compound. One bad packet makes the whole compound invalid (§A.2: its lengths no longer
 * add up, so nothing after it can be trusted). Packet types other than SR, RR, SDES and BYE come back as `other`.
 */
export function parseRtcp(bytes: Uint8Array): RtcpParseResult {
  if (bytes.length < 4) return { ok: false, reason: 'tooShort' };
  const packets: RtcpPacket[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    if (bytes.length - offset < 4) return { ok: false, reason: 'tooShort' };
    const first = bytes[offset]!;
    if (first >> 6 !== 2) return { ok: false, reason: 'badVersion' };
    const packetType = bytes[offset + 1]!;
    // RTP payload types 72–76 collide with RTCP types 200–204 when the marker bit is set (RFC 5761 §4): anything
    // outside 192–223 is not RTCP.
    if (packetType < 192 || packetType > 223) return { ok: false, reason: 'notRtcp' };
    const end = offset + 4 + 4 * readUint16(bytes, offset + 2);
    if (end > bytes.length) return { ok: false, reason: 'lengthPastEnd' };
    let bodyEnd = end;
    if ((first & 0x20) !== 0) {
      // §6.4.1: only the last packet of a compound may be padded.
      const padding = bytes[end - 1]!;
      if (end !== bytes.length || padding === 0 || padding > end - offset - 4) return { ok: false, reason: 'badPadding' };
      bodyEnd = end - padding;
    }
    const packet = parseOne(packetType, first & 0x1f, bytes.subarray(offset + 4, bodyEnd));
    if (packet === undefined) return { ok: false, reason: 'countPastEnd' };
    packets.push(packet);
    offset = end;
  }
  return { ok: true, packets };
}

function parseOne(packetType: number, count: number, body: Uint8Array): RtcpPacket | undefined {
  switch (packetType) {
    case RTCP_SR: {
      if (body.length < 24 + 24 * count) return undefined;
      const sender = {
        ntp: { seconds: readUint32(body, 4), fraction: readUint32(body, 8) },
        rtpTimestamp: readUint32(body, 12),
        packetCount: readUint32(body, 16),
        octetCount: readUint32(body, 20),
      };
      return { type: 'sr', ssrc: readUint32(body, 0), sender, reports: readBlocks(body, 24, count) };
    }
    case RTCP_RR:
      if (body.length < 4 + 24 * count) return undefined;
      return { type: 'rr', ssrc: readUint32(body, 0), reports: readBlocks(body, 4, count) };
    case RTCP_SDES:
      return parseSdes(body, count);
    case RTCP_BYE: {
      if (body.length < 4 * count) return undefined;
      const ssrcs = Array.from({ length: count }, (_, i) => readUint32(body, 4 * i));
      const at = 4 * count;
      let reason: string | undefined;
      if (at < body.length) {
        const length = body[at]!;
        if (at + 1 + length > body.length) return undefined;
        reason = decoder.decode(body.subarray(at + 1, at + 1 + length));
      }
      return { type: 'bye', ssrcs, reason };
    }
    default:
      return { type: 'other', packetType };
  }
}

function readBlocks(body: Uint8Array, offset: number, count: number): ReportBlock[] {
  return Array.from({ length: count }, (_, i) => {
    const at = offset + 24 * i;
    const lostWord = readUint32(body, at + 4);
    return {
      ssrc: readUint32(body, at),
      fractionLost: lostWord >>> 24,
      cumulativeLost: ((lostWord & 0xffffff) << 8) >> 8,
      highestSequence: readUint32(body, at + 8),
      jitter: readUint32(body, at + 12),
      lastSenderReport: readUint32(body, at + 16),
      delaySinceLastSenderReport: readUint32(body, at + 20),
    };
  });
}

/** §6.5: chunks of an SSRC and items (type, length, text), each chunk ending with null octets to a word boundary. */
function parseSdes(body: Uint8Array, count: number): RtcpPacket | undefined {
  const chunks: Array<{ ssrc: number; cname: string | undefined }> = [];
  let offset = 0;
  for (let i = 0; i < count; i++) {
    if (offset + 4 > body.length) return undefined;
    const ssrc = readUint32(body, offset);
    let cname: string | undefined;
    offset += 4;
    for (;;) {
      if (offset >= body.length) return undefined;
      const itemType = body[offset]!;
      if (itemType === 0) break;
      if (offset + 2 > body.length) return undefined;
      const length = body[offset + 1]!;
      if (offset + 2 + length > body.length) return undefined;
      if (itemType === 1) cname = decoder.decode(body.subarray(offset + 2, offset + 2 + length));
      offset += 2 + length;
    }
    offset = (Math.floor(offset / 4) + 1) * 4; // past the null octet(s) to the next word boundary
    chunks.push({ ssrc, cname });
  }
  return { type: 'sdes', chunks };
}
