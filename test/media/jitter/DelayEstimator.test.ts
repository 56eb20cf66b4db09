// The target-delay rule: one frame plus the transit spread of the last 100 packets, in whole frames, 20–200 ms.
import { describe, expect, it } from 'vitest';
import { DelayEstimator } from '../../../firmware-app/media/jitter/DelayEstimator.ts';

const options = { frameMs: 20, minDelayMs: 20, maxDelayMs: 200 };

function feed(estimator: DelayEstimator, delays: readonly number[], start = 0): void {
  delays.forEach((delay, i) => estimator.observe((start + i) * 20 + delay, (start + i) * 20));
}

describe('DelayEstimator', () => {
  it('targets one frame with no jitter, whatever the constant network delay', () => {
    const estimator = new DelayEstimator(options);
    expect(estimator.targetMs).toBe(20);
    feed(estimator, Array(50).fill(250));
    expect(estimator.targetMs).toBe(20);
  });

  it('adds the spread of transit times, rounded up to whole frames', () => {
    const estimator = new DelayEstimator(options);
    feed(estimator, [30, 75, 30, 40]); // spread 45 ms: 20 + 45 → 80 ms
    expect(estimator.targetMs).toBe(80);
    const exact = new DelayEstimator(options);
    feed(exact, [30, 70]); // spread exactly 40 ms: 60 ms, not one frame more
    expect(exact.targetMs).toBe(60);
  });

  it('holds the target within 20–200 ms', () => {
    const estimator = new DelayEstimator(options);
    feed(estimator, [0, 900]);
    expect(estimator.targetMs).toBe(200);
    const floor = new DelayEstimator({ ...options, minDelayMs: 60 });
    expect(floor.targetMs).toBe(60);
  });

  it('forgets a spike once 100 newer packets have come, and everything on reset', () => {
    const estimator = new DelayEstimator(options);
    feed(estimator, [30, 130, ...Array(98).fill(30)]);
    expect(estimator.targetMs).toBe(120);
    feed(estimator, [30, 30], 100);
    expect(estimator.targetMs).toBe(20);
    feed(estimator, [30, 130], 102);
    estimator.reset();
    expect(estimator.targetMs).toBe(20);
  });
});
