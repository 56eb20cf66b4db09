// The device's live status: `GET /api/status` (the snapshot and the session's CSRF token) and `GET /api/events`.

import type { FastifyInstance } from 'fastify';
import { CSRF_HEADER } from '../auth.ts';
import type { RouteContext } from '../context.ts';
import type { EventStreams } from '../sse.ts';
import type { DeviceStatus } from '../ports.ts';

/** The body of `GET /api/status`: the snapshot's fields and the session's CSRF token beside them. */
export type StatusAnswer = DeviceStatus & { readonly csrfToken: string };

export function statusRoutes(app: FastifyInstance, ctx: RouteContext, streams: EventStreams): void {
  app.get('/api/status', async (_request, reply): Promise<StatusAnswer> => {
    const csrfToken = reply.generateCsrf();
    reply.header(CSRF_HEADER, csrfToken).header('cache-control', 'no-store');
    return { ...ctx.status.snapshot(), csrfToken };
  });

  app.get('/api/events', (request, reply) => {
    streams.open(request, reply);
  });
}
