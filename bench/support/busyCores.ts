// Load for the "other core busy" variants: child processes that spin (pinned nowhere: the scheduler places them).

import { type ChildProcess, spawn } from 'node:child_process';

export interface BusyCores {
  readonly count: number;
  /** SIGKILLs every spinner and waits for their exit. */
  stop(): Promise<void>;
}

/** Starts `count` processes that each keep one core busy until stopped (and die with their stdin's end). */
export function busyCores(count: number): BusyCores {
  const children: ChildProcess[] = [];
  for (let i = 0; i < count; i++) {
    // The spinner also watches its stdin: if the benchmark dies without stopping it, the pipe closes and it exits.
    const child = spawn(process.execPath, ['-e', "process.stdin.on('end', () => process.exit()).resume(); setImmediate(function spin() { const end = Date.now() + 50; while (Date.now() < end); setImmediate(spin); });"], {
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    child.on('error', () => {});
    children.push(child);
  }
  return {
    count,
    stop: async () => {
      await Promise.all(children.map((child) => new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      })));
    },
  };
}
