// INVITE server transaction: RFC 3261 §17.2.1 with the Accepted state of RFC 6026 §7.1.

import type { ResponseInit, SipMessage } from '../message/index.ts';
import type { Inbound, TransportError } from '../transport/types.ts';
import { TimerSet } from './timers.ts';
import { type ServerTransactionContext, type ServerTransactionUser, sendReporting } from './types.ts';

export type InviteServerState = 'proceeding' | 'completed' | 'confirmed' | 'accepted' | 'terminated';

export type InviteServerInput =
  | { readonly type: 'request' }
  | { readonly type: 'ack' }
  | { readonly type: 'timer_g' | 'timer_h' | 'timer_i' | 'timer_l' | 'timer_trying' }
  | { readonly type: 'transport_err'; readonly error: TransportError };

export class InviteServerTransaction {
  readonly kind = 'invite-server';
  readonly request: SipMessage;
  /** Where the request came from (source address and flow). */
  readonly inbound: Inbound;
  /** Set by the application to hear about timeouts, transport errors and CANCEL. */
  user: ServerTransactionUser = {};
  #state: InviteServerState = 'proceeding';
  readonly #ctx: ServerTransactionContext;
  readonly #timers: TimerSet<'G' | 'H' | 'I' | 'L' | 'trying'>;
  #lastResponse: Uint8Array | undefined;
  #lastStatus = 0;
  #intervalG: number;

  constructor(request: SipMessage, inbound: Inbound, ctx: ServerTransactionContext) {
    this.request = request;
    this.inbound = inbound;
    this.#ctx = ctx;
    this.#timers = new TimerSet(ctx.clock);
    this.#intervalG = ctx.timers.G;
    // §17.2.1: send 100 Trying unless the TU answers within 200 ms.
    this.#timers.start('trying', ctx.timers.trying, () => this.handle({ type: 'timer_trying' }));
  }

  get state(): InviteServerState {
    return this.#state;
  }

  /** Status of the last response sent (0 before any). */
  get lastStatus(): number {
    return this.#lastStatus;
  }

  /**
   * Sends a response from the TU. 1xx keeps Proceeding; 2xx moves to Accepted (and may be sent
   * again there: the TU retransmits its 2xx); 300-699 moves to Completed. Returns false when the
   * state does not allow it.
   */
  respond(init: ResponseInit): boolean {
    const status = init.status;
    if (this.#state === 'accepted' && status >= 200 && status < 300) {
      this.#sendResponse(this.#ctx.build(init), status);
      return true;
    }
    if (this.#state !== 'proceeding') return false;
    const bytes = this.#ctx.build(init); // may throw on bad input from the TU: 100 Trying stays armed
    this.#timers.stop('trying');
    this.#sendResponse(bytes, status);
    if (status < 200) return true;
    if (status < 300) {
      this.#state = 'accepted';
      this.#timers.start('L', this.#ctx.timers.L, () => this.handle({ type: 'timer_l' }));
    } else {
      this.#state = 'completed';
      if (!this.#ctx.reliable) this.#timers.start('G', this.#intervalG, () => this.handle({ type: 'timer_g' }));
      this.#timers.start('H', this.#ctx.timers.H, () => this.handle({ type: 'timer_h' }));
    }
    return true;
  }

  handle(input: InviteServerInput): void {
    switch (input.type) {
      case 'timer_trying':
        if (this.#state === 'proceeding' && this.#lastResponse === undefined) this.#sendResponse(this.#ctx.build({ status: 100, reason: 'Trying' }), 100);
        return;
      case 'request':
        // Retransmitted INVITE: repeat the last provisional (Proceeding) or the final (Completed);
        // absorbed in Confirmed and, per RFC 6026, in Accepted.
        if ((this.#state === 'proceeding' || this.#state === 'completed') && this.#lastResponse !== undefined) this.#resend();
        return;
      case 'ack':
        if (this.#state !== 'completed') return;
        this.#state = 'confirmed';
        this.#timers.stop('G');
        this.#timers.stop('H');
        this.#timers.start('I', this.#ctx.timers.I, () => this.handle({ type: 'timer_i' }));
        return;
      case 'timer_g':
        if (this.#state !== 'completed') return;
        this.#resend();
        this.#intervalG = Math.min(2 * this.#intervalG, this.#ctx.timers.T2);
        this.#timers.start('G', this.#intervalG, () => this.handle({ type: 'timer_g' }));
        return;
      case 'timer_h':
        if (this.#state !== 'completed') return;
        this.#terminate();
        this.user.timeout?.();
        return;
      case 'timer_i':
      case 'timer_l':
        this.#terminate();
        return;
      case 'transport_err':
        if (this.#state === 'terminated') return;
        this.#terminate();
        this.user.transportError?.(input.error);
        return;
    }
  }

  #sendResponse(bytes: Uint8Array, status: number): void {
    this.#lastResponse = bytes;
    this.#lastStatus = status;
    this.#resend();
  }

  #resend(): void {
    sendReporting(this.#ctx, this.#lastResponse!, (error) => this.handle({ type: 'transport_err', error }));
  }

  #terminate(): void {
    if (this.#state === 'terminated') return;
    this.#state = 'terminated';
    this.#timers.stopAll();
    this.#ctx.terminated();
  }
}
