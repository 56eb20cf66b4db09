// A microphone for tests and the simulator: a tone, silence or a looped WAV, one frame every 20 ms on the injected
// clock, against an absolute schedule.

import { FRAME_MS, samplesPerFrame, type AudioFailure, type Microphone, type MicrophoneStart } from '../audio.ts';
import type { HalClock, HalTimerHandle } from '../ports.ts';
import { sampleSource, type FakeSound, type SampleSource } from './sounds.ts';
import { readWavFile } from './wavFile.ts';

export interface FakeMicrophoneOptions {
  readonly clock: HalClock;
  /** Default: a 440 Hz tone at half scale. */
  readonly sound?: FakeSound;
  /**
   * Most frames one late timer delivers back to back (3). After a longer stall only the newest are delivered and
   * the older skipped, as a real capture device overruns; the schedule itself never slips.
   */
  readonly maxBurst?: number;
}

type State =
  | { readonly kind: 'idle' }
  | {
      readonly kind: 'running';
      readonly start: MicrophoneStart;
      readonly source: SampleSource;
      readonly startedAt: number;
      next: number;
      timer: HalTimerHandle;
    }
  | { readonly kind: 'failed' };

/**
 * Frame n is due at start + n · 20 ms and holds samples n · N … (n + 1) · N − 1 of the sound, so neither timer
 * lateness nor skipped frames shift the schedule or the tone's phase.
 */
export class FakeMicrophone implements Microphone {
  readonly #clock: HalClock;
  readonly #sound: FakeSound;
  readonly #maxBurst: number;
  #state: State = { kind: 'idle' };

  constructor(options: FakeMicrophoneOptions) {
    this.#clock = options.clock;
    this.#sound = options.sound ?? { kind: 'tone' };
    this.#maxBurst = Math.max(1, options.maxBurst ?? 3);
  }

  /** A microphone that loops the WAV file at `path` (`--sim-mic`), or why the file cannot be used. */
  static fromWavFile(
    path: string,
    options: Omit<FakeMicrophoneOptions, 'sound'>,
  ): { readonly ok: true; readonly value: FakeMicrophone } | { readonly ok: false; readonly error: string } {
    const wav = readWavFile(path);
    if (!wav.ok) return wav;
    return { ok: true, value: new FakeMicrophone({ ...options, sound: { kind: 'wav', wav: wav.value } }) };
  }

  get state(): State['kind'] {
    return this.#state.kind;
  }

  start(options: MicrophoneStart): void {
    this.stop();
    this.#state = {
      kind: 'running',
      start: options,
      source: sampleSource(this.#sound, options.sampleRate),
      startedAt: this.#clock.now(),
      next: 0,
      timer: this.#clock.setTimer(FRAME_MS, () => this.#fire()),
    };
  }

  stop(): void {
    if (this.#state.kind === 'running') this.#state.timer.cancel();
    this.#state = { kind: 'idle' };
  }

  /** Simulates a device lost mid-call: reported once as given up, and no more frames until the next start. */
  fail(reason = 'simulated failure'): void {
    const state = this.#state;
    if (state.kind !== 'running') return;
    state.timer.cancel();
    this.#state = { kind: 'failed' };
    const failure: AudioFailure = { device: 'microphone', outcome: 'gaveUp', reason, restarts: 0 };
    state.start.onFailure?.(failure);
  }

  #fire(): void {
    const state = this.#state;
    if (state.kind !== 'running') return;
    // Frame n is complete (all its 20 ms captured) at start + (n + 1) · 20 ms.
    const due = Math.floor((this.#clock.now() - state.startedAt) / FRAME_MS);
    if (due - state.next > this.#maxBurst) state.next = due - this.#maxBurst;
    const size = samplesPerFrame(state.start.sampleRate);
    while (state.next < due) {
      const frame = new Int16Array(size);
      state.source(state.next * size, frame);
      state.next++;
      state.start.onFrame(frame);
      if (this.#state !== state) return; // stopped by the consumer
    }
    const nextAt = state.startedAt + (state.next + 1) * FRAME_MS;
    state.timer = this.#clock.setTimer(nextAt - this.#clock.now(), () => this.#fire());
  }
}
