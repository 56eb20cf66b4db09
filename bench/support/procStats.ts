// What a running process has used, read from Linux's /proc (proc(5)): CPU time in clock ticks, resident memory.

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

/** `getconf CLK_TCK` (the unit of utime/stime in /proc/<pid>/stat), asked once. */
export function clockTicksPerSecond(): number {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
  if (!(ticksPerSecond > 0)) throw new Error('getconf CLK_TCK gave no tick rate');
  return ticksPerSecond;
}

/** utime + stime of every thread of `pid` so far, in seconds (fields 14 and 15 of /proc/<pid>/stat). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  // The command name (field 2) is in parentheses and may hold spaces: count fields after its closing one.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return (utime + stime) / clockTicksPerSecond();
}

export interface Memory {
  /** Peak resident set size over the process's life (VmHWM), kB. */
  readonly peakKb: number;
  /** Resident set size now (VmRSS), kB. */
  readonly rssKb: number;
}

export function memory(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, 'latin1');
  const kb = (name: string): number => {
    const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status);
    if (m === null) throw new Error(`/proc/${pid}/status has no ${name}`);
    return Number(m[1]);
  };
  return { peakKb: kb('VmHWM'), rssKb: kb('VmRSS') };
}
