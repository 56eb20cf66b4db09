// A throw-away copy of the cached Debian trixie test root (scripts/package/roots.ts) to install the package into, with
// helpers to run programs in it and to start the packaged door station in it as its user.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readdirSync, readFileSync, lstatSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { withCacheLock } from '../../scripts/package/lock.ts';
import { mountProc, removeTree } from '../../scripts/package/mounts.ts';
import { cacheDir, ensureRoot, rootDir } from '../../scripts/package/roots.ts';
import type { DebArch } from '../../scripts/package/emulation.ts';
import { run, toolEnv, type Log } from '../../scripts/package/run.ts';

export interface WorkRoot {
  readonly dir: string;
  /** Runs a command in the root; resolves with its output, rejects with it. */
  exec(command: readonly string[], input?: string): Promise<string>;
  /** A file's path on the host. */
  file(inside: string): string;
  remove(): Promise<void>;
}

/** Work roots of test runs that ended without removing theirs (killed): removed when their process is gone. */
async function removeStaleWorkRoots(log: Log): Promise<void> {
  for (const name of readdirSync(cacheDir())) {
    const pid = /^work-(\d+)-/.exec(name)?.[1];
    if (pid === undefined) continue;
    try {
      process.kill(Number(pid), 0);
    } catch {
      log(`removing ${name}, left by process ${pid}`);
      await removeTree(path.join(cacheDir(), name));
    }
  }
}

/**
 * Makes sure the cached test root exists and copies it for this run, with /proc mounted in it until remove(). (The
 * build root is packageDebs' business: a caller holding the cache lock may run both side by side.)
 */
export async function makeWorkRoot(arch: DebArch, log: Log): Promise<WorkRoot> {
  const dir = path.join(cacheDir(), `work-${process.pid}-${arch}`);
  await withCacheLock(log, async () => {
    await ensureRoot('test', arch, log);
    await removeStaleWorkRoots(log);
    await removeTree(dir);
    await run(['cp', '-a', rootDir('test', arch), dir]);
  });
  // Without package lists apt resolves from what is installed only: fast under emulation, and proof that the
  // package's dependencies are all there is to it.
  await run(['sh', '-c', 'rm -rf "$1"/var/lib/apt/lists/*', 'sh', dir]);
  await mountProc(dir);
  return {
    dir,
    exec: (command, input) => run(['chroot', dir, ...command], input !== undefined ? { input } : {}),
    file: (inside) => path.join(dir, inside),
    remove: () => removeTree(dir),
  };
}

/** Every path in the root outside the places dpkg, apt and the kernel keep changing (to compare before and after). */
export function snapshot(root: string): Set<string> {
  const skip = new Set(['/proc', '/sys', '/dev', '/run', '/tmp', '/var/tmp', '/var/lib/dpkg', '/var/lib/apt', '/var/cache', '/var/log']);
  const paths = new Set<string>();
  const walk = (inside: string): void => {
    for (const entry of readdirSync(path.join(root, inside))) {
      const child = path.posix.join(inside, entry);
      if (skip.has(child)) continue;
      paths.add(child);
      if (lstatSync(path.join(root, child)).isDirectory()) walk(child);
    }
  };
  walk('/');
  return paths;
}

/** A user's numeric id and groups as the root's /etc/passwd and /etc/group say; undefined when there is no such user. */
export function userInRoot(root: string, name: string): { uid: number; gid: number; groups: string[] } | undefined {
  const entry = readFileSync(path.join(root, 'etc/passwd'), 'utf8').split('\n').find((line) => line.startsWith(`${name}:`));
  if (entry === undefined) return undefined;
  const [, , uid, gid] = entry.split(':');
  const groups = readFileSync(path.join(root, 'etc/group'), 'utf8').split('\n')
    .filter((line) => line.split(':')[3]?.split(',').includes(name) === true || line.split(':')[2] === gid)
    .map((line) => line.split(':')[0]!);
  return { uid: Number(uid), gid: Number(gid), groups };
}

export interface RootProcess {
  readonly pid: number;
  lines(): readonly string[];
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray>;
  /** SIGTERM, then SIGKILL after `boundMs`; resolves with the exit code (null: killed). */
  stop(boundMs: number): Promise<number | null>;
}

/**
 * Starts `command` in the root as `user` (setpriv: the user's ids and groups, no fork, so our pid is the program's)
 * with a clean environment. A watchdog shell kills it should this test process die first.
 */
export function startInRoot(root: string, user: string, command: readonly string[]): RootProcess {
  const child: ChildProcessWithoutNullStreams = spawn('chroot', [root, 'setpriv', `--reuid=${user}`, `--regid=${user}`, '--init-groups', '--', ...command], {
    env: toolEnv({ HOME: '/nonexistent' }),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdin.on('error', () => {});
  const watchdog = spawn('sh', ['-c', 'read -r _; kill -KILL "$1" 2>/dev/null', 'sh', String(child.pid)], { stdio: ['pipe', 'ignore', 'ignore'] });
  watchdog.stdin.on('error', () => {});
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
      lines.push(line);
      for (const waiter of [...waiters]) waiter();
    });
  }
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => {
    exitCode = code;
    watchdog.kill('SIGKILL');
    for (const waiter of [...waiters]) waiter();
    resolve(code);
  }));
  return {
    pid: child.pid ?? -1,
    lines: () => lines,
    waitForLine: (pattern, timeoutMs) => new Promise((resolve, reject) => {
      const timer = setTimeout(() => finish(new Error(`no line matching ${pattern} within ${timeoutMs} ms:\n${lines.slice(-40).join('\n')}`)), timeoutMs);
      const finish = (error?: Error, match?: RegExpExecArray): void => {
        clearTimeout(timer);
        waiters.delete(check);
        if (match !== undefined) resolve(match);
        else reject(error);
      };
      const check = (): void => {
        for (const line of lines) {
          const match = pattern.exec(line);
          if (match !== null) return finish(undefined, match);
        }
        if (exitCode !== undefined) finish(new Error(`exited (${exitCode}) before printing ${pattern}:\n${lines.slice(-40).join('\n')}`));
      };
      waiters.add(check);
      check();
    }),
    stop: async (boundMs) => {
      if (exitCode !== undefined) return exitCode;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), boundMs);
      const code = await exited;
      clearTimeout(killer);
      return code;
    },
  };
}
