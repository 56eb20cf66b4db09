// The jitter buffer under reordering, loss bursts, duplicates, wrap, jitter and sender clock skew (simulated).
import { describe, expect, it } from 'vitest';
import { JitterBuffer } from '../../../firmware-app/media/jitter/JitterBuffer.ts';
import { FakeClock } from '../../../firmware-app/platform/FakeClock.ts';
import { increasing, maxLatency, random, simulate } from './simulation.ts';

const count = (values: readonly string[], wanted: string): number => values.filter((v) => v === wanted).length;

describe('JitterBuffer', () => {
  it('conceals while empty, then plays a steady stream in order at its minimum delay', () => {
    const outcome = simulate({ frames: 500 });
    expect(outcome.order).toEqual(Array.from({ length: 500 }, (_, k) => k));
    expect(outcome.played[0]!.playout).toEqual({ kind: 'conceal', reason: 'buffering' });
    expect(outcome.buffer.stats).toMatchObject({ received: 500, played: 500, lost: 0, late: 0, dropped: 0, targetMs: 20 });
    const firstFrame = outcome.played.findIndex((p) => p.playout.kind === 'frame');
    expect(outcome.played.slice(firstFrame, firstFrame + 500).every((p) => p.playout.kind === 'frame')).toBe(true);
    // 30 ms network + at most one frame of buffer + the phase of our 20 ms tick.
    expect(maxLatency(outcome, 200, 10_000)).toBeLessThanOrEqual(30 + 20 + 20);
  });

  it('puts reordered packets back in order without losing any', () => {
    // Every pair swapped: frame k+1 arrives 5 ms before frame k.
    const outcome = simulate({ frames: 400, delay: (k) => (k % 2 === 0 ? 45 : 20) });
    expect(outcome.order).toEqual(Array.from({ length: 400 }, (_, k) => k));
    expect(outcome.buffer.stats).toMatchObject({ lost: 0, late: 0 });
  });

  it('plays each frame once when every packet arrives twice, and says which copies it dropped', () => {
    const outcome = simulate({ frames: 300, delay: (k) => [30, 30 + (k % 3) * 25] });
    expect(outcome.order).toEqual(Array.from({ length: 300 }, (_, k) => k));
    const dropped = count(outcome.putOutcomes, 'duplicate') + count(outcome.putOutcomes, 'late');
    expect(dropped).toBe(300);
  });

  it('conceals loss bursts, keeps playing in order, and returns to its delay afterwards', () => {
    // 5 packets (100 ms) lost out of every 100.
    const outcome = simulate({ frames: 1000, delay: (k) => (k % 100 >= 50 && k % 100 < 55 ? undefined : 30) });
    expect(increasing(outcome.order)).toBe(true);
    expect(outcome.order).toHaveLength(950);
    expect(outcome.buffer.stats.lost).toBe(50);
    const concealed = outcome.played.filter((p) => p.playout.kind === 'conceal' && p.at > 100).length;
    expect(concealed).toBeGreaterThanOrEqual(50);
    expect(maxLatency(outcome, 18_000, 20_000)).toBeLessThanOrEqual(30 + 20 + 20);
  });

  it('skips an outage at once: after 1 s without packets, the stream plays on at its delay, not 1 s behind', () => {
    const outcome = simulate({ frames: 300, delay: (k) => (k >= 100 && k < 150 ? undefined : 30) });
    expect(increasing(outcome.order)).toBe(true);
    const afterOutage = outcome.played.filter((p) => p.k !== undefined && p.k >= 150);
    expect(Math.max(...afterOutage.map((p) => p.latency!))).toBeLessThanOrEqual(30 + 40 + 20);
  });

  it('plays on across the sequence number wrap 65535 → 0 and the timestamp wrap', () => {
    const outcome = simulate({ frames: 200, firstSeq: 65440, firstTimestamp: 0xffffffff - 160 * 50 });
    expect(outcome.order).toEqual(Array.from({ length: 200 }, (_, k) => k));
    const seqs = outcome.played.flatMap((p) => (p.playout.kind === 'frame' ? [p.playout.seq] : []));
    expect(seqs.slice(94, 98)).toEqual([65534, 65535, 0, 1]);
    expect(outcome.buffer.stats.lost).toBe(0);
  });

  it('raises its target with the jitter it sees (about 20 → 100 ms) and loses few packets to it', () => {
    const rand = random(7);
    const outcome = simulate({ frames: 1500, delay: (k) => (k < 500 ? 30 : 30 + rand() * 80) });
    expect(increasing(outcome.order)).toBe(true);
    expect(outcome.buffer.stats.targetMs).toBeGreaterThanOrEqual(80);
    expect(outcome.buffer.stats.targetMs).toBeLessThanOrEqual(120);
    expect(outcome.buffer.stats.late).toBeLessThan(1500 * 0.03);
    expect(maxLatency(outcome, 20_000, 40_000)).toBeLessThanOrEqual(30 + 80 + 140);
  });

  it('lowers its target again when the jitter is gone', () => {
    const rand = random(11);
    const outcome = simulate({ frames: 1000, delay: (k) => (k < 500 ? 30 + rand() * 80 : 30) });
    expect(outcome.buffer.stats.targetMs).toBe(20);
    expect(maxLatency(outcome, 15_000, 20_000)).toBeLessThanOrEqual(30 + 20 + 40);
  });

  it('never holds more than its maximum delay: a burst after a 600 ms freeze is cut back, then comes down', () => {
    // Frames 100–129 are held back by the network and arrive all at once.
    const outcome = simulate({ frames: 600, delay: (k) => (k >= 100 && k < 130 ? 30 + (130 - k) * 20 : 30) });
    expect(increasing(outcome.order)).toBe(true);
    expect(outcome.buffer.stats.dropped).toBeGreaterThan(0);
    expect(maxLatency(outcome, 2600, 12_000)).toBeLessThanOrEqual(30 + 200 + 20);
    // The freeze raised the target to the maximum for 2 s; then half the excess goes each second.
    expect(maxLatency(outcome, 9000, 12_000)).toBeLessThanOrEqual(30 + 20 + 20);
  });

  it.each([
    ['slow (1 % late)', 0.01, 'stalls'],
    ['fast (1 % early)', -0.01, 'dropped'],
  ] as const)('keeps the delay bounded over 10 simulated minutes with a sender clock %s', (_name, skew, counter) => {
    const frames = 30_000; // 10 minutes of 20 ms frames
    const rand = random(3);
    const outcome = simulate({ frames, skew, delay: () => 30 + rand() * 10 });
    expect(increasing(outcome.order)).toBe(true);
    const stats = outcome.buffer.stats;
    expect(stats[counter]).toBeGreaterThan(100); // one frame per 100 repeated or dropped, as the skew demands
    expect(stats[counter]).toBeLessThan(600);
    expect(stats.late + stats.lost).toBeLessThan(frames * 0.01);
    const firstMinute = maxLatency(outcome, 5_000, 60_000);
    const lastMinute = maxLatency(outcome, 540_000, 600_000);
    expect(firstMinute).toBeLessThanOrEqual(30 + 10 + 80);
    expect(lastMinute).toBeLessThanOrEqual(30 + 10 + 80);
  });

  it('drops a packet far off the stream, and restarts when a second one confirms the jump', () => {
    const clock = new FakeClock();
    const buffer = new JitterBuffer({ clock, clockRate: 8000 });
    const frame = (n: number): Uint8Array => Uint8Array.of(n);
    expect(buffer.put(100, 16000, frame(1))).toBe('queued');
    expect(buffer.put(101, 16160, frame(2))).toBe('queued');
    expect(buffer.put(30000, 999, frame(9))).toBe('ignored');
    expect(buffer.put(102, 16320, frame(3))).toBe('queued');
    expect(buffer.put(40000, 1000, frame(4))).toBe('ignored');
    expect(buffer.put(40001, 1160, frame(5))).toBe('restarted');
    clock.advance(40);
    const payloads = [buffer.get(), buffer.get(), buffer.get()].map((p) => (p.kind === 'frame' ? p.payload[0] : p.reason));
    expect(payloads).toEqual([4, 5, 'stall']);
  });

  it('keeps at most 64 slots when nobody calls get(), dropping the oldest', () => {
    const clock = new FakeClock();
    const buffer = new JitterBuffer({ clock, clockRate: 8000 });
    for (let seq = 0; seq < 1000; seq++) {
      clock.advance(20);
      buffer.put(seq, seq * 160, Uint8Array.of(seq & 0xff));
    }
    expect(buffer.stats).toMatchObject({ received: 1000, dropped: 1000 - 64, depthMs: 64 * 20 });
    // Playout then starts at the target delay (one frame), not 64 frames behind.
    expect(buffer.get()).toMatchObject({ kind: 'frame', seq: 999 });
  });

  it('plays a packet reordered before the first one first, and marks a single loss as one lost slot', () => {
    const clock = new FakeClock();
    const buffer = new JitterBuffer({ clock, clockRate: 8000 });
    const put = (seq: number): string => buffer.put(seq, seq * 160, Uint8Array.of(seq));
    const take = (): number | string => {
      const playout = buffer.get();
      return playout.kind === 'frame' ? playout.seq : playout.reason;
    };
    expect([put(11), put(10)]).toEqual(['queued', 'queued']);
    clock.advance(20);
    expect([take(), take()]).toEqual([10, 11]);
    clock.advance(20);
    put(13); // 12 is lost
    expect(take()).toBe('lost');
    expect(take()).toBe(13);
    expect(take()).toBe('stall');
    expect(buffer.stats).toMatchObject({ lost: 1, stalls: 1, played: 3 });
  });

  it('refuses a duplicate of a waiting packet and a packet whose slot has passed', () => {
    const clock = new FakeClock();
    const buffer = new JitterBuffer({ clock, clockRate: 8000 });
    expect(buffer.get()).toEqual({ kind: 'conceal', reason: 'buffering' });
    expect(buffer.put(7, 0, Uint8Array.of(7))).toBe('queued');
    expect(buffer.put(7, 0, Uint8Array.of(7))).toBe('duplicate');
    clock.advance(20);
    expect(buffer.get()).toMatchObject({ kind: 'frame', seq: 7 });
    expect(buffer.put(7, 0, Uint8Array.of(7))).toBe('late');
    expect(buffer.stats).toMatchObject({ received: 3, played: 1, duplicates: 1, late: 1 });
  });
});
