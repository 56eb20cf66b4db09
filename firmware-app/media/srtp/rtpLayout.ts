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

/** The fixed part of an RTCP packet that SRTCP leaves in clear: version/count, type, length, sender SSRC. */
export const RTCP_CLEAR_HEADER = 8;
