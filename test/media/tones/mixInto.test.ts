// mixInto: a tone added to a call's frame in place, clipped at the 16-bit range instead of wrapping around.
import { describe, expect, it } from 'vitest';
import { createTone, mixInto } from '../../../firmware-app/media/tones/index.ts';

describe('mixInto', () => {
  it('adds the tone to the frame sample by sample', () => {
    const target = Int16Array.of(0, 100, -100, 1000, -32768, 32767);
    mixInto(target, Int16Array.of(5, -50, -50, 2000, 0, 0));
    expect(Array.from(target)).toEqual([5, 50, -150, 3000, -32768, 32767]);
  });

  it('saturates at 32767 and −32768 instead of wrapping', () => {
    const target = Int16Array.of(30000, -30000, 32767, -32768, 16384, 32000);
    mixInto(target, Int16Array.of(10000, -10000, 1, -1, 16384, -32768));
    expect(Array.from(target)).toEqual([32767, -32768, 32767, -32768, 32767, -768]);
  });

  it('mixes only as many samples as both buffers hold', () => {
    const longTarget = Int16Array.of(1, 1, 1, 1);
    mixInto(longTarget, Int16Array.of(2, 2));
    expect(Array.from(longTarget)).toEqual([3, 3, 1, 1]);
    const shortTarget = Int16Array.of(1, 1);
    mixInto(shortTarget, Int16Array.of(2, 2, 2, 2));
    expect(Array.from(shortTarget)).toEqual([3, 3]);
  });

  it('puts a full-level tone over loud speech without a single wrapped sample', () => {
    const tone = new Int16Array(160);
    createTone('listening', 8000, { level: 1 }).next(tone);
    const speech = new Int16Array(160).fill(20000);
    mixInto(speech, tone);
    speech.forEach((sample, i) => expect(sample).toBe(Math.min(32767, 20000 + tone[i]!)));
    expect(speech.some((s) => s === 32767)).toBe(true);
  });
});
