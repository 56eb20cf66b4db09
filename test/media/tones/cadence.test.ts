// Tone generator: on/off cadences, frame by frame and burst by burst, and how finite tones end.
import { describe, expect, it } from 'vitest';
import { createTone } from '../../../firmware-app/media/tones/index.ts';
import { EXPECTED, RATES, TONE_NAMES, msToSamples, pull, pullWhole, samplesPerFrame, soundRuns } from './tonesUnderTest.ts';

const FINITE = TONE_NAMES.filter((name) => EXPECTED[name].endMs !== undefined);

/** Which frames hold any sound. */
function soundingFrames(samples: Int16Array, frameSize: number): boolean[] {
  const frames: boolean[] = [];
  for (let at = 0; at < samples.length; at += frameSize) frames.push(samples.subarray(at, at + frameSize).some((s) => s !== 0));
  return frames;
}

describe.each(RATES)('tone cadences at %i Hz', (rate) => {
  it('ringback: 50 frames (1 s) of tone, 200 frames (4 s) of silence, over 10 s, and never ends', () => {
    const { samples, results } = pull(createTone('ringback', rate), rate, 500);
    expect(results.every(Boolean)).toBe(true);
    const expected = Array.from({ length: 500 }, (_, frame) => frame % 250 < 50);
    expect(soundingFrames(samples, samplesPerFrame(rate))).toEqual(expected);

    // 70 s: still going, still 1 s in every 5 s.
    const later = pull(createTone('ringback', rate), rate, 3500);
    expect(later.results.every(Boolean)).toBe(true);
    expect(soundingFrames(later.samples, samplesPerFrame(rate)).filter(Boolean)).toHaveLength(14 * 50);
  });

  it('busy: 4 × (24 frames on, 24 off), then false from frame 193 on', () => {
    const { samples, results } = pull(createTone('busy', rate), rate, 200);
    expect(results.indexOf(false)).toBe(192);
    expect(results.slice(192).every((r) => !r)).toBe(true);
    const expected = Array.from({ length: 200 }, (_, frame) => frame < 192 && frame % 48 < 24);
    expect(soundingFrames(samples, samplesPerFrame(rate))).toEqual(expected);
  });

  it.each(TONE_NAMES)('%s: bursts start and last as specified (within 1 ms)', (name) => {
    const samples = pullWhole(name, rate);
    // The chime's two notes follow each other without a gap: they are one run of sound.
    const bursts = name === 'doorOpened' ? [{ startMs: 0, ms: 300 }] : EXPECTED[name].bursts;
    const runs = soundRuns(samples, rate);
    expect(runs).toHaveLength(bursts.length);
    runs.forEach(([start, end], i) => {
      const burst = bursts[i]!;
      expect(Math.abs(start - msToSamples(burst.startMs, rate))).toBeLessThanOrEqual(msToSamples(1, rate));
      expect(Math.abs(end - msToSamples(burst.startMs + burst.ms, rate))).toBeLessThanOrEqual(msToSamples(1, rate));
    });
  });

  it.each(FINITE)('%s: true for its length in frames, then false, with the caller’s frame silenced', (name) => {
    const frames = EXPECTED[name].endMs! / 20;
    const { samples, results } = pull(createTone(name, rate), rate, frames + 5);
    expect(results).toEqual([...Array<boolean>(frames).fill(true), ...Array<boolean>(5).fill(false)]);
    // pull() fills the frame with junk before each call: after the end, next() must have zeroed it.
    expect(samples.subarray(frames * samplesPerFrame(rate)).every((s) => s === 0)).toBe(true);
  });
});

describe('tone sources', () => {
  it('are independent: two busy tones pulled in turn give the same samples as one alone', () => {
    const alone = pull(createTone('busy', 8000), 8000, 60).samples;
    const a = createTone('busy', 8000);
    const b = createTone('busy', 8000);
    const frameA = new Int16Array(160);
    const frameB = new Int16Array(160);
    for (let f = 0; f < 60; f++) {
      a.next(frameA);
      b.next(frameB);
      expect(frameA).toEqual(alone.subarray(f * 160, (f + 1) * 160));
      expect(frameB).toEqual(frameA);
    }
  });
});
