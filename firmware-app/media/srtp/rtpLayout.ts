// Where SRTP's parts of an RTP or RTCP packet start (RFC 3550 §5.1, §6.1): the header SRTP leaves in clear.

/** Length of the RTP header (fixed part, CSRCs, extension), or undefined when `packet` is too short for it. */
export function rtpHeaderLength(packet: Uint8Array, end: number): number | undefined {
  if (end < 12 || packet[0]! >> 6 !== 2) return undefined;
  let length = 12 + 4 * (packet[0]! & 0x0f);
  if (packet[0]! & 0x10) {
    if (end < length + 4) return undefined;
    length += 4 + 4 * ((packet[length + 2]! << 8) | packet[length + 3]!);
  }
  return length <= end ? length : undefined;
}

/** The 16-bit sequence number of an RTP packet. */
export function rtpSeq(packet: Uint8Array): number {
  return (packet[2]! << 8) | packet[3]!;
}

/** The SSRC of an RTP packet (bytes 8–11) or of the first RTCP packet of a compound (bytes 4–7). */
export function readUint32(packet: Uint8Array, at: number): number {
  return ((packet[at]! << 24) | (packet[at + 1]! << 16) | (packet[at + 2]! << 8) | packet[at + 3]!) >>> 0;
}

/** Writes a 32-bit big-endian number. */
export function writeUint32(packet: Uint8Array, at: number, value: number): void {
  packet[at] = value >>> 24;
  packet[at + 1] = (value >>> 16) & 0xff;
  packet[at + 2] = (value >>> 8) & 0xff;
  packet[at + 3] = value & 0xff;
}

/** The fixed part of an RTCP packet that SRTCP leaves in clear: version/count, type, length, sender SSRC. */
export const RTCP_CLEAR_HEADER = 8;
