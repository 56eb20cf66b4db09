// The system clock: real timers, and a callback that throws never takes the process down.
import { describe, expect, it } from 'vitest';
import { createSystemClock } from '../../firmware-app/platform/Clock.ts';

describe('createSystemClock', () => {
  it('fires timers in time order and lets them be cancelled', async () => {
    const clock = createSystemClock();
    const fired: string[] = [];
    clock.setTimer(20, () => fired.push('late'));
    clock.setTimer(5, () => fired.push('early'));
    clock.setTimer(10, () => fired.push('cancelled')).cancel();
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(fired).toEqual(['early', 'late']);
  });

  it('reports a throwing timer callback to onError instead of throwing', async () => {
    const errors: unknown[] = [];
    const clock = createSystemClock((error) => errors.push(error));
    clock.setTimer(1, () => {
      throw new Error('bug in a timer');
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(errors).toHaveLength(1);
    expect(String(errors[0])).toContain('bug in a timer');
  });
});
