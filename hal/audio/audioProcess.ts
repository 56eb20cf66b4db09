// The narrow shape of a recorder or player process (node's ChildProcess fits it, and so does the tests' fake), the
// tail of what it wrote to stderr, and how its death is read: a restart may cure it, or not.

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

/** A running recorder or player. */
export interface AudioProcess {
  readonly stdin: ByteSink | null;
  readonly stdout: ByteSource | null;
  readonly stderr: ByteSource | null;
  /** Spawn failures (ENOENT: the program is not installed) and failed kills. */
  on(event: 'error', listener: (error: Error) => void): unknown;
  /** After the process ended and its pipes closed (so stderr has been read). */
  on(event: 'close', listener: (code: number | null, signal: string | null) => void): unknown;
  kill(signal?: NodeJS.Signals): boolean;
}

/** Starts `command` with `args`, stdin and stderr piped (node's child_process.spawn, or a fake). */
export type SpawnAudio = (command: string, args: readonly string[]) => AudioProcess;

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

/** stderr text of ALSA tools when the device itself is missing: restarting cannot bring it back. */
const DEVICE_MISSING = /audio open error|no such (?:file|device)|unknown pcm|cannot find card|invalid card/i;

/** Why `command` died, and whether a restart could help (it cannot when the program or the device is missing). */
export function deathOf(
  command: string,
  event: { readonly error?: unknown; readonly code?: number | null; readonly signal?: string | null },
  stderr: string,
): { reason: string; final: boolean } {
  if (event.error !== undefined) {
    const code = (event.error as { code?: unknown }).code;
    if (code === 'ENOENT') return { reason: `${command} is not installed`, final: true };
    const message = event.error instanceof Error ? event.error.message : String(event.error);
    return { reason: `${command} failed: ${message}`, final: false };
  }
  const how = event.signal ? `was killed by ${event.signal}` : `exited with code ${event.code ?? '?'}`;
  const reason = stderr === '' ? `${command} ${how}` : `${command} ${how}: ${stderr}`;
  return { reason, final: DEVICE_MISSING.test(stderr) };
}
