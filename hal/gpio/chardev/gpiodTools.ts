// The gpiod command-line tools (Debian package `gpiod`) as the chardev driver uses them: which version is installed
// (bookworm ships v1.6, trixie v2.x; their flags differ), whether gpioset takes `--interactive` (a v2 build option),
// the chips gpiodetect lists, and the arguments and output of gpiomon and gpioset for each version.

import type { PipedProcess } from '../../childProcess.ts';
import type { GpioChip } from '../chips.ts';

/** Starts a long-running tool with every pipe open. */
export type SpawnTool = (command: string, args: readonly string[]) => PipedProcess;

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

/**
 * The pull a button line needs: an active-low button (wired to ground) is held high by a pull-up, an active-high one
 * (wired to 3.3 V) low by a pull-down. Without it the line floats, or, on GPIO 9-27 of a Pi (pulled down at reset),
 * an active-low button never makes an edge at all.
 */
export type LineBias = 'pull-up' | 'pull-down';

export const biasFor = (activeLow: boolean): LineBias => (activeLow ? 'pull-up' : 'pull-down');

/**
 * The kernel debounce gpiomon v2 asks for (v1 has none). The application acts on the first edge of a press (for
 * latency), so a spike on a long bell wire, such as the door opener's coil switching off next to it, would be a
 * press; the kernel reports an edge only once the new level has held this long, which a button press easily does.
 */
export const KERNEL_DEBOUNCE_MS = 5;

/**
 * gpiomon for these offsets with one bias (a gpiomon applies one to all its lines), one `<offset> <edge>` line per
 * edge, flushed per line. v1's `-b` is line-buffered output and `-B` the bias; v2's `-b` is the bias.
 */
export function gpiomonArgs(tools: GpiodTools, chip: string, offsets: readonly number[], bias: LineBias): string[] {
  const lines = offsets.map(String);
  if (tools.major === 1) return ['-b', '-B', bias, '-F', '%o %e', chip, ...lines];
  return ['-c', chip, '-e', 'both', '-b', bias, '-p', `${KERNEL_DEBOUNCE_MS}ms`, '-F', '%o %e', ...lines];
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
