// RFC 3261 §17 Table 4 and RFC 6026 §8.4, §8.7: every transaction timer derived from T1, T2 and T4.
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../firmware-app/platform/FakeClock.ts';
import { DEFAULT_TIMER_BASE, MAGIC_COOKIE, newBranch, timerValues } from '../../../firmware-app/sip/transaction/index.ts';
import { TimerSet } from '../../../firmware-app/sip/transaction/timers.ts';

describe('timerValues (RFC 3261 Table 4)', () => {
  it('uses T1 = 500 ms, T2 = 4 s, T4 = 5 s by default (§17.1.1.1, §17.1.2.2)', () => {
    expect(DEFAULT_TIMER_BASE).toEqual({ T1: 500, T2: 4000, T4: 5000 });
  });

  it('gives the UDP values of Table 4', () => {
    expect(timerValues(DEFAULT_TIMER_BASE, false)).toEqual({
      A: 500, // T1
      B: 32_000, // 64*T1
      D: 32_000, // > 32 s for UDP
      E: 500, // T1
      F: 32_000, // 64*T1
      G: 500, // T1
      H: 32_000, // 64*T1
      I: 5000, // T4 for UDP
      J: 32_000, // 64*T1 for UDP
      K: 5000, // T4 for UDP
      L: 32_000, // RFC 6026: 64*T1
      M: 32_000, // RFC 6026: 64*T1
      T2: 4000,
      trying: 200, // §17.2.1: 100 Trying if the TU has not answered in 200 ms
    });
  });

  it('makes the wait timers D, I, J and K zero over a reliable transport, and keeps the rest', () => {
    expect(timerValues(DEFAULT_TIMER_BASE, true)).toEqual({
      A: 500, B: 32_000, D: 0, E: 500, F: 32_000, G: 500, H: 32_000, I: 0, J: 0, K: 0, L: 32_000, M: 32_000, T2: 4000, trying: 200,
    });
  });

  it('derives every timer from a custom T1, T2 and T4', () => {
    const base = { T1: 250, T2: 2000, T4: 3000 };
    const udp = timerValues(base, false);
    expect(udp).toMatchObject({ A: 250, B: 16_000, E: 250, F: 16_000, G: 250, H: 16_000, I: 3000, J: 16_000, K: 3000, L: 16_000, M: 16_000, T2: 2000 });
    const tcp = timerValues(base, true);
    expect(tcp).toMatchObject({ A: 250, B: 16_000, D: 0, E: 250, F: 16_000, G: 250, H: 16_000, I: 0, J: 0, K: 0, L: 16_000, M: 16_000, T2: 2000 });
  });

  it('keeps Timer D at least 32 s over UDP whatever T1 is (Table 4: "> 32s for UDP")', () => {
    expect(timerValues({ T1: 100, T2: 4000, T4: 5000 }, false).D).toBe(32_000);
    expect(timerValues({ T1: 1000, T2: 4000, T4: 5000 }, false).D).toBeGreaterThanOrEqual(32_000);
  });
});

describe('TimerSet', () => {
  it('replaces a running timer of the same name and stops one or all', () => {
    const clock = new FakeClock();
    const timers = new TimerSet<'A' | 'B'>(clock);
    const fired: string[] = [];
    timers.start('A', 100, () => fired.push(`A@${clock.now()}`));
    timers.start('A', 300, () => fired.push(`A'@${clock.now()}`));
    timers.start('B', 200, () => fired.push(`B@${clock.now()}`));
    expect(timers.size).toBe(2);
    clock.advance(1000);
    expect(fired).toEqual(['B@200', "A'@300"]);
    expect(timers.size).toBe(0);
    timers.start('A', 100, () => fired.push('late A'));
    timers.start('B', 100, () => fired.push('late B'));
    timers.stop('A');
    expect(timers.size).toBe(1);
    timers.stopAll();
    clock.advance(1000);
    expect(fired).toHaveLength(2);
    expect(clock.pending).toBe(0);
  });
});

describe('newBranch (§8.1.1.7)', () => {
  it('starts with the magic cookie and is unique', () => {
    const branches = new Set(Array.from({ length: 1000 }, () => newBranch()));
    expect(branches.size).toBe(1000);
    for (const branch of branches) expect(branch).toMatch(new RegExp(`^${MAGIC_COOKIE}[0-9a-f]{24}$`));
  });
});
