// Lays out the package's files in a staging tree and writes the .deb with dpkg-deb (files owned by root, times
// clamped to the commit's, so the same commit gives the same package).
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { CompiledAddon } from './addon.ts';
import { changelogText, controlText, copyrightText, PACKAGE_NAME } from './control.ts';
import type { DebArch } from './emulation.ts';
import { shippedFiles, type NodePackage } from './modules.ts';
import { run, type Log } from './run.ts';

/** Where things live on the device (the unit's ExecStart names the first two). */
export const LIB_DIR = '/usr/lib/sip-doorbell';
export const BUNDLE_PATH = `${LIB_DIR}/sip-doorbell.js`;
export const UNIT_PATH = '/usr/lib/systemd/system/sip-doorbell.service';
export const DOC_DIR = `/usr/share/doc/${PACKAGE_NAME}`;

export interface DebInput {
  readonly arch: DebArch;
  readonly version: string;
  readonly maintainer: string;
  readonly summary: string;
  readonly license: string;
  readonly nodeEngine: string;
  /** The nodejs major the add-ons were compiled for. */
  readonly addonNodeMajor: number | undefined;
  readonly commit: string;
  /** SOURCE_DATE_EPOCH: the commit's time. */
  readonly epochSeconds: number;
  /** The bundle; its source map sits beside it as <bundle>.map. */
  readonly bundle: string;
  /** Packages shipped in node_modules, and the add-ons compiled for the native ones (by package name). */
  readonly modules: readonly NodePackage[];
  readonly addons: ReadonlyMap<string, CompiledAddon>;
  /** Packages inside the bundle (copyright file). */
  readonly bundled: readonly NodePackage[];
  /** The clone: systemd/sip-doorbell.service, systemd/debian/*, firmware-app/config/example.jsonc. */
  readonly repo: string;
}

function put(stage: string, target: string, source: string | Buffer, mode = 0o644): void {
  const file = path.join(stage, target);
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o755 });
  if (typeof source === 'string') copyFileSync(source, file);
  else writeFileSync(file, source);
  chmodSync(file, mode);
}

function allFiles(dir: string, relative = ''): string[] {
  return readdirSync(path.join(dir, relative), { withFileTypes: true }).flatMap((entry) => {
    const child = path.join(relative, entry.name);
    return entry.isDirectory() ? allFiles(dir, child) : [child];
  });
}

function allDirs(dir: string): string[] {
  return [dir, ...readdirSync(dir, { withFileTypes: true }).filter((entry) => entry.isDirectory()).flatMap((entry) => allDirs(path.join(dir, entry.name)))];
}

/** Stages the files the package installs (everything but DEBIAN/). */
export function stageFiles(stage: string, input: DebInput): void {
  const debian = path.join(input.repo, 'systemd', 'debian');
  put(stage, BUNDLE_PATH, input.bundle);
  put(stage, `${BUNDLE_PATH}.map`, `${input.bundle}.map`);
  // The bundle is an ES module: without a package.json saying so, node would read it as CommonJS.
  put(stage, `${LIB_DIR}/package.json`, Buffer.from(`${JSON.stringify({ name: PACKAGE_NAME, version: input.version, private: true, type: 'module' }, null, 2)}\n`));
  for (const pkg of input.modules) {
    for (const file of shippedFiles(pkg.dir)) put(stage, `${LIB_DIR}/node_modules/${pkg.name}/${file}`, path.join(pkg.dir, file));
    const addon = input.addons.get(pkg.name);
    if (pkg.native && addon === undefined) throw new Error(`${pkg.name} is native and has no add-on compiled for ${input.arch}`);
    if (addon !== undefined) put(stage, `${LIB_DIR}/node_modules/${pkg.name}/${addon.relative}`, addon.file);
  }
  put(stage, UNIT_PATH, path.join(input.repo, 'systemd', 'sip-doorbell.service'));
  put(stage, '/usr/bin/sip-doorbell', path.join(debian, 'sip-doorbell'), 0o755);
  put(stage, '/usr/share/sip-doorbell/config.json', path.join(debian, 'config.json'));
  put(stage, `${DOC_DIR}/examples/config.example.jsonc`, path.join(input.repo, 'firmware-app', 'config', 'example.jsonc'));
  // The drop-in for the sysfs GPIO driver is the administrator's choice (systemd/README.md): shipped as an example.
  const dropIn = path.join(input.repo, 'systemd', 'sysfs-gpio.conf');
  if (existsSync(dropIn)) put(stage, `${DOC_DIR}/examples/sysfs-gpio.conf`, dropIn);
  // So is the start from a V8 startup snapshot: its start script beside the bundle, its drop-in as an example.
  put(stage, `${LIB_DIR}/start`, path.join(input.repo, 'systemd', 'sip-doorbell-start'), 0o755);
  put(stage, `${DOC_DIR}/examples/startup-snapshot.conf`, path.join(input.repo, 'systemd', 'startup-snapshot.conf'));
  put(stage, `${DOC_DIR}/copyright`, Buffer.from(copyrightText(input.license, input.modules, input.bundled)));
  // Native version (no Debian revision): the changelog is changelog.gz, compressed without a name or time inside.
  put(stage, `${DOC_DIR}/changelog.gz`, gzipSync(changelogText(input.version, input.commit, input.maintainer, input.epochSeconds), { level: 9 }));
}

/** Writes DEBIAN/: control (with the installed size), md5sums and the maintainer scripts. */
export function stageControl(stage: string, input: DebInput): void {
  const files = allFiles(stage).sort();
  const bytes = files.reduce((sum, file) => sum + statSync(path.join(stage, file)).size, 0);
  const md5sums = files.map((file) => `${createHash('md5').update(readFileSync(path.join(stage, file))).digest('hex')}  ${file}`);
  put(stage, 'DEBIAN/control', Buffer.from(controlText({
    version: input.version,
    arch: input.arch,
    maintainer: input.maintainer,
    installedSizeKiB: Math.ceil(bytes / 1024) + files.length, // dpkg counts at least one block per file
    nodeEngine: input.nodeEngine,
    addonNodeMajor: input.addonNodeMajor,
    summary: input.summary,
  })));
  put(stage, 'DEBIAN/md5sums', Buffer.from(`${md5sums.join('\n')}\n`));
  for (const script of ['postinst', 'prerm', 'postrm']) put(stage, `DEBIAN/${script}`, path.join(input.repo, 'systemd', 'debian', script), 0o755);
}

/** The .deb's file name, as Debian names it. */
export function debFileName(version: string, arch: DebArch): string {
  return `${PACKAGE_NAME}_${version}_${arch}.deb`;
}

/** Stages and builds the package into `outDir`; returns the .deb's path. `stage` must be an empty directory. */
export async function buildDeb(input: DebInput, stage: string, outDir: string, log: Log): Promise<string> {
  stageFiles(stage, input);
  stageControl(stage, input);
  for (const dir of allDirs(stage)) chmodSync(dir, 0o755);
  mkdirSync(outDir, { recursive: true });
  const deb = path.join(outDir, debFileName(input.version, input.arch));
  await run(['dpkg-deb', '--root-owner-group', '-Zxz', '--build', stage, deb], {
    env: { SOURCE_DATE_EPOCH: String(input.epochSeconds) },
    log,
  });
  return deb;
}
