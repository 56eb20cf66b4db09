// scripts/package: what goes into the Debian package and how it is described, checked on this machine with dpkg-deb
// (no Debian root, no emulation: the add-on is a stand-in file here; test/package/arm64.test.ts runs the real one).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parsePackageArgs } from '../../scripts/package.ts';
import { controlText, copyrightText, nodeDepends } from '../../scripts/package/control.ts';
import { buildDeb, debFileName } from '../../scripts/package/deb.ts';
import { bundledPackages, closure, shippedFiles } from '../../scripts/package/modules.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const nodeModules = path.join(repo, 'node_modules');
const work = mkdtempSync(path.join(tmpdir(), 'sip-doorbell-debtest-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const hasDpkgDeb = ((): boolean => {
  try {
    execFileSync('dpkg-deb', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('the packages shipped beside the bundle', () => {
  it('are onoff and what it loads at run time, without the compile-time nan headers', () => {
    const names = closure(['onoff', 'epoll'], nodeModules).map((pkg) => pkg.name);
    expect(names).toEqual(['bindings', 'epoll', 'file-uri-to-path', 'lodash.debounce', 'onoff']);
    expect(closure(['epoll'], nodeModules, true).map((pkg) => pkg.name)).toContain('nan');
    expect(closure(['onoff'], nodeModules).filter((pkg) => pkg.native).map((pkg) => pkg.name)).toEqual(['epoll']);
  });

  it('go without tests, examples, C++ sources or a build made on this machine', () => {
    const files = shippedFiles(path.join(nodeModules, 'epoll'));
    expect(files).toEqual(expect.arrayContaining(['epoll.js', 'package.json', 'LICENSE']));
    expect(files.filter((file) => /^(src|build|test|example)\/|\.gyp$/.test(file))).toEqual([]);
  });

  it('are found in the bundle\'s source map for the copyright file', () => {
    const map = JSON.stringify({ sources: ['../firmware-app/main.ts', '../node_modules/zod/v4/core/core.js', '../node_modules/@fastify/cookie/plugin.js', `zod-english:${nodeModules}/zod/package.json`] });
    const found = bundledPackages(map, path.join(repo, 'dist'));
    expect(found.map((pkg) => pkg.name)).toEqual(['@fastify/cookie', 'zod']);
    const text = copyrightText('MIT', closure(['onoff'], nodeModules), found);
    expect(text).toMatch(/^Format: https:\/\/www\.debian\.org\/doc\/packaging-manuals\/copyright-format\/1\.0\/$/m);
    expect(text).toMatch(/^ zod \d+\.\d+\.\d+ \(MIT\)$/m);
    expect(text).toMatch(/^Files: usr\/lib\/sip-doorbell\/node_modules\/epoll\/\*$/m);
    expect(text).toMatch(/^License: MIT-zod\n .*\S/m); // zod's own licence text follows
  });
});

describe('the control file', () => {
  it('depends on nodejs from engines.node up to the major the add-on was compiled for, alsa-utils, gpiod, adduser', () => {
    expect(nodeDepends('>=20.19', 20)).toEqual(['nodejs (>= 20.19)', 'nodejs (<< 21)']);
    expect(nodeDepends('>= 22', undefined)).toEqual(['nodejs (>= 22)']);
    expect(() => nodeDepends('^20.19.0', 20)).toThrow(/expected the form/);
    const control = controlText({ version: '1.2.3', arch: 'armhf', maintainer: 'M <m@example.org>', installedSizeKiB: 2000, nodeEngine: '>=20.19', addonNodeMajor: 20, summary: 'SIP door station' });
    expect(control).toMatch(/^Depends: nodejs \(>= 20\.19\), nodejs \(<< 21\), alsa-utils, gpiod, adduser$/m);
    expect(control).toMatch(/^Architecture: armhf$/m);
    expect(control.endsWith('\n')).toBe(true);
  });

  it('names the file as Debian does, and --arch/--out are read', () => {
    expect(debFileName('0.1.0', 'arm64')).toBe('sip-doorbell_0.1.0_arm64.deb');
    expect(parsePackageArgs(['--arch', 'arm64,amd64', '--out=/tmp/x'])).toEqual({ arches: ['arm64', 'amd64'], outDir: '/tmp/x' });
    expect(parsePackageArgs([]).arches).toEqual(['arm64', 'armhf', 'amd64']);
    expect(() => parsePackageArgs(['--arch', 'i386'])).toThrow(/unknown architecture i386/);
    expect(() => parsePackageArgs(['--out'])).toThrow(/--out needs a value/);
  });
});

describe.skipIf(!hasDpkgDeb)('the .deb as dpkg-deb reads it', () => {
  it('holds the bundle, node_modules with the add-on, the unit, the wrapper and docs, all root-owned', async () => {
    const bundleDir = path.join(work, 'bundle');
    mkdirSync(bundleDir);
    writeFileSync(path.join(bundleDir, 'sip-doorbell.js'), 'console.log("door");\n');
    writeFileSync(path.join(bundleDir, 'sip-doorbell.js.map'), '{"version":3,"sources":[],"mappings":""}\n');
    writeFileSync(path.join(work, 'epoll.node'), 'stand-in');
    const modules = closure(['onoff'], nodeModules);
    const stage = path.join(work, 'stage');
    mkdirSync(stage);
    const deb = await buildDeb({
      arch: 'arm64', version: '0.1.0', maintainer: 'M <m@example.org>', summary: 'SIP door station', license: 'MIT',
      nodeEngine: '>=20.19', addonNodeMajor: 20, commit: 'abc1234', epochSeconds: 1_700_000_000,
      bundle: path.join(bundleDir, 'sip-doorbell.js'), modules,
      addons: new Map([['epoll', { relative: 'build/Release/epoll.node', file: path.join(work, 'epoll.node') }]]),
      bundled: [], repo,
    }, stage, path.join(work, 'out'), () => {});
    expect(path.basename(deb)).toBe('sip-doorbell_0.1.0_arm64.deb');

    const fields = execFileSync('dpkg-deb', ['-f', deb], { encoding: 'utf8' });
    expect(fields).toMatch(/^Package: sip-doorbell$/m);
    expect(fields).toMatch(/^Installed-Size: \d+$/m);
    const listing = execFileSync('dpkg-deb', ['-c', deb], { encoding: 'utf8' }).trim().split('\n');
    const entry = (file: string): string | undefined => listing.find((line) => line.endsWith(` .${file}`));
    for (const [file, mode] of [
      ['/usr/lib/sip-doorbell/sip-doorbell.js', '-rw-r--r--'],
      ['/usr/lib/sip-doorbell/sip-doorbell.js.map', '-rw-r--r--'],
      ['/usr/lib/sip-doorbell/package.json', '-rw-r--r--'],
      ['/usr/lib/sip-doorbell/node_modules/epoll/build/Release/epoll.node', '-rw-r--r--'],
      ['/usr/lib/sip-doorbell/node_modules/onoff/onoff.js', '-rw-r--r--'],
      ['/usr/lib/systemd/system/sip-doorbell.service', '-rw-r--r--'],
      ['/usr/bin/sip-doorbell', '-rwxr-xr-x'],
      ['/usr/share/sip-doorbell/config.json', '-rw-r--r--'],
      ['/usr/share/doc/sip-doorbell/copyright', '-rw-r--r--'],
      ['/usr/share/doc/sip-doorbell/changelog.gz', '-rw-r--r--'],
      ['/usr/share/doc/sip-doorbell/examples/config.example.jsonc', '-rw-r--r--'],
      // The opt-in start from a startup snapshot (systemd/README.md): the script beside the bundle, the drop-in.
      ['/usr/lib/sip-doorbell/start', '-rwxr-xr-x'],
      ['/usr/share/doc/sip-doorbell/examples/startup-snapshot.conf', '-rw-r--r--'],
    ] as const) {
      expect(entry(file), file).toMatch(new RegExp(`^${mode.replace(/-/g, '\\-')} root/root `));
    }
    expect(listing.filter((line) => !/ root\/root /.test(line))).toEqual([]);
    expect(listing.filter((line) => /\/(nan|src|test)\//.test(line))).toEqual([]);
    // Nothing under /etc: the configuration is made by postinst and belongs to the device, not to dpkg.
    expect(listing.filter((line) => / \.\/etc\//.test(line))).toEqual([]);
    const scripts = execFileSync('dpkg-deb', ['-I', deb], { encoding: 'utf8' });
    for (const script of ['postinst', 'prerm', 'postrm', 'md5sums']) expect(scripts).toContain(` ${script}`);
    // The bundle is an ES module: node reads it as one only with "type": "module" beside it.
    const packageJson = execFileSync('sh', ['-c', 'dpkg-deb --fsys-tarfile "$1" | tar -xOf - ./usr/lib/sip-doorbell/package.json', 'sh', deb], { encoding: 'utf8' });
    expect(JSON.parse(packageJson)).toMatchObject({ name: 'sip-doorbell', version: '0.1.0', type: 'module' });
  });

  it('is the same bytes when built again from the same commit at another time', async () => {
    const dir = path.join(work, 'again');
    mkdirSync(dir);
    const build = async (name: string): Promise<Buffer> => {
      // Inputs written afresh each time, as a new bundle or a cold cache's add-on would be.
      writeFileSync(path.join(dir, 'sip-doorbell.js'), 'console.log("door");\n');
      writeFileSync(path.join(dir, 'sip-doorbell.js.map'), '{"version":3,"sources":[],"mappings":""}\n');
      writeFileSync(path.join(dir, 'epoll.node'), 'stand-in');
      const stage = path.join(dir, `stage-${name}`);
      mkdirSync(stage);
      const deb = await buildDeb({
        arch: 'armhf', version: '0.1.0', maintainer: 'M <m@example.org>', summary: 'SIP door station', license: 'MIT',
        nodeEngine: '>=20.19', addonNodeMajor: 20, commit: 'abc1234', epochSeconds: 1_700_000_000,
        bundle: path.join(dir, 'sip-doorbell.js'), modules: closure(['onoff'], nodeModules),
        addons: new Map([['epoll', { relative: 'build/Release/epoll.node', file: path.join(dir, 'epoll.node') }]]),
        bundled: [], repo,
      }, stage, path.join(dir, `out-${name}`), () => {});
      return readFileSync(deb);
    };
    const first = await build('first');
    // dpkg-deb and the staging copy stamp the current second where SOURCE_DATE_EPOCH does not rule: the second
    // build starts in a later one.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const second = await build('second');
    expect(second.length).toBe(first.length);
    expect(second.equals(first)).toBe(true);
  });
});
