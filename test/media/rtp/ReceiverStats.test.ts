// Receiver statistics (RFC 3550 §A.1, §A.3, §A.8), LSR/DLSR and round-trip time (§6.4.1), report interval (§6.3).
import { describe, expect, it } from 'vitest';
import { compactNtp, dlsrFromMs, ntpFromUnixMs, roundTripMs } from '../../../firmware-app/media/rtp/ntp.ts';
import { ReceiverStats } from '../../../firmware-app/media/rtp/ReceiverStats.ts';
import { rtcpIntervalMs } from '../../../firmware-app/media/rtp/rtcpInterval.ts';

/** Feeds sequence numbers arriving every 20 ms with timestamps 160 apart. */
function feed(stats: ReceiverStats, sequences: readonly number[], start = 0): void {
  sequences.forEach((seq, i) => stats.packetReceived(seq, start + i * 20, ((start / 20 + i) * 160) % 2 ** 32));
}

describe('ReceiverStats', () => {
  it('reports no loss for an unbroken stream across the sequence wrap, with the extended highest sequence', () => {
    const stats = new ReceiverStats(0xabc, 8000);
    feed(stats, [65533, 65534, 65535, 0, 1, 2]);
    const report = stats.reportBlock(200);
    expect(report).toMatchObject({ ssrc: 0xabc, fractionLost: 0, cumulativeLost: 0, highestSequence: 65536 + 2, jitter: 0 });
  });

  it('counts lost packets cumulatively and as a fraction of each report interval', () => {
    const stats = new ReceiverStats(1, 8000);
    feed(stats, [100, 101, 103, 104, 106, 107, 108, 109]); // 102 and 105 lost: 2 of 10
    expect(stats.reportBlock(0)).toMatchObject({ cumulativeLost: 2, fractionLost: Math.floor((2 * 256) / 10), highestSequence: 109 });
    feed(stats, [110, 111, 112, 113, 114, 115, 116, 117, 118, 119], 200); // none lost in the second interval
    expect(stats.reportBlock(0)).toMatchObject({ cumulativeLost: 2, fractionLost: 0, highestSequence: 119 });
    feed(stats, [121, 123], 400); // 2 of 4 lost
    expect(stats.reportBlock(0)).toMatchObject({ cumulativeLost: 4, fractionLost: 128 });
  });

  it('counts a late packet as received and a duplicate as a negative loss, without moving the highest', () => {
    const stats = new ReceiverStats(1, 8000);
    feed(stats, [10, 12, 11, 12, 13]);
    expect(stats.reportBlock(0)).toMatchObject({ highestSequence: 13, cumulativeLost: -1, fractionLost: 0 });
  });

  it('ignores one stray far-off sequence number but follows a source that restarted its numbering (§A.1)', () => {
    const stats = new ReceiverStats(1, 8000);
    feed(stats, [10, 11, 40_000, 12, 13]);
    expect(stats.reportBlock(0)).toMatchObject({ highestSequence: 13, cumulativeLost: 0 });
    feed(stats, [30_000, 30_001, 30_002], 100);
    expect(stats.reportBlock(0)).toMatchObject({ highestSequence: 30_002, cumulativeLost: 0 });
    expect(stats.packetsReceived).toBe(2);
  });

  it('computes interarrival jitter in timestamp units (§A.8), leaving telephone events out', () => {
    const stats = new ReceiverStats(1, 8000);
    stats.packetReceived(1, 0, 0);
    stats.packetReceived(2, 30, 160); // 10 ms late: D = 80 units, J = 80/16 = 5
    expect(stats.jitter).toBe(5);
    stats.packetReceived(3, 40, 320); // 10 ms early: D = 80, J = 5 + 75/16
    expect(stats.jitter).toBeCloseTo(5 + 75 / 16, 10);
    stats.packetReceived(4, 5000); // an event packet: counted, no jitter sample
    expect(stats.jitter).toBeCloseTo(5 + 75 / 16, 10);
    expect(stats.reportBlock(0).jitter).toBe(9);
  });

  it('echoes the last SR as LSR with the delay since as DLSR, 0 before any SR', () => {
    const stats = new ReceiverStats(1, 8000);
    feed(stats, [1]);
    expect(stats.reportBlock(0)).toMatchObject({ lastSenderReport: 0, delaySinceLastSenderReport: 0 });
    stats.senderReportReceived({ seconds: 0x12345678, fraction: 0x9abcdef0 }, 1000);
    expect(stats.reportBlock(1500)).toMatchObject({ lastSenderReport: 0x56789abc, delaySinceLastSenderReport: 32768 });
  });
});

describe('NTP time and round-trip time', () => {
  it('converts Unix milliseconds to NTP (1900 epoch) and takes the middle 32 bits', () => {
    expect(ntpFromUnixMs(0)).toEqual({ seconds: 2_208_988_800, fraction: 0 });
    expect(ntpFromUnixMs(1500)).toEqual({ seconds: 2_208_988_801, fraction: 2 ** 31 });
    expect(compactNtp({ seconds: 0x0001_0002, fraction: 0x0003_0004 })).toBe(0x0002_0003);
  });

  it('computes RTT = A − LSR − DLSR: our SR sent at t, echoed after a 300 ms hold, back at t + 500 → 200 ms', () => {
    const sentAt = 1_700_000_000_000;
    const lsr = compactNtp(ntpFromUnixMs(sentAt));
    const arrival = compactNtp(ntpFromUnixMs(sentAt + 500));
    expect(roundTripMs(arrival, lsr, dlsrFromMs(300))).toBeCloseTo(200, 1);
  });

  it('has no RTT before the far end saw an SR of ours, nor from a block that would make it negative', () => {
    expect(roundTripMs(1000, 0, 0)).toBeUndefined();
    expect(roundTripMs(1000, 900, 200)).toBeUndefined();
  });

  it('gives the RTT across the wrap of the compact NTP time', () => {
    expect(roundTripMs(0x0000_8000, 0xffff_8000, 0x0000_8000)).toBe(500);
  });
});

describe('rtcpIntervalMs', () => {
  it('randomises the 5 s minimum over [0.5, 1.5), halved before the first report', () => {
    expect(rtcpIntervalMs(() => 0)).toBe(2500);
    expect(rtcpIntervalMs(() => 0.5)).toBe(5000);
    expect(rtcpIntervalMs(() => 0.999)).toBeCloseTo(7495, 6);
    expect(rtcpIntervalMs(() => 0.5, { initial: true })).toBe(2500);
    expect(rtcpIntervalMs(() => Number.NaN)).toBe(5000);
  });
});
