// The benchmarks' process supervisor: a door side (our bundle or baresip), or any process a benchmark measures,
// spawned (in its own directory when it has one), its spawn and exit stamped with process.hrtime.bigint(), its output
// kept for error messages, its start-up awaited by a line it prints, and its stop bounded.

import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';

/** A spawned door side. */
export interface Supervised {
  readonly pid: number;
  /** hrtime (ns) just before spawn(). */
  readonly spawnedAt: bigint;
  /** Resolves with the exit's hrtime (ns), code and signal once it has exited, however it ended. */
  readonly ended: Promise<{ readonly at: bigint; readonly code: number | null; readonly signal: string | null }>;
  /** The last lines it printed (stdout and stderr). */
  output(): string;
  /** Rejects when it exits before `stop`. */
  readonly exited: Promise<never>;
  /** Writes to its stdin. */
  write(text: string): void;
  /** Resolves once it has printed a line matching `pattern`; rejects after `ms` without one or when it exits. */
  waitFor(pattern: RegExp, ms: number): Promise<void>;
  /** Ends it (SIGTERM, SIGKILL after 5 s) and removes its directory (if it has one); safe to call more than once. */
  stop(): Promise<void>;
}

export interface SuperviseOptions {
  /** Names it in error messages. */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  /** Its working directory, removed by `stop`; none: this process's, nothing removed. */
  readonly dir?: string;
  /** How many of its last lines `output()` returns. */
  readonly tailLines: number;
  /** Added to this process's environment. */
  readonly env?: Readonly<Record<string, string>>;
  /** `ignore`: stdin on /dev/null, as under systemd (`write` then does nothing). Default `pipe`. */
  readonly stdin?: 'pipe' | 'ignore';
}

/** Spawns a door side with its output kept (the last 200 lines). */
export function supervise({ name, command, args, dir, tailLines, env = {}, stdin = 'pipe' }: SuperviseOptions): Supervised {
  const spawnedAt = process.hrtime.bigint();
  const child: ChildProcess = spawn(command, args, {
    stdio: [stdin, 'pipe', 'pipe'], env: { ...process.env, ...env }, ...(dir !== undefined ? { cwd: dir } : {}),
  });
  const ended = new Promise<{ at: bigint; code: number | null; signal: string | null }>((resolve) => {
    child.once('error', () => resolve({ at: process.hrtime.bigint(), code: null, signal: null }));
    child.once('exit', (code, signal) => resolve({ at: process.hrtime.bigint(), code, signal }));
  });
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  let partial = '';
  const take = (chunk: Buffer): void => {
    const parts = (partial + chunk.toString('utf8')).split('\n');
    partial = parts.pop()!;
    lines.push(...parts);
    if (lines.length > 200) lines.splice(0, lines.length - 200);
    for (const w of [...waiters]) w();
  };
  child.stdout!.on('data', take);
  child.stderr!.on('data', take);
  child.stdin?.on('error', () => {});
  let exitInfo: string | undefined;
  const closed = new Promise<void>((resolve) => {
    child.once('error', (error) => {
      exitInfo = `could not start ${command}: ${error.message}`;
      resolve();
    });
    child.once('close', (code, signal) => {
      exitInfo = `${name} exited (code ${code}, signal ${signal})`;
      resolve();
    });
  });
  const output = (): string => [...lines, partial].filter((l) => l !== '').slice(-tailLines).join('\n');
  const exited = closed.then((): never => {
    throw new Error(`${exitInfo}; it printed:\n${output()}`);
  });
  exited.catch(() => {});
  let stopping: Promise<void> | undefined;
  return {
    pid: child.pid ?? -1,
    spawnedAt,
    ended,
    output,
    exited,
    write: (text) => {
      child.stdin?.write(text);
    },
    waitFor: (pattern, ms) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => finish(new Error(`${name} did not print ${pattern} within ${ms} ms; it printed:\n${output()}`)), ms);
        const check = (): void => {
          if (lines.some((l) => pattern.test(l))) finish();
        };
        const finish = (error?: Error): void => {
          clearTimeout(timer);
          waiters.delete(check);
          if (error === undefined) resolve();
          else reject(error);
        };
        waiters.add(check);
        exited.catch((error: unknown) => finish(error as Error));
        check();
      }),
    stop: () => {
      stopping ??= (async () => {
        if (exitInfo === undefined) child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await closed;
        clearTimeout(killer);
        if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}

/** Waits until `side` prints `readyLine`; a side that never gets ready is stopped before the error goes up. */
export async function readyWhen(side: Supervised, readyLine: RegExp, ms: number): Promise<void> {
  try {
    await side.waitFor(readyLine, ms);
  } catch (error) {
    await side.stop();
    throw error;
  }
}
