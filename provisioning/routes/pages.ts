// The page itself: `/` (the HTML, which shows setup, login or the settings), `/app.js`, `/app.css`; any other page
// path goes to `/`. Served from memory; no CDN, no inline script (the CSP forbids it).

import type { FastifyInstance } from 'fastify';
import { ApiError } from '../errors.ts';

/** The page's three files, built by the page's bundler. */
export interface PageAssets {
  readonly html: string;
  readonly js: string;
  readonly css: string;
}

export function pageRoutes(app: FastifyInstance, assets: PageAssets): void {
  const page = { config: { access: 'page' as const } };
  app.get('/', page, async (_request, reply) => reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(assets.html));
  app.get('/app.js', page, async (_request, reply) => reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').send(assets.js));
  app.get('/app.css', page, async (_request, reply) => reply.type('text/css; charset=utf-8').header('cache-control', 'no-cache').send(assets.css));

  app.setNotFoundHandler(async (request, reply) => {
    if (request.url.startsWith('/api/') || request.url === '/api') throw new ApiError(404, 'NOT_FOUND', 'no such API route');
    if (request.method === 'GET' || request.method === 'HEAD') return reply.redirect('/', 302);
    throw new ApiError(404, 'NOT_FOUND', 'no such page');
  });
}
