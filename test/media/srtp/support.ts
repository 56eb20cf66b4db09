// Helpers for the SRTP tests: hex in and out, and RTP/RTCP packets built by hand.

export const hex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text.replace(/\s+/g, ''), 'hex'));
export const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** A version-2 RTP packet (no CSRC, no extension) with payload type 0. */
export function rtpPacket(seq: number, ssrc: number, payload: Uint8Array, timestamp = 0): Uint8Array {
  const packet = new Uint8Array(12 + payload.length);
  const view = new DataView(packet.buffer);
  packet[0] = 0x80;
  view.setUint16(2, seq);
  view.setUint32(4, timestamp);
  view.setUint32(8, ssrc);
  packet.set(payload, 12);
  return packet;
}

/** A receiver report (RFC 3550 §6.4.2) with no report block, from `ssrc`, padded with `extra` bytes of 0xab. */
export function rtcpPacket(ssrc: number, extra = 16): Uint8Array {
  const packet = new Uint8Array(8 + extra).fill(0xab);
  const view = new DataView(packet.buffer);
  packet[0] = 0x80;
  packet[1] = 201;
  view.setUint16(2, (packet.length >> 2) - 1);
  view.setUint32(4, ssrc);
  return packet;
}
