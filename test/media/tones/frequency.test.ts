// Tone generator: every part of every tone sounds at its own frequency, at 8 and 16 kHz.
import { describe, expect, it } from 'vitest';
import { EXPECTED, RATES, TONE_NAMES, goertzel, pullWhole, steadyWindow, zeroCrossingHz } from './tonesUnderTest.ts';

/** Frequencies that must not be there instead: the neighbours ±10 %, and every other frequency the tones use. */
const OTHER_TONE_HZ = [425, 660, 880, 950, 1400, 1800];

describe.each(RATES)('tone frequencies at %i Hz', (rate) => {
  it.each(TONE_NAMES)('%s: each burst crosses zero at its frequency (within 0.5 per cent)', (name) => {
    const samples = pullWhole(name, rate);
    for (const burst of EXPECTED[name].bursts) {
      const [start, end] = steadyWindow(burst, rate);
      const measured = zeroCrossingHz(samples, start, end, rate);
      expect(Math.abs(measured / burst.hz - 1), `${measured} Hz for ${burst.hz} Hz at ${burst.startMs} ms`).toBeLessThan(0.005);
    }
  });

  it.each(TONE_NAMES)('%s: each burst has its power at its frequency, not beside it (Goertzel, ≥ 20 dB)', (name) => {
    const samples = pullWhole(name, rate);
    for (const burst of EXPECTED[name].bursts) {
      const [start, end] = steadyWindow(burst, rate);
      const own = goertzel(samples, start, end, burst.hz, rate);
      const others = [burst.hz * 0.9, burst.hz * 1.1, ...OTHER_TONE_HZ.filter((hz) => hz !== burst.hz)];
      for (const hz of others) expect(own / goertzel(samples, start, end, hz, rate), `${burst.hz} Hz vs ${hz} Hz`).toBeGreaterThan(100);
    }
  });
});
