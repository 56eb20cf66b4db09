// The start-up benchmark's processes: spawned with the environment a side needs and stdin on /dev/null (as under
// systemd), the spawn and the exit stamped with process.hrtime.bigint(), the output kept for error messages, the stop
// bounded (SIGTERM, SIGKILL after 5 s). Also what an idle process holds in memory, from /proc (proc(5)).

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface Launched {
  readonly pid: number;
  /** hrtime (ns) just before spawn(). */
  readonly spawnedAt: bigint;
  /** Resolves with the exit's hrtime (ns) and code once it has exited, however it ended. */
  readonly ended: Promise<{ readonly at: bigint; readonly code: number | null; readonly signal: string | null }>;
  /** Rejects when it exits before `stop`. */
  readonly exited: Promise<never>;
  /** The last lines it printed (stdout and stderr). */
  output(): string;
  /** SIGTERM, SIGKILL after 5 s; resolves once it has exited. Safe to call more than once. */
  stop(): Promise<void>;
}

export interface LaunchOptions {
  /** Names it in error messages. */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  /** Added to this process's environment. */
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
}

export function launch({ name, command, args, env = {}, cwd }: LaunchOptions): Launched {
  const spawnedAt = process.hrtime.bigint();
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env }, ...(cwd !== undefined ? { cwd } : {}) });
  let text = '';
  const take = (chunk: Buffer): void => {
    text = (text + chunk.toString('utf8')).slice(-8000);
  };
  child.stdout.on('data', take);
  child.stderr.on('data', take);
  const output = (): string => text.split('\n').slice(-40).join('\n');
  const ended = new Promise<{ at: bigint; code: number | null; signal: string | null }>((resolve) => {
    child.once('error', (error) => {
      text += `\ncould not start ${command}: ${error.message}`;
      resolve({ at: process.hrtime.bigint(), code: null, signal: null });
    });
    child.once('exit', (code, signal) => resolve({ at: process.hrtime.bigint(), code, signal }));
  });
  let stopping = false;
  const exited = ended.then(({ code, signal }): never => {
    throw new Error(`${name} exited${stopping ? ' while stopping' : ''} (code ${code}, signal ${signal}); it printed:\n${output()}`);
  });
  exited.catch(() => {});
  let stopped: Promise<void> | undefined;
  return {
    pid: child.pid ?? -1,
    spawnedAt,
    ended,
    exited,
    output,
    stop: () => {
      stopped ??= (async () => {
        stopping = true;
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await ended;
        clearTimeout(killer);
      })();
      return stopped;
    },
  };
}

/** Milliseconds from `from` to `to` (hrtime, ns). */
export function msBetween(from: bigint, to: bigint): number {
  return Number(to - from) / 1e6;
}

/** What a process holds in memory now, kB. */
export interface IdleMemory {
  /** VmRSS: resident pages, shared ones (libraries, the node binary) counted whole. */
  readonly rssKb: number;
  /** RssAnon: the process's own heap and stacks (V8's heap, malloc). */
  readonly anonKb: number;
  /** RssFile: mapped files (the executable, libraries). */
  readonly fileKb: number;
  /** Pss from smaps_rollup: shared pages divided among their users; undefined when not readable. */
  readonly pssKb: number | undefined;
}

function kb(text: string, name: string, where: string): number {
  const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text);
  if (m === null) throw new Error(`${where} has no ${name}`);
  return Number(m[1]);
}

export function idleMemory(pid: number): IdleMemory {
  const status = readFileSync(`/proc/${pid}/status`, 'latin1');
  let pssKb: number | undefined;
  try {
    pssKb = kb(readFileSync(`/proc/${pid}/smaps_rollup`, 'latin1'), 'Pss', 'smaps_rollup');
  } catch {
    pssKb = undefined; // an older kernel, or not ours to read: the table says so
  }
  const where = `/proc/${pid}/status`;
  return { rssKb: kb(status, 'VmRSS', where), anonKb: kb(status, 'RssAnon', where), fileKb: kb(status, 'RssFile', where), pssKb };
}
