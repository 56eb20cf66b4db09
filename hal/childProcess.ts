// The narrow shape of a child process the HAL drivers start (arecord, aplay, gpiomon, gpioset): node's ChildProcess
// fits it, and so do the tests' fakes; and the tail of what such a process wrote to stderr, for its death's log line.

/** A readable pipe (a child's stdout or stderr). */
export interface ByteSource {
  on(event: 'data', listener: (chunk: Uint8Array) => void): unknown;
  on(event: 'error', listener: (error: unknown) => void): unknown;
}

/** A writable pipe (a child's stdin). */
export interface ByteSink {
  write(chunk: Uint8Array): boolean;
  end(): unknown;
  on(event: 'error', listener: (error: unknown) => void): unknown;
  /** Bytes queued and not yet taken by the child. */
  readonly writableLength: number;
  readonly destroyed: boolean;
}

/** A running child process; a pipe the spawner did not open is null. */
export interface PipedProcess {
  readonly stdin: ByteSink | null;
  readonly stdout: ByteSource | null;
  readonly stderr: ByteSource | null;
  /** Spawn failures (ENOENT: the program is not installed) and failed kills. */
  on(event: 'error', listener: (error: Error) => void): unknown;
  /** After the process ended and its pipes closed (so stderr has been read). */
  on(event: 'close', listener: (code: number | null, signal: string | null) => void): unknown;
  kill(signal?: NodeJS.Signals): boolean;
}

/** The last non-empty line of what a process wrote to stderr, kept short for a log line. */
export class StderrTail {
  #text = '';

  attach(source: ByteSource | null): void {
    source?.on('data', (chunk) => {
      this.#text = (this.#text + new TextDecoder().decode(chunk)).slice(-400);
    });
    source?.on('error', () => {});
  }

  get line(): string {
    const lines = this.#text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
    const last = lines.at(-1) ?? '';
    return last.length > 120 ? `${last.slice(0, 120)}…` : last;
  }
}
