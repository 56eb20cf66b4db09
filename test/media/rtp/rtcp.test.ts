// RTCP packets (RFC 3550 §6.4–6.6): compound build and parse, bytes in and out, malformed compounds as reasons.
import { describe, expect, it } from 'vitest';
import { buildRtcpCompound, type ReportBlock, type RtcpPacket } from '../../../firmware-app/media/rtp/rtcpPacket.ts';
import { parseRtcp } from '../../../firmware-app/media/rtp/rtcpParse.ts';
import { hex, seeded, toHex } from './bytes.ts';

const block: ReportBlock = {
  ssrc: 0x55667788, fractionLost: 0x40, cumulativeLost: 5, highestSequence: 0x00010010, jitter: 12,
  lastSenderReport: 0xaabbccdd, delaySinceLastSenderReport: 0x00010000,
};

const RR_WITH_CNAME = [
  '81 c9 00 07  11 22 33 44', // RR, one block, 8 words
  '55 66 77 88  40 00 00 05  00 01 00 10  00 00 00 0c  aa bb cc dd  00 01 00 00',
  '81 ca 00 03  11 22 33 44  01 04 64 6f  6f 72 00 00', // SDES, CNAME "door", null, padding
].join('');

function packetsOf(bytes: Uint8Array): readonly RtcpPacket[] {
  const result = parseRtcp(bytes);
  if (!result.ok) throw new Error(result.reason);
  return result.packets;
}

describe('RTCP compound packets', () => {
  it('builds an RR with a report block followed by SDES CNAME, word by word', () => {
    const bytes = buildRtcpCompound([
      { type: 'rr', ssrc: 0x11223344, reports: [block] },
      { type: 'sdes', chunks: [{ ssrc: 0x11223344, cname: 'door' }] },
    ]);
    expect(toHex(bytes)).toBe(toHex(hex(RR_WITH_CNAME)));
  });

  it('parses the same bytes back', () => {
    expect(packetsOf(hex(RR_WITH_CNAME))).toEqual([
      { type: 'rr', ssrc: 0x11223344, reports: [block] },
      { type: 'sdes', chunks: [{ ssrc: 0x11223344, cname: 'door' }] },
    ]);
  });

  it('round-trips an SR with two blocks, a negative cumulative loss, a word-long CNAME and a BYE with a reason', () => {
    const packets: RtcpPacket[] = [
      {
        type: 'sr', ssrc: 1,
        sender: { ntp: { seconds: 0xe9876543, fraction: 0x80000000 }, rtpTimestamp: 0xfffffff0, packetCount: 250, octetCount: 40_000 },
        reports: [block, { ...block, ssrc: 7, cumulativeLost: -3, fractionLost: 0 }],
      },
      { type: 'sdes', chunks: [{ ssrc: 1, cname: 'ab' }, { ssrc: 2, cname: 'door@192.0.2.1' }] },
      { type: 'bye', ssrcs: [1], reason: 'call ended' },
    ];
    const bytes = buildRtcpCompound(packets);
    expect(bytes.length % 4).toBe(0);
    expect(bytes[0]).toBe(0x82); // SR with RC = 2
    expect(packetsOf(bytes)).toEqual(packets);
  });

  it('clamps a cumulative loss beyond 24 bits on the wire', () => {
    const bytes = buildRtcpCompound([{ type: 'rr', ssrc: 1, reports: [{ ...block, cumulativeLost: 2 ** 30 }] }]);
    const rr = packetsOf(bytes)[0]!;
    expect(rr.type === 'rr' && rr.reports[0]!.cumulativeLost).toBe(0x7fffff);
  });

  it('skips packet types it does not read (APP, XR, feedback) and reads a padded last packet', () => {
    const app = '80 cc 00 02 00 00 00 01 74 65 73 74'; // APP, name "test"
    const paddedBye = 'a1 cb 00 02 00 00 00 09 00 00 00 04'; // BYE of SSRC 9 with 4 octets of padding
    expect(packetsOf(hex(RR_WITH_CNAME + app + paddedBye)).slice(2)).toEqual([
      { type: 'other', packetType: 204 },
      { type: 'bye', ssrcs: [9], reason: undefined },
    ]);
  });

  it.each([
    ['shorter than a header', '81 c9 00', 'tooShort'],
    ['of version 1', '41 c9 00 01 00 00 00 01', 'badVersion'],
    ['that is RTP (payload type 0)', '80 00 00 01 00 00 00 01', 'notRtcp'],
    ['whose length runs past the datagram', '81 c9 00 07 11 22 33 44', 'lengthPastEnd'],
    ['whose report count runs past its length', '81 c9 00 01 11 22 33 44', 'countPastEnd'],
    ['padded but not last', 'a0 c9 00 01 00 00 00 04 80 c9 00 01 00 00 00 01', 'badPadding'],
    ['with more padding than body', 'a0 c9 00 01 00 00 00 09', 'badPadding'],
    ['with an SDES item past the end', '81 ca 00 02 00 00 00 01 01 09 64 6f', 'countPastEnd'],
    ['with a trailing half header', `${RR_WITH_CNAME} 81 c9`, 'tooShort'],
  ])('refuses a compound %s', (_name, bytes, reason) => {
    expect(parseRtcp(hex(bytes))).toEqual({ ok: false, reason });
  });

  it('never throws on random datagrams that look like RTCP', () => {
    const random = seeded(3);
    for (let i = 0; i < 3000; i++) {
      const bytes = Uint8Array.from({ length: Math.floor(random() * 64) }, () => Math.floor(random() * 256));
      if (bytes.length > 1) {
        bytes[0] = 0x80 | (bytes[0]! & 0x3f);
        bytes[1] = 200 + (bytes[1]! % 5);
      }
      expect(() => parseRtcp(bytes)).not.toThrow();
    }
  });
});
