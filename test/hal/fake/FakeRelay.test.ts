// FakeRelay: records pulses and releases with their times and reasons, and enforces the same maximum (and 30 s cap)
// as the real drivers, because it runs the same PulsedRelay.

import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../firmware-app/platform/FakeClock.ts';
import { FakeRelay } from '../../../hal/fake/FakeRelay.ts';

describe('FakeRelay', () => {
  it('records each pulse (asked and granted) and each release with its reason', () => {
    const clock = new FakeClock();
    const relay = new FakeRelay('door', 2000, clock);
    const heard: string[] = [];
    relay.onReleased((r) => heard.push(r));
    relay.pulse(5000);
    clock.advance(2000);
    relay.pulse(300);
    clock.advance(100);
    relay.release();
    relay.pulse(300);
    relay.close();
    expect(relay.pulses).toEqual([
      { at: 0, askedMs: 5000, ms: 2000 },
      { at: 2000, askedMs: 300, ms: 300 },
      { at: 2100, askedMs: 300, ms: 300 },
    ]);
    expect(relay.releases).toEqual([
      { at: 2000, reason: 'elapsed' },
      { at: 2100, reason: 'released' },
      { at: 2100, reason: 'closed' },
    ]);
    expect(heard).toEqual(['elapsed', 'released', 'closed']);
  });

  it('a configured maximum above 30 s is cut to 30 s; a pulse while active restarts the time', () => {
    const clock = new FakeClock();
    const relay = new FakeRelay('gate', 600_000, clock);
    expect(relay.maxPulseMs).toBe(30_000);
    expect(relay.pulse(45_000)).toBe(30_000);
    clock.advance(20_000);
    relay.pulse(30_000);
    clock.advance(29_999);
    expect(relay.active).toBe(true);
    clock.advance(1);
    expect(relay.active).toBe(false);
    expect(relay.releases).toHaveLength(1);
  });
});
