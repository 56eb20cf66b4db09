// The mounts a Debian root needs while programs run in it (/proc), and the one safe way to delete a root: nothing may
// be mounted inside it, or `rm -r` would walk into the host's /proc or /dev.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { run, toolEnv } from './run.ts';

/** Mount points made by this process and not yet unmounted: the exit hook unmounts what an error left behind. */
const ours = new Set<string>();
let exitHook = false;

/** Mount points at or below `dir`, deepest first (from /proc/self/mountinfo; octal escapes such as \040 decoded). */
export function mountsUnder(dir: string): string[] {
  const base = path.resolve(dir);
  const points = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((point): point is string => point !== undefined)
    .map((point) => point.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8))))
    .filter((point) => point === base || point.startsWith(`${base}/`));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

/** Unmounts synchronously (lazily when busy): for the exit hook and for cleanup that must not be skipped. */
function unmountNow(point: string): void {
  const env = toolEnv();
  if (spawnSync('umount', [point], { env, stdio: 'ignore' }).status !== 0) {
    spawnSync('umount', ['-l', point], { env, stdio: 'ignore' });
  }
  ours.delete(point);
}

function hookExit(): void {
  if (exitHook) return;
  exitHook = true;
  process.on('exit', () => {
    for (const point of [...ours].sort((a, b) => b.length - a.length)) unmountNow(point);
  });
}

/** Unmounts every mount point at or below `dir`. */
export function unmountUnder(dir: string): void {
  for (const point of mountsUnder(dir)) unmountNow(point);
  const left = mountsUnder(dir);
  if (left.length > 0) throw new Error(`still mounted under ${dir}: ${left.join(', ')}`);
}

/**
 * Runs `fn` with a fresh proc file system on `<root>/proc` (node, apt and maintainer scripts read it), unmounted
 * afterwards whatever happens, and at process exit should the process end in between.
 */
export async function withProc<T>(root: string, fn: () => Promise<T>): Promise<T> {
  if (!(await mountProc(root))) return fn(); // already mounted, by an enclosing call or by mountProc
  try {
    return await fn();
  } finally {
    unmountNow(path.join(path.resolve(root), 'proc'));
  }
}

/**
 * Mounts proc on `<root>/proc` until unmountUnder(root) or removeTree(root) (or the process's exit); false when it
 * was already mounted.
 */
export async function mountProc(root: string): Promise<boolean> {
  const point = path.join(path.resolve(root), 'proc');
  if (mountsUnder(point).length > 0) return false;
  hookExit();
  await run(['mount', '-t', 'proc', 'proc', point]);
  ours.add(point);
  return true;
}

/**
 * Deletes a directory tree that may be a Debian root: unmounts what is mounted inside it first, then removes it
 * without crossing into another file system.
 */
export async function removeTree(dir: string): Promise<void> {
  if (!existsSync(dir)) return;
  const resolved = path.resolve(dir);
  if (resolved === '/' || resolved.split('/').length < 3) throw new Error(`refusing to remove ${resolved}`);
  unmountUnder(resolved);
  await run(['rm', '-rf', '--one-file-system', resolved]);
}
