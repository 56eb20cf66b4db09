// Pacer: an absolute 20 ms schedule on the fake clock; timer lateness never accumulates into timestamp drift.
import { describe, expect, it } from 'vitest';
import type { Clock } from '../../../firmware-app/platform/Clock.ts';
import { FakeClock } from '../../../firmware-app/platform/FakeClock.ts';
import { Pacer } from '../../../firmware-app/media/rtp/Pacer.ts';
import { parseRtp } from '../../../firmware-app/media/rtp/packet.ts';
import { RtpSender } from '../../../firmware-app/media/rtp/RtpSender.ts';
import { seeded } from './bytes.ts';

/** A clock whose timers fire late by `lateness()` ms, as a loaded Pi's would. */
function lateClock(clock: FakeClock, lateness: () => number): Clock {
  return { now: () => clock.now(), setTimer: (ms, fn) => clock.setTimer(ms + lateness(), fn) };
}

describe('Pacer', () => {
  it('over a simulated 10 minutes with timers late by 0–8 ms, packet n carries start + n·160 and leaves on time', () => {
    const fake = new FakeClock(1000);
    const lateness = seeded(42);
    const sender = new RtpSender({ payloadType: 0, clockRate: 8000, random: seeded(1) });
    const sent: Array<{ at: number; timestamp: number; sequenceNumber: number }> = [];
    const pacer = new Pacer({
      clock: lateClock(fake, () => lateness() * 8),
      send: (index) => {
        const result = parseRtp(sender.audio(index, new Uint8Array(160)));
        if (!result.ok) throw new Error(result.reason);
        sent.push({ at: fake.now(), timestamp: result.packet.timestamp, sequenceNumber: result.packet.sequenceNumber });
      },
    });
    pacer.start();
    // In 1 s steps: FakeClock keeps fired timers until an advance ends, so one 600 s advance would be quadratic.
    for (let second = 0; second < 600; second++) fake.advance(1000);
    pacer.stop();

    // 30 000 slots are due in 600 s (the last one, due at exactly 600 s, may still be waiting for its late timer).
    expect(sent.length).toBeGreaterThanOrEqual(30_000);
    const wrong: string[] = [];
    let worstLateness = 0;
    sent.forEach((packet, n) => {
      if (packet.timestamp !== (sender.initialTimestamp + n * 160) % 2 ** 32) wrong.push(`timestamp of packet ${n}`);
      if (packet.sequenceNumber !== (sent[0]!.sequenceNumber + n) % 65536) wrong.push(`sequence number of packet ${n}`);
      const late = packet.at - (1000 + n * 20);
      if (late < 0) wrong.push(`packet ${n} left ${-late} ms early`);
      worstLateness = Math.max(worstLateness, late);
    });
    expect(wrong).toEqual([]);
    // No drift: the 30 000th packet is as late as any single timer, not 30 000 timers' lateness summed.
    expect(worstLateness).toBeLessThanOrEqual(8);
    expect(sent[29_999]!.at - (1000 + 29_999 * 20)).toBeLessThanOrEqual(8);
  });

  /** A clock whose timers set at `at` fire `extra` ms late; all others on time. */
  function stallAt(fake: FakeClock, at: number, extra: number): Clock {
    return { now: () => fake.now(), setTimer: (ms, fn) => fake.setTimer(ms + (fake.now() === at ? extra : 0), fn) };
  }

  it('sends the missed slots back to back when a timer is late by more than a packet', () => {
    const fake = new FakeClock();
    const sent: Array<[number, number]> = [];
    const pacer = new Pacer({ clock: stallAt(fake, 40, 45), send: (index) => sent.push([index, fake.now()]) });
    pacer.start();
    fake.advance(130); // slot 3's timer, set at 40, fires at 105: slots 3, 4 and 5 leave together, 6 is on time
    expect(sent).toEqual([[0, 0], [1, 20], [2, 40], [3, 105], [4, 105], [5, 105], [6, 120]]);
  });

  it('skips the oldest slots of a stall longer than maxBurst packets and says which', () => {
    const fake = new FakeClock();
    const sent: number[] = [];
    const skipped: Array<[number, number]> = [];
    const pacer = new Pacer({
      clock: stallAt(fake, 40, 1000),
      maxBurst: 3,
      send: (index) => sent.push(index),
      skipped: (first, count) => skipped.push([first, count]),
    });
    pacer.start();
    fake.advance(1080); // slot 3's timer fires at 1060, when slots 3 … 53 are due: 3 … 50 are skipped
    expect(skipped).toEqual([[3, 48]]);
    expect(sent).toEqual([0, 1, 2, 51, 52, 53, 54]);
  });

  it('sends nothing after stop (also when stopped from its own send callback) and cannot restart', () => {
    const fake = new FakeClock();
    const sent: number[] = [];
    const pacer: Pacer = new Pacer({ clock: fake, send: (index) => {
      sent.push(index);
      if (index === 2) pacer.stop();
    } });
    pacer.start();
    fake.advance(1000);
    expect(sent).toEqual([0, 1, 2]);
    expect(pacer.state).toBe('stopped');
    pacer.start();
    fake.advance(100);
    expect(sent).toEqual([0, 1, 2]);
    expect(fake.pending).toBe(0);
  });

  it('is idle until started', () => {
    const fake = new FakeClock();
    const sent: number[] = [];
    const pacer = new Pacer({ clock: fake, send: (index) => sent.push(index) });
    fake.advance(100);
    expect([pacer.state, sent.length]).toEqual(['idle', 0]);
  });
});
