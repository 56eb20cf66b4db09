// Tone generator: the cadences of cadences.ts as 16-bit PCM, one 20 ms frame per call, pulled on the caller's clock.

import { InternalError } from '../../errors.ts';
import { DEFAULT_RAMP_MS, TONE_CADENCES, type ToneName, type ToneSegment } from './cadences.ts';

export interface ToneSource {
  /**
   * Writes the next 20 ms frame (samplesPerFrame = sampleRate / 50 samples) into `out` (length ≥ that); returns false
   * once a finite tone has ended (then `out` is left silent). Repeating tones (ringback) never end by themselves.
   * The frame holding a tone's last samples returns true, silent after them. Throws InternalError when `out` is short.
   */
  next(out: Int16Array): boolean;
}

export interface ToneOptions {
  /** Peak amplitude, 0 … 1 of full scale; default 0.25. */
  readonly level?: number;
}

const DEFAULT_LEVEL = 0.25;
const FULL_SCALE = 32767;

/** A segment in samples: `step` is the phase advance per sample in radians, 0 for silence. */
interface Part {
  readonly step: number;
  readonly length: number;
  readonly attack: number;
  readonly release: number;
}

/** A source of the named tone, from its beginning. Throws InternalError for an unknown name or rate, or a level outside 0 … 1. */
export function createTone(name: ToneName, sampleRate: 8000 | 16000, options?: ToneOptions): ToneSource {
  if (sampleRate !== 8000 && sampleRate !== 16000) throw new InternalError('TONE_RATE', `tone at ${String(sampleRate)} Hz`);
  const level = options?.level ?? DEFAULT_LEVEL;
  if (!(level >= 0 && level <= 1)) throw new InternalError('TONE_LEVEL', `tone level ${level} outside 0 … 1`);
  // Own keys only: a name like 'toString' must not find Object.prototype's.
  if (!Object.hasOwn(TONE_CADENCES, name)) throw new InternalError('TONE_NAME', `no tone called ${String(name)}`);
  const cadence = TONE_CADENCES[name];
  const parts = cadence.segments.map((segment) => toPart(segment, sampleRate));
  // Floor, so that no rounded sample exceeds the requested peak.
  return new ToneGenerator(parts, cadence.repeats, Math.floor(level * FULL_SCALE), sampleRate / 50);
}

function toPart(segment: ToneSegment, sampleRate: number): Part {
  const samplesPerMs = sampleRate / 1000;
  return {
    step: (2 * Math.PI * segment.hz) / sampleRate,
    length: segment.ms * samplesPerMs,
    attack: (segment.attackMs ?? DEFAULT_RAMP_MS) * samplesPerMs,
    release: (segment.releaseMs ?? DEFAULT_RAMP_MS) * samplesPerMs,
  };
}

/** Raised-cosine fade: 0 at x = 0, 1 from x = 1 on, with no corner at either end. */
function fade(x: number): number {
  return x >= 1 ? 1 : 0.5 - 0.5 * Math.cos(Math.PI * x);
}

class ToneGenerator implements ToneSource {
  readonly #parts: readonly Part[];
  readonly #repeats: boolean;
  readonly #amplitude: number;
  readonly #samplesPerFrame: number;
  /** The part the next sample comes from; `#parts.length` once a finite tone has ended. */
  #part = 0;
  /** The next sample's index from the start of its part, carried across frames. */
  #sample = 0;

  constructor(parts: readonly Part[], repeats: boolean, amplitude: number, samplesPerFrame: number) {
    this.#parts = parts;
    this.#repeats = repeats;
    this.#amplitude = amplitude;
    this.#samplesPerFrame = samplesPerFrame;
  }

  next(out: Int16Array): boolean {
    const count = this.#samplesPerFrame;
    if (out.length < count) throw new InternalError('TONE_BUFFER', `tone frame of ${count} samples, room for ${out.length}`);
    const parts = this.#parts;
    if (this.#part === parts.length) {
      out.fill(0, 0, count);
      return false;
    }
    for (let i = 0; i < count; i++) {
      if (this.#part === parts.length) {
        out.fill(0, i, count);
        break;
      }
      const part = parts[this.#part]!;
      out[i] = part.step === 0 ? 0 : this.#sampleOf(part, this.#sample);
      if (++this.#sample < part.length) continue;
      this.#sample = 0;
      this.#part++;
      if (this.#part === parts.length && this.#repeats) this.#part = 0;
    }
    return true;
  }

  /** Sample `n` of a part: its phase runs from the part's start, so it goes on unbroken from one frame to the next. */
  #sampleOf(part: Part, n: number): number {
    const envelope = Math.min(fade(n / part.attack), fade((part.length - 1 - n) / part.release));
    return Math.round(this.#amplitude * envelope * Math.sin(part.step * n));
  }
}
