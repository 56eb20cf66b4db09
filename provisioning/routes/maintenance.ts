// Maintenance: the export with encrypted secrets (`POST /api/export`), the import of an exported file
// (`POST /api/import`) and the event log as a download (`GET /api/log`).

import type { FastifyInstance, FastifyReply } from 'fastify';
import { MAX_PASSPHRASE, openExport, passphraseProblem, sealExport } from '../configTransfer.ts';
import { SCRYPT_ROUTE_LIMIT, type RouteContext } from '../context.ts';
import { ApiError } from '../errors.ts';

/** An import holds the whole configuration: more than a section's 64 KiB may be needed. */
const IMPORT_BODY_LIMIT = 512 * 1024;

function field(body: unknown, name: string): unknown {
  return typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined;
}

function download(reply: FastifyReply, name: string, now: Date): void {
  reply.header('content-disposition', `attachment; filename="sip-doorbell-${name}-${now.toISOString().slice(0, 10)}.json"`);
  reply.header('cache-control', 'no-store');
}

export function maintenanceRoutes(app: FastifyInstance, ctx: RouteContext): void {
  app.post('/api/export', { config: SCRYPT_ROUTE_LIMIT }, async (request, reply) => {
    const passphrase = field(request.body, 'passphrase');
    const problem = passphraseProblem(passphrase);
    if (problem !== undefined) throw new ApiError(400, 'INVALID', 'choose a passphrase for the file', { fields: { passphrase: problem } });
    const now = new Date();
    const file = await sealExport(ctx.store, passphrase as string, now);
    download(reply, 'config-encrypted', now);
    ctx.logger.info('configExported', { from: request.ip, secrets: 'encrypted' });
    return file;
  });

  app.post('/api/import', { bodyLimit: IMPORT_BODY_LIMIT, config: SCRYPT_ROUTE_LIMIT }, async (request) => {
    const config = field(request.body, 'config');
    const passphrase = field(request.body, 'passphrase');
    if (typeof config !== 'object' || config === null || Array.isArray(config)) {
      throw new ApiError(400, 'INVALID', 'send { "config": <the exported file> }', { fields: { config: 'choose a file exported from a door station' } });
    }
    if (passphrase !== undefined && passphrase !== null && (typeof passphrase !== 'string' || passphrase.length > MAX_PASSPHRASE)) {
      throw new ApiError(400, 'INVALID', 'the passphrase is text', { fields: { passphrase: `at most ${MAX_PASSPHRASE} characters` } });
    }
    let plain: unknown;
    try {
      plain = await openExport(config, typeof passphrase === 'string' ? passphrase : undefined);
    } catch (error) {
      if (error instanceof ApiError) ctx.logger.warn('configImportRefused', { code: error.code, from: request.ip });
      throw error;
    }
    const result = await ctx.store.importConfig(plain);
    if (!result.ok) {
      ctx.logger.info('configRefused', { section: 'import', fields: Object.keys(result.fields).length, from: request.ip });
      throw new ApiError(400, 'INVALID', 'the file has fields that are not valid; nothing was imported', { fields: result.fields });
    }
    ctx.logger.info('configImported', { from: request.ip });
    return { ok: true };
  });

  app.get('/api/log', async (request, reply) => {
    const now = new Date();
    const { version, mode } = ctx.status.snapshot();
    const events = ctx.eventLog?.recent() ?? ctx.status.snapshot().recentEvents;
    download(reply, 'log', now);
    ctx.logger.info('logDownloaded', { from: request.ip, events: events.length });
    return { device: { version, mode }, exportedAt: now.toISOString(), events };
  });
}
