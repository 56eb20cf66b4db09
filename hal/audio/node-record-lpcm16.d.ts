// Types for the part of node-record-lpcm16 (1.0.x, untyped CommonJS) that lpcm16Recorder.ts uses.

declare module 'node-record-lpcm16' {
  import type { ChildProcess } from 'node:child_process';
  import type { Readable } from 'node:stream';

  export interface RecordOptions {
    sampleRate?: number;
    channels?: number;
    recorder?: 'sox' | 'rec' | 'arecord';
    audioType?: string;
    device?: string | null;
  }

  export interface Recording {
    readonly process: ChildProcess;
    stream(): Readable;
    stop(): void;
  }

  const recorder: { record(options?: RecordOptions): Recording };
  export default recorder;
}
