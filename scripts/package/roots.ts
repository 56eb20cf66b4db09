// Debian trixie roots of each architecture, kept in a cache outside the clone:
//   base-<arch>   mmdebstrap --variant=essential (Debian's Essential: yes set) + nodejs: the other two are copies of it
//   build-<arch>  + g++, make and Debian's node-gyp: native add-ons are compiled here, for trixie's nodejs
//   test-<arch>   + apt, ca-certificates, what the package depends on and systemd (for systemd-analyze): the package
//                 is installed in a copy
// Packages are resolved and downloaded by this machine's apt (natively, in parallel) and installed by dpkg inside the
// root (chrooted, under qemu for another architecture), so only dpkg and the maintainer scripts run emulated. The
// build and test roots are made side by side by callers that need both. A root counts only with its stamp (written
// last, naming the recipe); without one, or with another recipe, it is rebuilt. Roots are built under a temporary
// name and renamed when complete.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ensureEmulation, type DebArch } from './emulation.ts';
import { removeTree, withProc } from './mounts.ts';
import { haveProgram, run, type Log } from './run.ts';

export const SUITE = 'trixie';
export const MIRROR = 'http://deb.debian.org/debian';

/** Where the roots are kept: SIP_DOORBELL_CACHE, else /var/cache/sip-doorbell-build. */
export function cacheDir(): string {
  return process.env.SIP_DOORBELL_CACHE ?? '/var/cache/sip-doorbell-build';
}

export type RootKind = 'base' | 'build' | 'test';

interface Recipe {
  readonly from: 'mmdebstrap' | RootKind;
  /** Installed with their dependencies, without recommends. */
  readonly packages: readonly string[];
  /** Python is not byte-compiled while they are installed: under emulation that is most of what python costs. */
  readonly skipBytecode?: boolean;
}

/** Raise when a recipe changes in a way its fields do not show: every cached root is rebuilt. */
const RECIPE_VERSION = 2;

