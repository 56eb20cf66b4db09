// RtpSender: random origins from the injected random, timestamp per packet slot, sequence wrap, SR counters.
import { describe, expect, it } from 'vitest';
import { parseRtp, type RtpPacket } from '../../../firmware-app/media/rtp/packet.ts';
import { RtpSender } from '../../../firmware-app/media/rtp/RtpSender.ts';
import { scripted } from './bytes.ts';

function read(bytes: Uint8Array): RtpPacket {
  const result = parseRtp(bytes);
  if (!result.ok) throw new Error(result.reason);
  return result.packet;
}

describe('RtpSender', () => {
  it('takes SSRC, first sequence number and first timestamp from the injected random', () => {
    const sender = new RtpSender({ payloadType: 0, clockRate: 8000, random: scripted(0.5, 0.25, 0.75) });
    expect(sender.ssrc).toBe(0x80000000);
    expect(sender.nextSequenceNumber).toBe(0x4000);
    expect(sender.initialTimestamp).toBe(0xc0000000);
    const other = new RtpSender({ payloadType: 0, clockRate: 8000, random: scripted(0.1, 0.2, 0.3) });
    expect(other.ssrc).not.toBe(sender.ssrc);
  });

  it('advances the timestamp by 160 per 20 ms slot at 8000 Hz, for G.722 too (RFC 3551 clock-rate quirk)', () => {
    const pcmu = new RtpSender({ payloadType: 0, clockRate: 8000, random: scripted(0, 0, 0) });
    const g722 = new RtpSender({ payloadType: 9, clockRate: 8000, random: scripted(0, 0, 0) });
    const wide = new RtpSender({ payloadType: 96, clockRate: 16000, random: scripted(0, 0, 0) });
    expect([pcmu.samplesPerPacket, g722.samplesPerPacket, wide.samplesPerPacket]).toEqual([160, 160, 320]);
    expect(read(g722.audio(3, new Uint8Array(160))).timestamp).toBe(480);
    expect(new RtpSender({ payloadType: 0, clockRate: 8000, packetMs: 30, random: scripted(0, 0, 0) }).samplesPerPacket).toBe(240);
  });

  it('wraps the sequence number at 65536 and the timestamp at 2^32', () => {
    const sender = new RtpSender({ payloadType: 8, clockRate: 8000, random: scripted(0, 65534 / 65536, (2 ** 32 - 160) / 2 ** 32) });
    const packets = [0, 1, 2].map((i) => read(sender.audio(i, new Uint8Array(160))));
    expect(packets.map((p) => p.sequenceNumber)).toEqual([65534, 65535, 0]);
    expect(packets.map((p) => p.timestamp)).toEqual([2 ** 32 - 160, 0, 160]);
    expect(packets.every((p) => p.payloadType === 8 && p.ssrc === sender.ssrc)).toBe(true);
  });

  it('numbers telephone events in the same sequence space with their own timestamp, and counts for the SR', () => {
    const sender = new RtpSender({ payloadType: 0, clockRate: 8000, random: scripted(0, 0, 0) });
    sender.audio(0, new Uint8Array(160), { marker: true });
    const event = read(sender.build({ payloadType: 101, timestamp: 160, marker: true }, new Uint8Array(4)));
    expect(event).toMatchObject({ sequenceNumber: 1, timestamp: 160, payloadType: 101, marker: true });
    expect([sender.packetCount, sender.octetCount, sender.lastTimestamp]).toEqual([2, 164, 160]);
  });

  it('keeps the timestamp of slot n at start + n·160 however late the slot is built', () => {
    const sender = new RtpSender({ payloadType: 0, clockRate: 8000, random: scripted(0, 0, 0.5) });
    expect(sender.timestampAt(30_000)).toBe((0x80000000 + 30_000 * 160) % 2 ** 32);
    expect(sender.timestampAt(1e8)).toBe((0x80000000 + 1e8 * 160) % 2 ** 32);
  });
});
