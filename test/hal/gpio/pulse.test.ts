// PulsedRelay, the one relay rule: pulses cut to the maximum and to the HAL's 30 s cap, a pulse while one runs
// restarts the time, every return to rest reported once with its reason, the pin driven on and off exactly once.

import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../firmware-app/platform/FakeClock.ts';
import type { RelayRelease } from '../../../hal/gpio.ts';
import { ABSOLUTE_MAX_PULSE_MS, PulsedRelay, effectiveMaxPulseMs } from '../../../hal/gpio/pulse.ts';

function relay(maxPulseMs = 5000) {
  const clock = new FakeClock();
  const drives: boolean[] = [];
  const reasons: RelayRelease[] = [];
  const r = new PulsedRelay({ id: 'door', maxPulseMs, clock, drive: (on) => drives.push(on) });
  r.onReleased((reason) => reasons.push(reason));
  return { clock, drives, reasons, r };
}

describe('PulsedRelay', () => {
  it('drives for the asked time, then rests by itself (elapsed)', () => {
    const { clock, drives, reasons, r } = relay();
    expect(r.pulse(1500)).toBe(1500);
    expect(r.active).toBe(true);
    expect(drives).toEqual([true]);
    clock.advance(1499);
    expect(r.active).toBe(true);
    clock.advance(1);
    expect(r.active).toBe(false);
    expect(drives).toEqual([true, false]);
    expect(reasons).toEqual(['elapsed']);
  });

  it('cuts a pulse to maxPulseMs, and any configured maximum to 30 s', () => {
    const { clock, r } = relay(3000);
    expect(r.pulse(60_000)).toBe(3000);
    clock.advance(3000);
    expect(r.active).toBe(false);
    const big = relay(10 * 60_000);
    expect(big.r.maxPulseMs).toBe(ABSOLUTE_MAX_PULSE_MS);
    expect(big.r.pulse(Infinity)).toBe(30_000);
    big.clock.advance(30_000);
    expect(big.r.active).toBe(false);
    expect([effectiveMaxPulseMs(-5), effectiveMaxPulseMs(Number.NaN), effectiveMaxPulseMs(Infinity)]).toEqual([0, 0, 30_000]);
  });

  it('a pulse while one runs restarts the time from now, without driving the pin again', () => {
    const { clock, drives, reasons, r } = relay();
    r.pulse(1000);
    clock.advance(800);
    expect(r.pulse(1000)).toBe(1000);
    clock.advance(900);
    expect(r.active).toBe(true);
    clock.advance(100);
    expect(r.active).toBe(false);
    expect(drives).toEqual([true, false]);
    expect(reasons).toEqual(['elapsed']);
  });

  it('0, negative and NaN pulses do nothing', () => {
    const { drives, r } = relay();
    expect([r.pulse(0), r.pulse(-100), r.pulse(Number.NaN)]).toEqual([0, 0, 0]);
    expect(drives).toEqual([]);
    expect(r.active).toBe(false);
  });

  it('release and close rest at once with their reason; at rest they are no-ops; no timer is left', () => {
    const { clock, drives, reasons, r } = relay();
    r.pulse(2000);
    r.release();
    r.release();
    r.pulse(2000);
    r.close();
    r.close();
    expect(reasons).toEqual(['released', 'closed']);
    expect(drives).toEqual([true, false, true, false]);
    expect(clock.pending).toBe(0);
  });
});