export const RECIPES: Record<RootKind, Recipe> = {
  base: { from: 'mmdebstrap', packages: ['nodejs'] },
  // g++ and make rather than build-essential, which adds dpkg-dev and perl: node-gyp needs a compiler and make. The
  // root is used by nothing but node-gyp, so its python goes without .pyc files.
  build: { from: 'base', packages: ['g++', 'make', 'node-gyp'], skipBytecode: true },
  // apt, which installs the package as on a Pi; the package's Depends, so that installing it needs no network;
  // ca-certificates, which nodejs recommends (so apt brings it on a Pi; without it Debian's node warns at every
  // start); systemd for systemd-analyze verify.
  test: { from: 'base', packages: ['apt', 'ca-certificates', 'adduser', 'alsa-utils', 'gpiod', 'systemd'] },
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

/**
 * Runs apt-get or apt-cache of this machine on a root: its sources, keys, lists, archive cache and dpkg status, for
 * its architecture; apt chroots into it to run dpkg (as mmdebstrap does).
 */
async function hostApt(root: string, arch: DebArch, command: readonly string[], log?: Log): Promise<string> {
  const config = `${root}.apt.conf`;
  writeFileSync(config, [
    `Dir "${root}/";`,
    `APT::Architecture "${arch}";`,
    `APT::Architectures { "${arch}"; };`,
    `DPkg::Chroot-Directory "${root}";`,
    // This configuration alone: not the root's apt.conf.d, whose debconf hook would extract every package's
    // templates ahead of dpkg, in emulated perl, for questions that nobody is asked here.
    'Dir::Etc::Parts "/dev/null";',
    'Dir::Etc::Main "/dev/null";',
    // The archive keys this machine trusts, as mmdebstrap uses them (the essential set has no keyring).
    'Dir::Etc::Trusted "/etc/apt/trusted.gpg";',
    'Dir::Etc::TrustedParts "/etc/apt/trusted.gpg.d/";',
    // The root's _apt user means nothing to this machine.
    'APT::Sandbox::User "root";',
    'APT::Install-Recommends "false";',
    'Acquire::Languages "none";',
    // No fsync per file (a crash leaves no stamp, so the root would be rebuilt anyway).
    'DPkg::Options { "--force-unsafe-io"; };',
    'DPkg::Use-Pty "false";',
    '',
  ].join('\n'));
  try {
    return await withProc(root, () => run(command, { env: { APT_CONFIG: config }, ...(log !== undefined ? { log } : {}) }));
  } finally {
    rmSync(config, { force: true });
  }
}

/**
 * Makes py3compile, py3clean and the python3.X postinsts' own py_compile.py no-ops by dpkg diversion until the
 * returned function restores them (Debian's files in place, never run). Needs the root's package lists.
 */
async function divertBytecode(root: string, arch: DebArch): Promise<() => Promise<void>> {
  const python = /Depends: (python3\.\d+)-minimal$/m.exec(await hostApt(root, arch, ['apt-cache', 'depends', 'python3-minimal']))?.[1];
  const files = ['/usr/bin/py3compile', '/usr/bin/py3clean', ...(python !== undefined ? [`/usr/lib/${python}/py_compile.py`] : [])];
  for (const file of files) {
    await inRoot(root, ['dpkg-divert', '--quiet', '--local', '--rename', '--divert', `${file}.sip-doorbell`, '--add', file]);
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    // An empty script for python to run, a shell script that succeeds for the rest.
    writeFileSync(path.join(root, file), file.endsWith('.py') ? '' : '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  }
  return async () => {
    for (const file of files) {
      rmSync(path.join(root, file));
      await inRoot(root, ['dpkg-divert', '--quiet', '--local', '--rename', '--remove', file]);
    }
  };
}

/** Installs packages into a root; its package lists are fetched first and dropped afterwards with the .deb files. */
async function install(root: string, arch: DebArch, recipe: Recipe, log: Log): Promise<void> {
  await hostApt(root, arch, ['apt-get', 'update', '-q'], log);
  const restore = recipe.skipBytecode === true ? await divertBytecode(root, arch) : undefined;
  await hostApt(root, arch, ['apt-get', 'install', '-y', '-q', ...recipe.packages], log);
  await restore?.();
  await hostApt(root, arch, ['apt-get', 'clean'], log);
  await run(['sh', '-c', 'rm -rf "$1"/var/lib/apt/lists/*', 'sh', root]);
}

/** Services installed into a root must not start: there is no init, and the host's ports are shared. */
function forbidServices(root: string): void {
  writeFileSync(path.join(root, 'usr/sbin/policy-rc.d'), '#!/bin/sh\n# sip-doorbell build root: no service starts here.\nexit 101\n', { mode: 0o755 });
}

async function makeRoot(kind: RootKind, arch: DebArch, partial: string, log: Log): Promise<void> {
  const recipe = RECIPES[kind];
  if (recipe.from === 'mmdebstrap') {
    if (!(await haveProgram('mmdebstrap'))) throw new Error('no mmdebstrap: apt-get install mmdebstrap');
    log(`mmdebstrap ${SUITE} ${arch} (essential) with ${recipe.packages.join(' ')} into ${partial}`);
    await run([
      'mmdebstrap', '--mode=root', '--format=directory', '--variant=essential', `--architectures=${arch}`,
      `--include=${recipe.packages.join(',')}`,
      // ensureEmulation registered qemu with the F flag: no arch-test, and no emulator copied into the root.
      '--skip=check/qemu',
      // Unsafe I/O while the root is made (as above); the option file goes at the end, so that what is installed in
      // the root later is installed as on any Debian system.
      '--dpkgopt=force-unsafe-io', '--customize-hook=rm "$1/etc/dpkg/dpkg.cfg.d/99mmdebstrap"',
      // Nor debconf's template extraction before nodejs is installed (see hostApt).
      '--aptopt=#clear DPkg::Pre-Install-Pkgs;', '--customize-hook=rm "$1/etc/apt/apt.conf.d/99mmdebstrap"',
      // dpkg's and apt's logs stay: they say what was installed when, should a root need looking into.
      '--skip=cleanup/reproducible',
      SUITE, partial, MIRROR,
    ], { log });
    forbidServices(partial);
    return;
  }
  const from = await ensureRoot(recipe.from, arch, log);
  log(`copying ${from} to ${partial}`);
  // cp -a keeps owners, device nodes, hard links and extended attributes, which a Debian root has.
  await run(['cp', '-a', '--reflink=auto', from, partial]);
  rmSync(stampFile(partial), { force: true });
  log(`installing into the ${kind} root for ${arch}: ${recipe.packages.join(' ')}`);
  await install(partial, arch, recipe, log);
}

/** Roots being made by this process: the build and test roots both ask for the base at once. */
const making = new Map<string, Promise<string>>();

/**
 * The cached root of this kind and architecture, built first when missing, incomplete or of an older recipe. Callers
 * hold the cache lock (withCacheLock) so that two runs do not build or use a root at the same time.
 */
export function ensureRoot(kind: RootKind, arch: DebArch, log: Log): Promise<string> {
  const dir = rootDir(kind, arch);
  let made = making.get(dir);
  if (made === undefined) {
    made = ensureRootOnce(kind, arch, dir, log).finally(() => making.delete(dir));
    making.set(dir, made);
  }
  return made;
}

async function ensureRootOnce(kind: RootKind, arch: DebArch, dir: string, log: Log): Promise<string> {
  await ensureEmulation(arch, log);
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
