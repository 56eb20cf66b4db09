// `npm run package [-- --arch arm64,armhf,amd64] [--out dist/deb]`: Debian packages of the door station, one per
// architecture, written as dist/deb/sip-doorbell_<version>_<arch>.deb. The bundle is built once; onoff's native epoll
// add-on is compiled for each architecture inside an emulated Debian trixie root of that architecture (kept in
// /var/cache/sip-doorbell-build, or $SIP_DOORBELL_CACHE), so nothing is compiled on the device. Needs root the first
// time (mmdebstrap, chroot) and Debian's dpkg-deb, mmdebstrap, qemu-user-static and binfmt-support.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { compileAddon, installedVersion, type CompiledAddon } from './package/addon.ts';
import { ARCHES, type DebArch } from './package/emulation.ts';
import { buildDeb } from './package/deb.ts';
import { withCacheLock } from './package/lock.ts';
import { bundledPackages, closure } from './package/modules.ts';
import { removeTree } from './package/mounts.ts';
import { ensureRoot, rootReady } from './package/roots.ts';
import { allSettled, type Log } from './package/run.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
const nodeModules = path.join(repo, 'node_modules');

interface BuildScript {
  readonly EXTERNAL_PACKAGES: readonly string[];
  build(outfile?: string): Promise<{ outfile: string; bytes: number }>;
}

interface Manifest {
  version: string;
  description: string;
  license: string;
  engines: { node: string };
  author?: string | { name: string; email?: string };
}

export interface PackageOptions {
  readonly arches: readonly DebArch[];
  readonly outDir: string;
  readonly log: Log;
}

/** Who the package names as its maintainer: package.json's author, else the project. */
function maintainerOf(manifest: Manifest): string {
  const author = manifest.author;
  if (typeof author === 'string' && /<.+@.+>/.test(author)) return author;
  if (typeof author === 'object' && author.email !== undefined) return `${author.name} <${author.email}>`;
  return 'sip-doorbell maintainers <sip-doorbell@localhost>';
}

/** The commit being packaged and its time (the packages' SOURCE_DATE_EPOCH); outside git: "unknown" and now. */
function commitOf(): { commit: string; epochSeconds: number } {
  try {
    const [commit, time] = execFileSync('git', ['log', '-1', '--format=%h %ct'], { cwd: repo, encoding: 'utf8' }).trim().split(' ');
    if (commit !== undefined && time !== undefined) return { commit, epochSeconds: Number(time) };
  } catch {
    // not a git checkout
  }
  return { commit: 'unknown', epochSeconds: Math.floor(Date.now() / 1000) };
}

/** Builds the bundle and one .deb per architecture; returns the .deb paths. */
export async function packageDebs(options: PackageOptions): Promise<string[]> {
  const { log } = options;
  const manifest = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as Manifest;
  if (process.getuid?.() !== 0) {
    const missing = options.arches.filter((arch) => !rootReady('build', arch));
    if (missing.length > 0) throw new Error(`the ${missing.join(', ')} build root(s) must be made first, which needs root: sudo npm run package`);
  }
  const work = mkdtempSync(path.join(tmpdir(), 'sip-doorbell-package-'));
  try {
    const script = (await import(pathToFileURL(path.join(repo, 'scripts', 'build.mjs')).href)) as BuildScript;
    const { outfile } = await script.build(path.join(work, 'bundle', 'sip-doorbell.js'));
    const modules = closure(script.EXTERNAL_PACKAGES, nodeModules);
    const bundled = bundledPackages(readFileSync(`${outfile}.map`, 'utf8'), path.dirname(outfile));
    const { commit, epochSeconds } = commitOf();
    // Each architecture's build root (made when missing), add-on and package side by side: most of the time is one
    // emulated process per architecture, and the machine has more than one core.
    const debs = await withCacheLock(log, () => allSettled(options.arches.map(async (arch) => {
      const root = await ensureRoot('build', arch, log);
      const started = Date.now();
      const addons = new Map<string, CompiledAddon>();
      for (const pkg of modules.filter((candidate) => candidate.native)) {
        addons.set(pkg.name, await compileAddon(pkg, nodeModules, root, arch, log));
      }
      const nodeMajor = Number(/^(?:\d+:)?(\d+)\./.exec(installedVersion(root, 'nodejs'))?.[1]);
      const deb = await buildDeb({
        arch,
        version: manifest.version,
        maintainer: maintainerOf(manifest),
        summary: manifest.description.split(':')[0]!.trim(),
        license: manifest.license,
        nodeEngine: manifest.engines.node,
        addonNodeMajor: addons.size > 0 ? nodeMajor : undefined,
        commit,
        epochSeconds,
        bundle: outfile,
        modules,
        addons,
        bundled,
        repo,
      }, mkdtempSync(path.join(work, `stage-${arch}-`)), options.outDir, log);
      log(`wrote ${path.relative(process.cwd(), deb)} in ${Math.round((Date.now() - started) / 1000)} s`);
      return deb;
    })));
    return debs;
  } finally {
    await removeTree(work);
  }
}

/** Reads `--arch a,b` and `--out dir`. */
export function parsePackageArgs(args: readonly string[]): { arches: DebArch[]; outDir: string } {
  let arches: DebArch[] = [...ARCHES];
  let outDir = path.join(repo, 'dist', 'deb');
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i]!;
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const next = inline ?? args[(i += 1)];
      if (next === undefined || next === '') throw new Error(`${flag} needs a value`);
      return next;
    };
    if (flag === '--arch') {
      const names = value().split(',');
      const unknown = names.filter((name) => !(ARCHES as readonly string[]).includes(name));
      if (unknown.length > 0) throw new Error(`unknown architecture ${unknown.join(', ')} (${ARCHES.join(', ')})`);
      arches = names as DebArch[];
    } else if (flag === '--out') {
      outDir = path.resolve(value());
    } else {
      throw new Error(`unknown argument ${arg}: npm run package [-- --arch ${ARCHES.join(',')}] [--out <dir>]`);
    }
  }
  return { arches, outDir };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // Ctrl-C still unmounts what is mounted (the exit hook runs on process.exit, not on a signal's default action).
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(130));
  try {
    const { arches, outDir } = parsePackageArgs(process.argv.slice(2));
    const log: Log = (line) => console.log(`package: ${line}`);
    const debs = await packageDebs({ arches, outDir, log });
    for (const deb of debs) console.log(path.relative(process.cwd(), deb));
  } catch (error) {
    console.error(`package: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
