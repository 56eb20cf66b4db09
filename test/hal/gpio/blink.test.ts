// BlinkingLed, the one LED rule: steady on/off, blink phases on the clock, a new pattern replaces the old one at
// once, the same blink again keeps its phase, close leaves it off with no timer.

import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../firmware-app/platform/FakeClock.ts';
import { BlinkingLed, MIN_BLINK_PHASE_MS } from '../../../hal/gpio/blink.ts';

function led() {
  const clock = new FakeClock();
  const drives: { at: number; lit: boolean }[] = [];
  const l = new BlinkingLed({ id: 'status', clock, drive: (lit) => drives.push({ at: clock.now(), lit }) });
  return { clock, drives, l };
}

describe('BlinkingLed', () => {
  it('on and off drive the pin once each', () => {
    const { drives, l } = led();
    l.set('on');
    l.set('on');
    l.set('off');
    expect(drives.map((d) => d.lit)).toEqual([true, false]);
    expect(l.pattern).toBe('off');
  });

  it('blinks on its on/off times, starting lit', () => {
    const { clock, drives, l } = led();
    l.set({ blink: { onMs: 100, offMs: 300 } });
    clock.advance(1000);
    expect(drives).toEqual([
      { at: 0, lit: true },
      { at: 100, lit: false },
      { at: 400, lit: true },
      { at: 500, lit: false },
      { at: 800, lit: true },
      { at: 900, lit: false },
    ]);
  });

  it('the same blink again keeps its phase; another pattern replaces it at once', () => {
    const { clock, drives, l } = led();
    l.set({ blink: { onMs: 200, offMs: 200 } });
    clock.advance(100);
    l.set({ blink: { onMs: 200, offMs: 200 } });
    clock.advance(100);
    expect(drives.map((d) => d.at)).toEqual([0, 200]);
    l.set('on');
    clock.advance(1000);
    expect(drives.at(-1)).toEqual({ at: 200, lit: true });
    expect(clock.pending).toBe(0);
  });

  it('a 0 ms phase is stretched to the minimum instead of spinning', () => {
    const { clock, drives, l } = led();
    l.set({ blink: { onMs: 0, offMs: 0 } });
    clock.advance(MIN_BLINK_PHASE_MS * 4);
    expect(drives).toHaveLength(5);
  });

  it('close: off (written even if it was off), pattern off, no timer left', () => {
    const { clock, drives, l } = led();
    l.set({ blink: { onMs: 50, offMs: 50 } });
    clock.advance(60);
    l.close();
    expect(l.pattern).toBe('off');
    expect(drives.at(-1)?.lit).toBe(false);
    expect(drives.filter((d) => !d.lit)).toHaveLength(2);
    expect(clock.pending).toBe(0);
  });
});

describe('BlinkingLed with steadyBlink (a driver where every change costs a restart)', () => {
  it('a blink pattern lights the LED steadily: one drive, no timer, the pattern still reported as asked', () => {
    const clock = new FakeClock();
    const drives: boolean[] = [];
    const l = new BlinkingLed({ id: 'status', clock, steadyBlink: true, drive: (lit) => drives.push(lit) });
    l.set({ blink: { onMs: 100, offMs: 100 } });
    clock.advance(1000);
    expect(drives).toEqual([true]);
    expect(clock.pending).toBe(0);
    expect(l.pattern).toEqual({ blink: { onMs: 100, offMs: 100 } });
    l.set({ blink: { onMs: 250, offMs: 250 } });
    l.set('on');
    l.set('off');
    expect(drives).toEqual([true, false]);
  });
});
