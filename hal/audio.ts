// The audio HAL interfaces: a microphone that delivers 20 ms frames of 16-bit mono PCM and a speaker that plays them.

/** The two rates a call uses: 8 kHz (G.711) and 16 kHz (G.722). */
export type SampleRate = 8000 | 16000;

/** Every frame is 20 ms, the packet time of the RTP stream it feeds or comes from. */
export const FRAME_MS = 20;

/** Samples in one 20 ms frame: 160 at 8 kHz, 320 at 16 kHz. */
export function samplesPerFrame(sampleRate: number): number {
  return Math.round((sampleRate * FRAME_MS) / 1000);
}

/**
 * One incident of a sound device during a call, reported once (and logged once by the driver):
 * - `restarted`: the recorder or player died and a restarted one has run steadily since; audio is back.
 * - `gaveUp`: the device is missing, or it kept dying: the call goes on without it.
 * - `callEnded`: the call ended while the device was being restarted.
 */
export interface AudioFailure {
  readonly device: 'microphone' | 'speaker';
  readonly outcome: 'restarted' | 'gaveUp' | 'callEnded';
  /** Short, safe to log: `arecord exited with code 1: audio open error: No such file or directory`. */
  readonly reason: string;
  /** Restarts used in this call so far. */
  readonly restarts: number;
}

export interface MicrophoneStart {
  readonly sampleRate: SampleRate;
  /** One 20 ms frame (`samplesPerFrame(sampleRate)` samples); the array is the receiver's to keep. */
  readonly onFrame: (frame: Int16Array) => void;
  readonly onFailure?: (failure: AudioFailure) => void;
}

/**
 * Captures audio for one call: `start` when the call's media starts, `stop` when it ends (the device is never
 * left open between calls). Never throws; a failing device is reported through `onFailure`. A second `start`
 * stops the first capture.
 */
export interface Microphone {
  start(options: MicrophoneStart): void;
  stop(): void;
}

export interface SpeakerStart {
  readonly sampleRate: SampleRate;
  readonly onFailure?: (failure: AudioFailure) => void;
}

/**
 * Plays audio for one call. `write` takes one frame at the rate given to `start` (the array is not kept);
 * frames written while stopped or while the device restarts are dropped. `stop` lets what was written play out,
 * then releases the device. Never throws.
 */
export interface Speaker {
  start(options: SpeakerStart): void;
  write(frame: Int16Array): void;
  stop(): void;
}
