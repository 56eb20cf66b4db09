// The texts of the Debian package: DEBIAN/control, the changelog and the copyright file (ours, then every npm
// package the bundle contains or that ships beside it, with its own licence text as its licence requires).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { DebArch } from './emulation.ts';
import type { NodePackage } from './modules.ts';

export const PACKAGE_NAME = 'sip-doorbell';

export interface ControlFields {
  readonly version: string;
  readonly arch: DebArch;
  readonly maintainer: string;
  readonly installedSizeKiB: number;
  /** From package.json engines.node, e.g. ">=20.19". */
  readonly nodeEngine: string;
  /** The nodejs major the add-ons are compiled for (its NODE_MODULE_VERSION); undefined: no add-ons. */
  readonly addonNodeMajor: number | undefined;
  readonly summary: string;
}

/** `>=20.19` as Debian relations on nodejs; the add-ons' major as an upper bound (another major cannot load them). */
export function nodeDepends(engine: string, addonNodeMajor: number | undefined): string[] {
  const minimum = /^>=\s*(\d+(?:\.\d+)*)$/.exec(engine.trim())?.[1];
  if (minimum === undefined) throw new Error(`package.json engines.node "${engine}": expected the form ">=20.19"`);
  const relations = [`nodejs (>= ${minimum})`];
  if (addonNodeMajor !== undefined) relations.push(`nodejs (<< ${addonNodeMajor + 1})`);
  return relations;
}

export function controlText(fields: ControlFields): string {
  const depends = [...nodeDepends(fields.nodeEngine, fields.addonNodeMajor), 'alsa-utils', 'gpiod', 'adduser'];
  return [
    `Package: ${PACKAGE_NAME}`,
    `Version: ${fields.version}`,
    `Architecture: ${fields.arch}`,
    `Maintainer: ${fields.maintainer}`,
    `Installed-Size: ${fields.installedSizeKiB}`,
    `Depends: ${depends.join(', ')}`,
    'Section: comm',
    'Priority: optional',
    `Description: ${fields.summary}`,
    ' A visitor presses the bell button and the flat\'s phones ring; whoever answers',
    ' talks to the door through its microphone and speaker, and a DTMF code typed on',
    ' the phone opens the door. The door station registers with the household\'s SIP',
    ' server or acts as its own registrar, and is configured on a local web page.',
    ' .',
    ' The service starts on installation; its journal names the setup code that the',
    ' configuration page (port 8080) asks for on the first visit.',
    '',
  ].join('\n');
}

/** RFC 5322 date as Debian changelogs write it. */
export function changelogDate(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toUTCString().replace('GMT', '+0000');
}

export function changelogText(version: string, commit: string, maintainer: string, epochSeconds: number): string {
  return `${PACKAGE_NAME} (${version}) trixie; urgency=medium\n\n` +
    `  * Built from commit ${commit} of sip-doorbell with \`npm run package\`.\n\n` +
    ` -- ${maintainer}  ${changelogDate(epochSeconds)}\n`;
}

/** A package's licence text from its own files (LICENSE, LICENCE, COPYING, in any case and with any extension). */
export function licenseText(pkg: NodePackage): string | undefined {
  if (!existsSync(pkg.dir)) return undefined;
  const file = readdirSync(pkg.dir).sort().find((name) => /^(licen[cs]e|copying)(\.|-|$)/i.test(name));
  return file === undefined ? undefined : readFileSync(path.join(pkg.dir, file), 'utf8').trim();
}

/** A licence name usable as a copyright-format short name: `(MIT OR Apache-2.0)` of foo → `MIT_OR_Apache-2.0-foo`. */
const licenseName = (pkg: NodePackage): string =>
  `${pkg.license.replace(/[^A-Za-z0-9.+-]+/g, '_').replace(/^_|_$/g, '')}-${pkg.name.replace('/', '-')}`;

const indent = (text: string): string =>
  text.split('\n').map((line) => (line.trim() === '' ? ' .' : ` ${line}`)).join('\n');

const MIT = [
  'Permission is hereby granted, free of charge, to any person obtaining a copy of this software and associated',
  'documentation files (the "Software"), to deal in the Software without restriction, including without limitation',
  'the rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies of the Software, and',
  'to permit persons to whom the Software is furnished to do so, subject to the following conditions:',
  '',
  'The above copyright notice and this permission notice shall be included in all copies or substantial portions',
  'of the Software.',
  '',
  'THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO',
  'THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE',
  'AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF',
  'CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS',
  'IN THE SOFTWARE.',
].join('\n');

/**
 * The copyright file, in Debian's machine-readable format: sip-doorbell itself (package.json's licence), the packages
 * under /usr/lib/sip-doorbell/node_modules, and those esbuild bundled into sip-doorbell.js (listed with their texts).
 */
export function copyrightText(license: string, shipped: readonly NodePackage[], bundled: readonly NodePackage[]): string {
  if (license !== 'MIT') throw new Error(`package.json license ${license}: the copyright file knows only MIT`);
  const stanzas = [
    [
      'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/',
      `Upstream-Name: ${PACKAGE_NAME}`,
      'Comment: /usr/lib/sip-doorbell/sip-doorbell.js is an esbuild bundle that also contains these npm packages',
      ' (each one\'s licence text follows, under "License:" stanzas named after the package):',
      ...bundled.map((pkg) => ` ${pkg.name} ${pkg.version} (${pkg.license})`),
    ].join('\n'),
    ['Files: *', 'Copyright: the sip-doorbell authors', 'License: MIT'].join('\n'),
    ...shipped.map((pkg) => [
      `Files: usr/lib/sip-doorbell/node_modules/${pkg.name}/*`,
      `Copyright: the authors of ${pkg.name} (npm package ${pkg.name} ${pkg.version})`,
      `License: ${licenseName(pkg)}`,
    ].join('\n')),
    `License: MIT\n${indent(`Copyright (c) the sip-doorbell authors\n\n${MIT}`)}`,
  ];
  const seen = new Set<string>();
  for (const pkg of [...shipped, ...bundled]) {
    if (seen.has(pkg.name)) continue;
    seen.add(pkg.name);
    const text = licenseText(pkg) ?? `${pkg.name} ${pkg.version} names the licence ${pkg.license} and ships no licence file.`;
    stanzas.push(`License: ${licenseName(pkg)}\n${indent(text)}`);
  }
  return `${stanzas.join('\n\n')}\n`;
}
