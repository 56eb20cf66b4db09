// What the fake microphone plays: a tone, silence or a looped WAV, as samples at any absolute position.

import type { Wav } from './wav.ts';

/** The fake microphone's sound. */
export type FakeSound =
  | { readonly kind: 'tone'; readonly frequencyHz?: number; readonly amplitude?: number }
  | { readonly kind: 'silence' }
  | { readonly kind: 'wav'; readonly wav: Wav };

/** Fills `out` with the samples at `start`, `start + 1` … of a sound played at `sampleRate`. */
export type SampleSource = (start: number, out: Int16Array) => void;

/**
 * The sound as a function of the absolute sample index: the tone's phase comes from the index, never from a
 * running sum, so it stays exact however long the call and however many frames were skipped.
 */
export function sampleSource(sound: FakeSound, sampleRate: number): SampleSource {
  switch (sound.kind) {
    case 'silence':
      return (_start, out) => out.fill(0);
    case 'tone': {
      const frequency = sound.frequencyHz ?? 440;
      const amplitude = Math.round(32767 * Math.min(1, Math.max(0, sound.amplitude ?? 0.5)));
      return (start, out) => {
        for (let i = 0; i < out.length; i++) {
          // The cycle count's fraction, so the argument of sin stays small after hours.
          const cycles = ((start + i) * frequency) / sampleRate;
          out[i] = Math.round(amplitude * Math.sin(2 * Math.PI * (cycles - Math.floor(cycles))));
        }
      };
    }
    case 'wav':
      return loopedWav(sound.wav, sampleRate);
  }
}

/** A WAV played in a loop at `sampleRate`, resampled by linear interpolation when its own rate differs. */
function loopedWav(wav: Wav, sampleRate: number): SampleSource {
  const samples = wav.samples;
  const length = samples.length;
  if (length === 0) return (_start, out) => out.fill(0);
  if (wav.sampleRate === sampleRate) {
    return (start, out) => {
      for (let i = 0; i < out.length; i++) out[i] = samples[(start + i) % length]!;
    };
  }
  const step = wav.sampleRate / sampleRate;
  return (start, out) => {
    for (let i = 0; i < out.length; i++) {
      const position = (start + i) * step;
      const whole = Math.floor(position);
      const fraction = position - whole;
      const a = samples[whole % length]!;
      const b = samples[(whole + 1) % length]!;
      out[i] = Math.round(a + (b - a) * fraction);
    }
  };
}
