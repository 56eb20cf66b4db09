// An EventEmitter-based stand-in for a child process the HAL starts (arecord, aplay, gpiomon, gpioset) and its pipes.
// Unlike node's, every event is emitted synchronously, the harder case for the drivers.

import { EventEmitter } from 'node:events';
import type { PipedProcess } from '../../../hal/childProcess.ts';

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

  /** Everything written, as text. */
  get text(): string {
    return this.chunks.map((chunk) => new TextDecoder().decode(chunk)).join('');
  }
}

export interface FakeChildOptions {
  /**
   * `kill` ends it at once with the signal (a recorder or player); without this the test ends it with `close`, so a
   * child that ignores SIGTERM can be played (gpioset, for the escalation to SIGKILL).
   */
  readonly closesOnKill?: boolean;
}

/** A child process. */
export class FakeChild extends EventEmitter implements PipedProcess {
  readonly stdin = new FakeSink();
  readonly stdout = new FakeSource();
  readonly stderr = new FakeSource();
  readonly signals: string[] = [];
  closed = false;
  readonly #closesOnKill: boolean;

  constructor(
    readonly command: string,
    readonly args: readonly string[],
    options: FakeChildOptions = {},
  ) {
    super();
    this.#closesOnKill = options.closesOnKill === true;
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): boolean {
    this.signals.push(signal);
    if (this.#closesOnKill) this.close(null, signal);
    return true;
  }

  /** The process ends (after writing `stderr`, if given); its stdin is gone from then on. Once only. */
  close(code: number | null, signal: string | null = null, stderr?: string): void {
    if (this.closed) return;
    if (stderr !== undefined) this.stderr.push(stderr);
    this.closed = true;
    this.stdin.destroyed = true;
    this.emit('close', code, signal);
  }

  /** spawn could not start the program. */
  failToSpawn(): void {
    this.emit('error', Object.assign(new Error(`spawn ${this.command} ENOENT`), { code: 'ENOENT' }));
    this.close(-2);
  }
}

/** A spawn function that records every child it starts. */
export function fakeSpawn(options: FakeChildOptions = {}): {
  spawn: (command: string, args: readonly string[]) => FakeChild;
  children: FakeChild[];
  of(command: string): FakeChild[];
} {
  const children: FakeChild[] = [];
  return {
    children,
    of: (command) => children.filter((child) => child.command === command),
    spawn: (command, args) => {
      const child = new FakeChild(command, args, options);
      children.push(child);
      return child;
    },
  };
}
