// INVITE client transaction: RFC 3261 §17.1.1 with the Accepted state of RFC 6026 §7.2.

import type { SipMessage } from '../message/index.ts';
import type { TransportError } from '../transport/types.ts';
import { buildNon2xxAck } from './ack.ts';
import { TimerSet } from './timers.ts';
import { type ClientTransactionUser, type TransactionContext, sendReporting } from './types.ts';

export type InviteClientState = 'calling' | 'proceeding' | 'completed' | 'accepted' | 'terminated';

export type InviteClientInput =
  | { readonly type: 'response'; readonly response: SipMessage }
  | { readonly type: 'timer_a' | 'timer_b' | 'timer_d' | 'timer_m' }
  /** §9.1: 64·T1 after our CANCEL without a final response: the transaction is given up. */
  | { readonly type: 'cancel_expired' }
  | { readonly type: 'transport_err'; readonly error: TransportError };

export class InviteClientTransaction {
  readonly kind = 'invite-client';
  readonly request: SipMessage;
  #state: InviteClientState = 'calling';
  readonly #ctx: TransactionContext;
  readonly #tu: ClientTransactionUser;
  readonly #timers: TimerSet<'A' | 'B' | 'D' | 'M'>;
  #intervalA: number;
  #ack: Uint8Array | undefined;

  constructor(request: SipMessage, ctx: TransactionContext, tu: ClientTransactionUser) {
    this.request = request;
    this.#ctx = ctx;
    this.#tu = tu;
    this.#timers = new TimerSet(ctx.clock);
    this.#intervalA = ctx.timers.A;
  }

  get state(): InviteClientState {
    return this.#state;
  }

  /** Sends the INVITE and arms Timer B (and Timer A over an unreliable transport). */
  start(): void {
    this.#send(this.request.bytes);
    // §17.1.1.2: "If an unreliable transport is being used, the client transaction MUST start timer A".
    if (!this.#ctx.reliable) this.#timers.start('A', this.#intervalA, () => this.handle({ type: 'timer_a' }));
    this.#timers.start('B', this.#ctx.timers.B, () => this.handle({ type: 'timer_b' }));
  }

  handle(input: InviteClientInput): void {
    switch (this.#state) {
      case 'calling':
      case 'proceeding':
        return this.#beforeFinal(input);
      case 'completed':
        if (input.type === 'response' && input.response.status >= 300) this.#send(this.#ack!); // retransmitted final: re-ACK
        else if (input.type === 'timer_d') this.#terminate();
        else if (input.type === 'transport_err') {
          // Figure 5: Completed --Transport Err.--> Terminated, Inform TU (the ACK could not be sent).
          this.#terminate();
          this.#tu.transportError(input.error);
        }
        return;
      case 'accepted':
        // RFC 6026 §7.2: 2xx retransmissions go to the TU, which re-sends its ACK.
        if (input.type === 'response' && input.response.status >= 200 && input.response.status < 300) this.#tu.response(input.response);
        else if (input.type === 'timer_m') this.#terminate();
        return;
      case 'terminated':
        return;
    }
  }

  #beforeFinal(input: InviteClientInput): void {
    switch (input.type) {
      case 'timer_a':
        if (this.#state !== 'calling') return;
        this.#send(this.request.bytes);
        this.#intervalA *= 2; // §17.1.1.2: doubling without a cap until Timer B
        this.#timers.start('A', this.#intervalA, () => this.handle({ type: 'timer_a' }));
        return;
      case 'timer_b':
        // Only Calling times out: in Proceeding the TU decides (CANCEL, Timer C).
        if (this.#state !== 'calling') return;
        this.#terminate();
        this.#tu.timeout();
        return;
      case 'cancel_expired':
        this.#terminate();
        this.#tu.timeout();
        return;
      case 'transport_err':
        this.#terminate();
        this.#tu.transportError(input.error);
        return;
      case 'response': {
        const status = input.response.status;
        if (status < 200) {
          this.#state = 'proceeding';
          this.#timers.stop('A');
          this.#tu.response(input.response);
        } else if (status < 300) {
          this.#state = 'accepted';
          this.#timers.stop('A');
          this.#timers.stop('B');
          this.#timers.start('M', this.#ctx.timers.M, () => this.handle({ type: 'timer_m' }));
          this.#tu.response(input.response);
        } else {
          this.#state = 'completed';
          this.#timers.stop('A');
          this.#timers.stop('B');
          this.#ack = buildNon2xxAck(this.request, input.response);
          this.#send(this.#ack);
          this.#timers.start('D', this.#ctx.timers.D, () => this.handle({ type: 'timer_d' }));
          this.#tu.response(input.response);
        }
        return;
      }
      default:
        return;
    }
  }

  #send(bytes: Uint8Array): void {
    sendReporting(this.#ctx, bytes, (error) => this.handle({ type: 'transport_err', error }));
  }

  #terminate(): void {
    if (this.#state === 'terminated') return;
    this.#state = 'terminated';
    this.#timers.stopAll();
    this.#ctx.terminated();
  }
}
