// The gpiod command-line tools (Debian package `gpiod`) as the chardev driver uses them: which version is installed
// (bookworm ships v1.6, trixie v2.x; their flags differ), whether gpioset takes `--interactive` (a v2 build option),
// the chips gpiodetect lists, and the arguments and output of gpiomon and gpioset for each version.

import type { ByteSink, ByteSource } from '../../audio/audioProcess.ts';
import type { GpioChip } from '../chips.ts';

/** A running gpiomon or gpioset (node's ChildProcess fits, and so does the tests' fake). */
export interface ToolProcess {
  readonly stdin: ByteSink | null;
  readonly stdout: ByteSource | null;
  readonly stderr: ByteSource | null;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'close', listener: (code: number | null, signal: string | null) => void): unknown;
  kill(signal?: NodeJS.Signals): boolean;
}

/** Starts a long-running tool with every pipe open. */
export type SpawnTool = (command: string, args: readonly string[]) => ToolProcess;

/** What a short synchronous run gave (spawnSync's shape, narrowed). */
export interface RunResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Set when the program could not run at all (`ENOENT`: not installed). */
  readonly error?: { readonly code?: string | undefined; readonly message: string } | undefined;
}

/** Runs a tool to its end, synchronously (start-up probes and the last rest write at exit). */
export type RunSync = (command: string, args: readonly string[]) => RunResult;

export interface GpiodTools {
  readonly major: 1 | 2;
  /** gpioset v2 built with --interactive: one process takes `set` commands on stdin. */
  readonly interactive: boolean;
}

export type ToolsProbe = { readonly ok: true; readonly tools: GpiodTools } | { readonly ok: false; readonly error: string };

/** Asks `gpioset --version` (and `--help` for v2) which tools are installed. */
export function probeGpiodTools(run: RunSync): ToolsProbe {
  const version = run('gpioset', ['--version']);
  if (version.error !== undefined) {
    const missing = version.error.code === 'ENOENT';
    return { ok: false, error: missing ? 'gpioset is not installed (apt-get install gpiod)' : `gpioset --version: ${version.error.message}` };
  }
  const match = /v(\d+)\.\d+/.exec(version.stdout);
  const major = match === null ? undefined : Number(match[1]);
  if (major === 1) return { ok: true, tools: { major: 1, interactive: false } };
  if (major === undefined || major < 1) return { ok: false, error: `gpioset --version said nothing readable: ${version.stdout.trim().slice(0, 80)}` };
  const help = run('gpioset', ['--help']);
  return { ok: true, tools: { major: 2, interactive: help.stdout.includes('--interactive') } };
}

/** `gpiochip0 [pinctrl-bcm2711] (58 lines)` → chips (the same in v1 and v2). */
export function parseGpiodetect(text: string): GpioChip[] {
  const chips: GpioChip[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*(\S+)\s+\[(.*)\]\s+\((\d+) lines?\)/.exec(line);
    if (m !== null) chips.push({ name: m[1] ?? '', label: m[2] ?? '', lines: Number(m[3]) });
  }
  return chips;
}

/** gpiomon for these offsets, one `<offset> <edge>` line per edge, flushed per line. */
export function gpiomonArgs(tools: GpiodTools, chip: string, offsets: readonly number[]): string[] {
  const lines = offsets.map(String);
  return tools.major === 2 ? ['-c', chip, '-e', 'both', '-F', '%o %e', ...lines] : ['-b', '-F', '%o %e', chip, ...lines];
}

/** One gpiomon output line → the line and its new level (v2: 1 rising, 2 falling; v1: 1 rising, 0 falling). */
export function parseGpiomonLine(tools: GpiodTools, line: string): { readonly offset: number; readonly high: boolean } | undefined {
  const m = /^\s*(\d+)\s+(\d)\s*$/.exec(line);
  if (m === null) return undefined;
  const edge = Number(m[2]);
  const falling = tools.major === 2 ? 2 : 0;
  if (edge !== 1 && edge !== falling) return undefined;
  return { offset: Number(m[1]), high: edge === 1 };
}

const assignments = (levels: ReadonlyMap<number, 0 | 1>): string[] => [...levels].map(([offset, level]) => `${offset}=${level}`);

/** gpioset holding these raw levels until it is stopped (interactive: and taking `set` commands). */
export function gpiosetHoldArgs(tools: GpiodTools, chip: string, levels: ReadonlyMap<number, 0 | 1>): string[] {
  if (tools.major === 1) return ['--mode=signal', chip, ...assignments(levels)];
  return [...(tools.interactive ? ['-i'] : []), '-c', chip, ...assignments(levels)];
}

/** gpioset that writes these raw levels and exits at once (v2: a single toggle period of 0). */
export function gpiosetOnceArgs(tools: GpiodTools, chip: string, levels: ReadonlyMap<number, 0 | 1>): string[] {
  if (tools.major === 1) return ['--mode=exit', chip, ...assignments(levels)];
  return ['-t', '0', '-c', chip, ...assignments(levels)];
}

/** The interactive command that changes these lines. */
export function gpiosetCommand(levels: ReadonlyMap<number, 0 | 1>): string {
  return `set ${assignments(levels).join(' ')}\n`;
}
