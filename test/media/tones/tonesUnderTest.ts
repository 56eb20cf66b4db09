// Helpers for the tone generator tests: what each tone should be (restated from the specs), and ways to measure its PCM.
import { createTone, type ToneName, type ToneSource } from '../../../firmware-app/media/tones/index.ts';

export const RATES = [8000, 16000] as const;
export type Rate = (typeof RATES)[number];
export const FULL_SCALE = 32767;

/** One burst of tone: `hz` from `startMs` for `ms`, and how long it fades in and out. */
export interface Burst {
  readonly hz: number;
  readonly startMs: number;
  readonly ms: number;
  readonly attackMs: number;
  readonly releaseMs: number;
}

const burst = (hz: number, startMs: number, ms: number, releaseMs = 5): Burst => ({ hz, startMs, ms, attackMs: 5, releaseMs });

/**
 * The bursts of each tone and, for a finite one, when it ends. Ringback repeats, so its list is its first 10 s.
 * Values from ITU-T E.180 (Suppl. 2 for Germany) and the brief: ringback 1 s on / 4 s off, busy 4 × 480/480 ms,
 * SIT 950/1400/1800 Hz × 330 ms with 30 ms gaps, twice with 1 s between; the call-time warning 3 × 160 ms of 1400 Hz,
 * 160 ms apart.
 */
export const EXPECTED: Readonly<Record<ToneName, { readonly bursts: readonly Burst[]; readonly endMs?: number }>> = {
  ringback: { bursts: [burst(425, 0, 1000), burst(425, 5000, 1000)] },
  busy: { bursts: [0, 960, 1920, 2880].map((at) => burst(425, at, 480)), endMs: 3840 },
  unavailable: {
    bursts: [0, 2050].flatMap((at) => [burst(950, at, 330), burst(1400, at + 360, 330), burst(1800, at + 720, 330)]),
    endMs: 3100,
  },
  doorOpened: { bursts: [burst(660, 0, 150, 20), burst(880, 150, 150, 80)], endMs: 300 },
  listening: { bursts: [burst(1400, 0, 200)], endMs: 200 },
  callEnding: { bursts: [0, 320, 640].map((at) => burst(1400, at, 160)), endMs: 800 },
};

export const TONE_NAMES = Object.keys(EXPECTED) as ToneName[];

export const samplesPerFrame = (rate: Rate): number => rate / 50;
export const msToSamples = (ms: number, rate: Rate): number => (ms * rate) / 1000;

/** Pulls `frames` frames and returns them end to end, with what each `next` returned. */
export function pull(source: ToneSource, rate: Rate, frames: number): { samples: Int16Array; results: boolean[] } {
  const size = samplesPerFrame(rate);
  const samples = new Int16Array(frames * size);
  const results: boolean[] = [];
  const frame = new Int16Array(size);
  for (let f = 0; f < frames; f++) {
    frame.fill(0x1234); // whatever the caller's buffer held before: next must overwrite all of it
    results.push(source.next(frame));
    samples.set(frame, f * size);
  }
  return { samples, results };
}

/** The whole of a finite tone, or the first 10 s of ringback, at the default level. */
export function pullWhole(name: ToneName, rate: Rate): Int16Array {
  return pull(createTone(name, rate), rate, (EXPECTED[name].endMs ?? 10_000) / 20).samples;
}

/** Runs of sound, as [start, end) sample indices, split wherever at least `quietMs` of exact zeros lie between. */
export function soundRuns(samples: Int16Array, rate: Rate, quietMs = 1): Array<[number, number]> {
  const quiet = msToSamples(quietMs, rate);
  const runs: Array<[number, number]> = [];
  let start = -1;
  let lastSound = -1;
  for (let i = 0; i < samples.length; i++) {
    if (samples[i] === 0) continue;
    if (start < 0) start = i;
    else if (i - lastSound > quiet) {
      runs.push([start, lastSound + 1]);
      start = i;
    }
    lastSound = i;
  }
  if (start >= 0) runs.push([start, lastSound + 1]);
  return runs;
}

/** Power of one frequency in a window (Goertzel), relative to nothing: compare it with other frequencies. */
export function goertzel(samples: Int16Array, start: number, end: number, hz: number, rate: Rate): number {
  const coefficient = 2 * Math.cos((2 * Math.PI * hz) / rate);
  let s1 = 0;
  let s2 = 0;
  for (let i = start; i < end; i++) {
    const s0 = samples[i]! + coefficient * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return s1 * s1 + s2 * s2 - coefficient * s1 * s2;
}

/** Frequency from the zero crossings between the first and the last one in a window. */
export function zeroCrossingHz(samples: Int16Array, start: number, end: number, rate: Rate): number {
  let first = -1;
  let last = -1;
  let crossings = 0;
  for (let i = start + 1; i < end; i++) {
    if (samples[i - 1]! < 0 === samples[i]! < 0) continue;
    if (first < 0) first = i;
    else crossings++;
    last = i;
  }
  return (crossings / 2) * (rate / (last - first));
}

/** The part of a burst at full level, in samples, with `marginMs` kept off the fades. */
export function steadyWindow(b: Burst, rate: Rate, marginMs = 1): [number, number] {
  return [msToSamples(b.startMs + b.attackMs + marginMs, rate), msToSamples(b.startMs + b.ms - b.releaseMs - marginMs, rate)];
}

/** Largest step between neighbouring samples of a full-scale-`amplitude` sine of `hz`. */
export function sineStep(amplitude: number, hz: number, rate: Rate): number {
  return 2 * amplitude * Math.sin((Math.PI * hz) / rate);
}
