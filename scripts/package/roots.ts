// Debian trixie roots of each architecture, kept in a cache outside the clone between runs:
//   base-<arch>   debootstrap --variant=minbase + nodejs (the one every other root is copied from)
//   build-<arch>  + build-essential and Debian's node-gyp: native add-ons are compiled here, for trixie's nodejs
//   test-<arch>   + what the package depends on and systemd (for systemd-analyze): the package is installed in a copy
// A root counts only with its stamp (written last, naming the recipe); without one, or with another recipe, it is
// rebuilt. Roots are built under a temporary name and renamed when complete.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ensureEmulation, type DebArch } from './emulation.ts';
import { removeTree, withProc } from './mounts.ts';
import { run, type Log } from './run.ts';

export const SUITE = 'trixie';
export const MIRROR = 'http://deb.debian.org/debian';

/** Where the roots are kept: SIP_DOORBELL_CACHE, else /var/cache/sip-doorbell-build. */
export function cacheDir(): string {
  return process.env.SIP_DOORBELL_CACHE ?? '/var/cache/sip-doorbell-build';
}

export type RootKind = 'base' | 'build' | 'test';

interface Recipe {
  readonly from: 'debootstrap' | RootKind;
  readonly packages: readonly string[];
}

/** Raise when a recipe changes in a way its package list does not show: every cached root is rebuilt. */
const RECIPE_VERSION = 1;

export const RECIPES: Record<RootKind, Recipe> = {
  // ca-certificates: Debian's nodejs reads the system's CA file (and warns without it); a Pi has it.
  base: { from: 'debootstrap', packages: ['ca-certificates', 'nodejs'] },
  build: { from: 'base', packages: ['build-essential', 'node-gyp'] },
  // The package's Depends, so that installing it needs no network, and systemd for systemd-analyze verify.
  test: { from: 'base', packages: ['adduser', 'alsa-utils', 'gpiod', 'systemd'] },
};

/** The cached root's directory. */
export function rootDir(kind: RootKind, arch: DebArch): string {
  return path.join(cacheDir(), `${kind}-${SUITE}-${arch}`);
}

function stampOf(kind: RootKind, arch: DebArch): string {
  return JSON.stringify({ recipeVersion: RECIPE_VERSION, suite: SUITE, arch, kind, ...RECIPES[kind] });
}

const stampFile = (dir: string): string => path.join(dir, '.sip-doorbell-root.json');

/** Whether the root is complete and made by today's recipe. */
export function rootReady(kind: RootKind, arch: DebArch): boolean {
  const dir = rootDir(kind, arch);
  try {
    const stamp = JSON.parse(readFileSync(stampFile(dir), 'utf8')) as { recipe?: string };
    return stamp.recipe === stampOf(kind, arch) && existsSync(path.join(dir, 'usr/bin/node'));
  } catch {
    return false;
  }
}

/** Runs a command inside a root (with /proc mounted for the duration). */
export function inRoot(root: string, command: readonly string[], log?: Log): Promise<string> {
  return withProc(root, () => run(['chroot', root, ...command], log !== undefined ? { log } : {}));
}

/** apt-get install inside a root; lists from an older run may name versions the mirror dropped: update once, retry. */
async function aptInstall(root: string, packages: readonly string[], log: Log): Promise<void> {
  // unsafe-io: no fsync per file (a crash leaves no stamp, so the root would be rebuilt anyway).
  const install = ['apt-get', 'install', '-y', '-q', '--no-install-recommends', '-o', 'Dpkg::Options::=--force-unsafe-io', ...packages];
  try {
    await inRoot(root, install, log);
  } catch {
    log('apt-get install failed; updating the package lists and trying again');
    await inRoot(root, ['apt-get', 'update', '-q'], log);
    await inRoot(root, install, log);
  }
  await inRoot(root, ['apt-get', 'clean'], log);
}

/** Services installed into a root must not start: there is no init, and the host's ports are shared. */
function forbidServices(root: string): void {
  writeFileSync(path.join(root, 'usr/sbin/policy-rc.d'), '#!/bin/sh\n# sip-doorbell build root: no service starts here.\nexit 101\n', { mode: 0o755 });
}

async function makeRoot(kind: RootKind, arch: DebArch, partial: string, log: Log): Promise<void> {
  const recipe = RECIPES[kind];
  if (recipe.from === 'debootstrap') {
    log(`debootstrap ${SUITE} ${arch} (minbase) into ${partial}`);
    await run(['debootstrap', `--arch=${arch}`, '--variant=minbase', SUITE, partial, MIRROR], { log });
    forbidServices(partial);
    await inRoot(partial, ['apt-get', 'update', '-q'], log);
  } else {
    const from = await ensureRoot(recipe.from, arch, log);
    log(`copying ${from} to ${partial}`);
    // cp -a keeps owners, device nodes, hard links and extended attributes, which a Debian root has.
    await run(['cp', '-a', from, partial]);
    rmSync(stampFile(partial), { force: true });
  }
  log(`installing into the ${kind} root: ${recipe.packages.join(' ')}`);
  await aptInstall(partial, recipe.packages, log);
}

/**
 * The cached root of this kind and architecture, built first when missing, incomplete or of an older recipe. Callers
 * hold the cache lock (withCacheLock) so that two runs do not build or use a root at the same time.
 */
export async function ensureRoot(kind: RootKind, arch: DebArch, log: Log): Promise<string> {
  await ensureEmulation(arch, log);
  const dir = rootDir(kind, arch);
  if (rootReady(kind, arch)) return dir;
  const started = Date.now();
  const partial = `${dir}.partial`;
  await removeTree(partial);
  await removeTree(dir);
  mkdirSync(cacheDir(), { recursive: true });
  await makeRoot(kind, arch, partial, log);
  writeFileSync(stampFile(partial), JSON.stringify({ recipe: stampOf(kind, arch), built: new Date().toISOString() }));
  renameSync(partial, dir);
  log(`${kind} root for ${arch} ready in ${Math.round((Date.now() - started) / 1000)} s`);
  return dir;
}
