// The tone analyser the audio interop tests rely on, on synthetic signals whose frequency and SNR are known.

import { describe, expect, it } from 'vitest';
import { type Pcm, analyseTone, decodeWav, describeTone, encodeWav, sine } from './toneAnalysis.ts';

/** A seeded generator (mulberry32) and Gaussian samples from it (Box–Muller): the same noise every run. */
function gaussian(seed: number): () => number {
  let state = seed >>> 0;
  const uniform = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

/** `pcm` plus white Gaussian noise `snrDb` below the signal's power. */
function withNoise(pcm: Pcm, snrDb: number, seed = 7): Pcm {
  let power = 0;
  for (const x of pcm.samples) power += x * x;
  power /= pcm.samples.length;
  const sigma = Math.sqrt(power / 10 ** (snrDb / 10));
  const next = gaussian(seed);
  return { sampleRate: pcm.sampleRate, samples: pcm.samples.map((x) => x + sigma * next()) };
}

describe('analyseTone', () => {
  it.each([
    [1000, 8000],
    [440, 8000],
    [1000, 16000],
    [440, 16000],
    [1234.5, 8000],
  ])('finds a pure %s Hz tone at %s Hz within 0.1 percent, with a high SNR', (frequency, rate) => {
    const report = analyseTone(sine(frequency, rate, 3));
    expect(report.sampleRate).toBe(rate);
    expect(report.analysedSeconds).toBeCloseTo(2.4, 5);
    expect(report.tone, describeTone(report)).toBeDefined();
    expect(Math.abs(report.tone!.frequencyHz - frequency) / frequency).toBeLessThan(0.001);
    expect(report.tone!.snrDb).toBeGreaterThan(50);
    expect(report.levelDbfs).toBeCloseTo(20 * Math.log10(0.25 / Math.SQRT2), 1);
  });

  it.each([10, 20, 30])('measures a tone in white noise at %s dB SNR within 1 dB', (snr) => {
    const report = analyseTone(withNoise(sine(1000, 8000, 3), snr));
    expect(report.tone, describeTone(report)).toBeDefined();
    expect(report.tone!.frequencyHz).toBeGreaterThan(995);
    expect(report.tone!.frequencyHz).toBeLessThan(1005);
    expect(report.tone!.snrDb).toBeGreaterThan(snr - 1);
    expect(report.tone!.snrDb).toBeLessThan(snr + 1);
  });

  it('reports no tone in silence, in digital zero and in a file shorter than the trimmed ends', () => {
    const zero = analyseTone({ sampleRate: 8000, samples: new Float64Array(24_000) });
    expect(zero.tone).toBeUndefined();
    expect(zero.levelDbfs).toBe(-Infinity);
    // One LSB of dither is about -96 dBFS: still silence.
    const next = gaussian(3);
    const hiss = analyseTone({ sampleRate: 8000, samples: new Float64Array(24_000).map(() => next() / 32768) });
    expect(hiss.tone, describeTone(hiss)).toBeUndefined();
    const short = analyseTone(sine(1000, 8000, 0.5));
    expect(short.tone).toBeUndefined();
    expect(short.analysedSeconds).toBe(0);
  });

  it('noise alone is no clean tone: whatever peak it finds has an SNR far below 20 dB', () => {
    const next = gaussian(11);
    const report = analyseTone({ sampleRate: 8000, samples: new Float64Array(24_000).map(() => 0.1 * next()) });
    expect(report.tone!.snrDb).toBeLessThan(0);
  });

  it('a DC offset is not counted as noise; a second tone 10 dB down is', () => {
    const offset = sine(1000, 8000, 3);
    const shifted = analyseTone({ sampleRate: 8000, samples: offset.samples.map((x) => x + 0.1) });
    expect(shifted.tone!.snrDb).toBeGreaterThan(50);
    const other = sine(2500, 8000, 3, 0.25 / Math.sqrt(10));
    const two = analyseTone({ sampleRate: 8000, samples: offset.samples.map((x, i) => x + other.samples[i]!) });
    expect(two.tone!.frequencyHz).toBeCloseTo(1000, 0);
    expect(two.tone!.snrDb).toBeCloseTo(10, 0);
  });

  it('one glitch (a phase jump, a lost packet) keeps a tone above 20 dB; choppy audio (1 frame in 5 lost) falls below', () => {
    const tone = sine(1000, 8000, 3);
    const jumped = tone.samples.map((x, i) => (i < 12_000 ? x : 0.25 * Math.sin((2 * Math.PI * 1000 * i) / 8000 + Math.PI)));
    expect(analyseTone({ sampleRate: 8000, samples: jumped }).tone!.snrDb).toBeGreaterThan(22);
    const gap = tone.samples.map((x, i) => (i >= 12_000 && i < 12_160 ? 0 : x));
    expect(analyseTone({ sampleRate: 8000, samples: gap }).tone!.snrDb).toBeGreaterThan(22);
    const choppy = tone.samples.map((x, i) => (Math.floor(i / 160) % 5 === 0 ? 0 : x));
    const report = analyseTone({ sampleRate: 8000, samples: choppy });
    expect(report.tone!.frequencyHz).toBeCloseTo(1000, 0);
    expect(report.tone!.snrDb).toBeLessThan(18);
    const coarse = tone.samples.map((x) => Math.round(x * 128) / 128);
    expect(analyseTone({ sampleRate: 8000, samples: coarse }).tone!.snrDb, '8-bit quantisation').toBeGreaterThan(30);
  });
});

describe('WAV files', () => {
  it('round-trips 16-bit mono PCM at its rate', () => {
    const pcm = sine(440, 16000, 0.25);
    const back = decodeWav(encodeWav(pcm));
    expect(back.sampleRate).toBe(16000);
    expect(back.samples.length).toBe(4000);
    for (let i = 0; i < pcm.samples.length; i++) expect(Math.abs(back.samples[i]! - pcm.samples[i]!)).toBeLessThan(1 / 32768);
  });

  it('reads a data chunk whose header was never finished (size 0 or past the end) to the end of the file', () => {
    const wav = encodeWav(sine(1000, 8000, 0.1));
    wav.writeUInt32LE(0, 40);
    expect(decodeWav(wav).samples.length).toBe(800);
    wav.writeUInt32LE(0xffffffff, 40);
    expect(decodeWav(wav).samples.length).toBe(800);
  });

  it('skips chunks before the data (LIST) and refuses what is not 16-bit mono PCM', () => {
    const wav = encodeWav(sine(1000, 8000, 0.1));
    const list = Buffer.concat([Buffer.from('LIST', 'latin1'), Buffer.from([3, 0, 0, 0]), Buffer.from('abc\0', 'latin1')]);
    const withList = Buffer.concat([wav.subarray(0, 36), list, wav.subarray(36)]);
    expect(decodeWav(withList).samples.length).toBe(800);
    const stereo = Buffer.from(wav);
    stereo.writeUInt16LE(2, 22);
    expect(() => decodeWav(stereo)).toThrow(/mono/);
    expect(() => decodeWav(Buffer.from('not a wav file'))).toThrow(/RIFF/);
  });
});
