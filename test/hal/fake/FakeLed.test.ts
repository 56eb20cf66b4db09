// FakeLed: keeps its pattern, its state at a glance, and each change with its time (the same pattern again is not
// a change; blink patterns compare by their times).

import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../firmware-app/platform/FakeClock.ts';
import { FakeLed } from '../../../hal/fake/FakeLed.ts';

describe('FakeLed', () => {
  it('records changes, not repeats, and tells its state', () => {
    const clock = new FakeClock();
    const led = new FakeLed('status', clock);
    expect(led.state).toBe('off');
    led.set('on');
    clock.advance(50);
    led.set({ blink: { onMs: 100, offMs: 200 } });
    led.set({ blink: { onMs: 100, offMs: 200 } });
    clock.advance(50);
    led.set({ blink: { onMs: 100, offMs: 300 } });
    led.set('off');
    expect(led.state).toBe('off');
    expect(led.changes.map((c) => [c.at, typeof c.pattern === 'string' ? c.pattern : c.pattern.blink.offMs])).toEqual([
      [0, 'on'],
      [50, 200],
      [100, 300],
      [100, 'off'],
    ]);
    led.set({ blink: { onMs: 1, offMs: 1 } });
    expect(led.state).toBe('blink');
  });
});
