// Running the Debian tools the packaging needs (mmdebstrap, apt-get, chroot, mount, dpkg-deb) as child processes: output
// streamed to a log function or collected, a failure thrown with the command and the tail of what it printed.
import { spawn } from 'node:child_process';

/** Where progress lines go (the command line prints them; tests collect them). */
export type Log = (line: string) => void;

export interface RunOptions {
  /** Extra environment; PATH, LC_ALL and DEBIAN_FRONTEND are set for the Debian tools. */
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
  /** Each line of output, as it comes, indented by two spaces (our own progress lines are not); without it the
   * output is only kept for the error message. */
  readonly log?: Log;
  /** Bytes written to the command's stdin. */
  readonly input?: string;
}

/** A command that exited with a non-zero status or by a signal. */
export class CommandError extends Error {
  constructor(readonly command: readonly string[], readonly status: number | null, readonly output: string) {
    super(`${command.join(' ')} failed (${status === null ? 'killed' : `exit ${status}`}):\n${output.split('\n').slice(-25).join('\n')}`);
  }
}

/** The environment the Debian tools run with: the sbin directories on PATH, no locale warnings, no questions. */
export function toolEnv(extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  return {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    LC_ALL: 'C.UTF-8',
    DEBIAN_FRONTEND: 'noninteractive',
    HOME: '/root',
    ...extra,
  };
}

/** Runs a command to its end; resolves with stdout and stderr together, rejects with CommandError. */
export function run(command: readonly string[], options: RunOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const [file, ...args] = command;
    if (file === undefined) throw new Error('run: empty command');
    const child = spawn(file, args, {
      env: toolEnv(options.env),
      ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
      stdio: [options.input !== undefined ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let partial = '';
    const take = (chunk: Buffer): void => {
      const text = chunk.toString('utf8');
      output += text;
      if (output.length > 4_000_000) output = output.slice(-2_000_000);
      if (options.log === undefined) return;
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) options.log(`  ${line}`);
    };
    child.stdout?.on('data', take);
    child.stderr?.on('data', take);
    if (options.input !== undefined) child.stdin?.end(options.input);
    child.on('error', (error) => reject(new Error(`${command.join(' ')}: ${error.message}`)));
    child.on('close', (status) => {
      if (partial !== '' && options.log !== undefined) options.log(`  ${partial}`);
      if (status === 0) resolve(output);
      else reject(new CommandError(command, status, output));
    });
  });
}

/** Whether a program is on the tools' PATH. */
export async function haveProgram(name: string): Promise<boolean> {
  try {
    await run(['sh', '-c', `command -v ${name}`]);
    return true;
  } catch {
    return false;
  }
}

/** Waits for every job to end (none left running behind a failure, e.g. past the cache lock), then throws the first
 * failure or gives the results in order. */
export async function allSettled<T>(jobs: readonly Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(jobs);
  const failed = results.find((result) => result.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
  return results.map((result) => (result as PromiseFulfilledResult<T>).value);
}
