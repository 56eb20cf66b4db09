// Symmetric RTP latching: follow the far end behind NAT, never a stray or injected source.
import { describe, expect, it } from 'vitest';
import { type Endpoint, RtpLatch } from '../../../firmware-app/media/rtp/RtpLatch.ts';

const SDP: Endpoint = { address: '192.168.1.20', port: 4000 };
const NAT: Endpoint = { address: '203.0.113.7', port: 61_234 };
const ATTACKER: Endpoint = { address: '198.51.100.66', port: 5004 };

/** Feeds `count` packets of one stream from `source`; returns which were accepted. */
function stream(latch: RtpLatch, source: Endpoint, ssrc: number, firstSeq: number, count: number): boolean[] {
  return Array.from({ length: count }, (_, i) => latch.packetFrom(source, ssrc, (firstSeq + i) & 0xffff));
}

describe('RtpLatch', () => {
  it('sends to the SDP address and latches to it on its first packet', () => {
    const latch = new RtpLatch({ target: SDP });
    expect(latch.target).toEqual(SDP);
    expect(latch.packetFrom(SDP, 1, 100)).toBe(true);
    expect(latch.state).toBe('latched');
  });

  it('learns a NATed source after four packets in a row of one stream, then sends there', () => {
    const latch = new RtpLatch({ target: SDP });
    expect(stream(latch, NAT, 9, 65_534, 5)).toEqual([false, false, false, true, true]);
    expect(latch.target).toEqual(NAT);
    expect(latch.dropped).toBe(3);
  });

  it('is not moved by a stray packet, nor by packets out of sequence or of changing SSRCs', () => {
    const latch = new RtpLatch({ target: SDP });
    latch.packetFrom(ATTACKER, 5, 1);
    latch.packetFrom(ATTACKER, 5, 3);
    latch.packetFrom(ATTACKER, 6, 4);
    latch.packetFrom(ATTACKER, 5, 5);
    expect([latch.state, latch.target]).toEqual(['learning', SDP]);
  });

  it('drops everything from other sources once latched, however well-formed', () => {
    const latch = new RtpLatch({ target: SDP });
    stream(latch, NAT, 9, 0, 4);
    expect(stream(latch, ATTACKER, 9, 4, 50).every((accepted) => !accepted)).toBe(true);
    expect(latch.packetFrom(SDP, 9, 54)).toBe(false);
    expect(latch.target).toEqual(NAT);
    expect(latch.packetFrom(NAT, 9, 4)).toBe(true);
  });

  it('learns again after a re-INVITE names a new address', () => {
    const latch = new RtpLatch({ target: SDP });
    stream(latch, NAT, 9, 0, 4);
    const moved: Endpoint = { address: '192.168.1.21', port: 4002 };
    latch.retarget(moved);
    expect([latch.state, latch.target]).toEqual(['learning', moved]);
    expect(latch.packetFrom(moved, 10, 7)).toBe(true);
    expect(latch.target).toEqual(moved);
  });
});
