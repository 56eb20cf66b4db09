// RtcpReporter on the fake clock: report timing, SR vs RR, CNAME, round-trip time between two ends, BYE.
import { describe, expect, it } from 'vitest';
import { parseRtp } from '../../../firmware-app/media/rtp/packet.ts';
import { ReceiverStats } from '../../../firmware-app/media/rtp/ReceiverStats.ts';
import { RtcpReporter } from '../../../firmware-app/media/rtp/RtcpReporter.ts';
import type { RtcpPacket } from '../../../firmware-app/media/rtp/rtcpPacket.ts';
import { parseRtcp } from '../../../firmware-app/media/rtp/rtcpParse.ts';
import { RtpSender } from '../../../firmware-app/media/rtp/RtpSender.ts';
import { FakeClock } from '../../../firmware-app/platform/FakeClock.ts';
import { hex, seeded } from './bytes.ts';

const EPOCH = 1_764_748_800_000; // wall-clock ms at fake time 0

function packets(bytes: Uint8Array): readonly RtcpPacket[] {
  const result = parseRtcp(bytes);
  if (!result.ok) throw new Error(result.reason);
  return result.packets;
}

/** One end of a call: an RTP sender, stats of what it receives, and its reporter. */
function end(clock: FakeClock, name: string, seed: number) {
  const sender = new RtpSender({ payloadType: 0, clockRate: 8000, random: seeded(seed) });
  const sent: Uint8Array[] = [];
  let stats: ReceiverStats | undefined;
  const rtts: number[] = [];
  const byes: Array<string | undefined> = [];
  let link: ((bytes: Uint8Array) => void) | undefined;
  const reporter = new RtcpReporter({
    clock, random: () => 0.5, wallClockMs: () => EPOCH + clock.now(), cname: `${name}@192.0.2.1`, sender,
    receiver: () => stats,
    transmit: (bytes) => {
      sent.push(bytes);
      link?.(bytes);
    },
    roundTripMeasured: (ms) => rtts.push(ms), byeReceived: (reason) => byes.push(reason),
  });
  const rtpIn = (bytes: Uint8Array) => {
    const parsed = parseRtp(bytes);
    if (!parsed.ok) throw new Error(parsed.reason);
    stats ??= new ReceiverStats(parsed.packet.ssrc, 8000);
    stats.packetReceived(parsed.packet.sequenceNumber, clock.now(), parsed.packet.timestamp);
  };
  /** Where this end's RTCP goes besides `sent`. */
  const connect = (to: (bytes: Uint8Array) => void) => (link = to);
  return { sender, sent, reporter, rtts, byes, rtpIn, connect };
}

describe('RtcpReporter', () => {
  it('sends an RR with CNAME after half an interval while silent, then every 5 s × (0.5 + random)', () => {
    const clock = new FakeClock();
    const a = end(clock, 'door', 1);
    a.reporter.start();
    clock.advance(2499);
    expect(a.sent).toHaveLength(0);
    clock.advance(1);
    expect(packets(a.sent[0]!)).toEqual([
      { type: 'rr', ssrc: a.sender.ssrc, reports: [] },
      { type: 'sdes', chunks: [{ ssrc: a.sender.ssrc, cname: 'door@192.0.2.1' }] },
    ]);
    clock.advance(5000);
    expect(a.sent).toHaveLength(2);
  });

  it('sends an SR with its packet and octet counts while sending, with a block about the far end\'s stream', () => {
    const clock = new FakeClock();
    const a = end(clock, 'door', 1);
    const b = end(clock, 'flat', 2);
    a.reporter.start();
    for (let n = 0; a.sent.length === 0; n++) {
      a.sender.audio(n, new Uint8Array(160));
      const fromB = b.sender.audio(n, new Uint8Array(160));
      if (n !== 50) a.rtpIn(fromB); // one of b's packets lost
      clock.advance(20);
    }
    const [sr] = packets(a.sent[0]!);
    expect(sr).toMatchObject({
      type: 'sr', ssrc: a.sender.ssrc,
      sender: { packetCount: 125, octetCount: 20_000, rtpTimestamp: a.sender.timestampAt(124) }, // report at 2500 ms
      reports: [{ ssrc: b.sender.ssrc, cumulativeLost: 1, lastSenderReport: 0 }],
    });
    expect(sr!.type === 'sr' && sr.sender.ntp.seconds).toBe(Math.floor(EPOCH / 1000) + 2_208_988_800 + 2);
  });

  it('measures the round-trip time from the far end\'s echo of our SR (40 ms each way → 80 ms)', () => {
    const clock = new FakeClock();
    const a = end(clock, 'door', 1);
    const b = end(clock, 'flat', 2);
    let n = 0;
    const flow = () => {
      // RTP both ways every 20 ms, each arriving 40 ms later; RTCP likewise.
      const toB = a.sender.audio(n, new Uint8Array(160));
      const toA = b.sender.audio(n, new Uint8Array(160));
      n++;
      clock.setTimer(40, () => { b.rtpIn(toB); a.rtpIn(toA); });
      clock.setTimer(20, flow);
    };
    flow();
    a.connect((bytes) => clock.setTimer(40, () => expect(b.reporter.received(bytes)).toEqual({ ok: true })));
    b.connect((bytes) => clock.setTimer(40, () => expect(a.reporter.received(bytes)).toEqual({ ok: true })));
    a.reporter.start();
    clock.advance(1300);
    b.reporter.start();
    for (let second = 0; second < 20; second++) clock.advance(1000);
    expect(a.rtts.length).toBeGreaterThan(0);
    expect(b.rtts.length).toBeGreaterThan(0);
    for (const rtt of [...a.rtts, ...b.rtts]) expect(Math.abs(rtt - 80)).toBeLessThanOrEqual(1);
    expect(a.reporter.roundTripMs).toBe(a.rtts.at(-1));
  });

  it('sends a BYE with its last report when stopped so, and reports the far end\'s BYE', () => {
    const clock = new FakeClock();
    const a = end(clock, 'door', 1);
    const b = end(clock, 'flat', 2);
    b.rtpIn(a.sender.audio(0, new Uint8Array(160)));
    a.reporter.start();
    a.reporter.stop({ bye: true, reason: 'call ended' });
    const compound = packets(a.sent[0]!);
    expect(compound.map((p) => p.type)).toEqual(['sr', 'sdes', 'bye']);
    expect(b.reporter.received(a.sent[0]!)).toEqual({ ok: true });
    expect(b.byes).toEqual(['call ended']);
    clock.advance(60_000);
    expect(a.sent).toHaveLength(1);
    expect(clock.pending).toBe(0);
  });

  it('ignores a malformed datagram and says why', () => {
    const clock = new FakeClock();
    const a = end(clock, 'door', 1);
    expect(a.reporter.received(hex('81 c9 00 07 00 00 00 01'))).toEqual({ ok: false, reason: 'lengthPastEnd' });
    expect(a.rtts).toEqual([]);
  });
});
