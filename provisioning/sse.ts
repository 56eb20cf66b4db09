// Live status for the page over server-sent events (WHATWG HTML §9.2): a `status` event with the whole snapshot at
// connect and on every change, and a comment line every 15 s so proxies and phones keep the connection open.

import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Clock, TimerHandle } from '../firmware-app/platform/Clock.ts';
import type { StatusSource } from './ports.ts';
import { ApiError } from './errors.ts';

export const HEARTBEAT_MS = 15_000;
/** A phone, a laptop and a forgotten tab or two; more is a client that never closes its streams. */
const MAX_STREAMS = 8;

/** The open event streams; `closeAll` ends them so the server can close. */
export interface EventStreams {
  open(request: FastifyRequest, reply: FastifyReply): void;
  closeAll(): void;
  readonly count: number;
}

export function createEventStreams(status: StatusSource, clock: Clock): EventStreams {
  const closers = new Set<() => void>();
  return {
    open(request, reply) {
      if (closers.size >= MAX_STREAMS) throw new ApiError(503, 'TOO_MANY_STREAMS', 'too many open status streams; close a tab');
      // The headers set so far (helmet's) go out with the stream, which fastify no longer writes for us.
      const raw = reply.raw;
      for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) raw.setHeader(name, value);
      reply.hijack();
      raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no' });
      let last = '';
      const send = (): void => {
        const json = JSON.stringify(status.snapshot());
        if (json === last) return;
        last = json;
        raw.write(`event: status\ndata: ${json}\n\n`);
      };
      let heartbeat: TimerHandle | undefined;
      const beat = (): void => {
        heartbeat = clock.setTimer(HEARTBEAT_MS, () => {
          raw.write(': heartbeat\n\n');
          beat();
        });
      };
      let closed = false;
      const unsubscribe = status.subscribe(send);
      const close = (): void => {
        if (closed) return;
        closed = true;
        unsubscribe();
        heartbeat?.cancel();
        closers.delete(close);
        raw.end();
      };
      closers.add(close);
      request.raw.on('close', close);
      raw.on('close', close);
      raw.write('retry: 3000\n\n');
      send();
      beat();
    },
    closeAll() {
      for (const close of [...closers]) close();
    },
    get count() {
      return closers.size;
    },
  };
}
