// Bundles firmware-app/main.ts with esbuild into dist/sip-doorbell.js, the single file that runs on the device. The
// provisioning page is built first and its HTML, script and stylesheet go into the bundle as strings.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';
import { tsImport } from 'tsx/esm/api';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Where the bundle is written. */
export const OUTFILE = path.join(root, 'dist', 'sip-doorbell.js');

/** The most the bundle may weigh (it was 1.6 MiB when this was set): a build over it fails, so growth is a decision. */
export const BUNDLE_BUDGET_BYTES = 2 * 1024 * 1024;

/** @param {number} bytes */
const mib = (bytes) => (bytes / (1024 * 1024)).toFixed(2);

// Native add-ons stay real `node_modules` packages on the device (onoff needs epoll's); node-record-lpcm16 is plain
// JavaScript and goes into the bundle. scripts/package ships these with what they need at run time.
export const EXTERNAL_PACKAGES = ['onoff', 'epoll'];

// The bundle is written as a script (esbuild's CommonJS format) that is also a valid ES module: it has no import or
// export statements and no `import.meta`. node runs it either way (the package's package.json says "module"; without
// one node reads it as CommonJS), and `node --build-snapshot` can take it, which runs only scripts
// (firmware-app/platform/startupSnapshot.ts). A script is handed `require`; an ES module gets one made here.
// `import.meta.url` (hal's onoff loader) is read when used, from process.argv[1], the bundle's path in every mode: from
// a snapshot too, where node keeps the path given after --snapshot-blob <blob> as argv[1].
const BANNER = [
  "'use strict';",
  "var require = typeof require === 'function' ? require : process.getBuiltinModule('node:module').createRequire(process.argv[1]);",
  "var __sipDoorbellImportMeta = { get url() { return require('node:url').pathToFileURL(process.argv[1]).href; } };",
].join('\n');

/**
 * node:tls, node:http and node:https cannot be in a startup snapshot (node 20 aborts serializing their native
 * bindings), yet SIP's TLS transport imports node:tls at its top. Each of them becomes an object whose properties load
 * the real module when first read: a module that only names `connect` at its top, and calls it later, loads nothing.
 * @type {esbuild.Plugin}
 */
export const lazyBuiltinsPlugin = {
  name: 'lazy-builtins',
  setup(plugins) {
    plugins.onResolve({ filter: /^(node:)?(tls|https?)$/ }, (args) => (args.namespace === 'lazy-builtin'
      ? { path: args.path, external: true }
      : { path: args.path.replace(/^node:/, ''), namespace: 'lazy-builtin' }));
    plugins.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, async (args) => {
      const id = `node:${args.path}`;
      const names = Object.keys(await import(id)).filter((name) => name !== 'default');
      const getters = names.map((name) => `Object.defineProperty(module.exports, ${JSON.stringify(name)}, { enumerable: true, get: () => real()[${JSON.stringify(name)}] });`);
      return { contents: [`let loaded;`, `const real = () => (loaded ??= require(${JSON.stringify(id)}));`, ...getters].join('\n'), loader: 'js' };
    });
  },
};

const PAGE_ASSETS_MODULE = path.join(root, 'provisioning', 'page', 'assets.ts');

/**
 * provisioning/page/assets.ts imports ./build.ts, which builds the page with esbuild when run from TypeScript. In the
 * bundle that import becomes a module holding the page built here: the device needs neither esbuild nor a file.
 * @param {{ html: string, js: string, css: string }} assets
 * @returns {esbuild.Plugin}
 */
export function pageAssetsPlugin(assets) {
  return {
    name: 'page-assets',
    setup(plugins) {
      plugins.onResolve({ filter: /^\.\/build\.ts$/ }, (args) =>
        (path.resolve(args.importer) === PAGE_ASSETS_MODULE ? { path: 'page-assets', namespace: 'page-assets' } : undefined));
      plugins.onLoad({ filter: /.*/, namespace: 'page-assets' }, () => ({
        contents: `const assets = ${JSON.stringify(assets)};\nexport async function buildPageAssets() { return assets; }\n`,
        loader: 'js',
      }));
    },
  };
}

/**
 * zod's classic API re-exports its 40-odd translations as `z.locales`, which keeps every one of them in the bundle
 * (~260 KB of the device's one file, parsed at every start). The door's field errors are its own words
 * (firmware-app/config/issues.ts) and zod's default is English: only English goes in.
 * @type {esbuild.Plugin}
 */
export const zodEnglishOnlyPlugin = {
  name: 'zod-english-only',
  setup(plugins) {
    const zodDir = `${path.sep}node_modules${path.sep}zod${path.sep}`;
    plugins.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      (args.importer.includes(zodDir) ? { path: path.resolve(path.dirname(args.importer), '..', 'locales', 'en.js'), namespace: 'zod-english' } : undefined));
    plugins.onLoad({ filter: /.*/, namespace: 'zod-english' }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(args.path)};\n`,
      loader: 'js',
      resolveDir: path.dirname(args.path),
    }));
  },
};

/**
 * Builds the provisioning page (provisioning/page/build.ts, TypeScript, loaded through tsx).
 * @returns {Promise<{ html: string, js: string, css: string }>}
 */
export async function buildPage() {
  /** @type {{ buildPageAssets(): Promise<{ html: string, js: string, css: string }> }} */
  const page = await tsImport('../provisioning/page/build.ts', import.meta.url);
  return page.buildPageAssets();
}

/**
 * Builds dist/sip-doorbell.js (+ .map) and prints its size against the budget; over the budget it throws (the bundle
 * stays written, to be looked at).
 * @param {string} [outfile] where to write the bundle (tests build elsewhere)
 * @param {number} [budgetBytes] the budget (tests pass a smaller one)
 * @returns {Promise<{ outfile: string, bytes: number }>}
 */
export async function build(outfile = OUTFILE, budgetBytes = BUNDLE_BUDGET_BYTES) {
  const page = await buildPage();
  await esbuild.build({
    entryPoints: [path.join(root, 'firmware-app', 'main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    minify: true,
    // Minified class names would turn `TransportError` into `he` in every log line (errors.ts errorMessage).
    keepNames: true,
    sourcemap: true,
    external: EXTERNAL_PACKAGES,
    banner: { js: BANNER },
    define: { 'import.meta.url': '__sipDoorbellImportMeta.url' },
    plugins: [pageAssetsPlugin(page), zodEnglishOnlyPlugin, lazyBuiltinsPlugin],
    logLevel: 'warning',
  });
  const { size } = await stat(outfile);
  console.log(`built ${path.relative(process.cwd(), outfile)}: bundle ${mib(size)} MiB of ${mib(budgetBytes)} MiB budget`);
  if (size > budgetBytes) {
    throw new BudgetError(`bundle ${mib(size)} MiB is over its ${mib(budgetBytes)} MiB budget (scripts/build.mjs BUNDLE_BUDGET_BYTES)`);
  }
  return { outfile, bytes: size };
}

/** The bundle came out larger than its budget. */
export class BudgetError extends Error {}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    await build();
  } catch (error) {
    // esbuild has already printed its errors with file and line; the budget's is ours to print.
    if (error instanceof BudgetError) console.error(`build: ${error.message}`);
    process.exitCode = 1;
  }
}
