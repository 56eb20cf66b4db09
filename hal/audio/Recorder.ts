// A recorder process that writes raw S16_LE mono PCM to a stream: what node-record-lpcm16 gives, as an interface.

import type { SampleRate } from '../audio.ts';
import type { ByteSource, PipedProcess } from '../childProcess.ts';

export interface RecorderOptions {
  readonly sampleRate: SampleRate;
  /** ALSA device (`plughw:1,0`); the system default when absent. */
  readonly device?: string;
}

/** One running recorder. */
export interface Recorder {
  /** The program's name for log lines (`arecord`). */
  readonly command: string;
  readonly process: PipedProcess;
  /** Raw PCM, 16-bit little-endian mono. */
  readonly stream: ByteSource;
  /** Ends the recorder; must not throw. */
  stop(): void;
}

/** Starts a recorder; the real one is lpcm16Recorder, tests pass a fake. */
export type RecorderFactory = (options: RecorderOptions) => Recorder;
