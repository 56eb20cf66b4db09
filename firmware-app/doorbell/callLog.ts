// One call's life in the log and the event log: callAnswered when it is answered, callEnded (reason, status,
// talk time) when it is over, for outgoing attempts and incoming calls alike.

import type { Clock } from '../platform/Clock.ts';
import type { Logger } from '../platform/Logger.ts';
import type { Call } from '../sip/dialog/types.ts';
import type { DoorEventSink } from './ports.ts';

export interface CallLogContext {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly events: DoorEventSink;
}

/**
 * Logs `callAnswered` and `callEnded` for `call` (`durationMs`: from the answer to the end, 0 when never answered).
 * Its unsubscribe function sits in `live` until the call ends (the application calls them all when it stops).
 */
export function logCall(call: Call, ctx: CallLogContext, live: Set<() => void>): void {
  let answeredAt: number | undefined;
  const offEstablished = call.events.on('established', () => {
    answeredAt = ctx.clock.now();
    ctx.logger.info('callAnswered', { call: call.id, remote: call.remote.uri });
    ctx.events.record('callAnswered', { call: call.id, direction: call.direction });
  });
  const offEnded = call.events.on('ended', (info) => {
    off();
    const durationMs = answeredAt === undefined ? 0 : Math.round(ctx.clock.now() - answeredAt);
    const fields = { call: call.id, reason: info.reason, ...(info.status !== undefined ? { status: info.status } : {}), durationMs };
    ctx.logger.info('callEnded', fields);
    ctx.events.record('callEnded', { ...fields, direction: call.direction });
  });
  const off = (): void => {
    offEstablished();
    offEnded();
    live.delete(off);
  };
  live.add(off);
}
