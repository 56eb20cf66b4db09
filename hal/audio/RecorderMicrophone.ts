// The real microphone: a recorder process (arecord through node-record-lpcm16) supervised for the length of a call,
// its byte stream cut into 20 ms frames.

import { samplesPerFrame, type Microphone, type MicrophoneStart } from '../audio.ts';
import type { HalClock, HalLogger } from '../ports.ts';
import { StderrTail } from '../childProcess.ts';
import { deathOf } from './audioProcess.ts';
import { ChildSupervisor, type ChildDeath, type RestartPolicy } from './ChildSupervisor.ts';
import { FrameAssembler } from './pcmBytes.ts';
import type { Recorder, RecorderFactory } from './Recorder.ts';

export interface RecorderMicrophoneOptions extends RestartPolicy {
  readonly clock: HalClock;
  readonly logger: HalLogger;
  /** Starts the recorder process (lpcm16Recorder on the device, a fake in tests). */
  readonly recorder: RecorderFactory;
  /** ALSA capture device; the system default when absent. */
  readonly device?: string;
}

/** How long a recorder may take to exit after SIGTERM before it is killed outright. */
const KILL_AFTER_MS = 2000;

/** The call being captured. */
interface MicCall {
  readonly start: MicrophoneStart;
  handlerFailed: boolean;
}

/**
 * Recorders are known to slow down after many hours and arecord to exit after a few, so one runs only during a
 * call: `start` spawns it, `stop` kills it, and one that dies mid-call is restarted by the ChildSupervisor.
 */
export class RecorderMicrophone implements Microphone {
  readonly #options: RecorderMicrophoneOptions;
  readonly #supervisor: ChildSupervisor<Recorder>;
  #call: MicCall | undefined;
  /** Recorders whose process has closed: the SIGKILL bound skips them. */
  readonly #closed = new WeakSet<Recorder>();

  constructor(options: RecorderMicrophoneOptions) {
    this.#options = options;
    this.#supervisor = new ChildSupervisor<Recorder>({
      ...options,
      device: 'microphone',
      launch: (died) => this.#launch(died),
      terminate: (recorder) => this.#terminate(recorder),
    });
  }

  start(options: MicrophoneStart): void {
    this.#supervisor.stop();
    this.#call = { start: options, handlerFailed: false };
    this.#supervisor.start(options.onFailure);
  }

  stop(): void {
    this.#supervisor.stop();
    this.#call = undefined;
  }

  #launch(died: (death: ChildDeath) => void): Recorder {
    const call = this.#call!;
    const recorder = this.#options.recorder({
      sampleRate: call.start.sampleRate,
      ...(this.#options.device === undefined ? {} : { device: this.#options.device }),
    });
    const stderr = new StderrTail();
    stderr.attach(recorder.process.stderr);
    const command = recorder.command;
    recorder.process.on('error', (error) => died(deathOf(command, { error }, stderr.line)));
    recorder.process.on('close', (code, signal) => {
      this.#closed.add(recorder);
      died(deathOf(command, { code, signal }, stderr.line));
    });
    // node-record-lpcm16 re-emits a non-zero exit on the stream as an 'error'; 'close' already reports it, but the
    // listener must stay, or that error would take the process down.
    recorder.stream.on('error', () => {});
    const assembler = new FrameAssembler(samplesPerFrame(call.start.sampleRate));
    recorder.stream.on('data', (chunk) => {
      if (this.#supervisor.child !== recorder || this.#call !== call) return;
      assembler.push(chunk, (frame) => this.#deliver(call, frame));
    });
    return recorder;
  }

  /** SIGTERM, and SIGKILL if it has not closed 2 s later (an arecord stuck on a vanished USB device). */
  #terminate(recorder: Recorder): void {
    if (this.#closed.has(recorder)) return;
    recorder.stop();
    this.#options.clock.setTimer(KILL_AFTER_MS, () => {
      if (!this.#closed.has(recorder)) recorder.process.kill('SIGKILL');
    });
  }

  #deliver(call: MicCall, frame: Int16Array): void {
    try {
      call.start.onFrame(frame);
    } catch (error) {
      if (call.handlerFailed) return;
      call.handlerFailed = true; // once per call: a broken consumer would otherwise log 50 lines a second
      this.#options.logger.error('audioFrameHandlerFailed', {
        device: 'microphone',
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
}
