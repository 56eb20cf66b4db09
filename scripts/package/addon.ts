// Native add-ons (onoff's epoll) compiled for each architecture inside that architecture's trixie build root, with
// Debian's node-gyp against Debian's nodejs headers: epoll uses NAN, whose binary interface is the node major's
// (NODE_MODULE_VERSION), so it must be compiled for the nodejs the device runs. Results are cached per source, node
// version and architecture: the emulated compile runs once.
import { createHash } from 'node:crypto';
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { DebArch } from './emulation.ts';
import { closure, type NodePackage } from './modules.ts';
import { removeTree } from './mounts.ts';
import { cacheDir, inRoot } from './roots.ts';
import type { Log } from './run.ts';

/** One compiled add-on: where it goes in the package's directory, and the file. */
export interface CompiledAddon {
  /** Relative to the package directory, e.g. build/Release/epoll.node (where `bindings` looks). */
  readonly relative: string;
  readonly file: string;
}

/** ELF e_machine of each architecture (the ELF specification), and whether its objects are 64-bit. */
const ELF_MACHINE: Record<DebArch, { machine: number; is64: boolean }> = {
  arm64: { machine: 0xb7, is64: true },
  armhf: { machine: 0x28, is64: false },
  amd64: { machine: 0x3e, is64: true },
};

/** Throws unless `file` is an ELF shared object for `arch`. */
export function checkElf(file: string, arch: DebArch): void {
  const header = readFileSync(file).subarray(0, 20);
  const { machine, is64 } = ELF_MACHINE[arch];
  const elf = header.subarray(0, 4).toString('latin1') === '\x7fELF';
  if (!elf || header[4] !== (is64 ? 2 : 1) || header.readUInt16LE(18) !== machine) {
    throw new Error(`${file} is not an ELF object for ${arch} (class ${header[4]}, machine 0x${header.readUInt16LE(18).toString(16)})`);
  }
}

/** The version of a Debian package installed in a root (read from its dpkg status file, nothing run inside). */
export function installedVersion(root: string, debPackage: string): string {
  const status = readFileSync(path.join(root, 'var/lib/dpkg/status'), 'utf8');
  for (const stanza of status.split('\n\n')) {
    if (new RegExp(`^Package: ${debPackage}$`, 'm').test(stanza) && /^Status: install ok installed$/m.test(stanza)) {
      const version = /^Version: (.+)$/m.exec(stanza)?.[1];
      if (version !== undefined) return version;
    }
  }
  throw new Error(`${debPackage} is not installed in ${root}`);
}

function filesUnder(dir: string, relative = ''): string[] {
  return readdirSync(path.join(dir, relative), { withFileTypes: true }).flatMap((entry) => {
    const child = path.join(relative, entry.name);
    if (entry.isDirectory()) return entry.name === 'build' || entry.name === 'node_modules' ? [] : filesUnder(dir, child);
    return entry.isFile() ? [child] : [];
  });
}

/** What the add-on's binary depends on: its sources, its build dependencies' versions, nodejs, the architecture. */
function sourceKey(pkg: NodePackage, buildDeps: readonly NodePackage[], nodeVersion: string, arch: DebArch): string {
  const hash = createHash('sha256').update(`${arch}\n${nodeVersion}\n`);
  for (const dep of buildDeps) hash.update(`${dep.name}@${dep.version}\n`);
  for (const file of filesUnder(pkg.dir).sort()) hash.update(`${file}\n`).update(readFileSync(path.join(pkg.dir, file)));
  return hash.digest('hex').slice(0, 16);
}

/**
 * Compiles (or takes from the cache) the add-on of the native package `pkg` for `arch`, in the build root `root`.
 * Callers hold the cache lock.
 */
export async function compileAddon(pkg: NodePackage, nodeModules: string, root: string, arch: DebArch, log: Log): Promise<CompiledAddon> {
  const nodeVersion = installedVersion(root, 'nodejs');
  const buildDeps = closure([pkg.name], nodeModules, true).filter((dep) => dep.name !== pkg.name);
  const cached = path.join(cacheDir(), 'addons', `${pkg.name}-${pkg.version}-${arch}-nodejs${nodeVersion}-${sourceKey(pkg, buildDeps, nodeVersion, arch)}`);
  const stamp = path.join(cached, 'relative');
  if (existsSync(stamp)) {
    const relative = readFileSync(stamp, 'utf8').trim();
    const file = path.join(cached, path.basename(relative));
    if (existsSync(file) && statSync(file).size > 0) {
      checkElf(file, arch);
      log(`${pkg.name} ${pkg.version} for ${arch} (nodejs ${nodeVersion}): compiled add-on from the cache`);
      return { relative, file };
    }
  }

  const started = Date.now();
  const work = path.join(root, 'tmp', 'sip-doorbell-addon');
  await removeTree(work);
  for (const dep of [pkg, ...buildDeps]) {
    cpSync(dep.dir, path.join(work, 'node_modules', dep.name), {
      recursive: true,
      // A build left by npm on this machine, and nested packages (copied on their own), stay behind.
      filter: (source) => !['build', 'node_modules'].includes(path.relative(dep.dir, source)),
    });
  }
  mkdirSync(path.join(work, 'home'), { recursive: true });
  const inside = `/tmp/sip-doorbell-addon/node_modules/${pkg.name}`;
  log(`compiling ${pkg.name} ${pkg.version} for ${arch} against nodejs ${nodeVersion} (Debian node-gyp in ${root})`);
  await inRoot(root, ['env', 'HOME=/tmp/sip-doorbell-addon/home', 'sh', '-c', `cd ${inside} && node-gyp rebuild`], log);
  const release = path.join(work, 'node_modules', pkg.name, 'build', 'Release');
  const built = readdirSync(release).filter((name) => name.endsWith('.node'));
  if (built.length !== 1) throw new Error(`${pkg.name}: expected one .node file in build/Release, found ${built.join(', ') || 'none'}`);
  const binary = path.join(release, built[0]!);
  checkElf(binary, arch);
  // It loads into the node that will run it (bindings finds build/Release/<name>.node as on the device).
  await inRoot(root, ['node', '-e', `require(${JSON.stringify(inside)})`], log);

  mkdirSync(cached, { recursive: true });
  copyFileSync(binary, path.join(cached, built[0]!));
  writeFileSync(stamp, `build/Release/${built[0]!}\n`);
  await removeTree(work);
  log(`compiled ${pkg.name} for ${arch} in ${Math.round((Date.now() - started) / 1000)} s`);
  return { relative: `build/Release/${built[0]!}`, file: path.join(cached, built[0]!) };
}
