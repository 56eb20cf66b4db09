// The npm packages the bundle leaves outside (scripts/build.mjs EXTERNAL_PACKAGES: onoff and its native epoll) and
// everything they require at run time, found through package.json `dependencies` in this clone's node_modules.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** Header-only C++ packages: needed to compile an add-on, never loaded at run time. */
export const BUILD_ONLY = new Set(['nan', 'node-addon-api']);

export interface NodePackage {
  readonly name: string;
  readonly version: string;
  readonly license: string;
  /** The package's directory in this clone. */
  readonly dir: string;
  /** It has a binding.gyp: its add-on is compiled for each architecture. */
  readonly native: boolean;
  readonly dependencies: readonly string[];
}

interface Manifest {
  name?: string;
  version?: string;
  license?: string;
  dependencies?: Record<string, string>;
}

/** Reads one package (the directory node would load it from, as seen from `from`). */
export function readPackage(name: string, from: string, nodeModules: string): NodePackage {
  // Node's lookup: a copy nested under the requiring package first, then the top level.
  const candidates = [path.join(from, 'node_modules', name), path.join(nodeModules, name)];
  const dir = candidates.find((candidate) => existsSync(path.join(candidate, 'package.json')));
  if (dir === undefined) throw new Error(`${name} (needed by ${path.relative(nodeModules, from) || 'the bundle'}) is not installed: npm ci`);
  return readPackageAt(name, dir);
}

/** Reads the package in `dir`. */
export function readPackageAt(name: string, dir: string): NodePackage {
  const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as Manifest;
  return {
    name,
    version: manifest.version ?? '0.0.0',
    license: manifest.license ?? 'UNKNOWN',
    dir,
    native: existsSync(path.join(dir, 'binding.gyp')),
    dependencies: Object.keys(manifest.dependencies ?? {}),
  };
}

/**
 * The run-time closure of `roots`: each package once, in a stable order. With `withBuildOnly` it also holds the
 * header packages (for compiling an add-on).
 */
export function closure(roots: readonly string[], nodeModules: string, withBuildOnly = false): NodePackage[] {
  const found = new Map<string, NodePackage>();
  const visit = (name: string, from: string): void => {
    if (!withBuildOnly && BUILD_ONLY.has(name)) return;
    const pkg = readPackage(name, from, nodeModules);
    const seen = found.get(name);
    if (seen !== undefined) {
      // The device has one flat node_modules: two versions of a package cannot both be there.
      if (seen.version !== pkg.version) throw new Error(`${name} is needed as ${seen.version} and as ${pkg.version}`);
      return;
    }
    found.set(name, pkg);
    for (const dependency of pkg.dependencies) visit(dependency, pkg.dir);
  };
  for (const name of roots) visit(name, nodeModules);
  return [...found.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** What of a package goes onto the device: no tests, examples, C++ sources or build products (the add-on is added). */
export function shippedFiles(dir: string): string[] {
  const skipDirs = new Set(['test', 'tests', 'example', 'examples', 'integration-test', 'build', 'src', 'node_modules', 'coverage', 'benchmark']);
  const skipFile = /(^\.|\.(gyp|gypi|cc|cpp|c|h|hpp|ts|map)$)/;
  const keepFile = /\.d\.ts$/;
  const files: string[] = [];
  const walk = (relative: string): void => {
    for (const entry of readdirSync(path.join(dir, relative), { withFileTypes: true })) {
      const child = path.join(relative, entry.name);
      if (entry.isDirectory()) {
        if (!skipDirs.has(entry.name) && !entry.name.startsWith('.')) walk(child);
      } else if (entry.isFile() && (!skipFile.test(entry.name) || keepFile.test(entry.name))) {
        files.push(child);
      }
    }
  };
  walk('');
  return files.sort();
}

/**
 * The npm packages whose code esbuild put into the bundle, from its source map (whose `sources` are relative to the
 * map's directory, `mapDir`): for the copyright file.
 */
export function bundledPackages(sourceMap: string, mapDir: string): NodePackage[] {
  const { sources } = JSON.parse(sourceMap) as { sources: string[] };
  const dirs = new Map<string, string>();
  for (const mapped of sources) {
    // A plugin's module is named `<namespace>:<path>`: the path is what counts.
    const source = /^[\w-]+:(\/.*)$/.exec(mapped)?.[1] ?? mapped;
    const at = source.lastIndexOf('node_modules/');
    if (at < 0) continue;
    const rest = source.slice(at + 'node_modules/'.length).split('/');
    const name = rest[0]?.startsWith('@') === true ? `${rest[0]}/${rest[1]}` : rest[0];
    if (name !== undefined) dirs.set(path.resolve(mapDir, source.slice(0, at), 'node_modules', name), name);
  }
  const packages = new Map<string, NodePackage>();
  for (const [dir, name] of dirs) {
    if (!existsSync(path.join(dir, 'package.json'))) throw new Error(`the source map names ${name} in ${dir}, which has no package.json`);
    const pkg = readPackageAt(name, dir);
    packages.set(`${pkg.name}@${pkg.version}`, pkg);
  }
  return [...packages.values()].sort((a, b) => a.name.localeCompare(b.name) || a.version.localeCompare(b.version));
}
