// Builds the provisioning page with esbuild: app/index.ts (preact + htm) and the stylesheet it imports become one
// script and one stylesheet, served as /app.js and /app.css by the HTML below. Nothing is fetched from elsewhere.

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

/** The page as the server sends it: the HTML shell, the one script and the one stylesheet. */
export interface PageAssets {
  readonly html: string;
  readonly js: string;
  readonly css: string;
}

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * The HTML shell. No inline script or style (the server's CSP allows its own origin only); `defer` runs the script
 * once the body exists.
 */
const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Door station</title>
<link rel="stylesheet" href="/app.css">
<script defer src="/app.js"></script>
</head>
<body>
<div id="app"><noscript>This page needs JavaScript.</noscript></div>
</body>
</html>
`;

/** Builds the script and stylesheet (minified, ES2020) in memory. */
export async function buildPageAssets(): Promise<PageAssets> {
  const result = await esbuild.build({
    entryPoints: [path.join(here, 'app', 'index.ts')],
    bundle: true,
    write: false,
    // Only names the outputs (index.js, index.css): nothing is written.
    outdir: path.join(here, 'out'),
    platform: 'browser',
    format: 'iife',
    target: 'es2020',
    minify: true,
    legalComments: 'none',
    charset: 'utf8',
    logLevel: 'silent',
  });
  const text = (extension: string): string => {
    const file = result.outputFiles.find((f) => f.path.endsWith(extension));
    if (file === undefined) throw new Error(`the page build made no ${extension} file`);
    return file.text;
  };
  return { html: PAGE_HTML, js: text('.js'), css: text('.css') };
}
