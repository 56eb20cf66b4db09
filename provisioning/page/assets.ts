// The provisioning page's assets for the server. In the device bundle scripts/build.mjs replaces ./build.ts with a
// module holding the strings it built beforehand (no esbuild on the device, no file to read); run from TypeScript
// (tsx, tests) ./build.ts builds them now.

import type { PageAssets } from './build.ts';

export type { PageAssets };

/** The HTML shell, /app.js and /app.css. */
export async function loadPageAssets(): Promise<PageAssets> {
  const { buildPageAssets } = await import('./build.ts');
  return buildPageAssets();
}
