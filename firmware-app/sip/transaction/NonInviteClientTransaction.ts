// Non-INVITE client transaction: RFC 3261 §17.1.2 (REGISTER, OPTIONS, BYE, CANCEL, INFO …).

import type { SipMessage } from '../message/index.ts';
import type { TransportError } from '../transport/types.ts';
import { TimerSet } from './timers.ts';
import { type ClientTransactionUser, type TransactionContext, sendReporting } from './types.ts';

export type NonInviteClientState = 'trying' | 'proceeding' | 'completed' | 'terminated';

export type NonInviteClientInput =
  | { readonly type: 'response'; readonly response: SipMessage }
  | { readonly type: 'timer_e' | 'timer_f' | 'timer_k' }
  | { readonly type: 'transport_err'; readonly error: TransportError };

export class NonInviteClientTransaction {
  readonly kind = 'non-invite-client';
  readonly request: SipMessage;
  #state: NonInviteClientState = 'trying';
  readonly #ctx: TransactionContext;
  readonly #tu: ClientTransactionUser;
  readonly #timers: TimerSet<'E' | 'F' | 'K'>;
  #intervalE: number;

  constructor(request: SipMessage, ctx: TransactionContext, tu: ClientTransactionUser) {
    this.request = request;
    this.#ctx = ctx;
    this.#tu = tu;
    this.#timers = new TimerSet(ctx.clock);
    this.#intervalE = ctx.timers.E;
  }

  get state(): NonInviteClientState {
    return this.#state;
  }

  start(): void {
    this.#send();
    // §17.1.2.2: Timer F always; Timer E only over an unreliable transport.
    this.#timers.start('F', this.#ctx.timers.F, () => this.handle({ type: 'timer_f' }));
    if (!this.#ctx.reliable) this.#timers.start('E', this.#intervalE, () => this.handle({ type: 'timer_e' }));
  }

  handle(input: NonInviteClientInput): void {
    if (this.#state === 'terminated') return;
    if (this.#state === 'completed') {
      if (input.type === 'timer_k') this.#terminate(); // responses retransmitted meanwhile are absorbed
      return;
    }
    switch (input.type) {
      case 'timer_e':
        this.#send();
        // "If timer E fires while in the Trying state, the timer is reset, but this time with a
        // value of MIN(2*T1, T2) … If timer E fires while in the Proceeding state … reset with T2."
        this.#intervalE = this.#state === 'trying' ? Math.min(2 * this.#intervalE, this.#ctx.timers.T2) : this.#ctx.timers.T2;
        this.#timers.start('E', this.#intervalE, () => this.handle({ type: 'timer_e' }));
        return;
      case 'timer_f':
        this.#terminate();
        this.#tu.timeout();
        return;
      case 'transport_err':
        this.#terminate();
        this.#tu.transportError(input.error);
        return;
      case 'response':
        if (input.response.status < 200) {
          this.#state = 'proceeding';
          this.#tu.response(input.response);
        } else {
          this.#state = 'completed';
          this.#timers.stop('E');
          this.#timers.stop('F');
          this.#timers.start('K', this.#ctx.timers.K, () => this.handle({ type: 'timer_k' }));
          this.#tu.response(input.response);
        }
        return;
      default:
        return;
    }
  }

  #send(): void {
    sendReporting(this.#ctx, this.request.bytes, (error) => this.handle({ type: 'transport_err', error }));
  }

  #terminate(): void {
    if (this.#state === 'terminated') return;
    this.#state = 'terminated';
    this.#timers.stopAll();
    this.#ctx.terminated();
  }
}
