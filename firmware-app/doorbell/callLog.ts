// One call's life in the event log: callAnswered when it is answered, callEnded (reason, status, talk time) when it
// is over, for outgoing attempts and incoming calls alike. The journal already has these moments from the SIP layer
// (callEstablished, and callEnded per dialog): no second line here.

import type { Clock } from '../platform/Clock.ts';
import type { Call } from '../sip/dialog/types.ts';
import type { DoorEventSink } from './ports.ts';

export interface CallLogContext {
  readonly clock: Clock;
  readonly events: DoorEventSink;
}

/**
 * Records `callAnswered` and `callEnded` for `call` (`durationMs`: from the answer to the end, 0 when never answered).
 * Its unsubscribe function sits in `live` until the call ends (the application calls them all when it stops).
 */
export function logCall(call: Call, ctx: CallLogContext, live: Set<() => void>): void {
  let answeredAt: number | undefined;
  const offEstablished = call.events.on('established', () => {
    answeredAt = ctx.clock.now();
    ctx.events.record('callAnswered', { call: call.id, direction: call.direction });
  });
  const offEnded = call.events.on('ended', (info) => {
    off();
    const durationMs = answeredAt === undefined ? 0 : Math.round(ctx.clock.now() - answeredAt);
    const fields = { call: call.id, reason: info.reason, ...(info.status !== undefined ? { status: info.status } : {}), durationMs };
    ctx.events.record('callEnded', { ...fields, direction: call.direction });
  });
  const off = (): void => {
    offEstablished();
    offEnded();
    live.delete(off);
  };
  live.add(off);
}
