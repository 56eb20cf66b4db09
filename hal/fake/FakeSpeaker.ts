// A speaker for tests and the simulator: keeps every frame it is given and, with a path (`--sim-speaker`), writes
// the call's audio to a WAV file when the call ends.

import type { AudioFailure, SampleRate, Speaker, SpeakerStart } from '../audio.ts';
import type { HalLogger } from '../ports.ts';
import { writeWavFile } from './wavFile.ts';

export interface FakeSpeakerOptions {
  /** Written on every `stop` with that call's audio (16-bit mono, the call's rate), replacing the previous one. */
  readonly wavPath?: string;
  /** Where a failed WAV write is reported. */
  readonly logger?: HalLogger;
}

/** What one call played. */
export interface Playback {
  readonly sampleRate: SampleRate;
  readonly frames: Int16Array[];
}

export class FakeSpeaker implements Speaker {
  readonly #options: FakeSpeakerOptions;
  #call: (Playback & { readonly start: SpeakerStart; running: boolean }) | undefined;

  constructor(options: FakeSpeakerOptions = {}) {
    this.#options = options;
  }

  get running(): boolean {
    return this.#call?.running ?? false;
  }

  /** The current or last call's audio, every frame joined, or undefined before the first call. */
  get played(): { readonly sampleRate: SampleRate; readonly samples: Int16Array } | undefined {
    const call = this.#call;
    if (call === undefined) return undefined;
    const samples = new Int16Array(call.frames.reduce((n, f) => n + f.length, 0));
    let at = 0;
    for (const frame of call.frames) {
      samples.set(frame, at);
      at += frame.length;
    }
    return { sampleRate: call.sampleRate, samples };
  }

  start(options: SpeakerStart): void {
    this.stop();
    this.#call = { sampleRate: options.sampleRate, frames: [], start: options, running: true };
  }

  write(frame: Int16Array): void {
    if (this.#call?.running !== true) return;
    this.#call.frames.push(frame.slice());
  }

  stop(): void {
    const call = this.#call;
    if (call?.running !== true) return;
    call.running = false;
    const path = this.#options.wavPath;
    if (path === undefined) return;
    const played = this.played!;
    const written = writeWavFile(path, played);
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
