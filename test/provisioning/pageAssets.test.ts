// The provisioning page's assets: one HTML shell, one script, one stylesheet; nothing from another host, no inline
// script; the device bundle carries them as strings (no esbuild on the device).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';
import * as esbuild from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPageAssets, type PageAssets } from '../../provisioning/page/build.ts';
import { loadPageAssets } from '../../provisioning/page/assets.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** XML namespace names inside preact (createElementNS): identifiers compared as strings, never fetched. */
const NAMESPACE_NAMES = new Set([
  'http://www.w3.org/2000/svg',
  'http://www.w3.org/1998/Math/MathML',
  'http://www.w3.org/1999/xhtml',
  'http://www.w3.org/1999/xlink',
  'http://www.w3.org/XML/1998/namespace',
]);

function foreignUrls(text: string): string[] {
  return (text.match(/(?:https?:)?\/\/[A-Za-z0-9.-]+\.[A-Za-z]{2,}[^\s"'`)<>]*/g) ?? [])
    .filter((url) => !NAMESPACE_NAMES.has(url));
}

let assets: PageAssets;
beforeAll(async () => {
  assets = await buildPageAssets();
}, 30_000);

describe('the page assets', () => {
  it('has an HTML shell that loads /app.js and /app.css and nothing else', () => {
    expect(assets.html).toMatch(/<script defer src="\/app\.js"><\/script>/);
    expect(assets.html).toMatch(/<link rel="stylesheet" href="\/app\.css">/);
    expect([...assets.html.matchAll(/(?:src|href)="([^"]*)"/g)].map((m) => m[1])).toEqual(['/app.css', '/app.js']);
    expect(assets.html).toContain('<div id="app">');
    expect(assets.html).toMatch(/<meta name="viewport" content="width=device-width, initial-scale=1">/);
  });

  it('has no inline script, style or event handler (the CSP allows our own origin only)', () => {
    const scripts = [...assets.html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts).toHaveLength(1);
    for (const [, attributes, body] of scripts) {
      expect(attributes).toMatch(/\bsrc="/);
      expect(body).toBe('');
    }
    expect(assets.html).not.toMatch(/<style\b|\sstyle=|\son[a-z]+=|javascript:/i);
  });

  it('refers to no other host in any asset (works offline, no CDN, no web font)', () => {
    expect(foreignUrls(assets.html)).toEqual([]);
    expect(foreignUrls(assets.js)).toEqual([]);
    expect(foreignUrls(assets.css)).toEqual([]);
    expect(assets.css).not.toMatch(/@import|@font-face|url\(/);
  });

  it('has a script that parses as ES2020 and a minified stylesheet of our own', () => {
    expect(() => new Script(assets.js, { filename: 'app.js' })).not.toThrow();
    expect(assets.js.length).toBeGreaterThan(1000);
    expect(assets.js).not.toMatch(/\bimport\s*\(|\brequire\(/);
    expect(assets.css).toContain('.error-box');
    expect(assets.css).not.toMatch(/\/\*/);
  });

  it('is built on the fly by loadPageAssets when run from TypeScript', async () => {
    expect(await loadPageAssets()).toEqual(assets);
  }, 30_000);
});

describe('the page in the device bundle', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'doorbell-page-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is a module of strings: loadPageAssets needs neither esbuild nor a file', async () => {
    const script = new URL('../../scripts/build.mjs', import.meta.url).href;
    const { pageAssetsPlugin } = (await import(script)) as { pageAssetsPlugin(assets: PageAssets): esbuild.Plugin };
    const prebuilt: PageAssets = { html: '<!doctype html><p>shell</p>', js: 'console.log("a`${b}")', css: 'p{color:red}' };
    const outfile = path.join(dir, 'assets.mjs');
    await esbuild.build({
      entryPoints: [path.join(root, 'provisioning', 'page', 'assets.ts')],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      plugins: [pageAssetsPlugin(prebuilt)],
      logLevel: 'silent',
    });
    expect(readFileSync(outfile, 'utf8')).not.toMatch(/esbuild|node:/);
    const run = spawnSync(process.execPath, ['--input-type=module', '-e',
      `const { loadPageAssets } = await import(${JSON.stringify(new URL(`file://${outfile}`).href)});
       process.stdout.write(JSON.stringify(await loadPageAssets()));`], { encoding: 'utf8', timeout: 10_000, cwd: dir });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual(prebuilt);
  }, 30_000);
});
