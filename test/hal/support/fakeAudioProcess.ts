// EventEmitter-based stand-ins for a recorder/player child process and its pipes, and a logger that keeps lines.

import { EventEmitter } from 'node:events';
import type { PipedProcess } from '../../../hal/childProcess.ts';
import type { Recorder, RecorderFactory, RecorderOptions } from '../../../hal/audio/Recorder.ts';
import type { HalLogFields, HalLogger } from '../../../hal/ports.ts';

/** A child's stdout or stderr: the test emits 'data'. */
export class FakeSource extends EventEmitter {
  push(bytes: Uint8Array | string): void {
    this.emit('data', typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes);
  }
}

/** A child's stdin: keeps what is written; `break()` makes the next write fail with EPIPE, as a dead aplay's does. */
export class FakeSink extends EventEmitter {
  readonly chunks: Uint8Array[] = [];
  writableLength = 0;
  destroyed = false;
  ended = false;
  #broken = false;

  write(chunk: Uint8Array): boolean {
    if (this.#broken || this.destroyed) {
      this.destroyed = true;
      this.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
      return false;
    }
    this.chunks.push(chunk);
    return true;
  }

  end(): void {
    this.ended = true;
  }

  break(): void {
    this.#broken = true;
  }
}

/** A child process. Unlike node's, every event is emitted synchronously, the harder case for the drivers. */
export class FakeProcess extends EventEmitter implements PipedProcess {
  readonly stdin = new FakeSink();
  readonly stdout = new FakeSource();
  readonly stderr = new FakeSource();
  readonly signals: string[] = [];
  closed = false;

  constructor(
    readonly command: string,
    readonly args: readonly string[],
  ) {
    super();
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): boolean {
    this.signals.push(signal);
    this.close(null, signal);
    return true;
  }

  /** The process ends (after writing `stderr`, if given). */
  close(code: number | null, signal: string | null = null, stderr?: string): void {
    if (this.closed) return;
    if (stderr !== undefined) this.stderr.push(stderr);
    this.closed = true;
    this.emit('close', code, signal);
  }

  /** spawn could not start the program. */
  failToSpawn(): void {
    this.emit('error', Object.assign(new Error(`spawn ${this.command} ENOENT`), { code: 'ENOENT' }));
    this.close(-2);
  }
}

/** A spawn function that records every process it starts. */
export function fakeSpawn(): { spawn: (command: string, args: readonly string[]) => FakeProcess; processes: FakeProcess[] } {
  const processes: FakeProcess[] = [];
  return {
    processes,
    spawn: (command, args) => {
      const process = new FakeProcess(command, args);
      processes.push(process);
      return process;
    },
  };
}

/**
 * A RecorderFactory like lpcm16Recorder: its stream is the process's stdout, and, as node-record-lpcm16 does, a
 * non-zero exit is re-emitted on that stream as an 'error' (which throws if nobody listens).
 */
export function fakeRecorders(): { factory: RecorderFactory; started: { options: RecorderOptions; process: FakeProcess }[] } {
  const started: { options: RecorderOptions; process: FakeProcess }[] = [];
  const factory: RecorderFactory = (options) => {
    const process = new FakeProcess('arecord', []);
    process.on('close', (code: number | null) => {
      if (code !== 0) process.stdout.emit('error', `arecord has exited with error code ${code}.`);
    });
    started.push({ options, process });
    const recorder: Recorder = { command: 'arecord', process, stream: process.stdout, stop: () => process.kill() };
    return recorder;
  };
  return { factory, started };
}

export interface LogLine {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly event: string;
  readonly fields: HalLogFields;
}

export function collectingLogger(): HalLogger & { readonly lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at = (level: LogLine['level']) => (event: string, fields: HalLogFields = {}) => void lines.push({ level, event, fields });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** `samples` as S16_LE bytes. */
export function s16le(samples: readonly number[]): Uint8Array {
  const bytes = new Uint8Array(samples.length * 2);
  const view = new DataView(bytes.buffer);
  samples.forEach((s, i) => view.setInt16(i * 2, s, true));
  return bytes;
}
