// What each benchmark's main needs around its measurements: whole-number knobs from the environment, the sides
// a run picks, the door bundle built from the source as it is now, and sleeps and bounds on waiting.

import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The environment variable `name` as a whole number ≥ 1, `fallback` when unset or empty; throws on anything else. */
export function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a whole number ≥ 1, not ${raw}`);
  return value;
}

/** The names listed (comma-separated) in the environment variable `name`, `fallback` when unset. */
export function wantedSides(name: string, fallback: string): string[] {
  return (process.env[name] ?? fallback).split(',').map((n) => n.trim());
}

/** The repository root, found from wherever this file runs (bench/ as source, bench/.out/ as a bundle). */
export function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'scripts', 'build.mjs'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('scripts/build.mjs not found above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
  return dir;
}

/** Builds the door bundle as `npm run build` does, into bench/.out/door/ (the source as it is now, not a stale dist/). */
export async function buildDoor(root: string): Promise<string> {
  // BENCH_DOOR_BUNDLE: a bundle built elsewhere (say, unminified, to read a CPU profile's names) instead of a fresh one.
  const prebuilt = process.env.BENCH_DOOR_BUNDLE;
  if (prebuilt !== undefined && prebuilt !== '') return path.resolve(prebuilt);
  const script = pathToFileURL(path.join(root, 'scripts', 'build.mjs')).href;
  const { build } = (await import(script)) as { build(outfile?: string): Promise<{ outfile: string }> };
  return (await build(path.join(root, 'bench', '.out', 'door', 'sip-doorbell.js'))).outfile;
}

/**
 * BENCH_DOOR_NODE_FLAGS (space-separated): node flags for our door beyond the usual ones, e.g. `--cpu-prof
 * --cpu-prof-dir /tmp/prof` to see where a press or the start goes, or `--import <preload>` to read V8's heap
 * statistics; empty by default.
 */
export function doorNodeFlags(): string[] {
  return (process.env.BENCH_DOOR_NODE_FLAGS ?? '').split(' ').filter((flag) => flag !== '');
}

/** Milliseconds from `from` to `to` (hrtime, ns). */
export function msBetween(from: bigint, to: bigint): number {
  return Number(to - from) / 1e6;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** `promise`, or a rejection with `what` as its message after `ms`. */
export function bounded<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(what)), ms)))])
    .finally(() => clearTimeout(timer));
}
