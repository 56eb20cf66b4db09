// Runs the benchmarks: bundles each TypeScript entry under bench/ with esbuild into bench/.out/,
// then runs each bundle in its own node process with the flags it needs, one after the other.
// `npm run bench` runs all; `npm run bench -- parser` runs those whose name contains "parser".
// Exits nonzero when a benchmark crashes; a missed target is printed (MISS) but is not a crash.
import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Where the bundles go (git-ignored). */
const OUTDIR = path.join(root, 'bench', '.out');

/**
 * The benchmarks, run in this order. `entry` is a TypeScript file under bench/; `nodeFlags` are
 * passed to its node process. A benchmark that needs a differently configured process for part
 * of its work (the parser benchmark's allocation count) starts that child itself.
 * @type {ReadonlyArray<{ name: string, entry: string, nodeFlags: readonly string[] }>}
 */
export const BENCHMARKS = [
  // --expose-gc: every timing slot starts with a scavenge, so no subject inherits another's garbage.
  { name: 'parser', entry: 'bench/parser.bench.ts', nodeFlags: ['--expose-gc'] },
  // Real calls, BENCH_MEDIA_RUNS × 2 × 2 × BENCH_MEDIA_SECONDS (default 3 × 2 × 2 × 60 s): see the file's header.
  { name: 'media', entry: 'bench/media.bench.ts', nodeFlags: [] },
  // Button edge → INVITE: 2 × (5 + 100) presses, our door and baresip alternating (about 40 s): see the file's header.
  { name: 'press', entry: 'bench/press.bench.ts', nodeFlags: [] },
  // Spawn → first REGISTER / READY=1 and idle RSS, ours (as the systemd unit starts it) vs bare node and baresip,
  // 10 runs each one at a time with 5 s idle (about 3 minutes): see the file's header.
  { name: 'startup', entry: 'bench/startup.bench.ts', nodeFlags: [] },
];

/** Output file of a bundled entry: bench/x/y.bench.ts → bench/.out/x/y.bench.mjs. */
function outfileOf(entry) {
  const rel = path.relative(path.join(root, 'bench'), path.join(root, entry));
  return path.join(OUTDIR, rel.replace(/\.[cm]?ts$/, '.mjs'));
}

async function bundle(benchmarks) {
  await rm(OUTDIR, { recursive: true, force: true });
  await esbuild.build({
    entryPoints: benchmarks.map((b) => ({ in: path.join(root, b.entry), out: path.relative(OUTDIR, outfileOf(b.entry)).replace(/\.mjs$/, '') })),
    outdir: OUTDIR,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // npm packages (the peers measured against) load from node_modules exactly as published;
    // our own TypeScript is bundled as it is for the device.
    packages: 'external',
    logLevel: 'warning',
  });
}

/** Runs one bundle; resolves with its exit code (a signal counts as a crash). */
function run(benchmark) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...benchmark.nodeFlags, outfileOf(benchmark.entry)], {
      cwd: root,
      stdio: 'inherit',
    });
    child.on('error', (err) => {
      console.error(`bench: cannot start ${benchmark.name}: ${err.message}`);
      resolve(1);
    });
    child.on('exit', (code, signal) => resolve(signal !== null ? 128 : (code ?? 1)));
  });
}

async function main() {
  const filters = process.argv.slice(2);
  const selected = BENCHMARKS.filter((b) => filters.length === 0 || filters.some((f) => b.name.includes(f)));
  if (selected.length === 0) {
    console.error(`bench: no benchmark matches ${filters.join(' ')} (have: ${BENCHMARKS.map((b) => b.name).join(', ')})`);
    return 1;
  }
  try {
    await bundle(selected);
  } catch {
    // esbuild has already printed the errors with file and line.
    return 1;
  }
  const crashed = [];
  for (const benchmark of selected) {
    console.log(`\n=== ${benchmark.name} (${benchmark.entry}) ===`);
    const started = Date.now();
    const code = await run(benchmark);
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    if (code === 0) console.log(`=== ${benchmark.name}: done in ${seconds} s ===`);
    else {
      console.log(`=== ${benchmark.name}: CRASHED (exit ${code}) after ${seconds} s ===`);
      crashed.push(benchmark.name);
    }
  }
  if (crashed.length > 0) console.error(`bench: crashed: ${crashed.join(', ')}`);
  return crashed.length > 0 ? 1 : 0;
}

process.exitCode = await main();
