// One run at a time in the root cache: a directory made atomically, holding the owner's pid; a lock whose owner has
// died is taken over.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cacheDir } from './roots.ts';
import type { Log } from './run.ts';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** How deep this process is in withCacheLock (a caller holding the lock may call code that takes it again). */
let depth = 0;

/** Runs `fn` holding the cache lock; waits up to `waitMs` for another process to finish with it. */
export async function withCacheLock<T>(log: Log, fn: () => Promise<T>, waitMs = 40 * 60_000): Promise<T> {
  if (depth > 0) return held(fn);
  mkdirSync(cacheDir(), { recursive: true });
  const lock = path.join(cacheDir(), '.lock');
  const deadline = Date.now() + waitMs;
  let told = false;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(path.join(lock, 'pid'), String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    let owner = Number.NaN;
    try {
      owner = Number(readFileSync(path.join(lock, 'pid'), 'utf8'));
    } catch {
      // made but not yet written: its owner is about to write it
    }
    if (Number.isInteger(owner) && !alive(owner)) {
      log(`taking over the cache lock of process ${owner}, which has ended`);
      rmSync(lock, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`the root cache ${cacheDir()} stayed locked by process ${owner}`);
    if (!told) log(`waiting for process ${owner}, which is using the root cache`);
    told = true;
    await sleep(2000);
  }
  try {
    return await held(fn);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

async function held<T>(fn: () => Promise<T>): Promise<T> {
  depth += 1;
  try {
    return await fn();
  } finally {
    depth -= 1;
  }
}
