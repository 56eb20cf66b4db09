// Non-INVITE server transaction: RFC 3261 §17.2.2.

import type { ResponseInit, SipMessage } from '../message/index.ts';
import type { Inbound, TransportError } from '../transport/types.ts';
import { TimerSet } from './timers.ts';
import { type ServerTransactionContext, type ServerTransactionUser, sendReporting } from './types.ts';

export type NonInviteServerState = 'trying' | 'proceeding' | 'completed' | 'terminated';

export type NonInviteServerInput =
  | { readonly type: 'request' }
  | { readonly type: 'timer_j' }
  | { readonly type: 'transport_err'; readonly error: TransportError };

export class NonInviteServerTransaction {
  readonly kind = 'non-invite-server';
  readonly request: SipMessage;
  /** Where the request came from (source address and flow). */
  readonly inbound: Inbound;
  user: ServerTransactionUser = {};
  #state: NonInviteServerState = 'trying';
  readonly #ctx: ServerTransactionContext;
  readonly #timers: TimerSet<'J'>;
  #lastResponse: Uint8Array | undefined;
  #lastStatus = 0;

  constructor(request: SipMessage, inbound: Inbound, ctx: ServerTransactionContext) {
    this.request = request;
    this.inbound = inbound;
    this.#ctx = ctx;
    this.#timers = new TimerSet(ctx.clock);
  }

  get state(): NonInviteServerState {
    return this.#state;
  }

  get lastStatus(): number {
    return this.#lastStatus;
  }

  /** Sends a response from the TU; false once a final response was sent. */
  respond(init: ResponseInit): boolean {
    if (this.#state !== 'trying' && this.#state !== 'proceeding') return false;
    this.#lastResponse = this.#ctx.build(init);
    this.#lastStatus = init.status;
    this.#send();
    if (init.status < 200) {
      this.#state = 'proceeding';
    } else {
      this.#state = 'completed';
      this.#timers.start('J', this.#ctx.timers.J, () => this.handle({ type: 'timer_j' }));
    }
    return true;
  }

  handle(input: NonInviteServerInput): void {
    switch (input.type) {
      case 'request':
        // Trying: "any retransmissions of the request received while in this state MUST be discarded".
        if (this.#state === 'proceeding' || this.#state === 'completed') this.#send();
        return;
      case 'timer_j':
        this.#terminate();
        return;
      case 'transport_err':
        if (this.#state === 'terminated') return;
        this.#terminate();
        this.user.transportError?.(input.error);
        return;
    }
  }

  #send(): void {
    sendReporting(this.#ctx, this.#lastResponse!, (error) => this.handle({ type: 'transport_err', error }));
  }

  #terminate(): void {
    if (this.#state === 'terminated') return;
    this.#state = 'terminated';
    this.#timers.stopAll();
    this.#ctx.terminated();
  }
}
