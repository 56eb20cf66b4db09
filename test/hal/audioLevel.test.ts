// Gain and volume: linear factors, rounded, clipped to the 16-bit range.

import { describe, expect, it } from 'vitest';
import { applyLevel, levelFactor } from '../../hal/audioLevel.ts';

describe('applyLevel', () => {
  it('scales and rounds', () => {
    expect(Array.from(applyLevel(Int16Array.of(100, -100, 3, 0), 2.5))).toEqual([250, -250, 8, 0]);
    expect(Array.from(applyLevel(Int16Array.of(1000, -1000), 0.5))).toEqual([500, -500]);
  });

  it('clips at 32767 and -32768 instead of wrapping around', () => {
    expect(Array.from(applyLevel(Int16Array.of(20000, -20000, 16384, -16385), 2))).toEqual([32767, -32768, 32767, -32768]);
  });

  it('returns the same frame for a factor of 1, and never changes the frame it is given', () => {
    const frame = Int16Array.of(5, 6);
    expect(applyLevel(frame, 1)).toBe(frame);
    applyLevel(frame, 3);
    expect(Array.from(frame)).toEqual([5, 6]);
  });

  it('0 mutes; unusable factors are bounded', () => {
    expect(Array.from(applyLevel(Int16Array.of(123, -5), 0))).toEqual([0, 0]);
    expect(levelFactor(Number.NaN)).toBe(1);
    expect(levelFactor(-2)).toBe(0);
    expect(levelFactor(1000)).toBe(16);
    expect(levelFactor(Number.POSITIVE_INFINITY)).toBe(16);
  });
});
