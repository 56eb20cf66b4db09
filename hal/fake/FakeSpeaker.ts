// A speaker for tests and the simulator: keeps what it is given (in one-second chunks, not one array per frame)
// and, with a path (`--sim-speaker`), writes the call's audio to a WAV file when the call ends. Without a path and
// with `retain: false` (the simulator's default) it keeps nothing, so a long call costs no memory.

import type { AudioFailure, SampleRate, Speaker, SpeakerStart } from '../audio.ts';
import type { HalLogger } from '../ports.ts';
import { writeWavFile } from './wavFile.ts';

export interface FakeSpeakerOptions {
  /** Written on every `stop` with that call's audio (16-bit mono, the call's rate), replacing the previous one. */
  readonly wavPath?: string;
  /** Keep the audio for `played` (default true; the simulator without `--sim-speaker` keeps nothing). */
  readonly retain?: boolean;
  /** Where a failed WAV write is reported. */
  readonly logger?: HalLogger;
}

/** Audio kept per call at most (30 minutes); later audio is not kept, and the WAV says so by its length. */
const MAX_SECONDS = 1800;

interface CallAudio {
  readonly start: SpeakerStart;
  readonly chunks: Int16Array[];
  /** Samples used in the last chunk. */
  fill: number;
  total: number;
  running: boolean;
}

export class FakeSpeaker implements Speaker {
  readonly #options: FakeSpeakerOptions;
  readonly #retain: boolean;
  #call: CallAudio | undefined;

  constructor(options: FakeSpeakerOptions = {}) {
    this.#options = options;
    this.#retain = options.retain ?? true;
  }

  get running(): boolean {
    return this.#call?.running ?? false;
  }

  /** The current or last call's audio, joined, or undefined before the first call. */
  get played(): { readonly sampleRate: SampleRate; readonly samples: Int16Array } | undefined {
    const call = this.#call;
    if (call === undefined) return undefined;
    const samples = new Int16Array(call.total);
    let at = 0;
    for (const chunk of call.chunks) {
      const part = chunk.subarray(0, Math.min(chunk.length, call.total - at));
      samples.set(part, at);
      at += part.length;
    }
    return { sampleRate: call.start.sampleRate, samples };
  }

  start(options: SpeakerStart): void {
    this.stop();
    this.#call = { start: options, chunks: [], fill: 0, total: 0, running: true };
  }

  write(frame: Int16Array): void {
    const call = this.#call;
    if (call?.running !== true || !this.#retain) return;
    const rate = call.start.sampleRate;
    if (call.total + frame.length > rate * MAX_SECONDS) return;
    let from = 0;
    while (from < frame.length) {
      let chunk = call.chunks.at(-1);
      if (chunk === undefined || call.fill === chunk.length) {
        chunk = new Int16Array(rate);
        call.chunks.push(chunk);
        call.fill = 0;
      }
      const run = Math.min(frame.length - from, chunk.length - call.fill);
      chunk.set(frame.subarray(from, from + run), call.fill);
      call.fill += run;
      from += run;
    }
    call.total += frame.length;
  }

  stop(): void {
    const call = this.#call;
    if (call?.running !== true) return;
    call.running = false;
    const path = this.#options.wavPath;
    if (path === undefined) return;
    const written = writeWavFile(path, this.played!);
    if (!written.ok) this.#options.logger?.warn('simSpeakerNotWritten', { error: written.error });
  }

  /** Simulates a device lost mid-call: reported once as given up; later frames are dropped. */
  fail(reason = 'simulated failure'): void {
    const call = this.#call;
    if (call?.running !== true) return;
    const failure: AudioFailure = { device: 'speaker', outcome: 'gaveUp', reason, restarts: 0 };
    this.stop();
    call.start.onFailure?.(failure);
  }
}
