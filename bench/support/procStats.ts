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

/** The `name:  N kB` line of a /proc status-like text (`where` names the file in the error). */
function kbOf(text: string, name: string, where: string): number {
  const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text);
  if (m === null) throw new Error(`${where} has no ${name}`);
  return Number(m[1]);
}

export function memory(pid: number): Memory {
  const where = `/proc/${pid}/status`;
  const status = readFileSync(where, 'latin1');
  return { peakKb: kbOf(status, 'VmHWM', where), rssKb: kbOf(status, 'VmRSS', where) };
}

/** What an idle process holds in memory now, kB. */
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

export function idleMemory(pid: number): IdleMemory {
  const where = `/proc/${pid}/status`;
  const status = readFileSync(where, 'latin1');
  let pssKb: number | undefined;
  try {
    pssKb = kbOf(readFileSync(`/proc/${pid}/smaps_rollup`, 'latin1'), 'Pss', 'smaps_rollup');
  } catch {
    pssKb = undefined; // an older kernel, or not ours to read: the table says so
  }
  return { rssKb: kbOf(status, 'VmRSS', where), anonKb: kbOf(status, 'RssAnon', where), fileKb: kbOf(status, 'RssFile', where), pssKb };
}
