// Tone generator: peak level, click-free fades, a phase that runs on across frames, and the caller's buffer.
import { describe, expect, it } from 'vitest';
import { InternalError } from '../../../firmware-app/errors.ts';
import { createTone, type ToneName } from '../../../firmware-app/media/tones/index.ts';
import {
  EXPECTED,
  FULL_SCALE,
  RATES,
  TONE_NAMES,
  msToSamples,
  pull,
  pullWhole,
  samplesPerFrame,
  sineStep,
  soundRuns,
  steadyWindow,
  type Rate,
} from './tonesUnderTest.ts';

const DEFAULT_PEAK = 0.25 * FULL_SCALE;

function peak(samples: Int16Array, start = 0, end = samples.length): number {
  let max = 0;
  for (let i = start; i < end; i++) max = Math.max(max, Math.abs(samples[i]!));
  return max;
}

/**
 * Largest residual of the pure-sine recurrence x[n+1] = 2·cos(ω)·x[n] − x[n−1] over samples n in [from, to): about 0 for
 * a sine of frequency `hz` whatever its phase, large where the waveform jumps (a restarted phase, a click).
 */
function sineResidual(samples: Int16Array, from: number, to: number, hz: number, rate: Rate): number {
  const twoCos = 2 * Math.cos((2 * Math.PI * hz) / rate);
  let max = 0;
  for (let n = from; n < to; n++) max = Math.max(max, Math.abs(samples[n + 1]! - twoCos * samples[n]! + samples[n - 1]!));
  return max;
}

describe.each(RATES)('tone shape at %i Hz', (rate) => {
  it.each(TONE_NAMES)('%s: peaks at the requested level and never above it', (name) => {
    for (const level of [0.05, 0.25, 1]) {
      const frames = (EXPECTED[name].endMs ?? 1000) / 20;
      const { samples } = pull(createTone(name, rate, { level }), rate, frames);
      expect(peak(samples)).toBeLessThanOrEqual(level * FULL_SCALE);
      expect(peak(samples)).toBeGreaterThan(0.98 * level * FULL_SCALE);
    }
    expect(peak(pullWhole(name, rate))).toBeGreaterThan(0.98 * DEFAULT_PEAK);
    expect(peak(pull(createTone(name, rate, { level: 0 }), rate, 20).samples)).toBe(0);
  });

  it.each(TONE_NAMES)('%s: no step between samples steeper than the sounding sine’s own, fades in and out included', (name) => {
    const samples = pullWhole(name, rate);
    const bursts = EXPECTED[name].bursts;
    for (let n = 1; n < samples.length; n++) {
      // The burst sample n or n − 1 belongs to: a sound run can only be one of them (the chime's notes touch).
      const burst = bursts.find((b) => n >= msToSamples(b.startMs, rate) && n - 1 < msToSamples(b.startMs + b.ms, rate));
      const allowed = burst === undefined ? 0 : sineStep(DEFAULT_PEAK, burst.hz, rate) + 1;
      const step = Math.abs(samples[n]! - samples[n - 1]!);
      if (step > allowed) expect.fail(`${name}: step ${step} at sample ${n}, allowed ${allowed.toFixed(1)}`);
    }
  });

  it.each(TONE_NAMES)('%s: every burst starts and ends near zero and takes a few ms to reach full level', (name) => {
    const samples = pullWhole(name, rate);
    const oneMs = msToSamples(1, rate);
    for (const [start, end] of soundRuns(samples, rate)) {
      expect(Math.abs(samples[start]!)).toBeLessThan(0.02 * DEFAULT_PEAK);
      expect(Math.abs(samples[end - 1]!)).toBeLessThan(0.02 * DEFAULT_PEAK);
      expect(peak(samples, start, start + oneMs)).toBeLessThan(0.3 * DEFAULT_PEAK);
      expect(peak(samples, end - oneMs, end)).toBeLessThan(0.3 * DEFAULT_PEAK);
      expect(peak(samples, start, start + 8 * oneMs)).toBeGreaterThan(0.98 * DEFAULT_PEAK);
    }
  });

  it.each(TONE_NAMES)('%s: the sine runs on unbroken across frame boundaries', (name) => {
    const samples = pullWhole(name, rate);
    const frame = samplesPerFrame(rate);
    let boundariesChecked = 0;
    for (const burst of EXPECTED[name].bursts) {
      const [start, end] = steadyWindow(burst, rate);
      expect(sineResidual(samples, start, end - 1, burst.hz, rate)).toBeLessThan(2.5);
      boundariesChecked += Math.floor((end - 1) / frame) - Math.ceil(start / frame) + 1;
    }
    expect(boundariesChecked).toBeGreaterThan(0);
  });
});

describe('the sine-recurrence check', () => {
  it('bites on a sine whose phase restarts with every frame', () => {
    const restarted = new Int16Array(1600);
    for (let n = 0; n < restarted.length; n++) restarted[n] = Math.round(DEFAULT_PEAK * Math.sin((2 * Math.PI * 425 * (n % 160)) / 8000));
    expect(sineResidual(restarted, 1, 159, 425, 8000)).toBeLessThan(2.5);
    expect(sineResidual(restarted, 159, 161, 425, 8000)).toBeGreaterThan(100);
  });
});

describe('createTone arguments and buffers', () => {
  it('writes exactly one frame into a longer buffer and leaves the rest alone', () => {
    const out = new Int16Array(400).fill(7);
    expect(createTone('listening', 16000).next(out)).toBe(true);
    expect(out.subarray(320).every((s) => s === 7)).toBe(true);
    expect(out.subarray(0, 320).some((s) => s !== 7)).toBe(true);
  });

  it('throws InternalError for a buffer shorter than a frame, an unknown tone or rate, or a level outside 0 … 1', () => {
    expect(() => createTone('busy', 8000).next(new Int16Array(159))).toThrow(InternalError);
    for (const level of [-0.1, 1.01, Number.NaN]) {
      expect(() => createTone('busy', 8000, { level })).toThrow(InternalError);
    }
    expect(() => createTone('nonsense' as ToneName, 8000)).toThrow(InternalError);
    expect(() => createTone('toString' as ToneName, 8000)).toThrow(InternalError);
    expect(() => createTone('busy', 44100 as 8000)).toThrow(InternalError);
  });
});
