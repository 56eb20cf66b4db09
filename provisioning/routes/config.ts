// The configuration sections (`GET`/`PUT /api/config/<section>`), export and factory reset.

import type { FastifyInstance } from 'fastify';
import { CONFIG_SECTIONS, type ConfigSection } from '../ports.ts';
import type { RouteContext } from '../context.ts';
import { ApiError } from '../errors.ts';

function sectionOf(params: unknown): ConfigSection {
  const name = (params as { section?: unknown }).section;
  if (typeof name === 'string' && (CONFIG_SECTIONS as readonly string[]).includes(name)) return name as ConfigSection;
  throw new ApiError(404, 'NOT_FOUND', `no such config section; one of ${CONFIG_SECTIONS.join(', ')}`);
}

export function configRoutes(app: FastifyInstance, ctx: RouteContext): void {
  app.get('/api/config/:section', async (request) => ctx.store.read(sectionOf(request.params)) ?? null);

  app.put('/api/config/:section', async (request) => {
    const section = sectionOf(request.params);
    if (typeof request.body !== 'object' || request.body === null) throw new ApiError(400, 'BAD_JSON', 'send the section as a JSON object or array');
    const result = await ctx.store.write(section, request.body);
    if (!result.ok) {
      ctx.logger.info('configRefused', { section, fields: Object.keys(result.fields).length, from: request.ip });
      throw new ApiError(400, 'INVALID', 'some fields are not valid; nothing was saved', { fields: result.fields });
    }
    ctx.logger.info('configSaved', { section, from: request.ip });
    return { ok: true, section: ctx.store.read(section) ?? null };
  });

  app.get('/api/export', async (_request, reply) => {
    const stamp = new Date().toISOString().slice(0, 10);
    reply.header('content-disposition', `attachment; filename="sip-doorbell-config-${stamp}.json"`);
    reply.header('cache-control', 'no-store');
    ctx.logger.info('configExported', { from: _request.ip });
    return ctx.store.exportRedacted();
  });

  app.post('/api/factory-reset', async (request) => {
    if ((request.body as { confirm?: unknown } | undefined)?.confirm !== 'RESET') {
      throw new ApiError(400, 'INVALID', 'send { "confirm": "RESET" } to reset', { fields: { confirm: 'type RESET' } });
    }
    await ctx.store.factoryReset();
    const code = await ctx.auth.resetToSetup();
    ctx.sessions.clear();
    await request.session.destroy();
    ctx.logger.warn('factoryReset', { from: request.ip });
    ctx.announceSetupCode(code);
    return { ok: true };
  });
}
