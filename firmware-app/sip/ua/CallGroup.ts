// Several outgoing INVITEs as one call: the first to answer wins, the others are cancelled with RFC 3326's
// "Call completed elsewhere".

import { Emitter } from '../../platform/Emitter.ts';
import { COMPLETED_ELSEWHERE } from '../dialog/index.ts';
import type { Call, CallEndReason, CallEvents, CallState, HangupOptions } from '../dialog/types.ts';
import type { Party } from '../transaction/index.ts';

/**
 * Parallel forking done by us (RFC 3261 §16 style, on the UAC side): a user with several
 * registered phones, or a routing step that rings several targets at once. Emits `ringing` once,
 * `established` for the winner, and `ended` when the group is over.
 */
export class CallGroup implements Call {
  readonly id: string;
  readonly direction = 'outgoing' as const;
  readonly events: Emitter<CallEvents>;
  readonly #members: Call[];
  #state: CallState = 'calling';
  #winner: Call | undefined;
  #open: number;
  #best: { reason: CallEndReason; status?: number } = { reason: 'failed' };

  /**
   * `defer` runs the end of an empty group later: with the UA's clock, after the caller of `ua.call()` has had the
   * group back and subscribed to `ended` (a microtask would fire before an `await`ing caller resumes).
   */
  constructor(id: string, members: readonly Call[], onListenerError: (event: string, error: unknown) => void, defer: (fn: () => void) => void = queueMicrotask) {
    this.id = id;
    this.events = new Emitter<CallEvents>(onListenerError);
    this.#members = [...members];
    this.#open = members.length;
    for (const call of members) {
      call.events.on('ringing', (info) => {
        if (this.#state !== 'calling') return;
        this.#state = 'early';
        this.events.emit('ringing', info);
      });
      call.events.on('established', () => this.#established(call));
      call.events.on('dtmfReceived', (info) => {
        if (call === this.#winner) this.events.emit('dtmfReceived', info);
      });
      call.events.on('holdChanged', (info) => {
        if (call === this.#winner) this.events.emit('holdChanged', info);
      });
      call.events.on('ended', (info) => this.#ended(call, info));
    }
    if (members.length === 0) defer(() => this.#finish({ reason: 'failed' }));
  }

  get state(): CallState {
    return this.#state;
  }

  /** The answering member's remote party once established, else the first member's. */
  get remote(): Party {
    return (this.#winner ?? this.#members[0])?.remote ?? { uri: '' };
  }

  /** The member that answered. */
  get winner(): Call | undefined {
    return this.#winner;
  }

  hangup(options?: HangupOptions): void {
    for (const call of this.#members) if (call.state !== 'ended') call.hangup(options);
  }

  #established(call: Call): void {
    if (this.#winner !== undefined) {
      call.hangup(); // a second answer: that phone was too late
      return;
    }
    this.#winner = call;
    this.#state = 'confirmed';
    // RFC 3326: the Reason in their CANCEL tells the other phones not to list a missed call.
    for (const other of this.#members) if (other !== call && other.state !== 'ended') other.hangup({ reason: COMPLETED_ELSEWHERE });
    this.events.emit('established');
  }

  #ended(call: Call, info: { reason: CallEndReason; status?: number }): void {
    this.#open--;
    if (call === this.#winner) {
      this.#finish(info);
      return;
    }
    // Busy (486) or decline (603) says more than a timeout; keep the most telling outcome.
    if (this.#winner === undefined && (this.#best.status === undefined || (info.status ?? 0) > 0)) this.#best = info;
    if (this.#open === 0 && this.#winner === undefined) this.#finish(this.#best);
  }

  #finish(info: { reason: CallEndReason; status?: number }): void {
    if (this.#state === 'ended') return;
    this.#state = 'ended';
    this.events.emit('ended', info);
  }
}
