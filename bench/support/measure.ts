// Measurement helpers shared by the benchmarks: fixed-time timing slots and allocation windows.

import v8 from 'node:v8';

/** One unit of work: takes an input, returns a number the caller folds into a sink. */
export type Work<I> = (input: I) => number;

let sink = 0;

/** Folds a result into a module-level value so no benchmarked work can be optimised away. */
export function consume(value: number): void {
  sink = (sink + value) | 0;
}

/** The folded value (printing it is optional; reading it keeps the sink observable). */
export function sinkValue(): number {
  return sink;
}

// One shared loop for every subject: the call site is megamorphic, so every subject pays the same
// (non-inlined) call per operation and none gets its work hoisted out of the loop.
function loop<I>(work: Work<I>, input: I, n: number): number {
  let acc = 0;
  for (let i = 0; i < n; i++) acc = (acc + work(input)) | 0;
  return acc;
}

function now(): number {
  return Number(process.hrtime.bigint());
}

/** Runs `work` for about `ms` milliseconds (JIT warm-up); returns a batch size taking ~1 ms. */
export function warmUp<I>(work: Work<I>, input: I, ms: number): number {
  let batch = 1;
  let nsPerOp = 0;
  const start = now();
  while (now() - start < ms * 1e6) {
    const t0 = now();
    consume(loop(work, input, batch));
    const took = now() - t0;
    nsPerOp = took / batch;
    if (took < 1e6) batch = Math.min(batch * 2, 1 << 20);
  }
  return Math.max(1, Math.round(1e6 / Math.max(nsPerOp, 1)));
}

/** Runs whole batches for at least `ms` milliseconds; returns nanoseconds per operation. */
export function timeSlot<I>(work: Work<I>, input: I, batch: number, ms: number): number {
  const budget = ms * 1e6;
  let ops = 0;
  const start = now();
  let elapsed = 0;
  do {
    consume(loop(work, input, batch));
    ops += batch;
    elapsed = now() - start;
  } while (elapsed < budget);
  return elapsed / ops;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Empties the young generation (a scavenge) when the process runs with --expose-gc; a no-op
 * otherwise. Deliberately not a full GC: a full GC clears map transitions no live object uses,
 * and optimised code that embedded those maps is thrown away ("deoptimization, reason: weak
 * objects"), so whatever ran next would be measured while it is being re-optimised.
 */
export function collect(): void {
  globalThis.gc?.({ type: 'minor' });
}

/** Node flags an allocation child needs: gc() and a young generation too big to fill by accident. */
export const ALLOC_NODE_FLAGS: readonly string[] = ['--expose-gc', '--min-semi-space-size=256', '--max-semi-space-size=256'];

/** Bytes the larger window may allocate: an eighth of one 256 MiB semi-space, so no scavenge is due inside it. */
const WINDOW_BUDGET = 32 * 1024 * 1024;
const PROBE_OPS = 8;

export interface AllocResult {
  /** Bytes allocated per operation. */
  readonly bytesPerOp: number;
  /** Operations in the window that was kept. */
  readonly n: number;
  /** Windows thrown away because a GC ran inside them. */
  readonly retries: number;
}

interface Window {
  readonly bytes: number;
  readonly gcs: number;
}

function allocWindow<I>(work: Work<I>, input: I, n: number): Window {
  const gc = globalThis.gc;
  if (gc === undefined) throw new Error('allocation measurement needs node --expose-gc');
  gc({ type: 'minor' }); // see collect(): a full GC would deoptimise `work`
  const profiler = new v8.GCProfiler();
  profiler.start();
  const before = v8.getHeapStatistics().used_heap_size;
  consume(loop(work, input, n));
  const after = v8.getHeapStatistics().used_heap_size;
  const { statistics } = profiler.stop();
  return { bytes: after - before, gcs: statistics.length };
}

/**
 * Bytes allocated per operation. A window is: scavenge, read the heap size, run the operations,
 * read it again. Two windows, of `n` and `2n` operations, are subtracted and divided by `n`, which
 * cancels whatever a window costs once (the bookkeeping's own objects, one-off work in the first
 * operation); the figure is the median of `repeats` such pairs. `n` is
 * sized from a probe so a window stays far inside the young generation; a pair in which any GC
 * ran (v8.GCProfiler) is thrown away and redone with half the operations. `work` must be warm
 * (optimised), or the figure includes the interpreter's allocations.
 */
export function allocPerOp<I>(work: Work<I>, input: I, maxN = 2000, repeats = 3): AllocResult {
  const probe = allocWindow(work, input, 2 * PROBE_OPS).bytes - allocWindow(work, input, PROBE_OPS).bytes;
  const estimate = Math.max(1, probe / PROBE_OPS);
  let n = Math.max(1, Math.min(maxN, Math.floor(WINDOW_BUDGET / 2 / estimate)));
  let retries = 0;
  const perOp: number[] = [];
  while (perOp.length < repeats) {
    const single = allocWindow(work, input, n);
    const double = allocWindow(work, input, 2 * n);
    if (single.gcs === 0 && double.gcs === 0) {
      perOp.push(Math.max(0, (double.bytes - single.bytes) / n));
      continue;
    }
    if (++retries > 8) throw new Error('every allocation window saw a GC (is the young generation large enough?)');
    n = Math.max(1, n >> 1);
    perOp.length = 0;
  }
  return { bytesPerOp: median(perOp), n, retries };
}
