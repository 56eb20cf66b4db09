// The transaction layer (RFC 3261 §17): creates, matches and forgets the four kinds of transaction.

import type { Clock } from '../../platform/Clock.ts';
import type { Logger } from '../../platform/Logger.ts';
import { type ResponseInit, type SipMessage, SipParseError, buildResponse } from '../message/index.ts';
import { type Inbound, type SendResult, type Target, type TransportProtocol } from '../transport/types.ts';
import { InviteClientTransaction } from './InviteClientTransaction.ts';
import { InviteServerTransaction } from './InviteServerTransaction.ts';
import { MAGIC_COOKIE, randomToken } from './ids.ts';
import { clientKey, clientKeyOfResponse, serverKey } from './keys.ts';
import { NonInviteClientTransaction } from './NonInviteClientTransaction.ts';
import { NonInviteServerTransaction } from './NonInviteServerTransaction.ts';
import { DEFAULT_TIMER_BASE, type TimerBase, type TimerValues, timerValues } from './timers.ts';
import type { ClientTransactionUser, ServerTransactionContext, TransactionContext } from './types.ts';

export type ClientTransaction = InviteClientTransaction | NonInviteClientTransaction;
export type ServerTransaction = InviteServerTransaction | NonInviteServerTransaction;

/** What the transaction layer needs from the transport layer (TransportLayer implements it). */
export interface TransactionTransport {
  send(bytes: Uint8Array, target: Target, flowId?: string): Promise<SendResult>;
  sendResponse(bytes: Uint8Array, request: SipMessage, inbound: Inbound): Promise<SendResult>;
  responseVia(request: SipMessage, inbound: Inbound): { received?: string; rport?: number };
  isReliable(protocol: TransportProtocol): boolean;
}

/** The transaction user above the layer: the UA core. */
export interface TransactionLayerUser {
  /** A new request with its server transaction (not ACK, not a retransmission, not a matched CANCEL). */
  request(transaction: ServerTransaction): void;
  /** An ACK that matched no server transaction: the ACK for a 2xx, which belongs to the dialog. */
  ack(ack: SipMessage, inbound: Inbound): void;
  /** A response that matched no client transaction (e.g. a 2xx retransmitted after Timer M). */
  strayResponse?(response: SipMessage, inbound: Inbound): void;
  /**
   * Screens a new request before any transaction exists (not ACK, not a retransmission). False
   * drops it silently: no transaction, no 100 Trying, nothing a scanner could learn from.
   */
  screen?(request: SipMessage, inbound: Inbound): boolean;
  /**
   * The source rules of `screen` alone, for what has nothing else to go by: a malformed request (may it get its
   * 400?). False: drop it silently. Absent: every source may be answered.
   */
  screenSource?(inbound: Inbound, method?: string): boolean;
}

export interface TransactionLayerOptions {
  readonly clock: Clock;
  readonly transport: TransactionTransport;
  readonly logger: Logger;
  readonly timers?: TimerBase;
}

export class TransactionLayer {
  readonly #clock: Clock;
  readonly #transport: TransactionTransport;
  readonly #logger: Logger;
  readonly #unreliable: TimerValues;
  readonly #reliable: TimerValues;
  readonly #clients = new Map<string, ClientTransaction>();
  readonly #servers = new Map<string, ServerTransaction>();
  /** The To tag each server transaction answers with, shared with a CANCEL's 200 (§9.2). */
  readonly #toTags = new WeakMap<ServerTransaction, { value: string | undefined }>();
  #user: TransactionLayerUser | undefined;

  constructor(options: TransactionLayerOptions) {
    this.#clock = options.clock;
    this.#transport = options.transport;
    this.#logger = options.logger;
    const base = options.timers ?? DEFAULT_TIMER_BASE;
    this.#unreliable = timerValues(base, false);
    this.#reliable = timerValues(base, true);
  }

  setUser(user: TransactionLayerUser): void {
    this.#user = user;
  }

  /** Live transactions (client, server): for diagnostics and leak checks. */
  get size(): { client: number; server: number } {
    return { client: this.#clients.size, server: this.#servers.size };
  }

  /**
   * Starts a client transaction for `request` (its top Via must carry a fresh branch) towards
   * `target`. Responses, the timeout and transport errors reach `user`.
   */
  sendRequest(request: SipMessage, target: Target, user: ClientTransactionUser, flowId?: string): ClientTransaction {
    // §17.1: the ACK for a 2xx belongs to no transaction; the dialog sends it with sendStateless.
    if (request.method === 'ACK') throw new TypeError('an ACK is sent with sendStateless, not in a transaction');
    const branch = request.topVia.branch;
    if (branch === undefined) throw new TypeError('a request we send needs a Via branch');
    const key = clientKey(branch, request.method);
    const reliable = this.#transport.isReliable(target.protocol);
    const ctx = this.#context(reliable, (bytes) => this.#transport.send(bytes, target, flowId), () => {
      if (this.#clients.get(key) === tx) this.#clients.delete(key);
    });
    const tx: ClientTransaction =
      request.method === 'INVITE' ? new InviteClientTransaction(request, ctx, user) : new NonInviteClientTransaction(request, ctx, user);
    this.#clients.set(key, tx);
    tx.start();
    if (request.method === 'CANCEL') this.#expireCancelled(branch, reliable);
    return tx;
  }

  /**
   * §9.1: "If no final response is received after 64*T1 seconds, the client SHOULD then consider
   * the original transaction cancelled and SHOULD destroy the client transaction".
   */
  #expireCancelled(branch: string, reliable: boolean): void {
    const invite = this.#clients.get(clientKey(branch, 'INVITE'));
    if (!(invite instanceof InviteClientTransaction)) return;
    this.#clock.setTimer(this.#timersFor(reliable).B, () => {
      if (invite.state === 'calling' || invite.state === 'proceeding') invite.handle({ type: 'cancel_expired' });
    });
  }

  /** Sends a message outside any transaction (the ACK for a 2xx, §13.2.2.4); once, no retransmission. */
  sendStateless(message: SipMessage, target: Target, flowId?: string): Promise<SendResult> {
    return this.#transport.send(message.bytes, target, flowId);
  }

  /** Entry for every parsed response (TransportLayerUser). */
  response(response: SipMessage, inbound: Inbound): void {
    const key = clientKeyOfResponse(response);
    const tx = key === undefined ? undefined : this.#clients.get(key);
    if (tx === undefined) {
      this.#user?.strayResponse?.(response, inbound);
      return;
    }
    tx.handle({ type: 'response', response });
  }

  /** Whether `inbound`'s source may be answered at all (TransportLayerUser): the TU's screenSource decides. */
  screenSource(inbound: Inbound, method?: string): boolean {
    return this.#user?.screenSource?.(inbound, method) ?? true;
  }

  /** Entry for every parsed request (TransportLayerUser). */
  request(request: SipMessage, inbound: Inbound): void {
    const key = serverKey(request);
    const existing = this.#servers.get(key);
    if (request.method === 'ACK') {
      // RFC 6026 §7.1: an ACK reaching a transaction in Accepted (the 2xx ACK of an RFC 2543 peer,
      // or one reusing the INVITE's branch) belongs to the TU. RFC 2543 matching also needs the
      // To tag of our response (§17.2.3).
      if (existing instanceof InviteServerTransaction && existing.state !== 'accepted' && this.#ackMatchesTag(existing, request)) {
        existing.handle({ type: 'ack' });
      } else {
        this.#user?.ack(request, inbound);
      }
      return;
    }
    if (existing !== undefined) {
      existing.handle({ type: 'request' }); // a retransmission
      return;
    }
    // A CANCEL of an INVITE we are handling belongs to that call (it must match the INVITE's branch, Call-ID and
    // tags, which a stranger cannot guess): never screened, so a flood from the caller's address cannot keep us ringing.
    const cancelsLiveInvite = request.method === 'CANCEL' && this.#servers.get(serverKey(request, 'INVITE')) instanceof InviteServerTransaction;
    if (!cancelsLiveInvite && this.#user?.screen !== undefined && !this.#user.screen(request, inbound)) return;
    const tx = this.#createServer(request, inbound, key);
    if (request.method === 'CANCEL') {
      this.#cancel(tx as NonInviteServerTransaction, request);
      return;
    }
    try {
      this.#user?.request(tx);
    } catch (err) {
      // A header the TU read lazily was malformed (400), or a bug (500): answer, so that the
      // transaction ends instead of waiting for a response that will never come.
      const bad = err instanceof SipParseError;
      this.#logger.warn('requestFailed', { method: request.method, code: bad ? err.code : 'INTERNAL', error: bad ? '' : String(err) });
      tx.respond(bad ? { status: 400, reason: 'Bad Request', headers: [['Warning', `399 - "${err.code}"`]] } : { status: 500, reason: 'Server Internal Error' });
    }
  }

  #timersFor(reliable: boolean): TimerValues {
    return reliable ? this.#reliable : this.#unreliable;
  }

  /** What every transaction gets from the layer: `send` reports a failed send as its error, `terminated` forgets it. */
  #context(reliable: boolean, send: (bytes: Uint8Array) => Promise<SendResult>, terminated: () => void): TransactionContext {
    return {
      clock: this.#clock,
      timers: this.#timersFor(reliable),
      reliable,
      send: async (bytes) => {
        const result = await send(bytes);
        return result.ok ? undefined : result.error;
      },
      terminated,
    };
  }

  #ackMatchesTag(invite: InviteServerTransaction, ack: SipMessage): boolean {
    const branch = ack.topVia.branch;
    if (branch !== undefined && branch.startsWith(MAGIC_COOKIE)) return true;
    return ack.to.tag === this.#toTags.get(invite)?.value;
  }

  #createServer(request: SipMessage, inbound: Inbound, key: string): ServerTransaction {
    const reliable = this.#transport.isReliable(inbound.flow.protocol);
    const via = this.#transport.responseVia(request, inbound);
    // Every response but 100 carries the same To tag (§8.2.6.2); the TU may choose it.
    const toTag: { value: string | undefined } = { value: undefined };
    const ctx: ServerTransactionContext = {
      ...this.#context(reliable, (bytes) => this.#transport.sendResponse(bytes, request, inbound), () => {
        if (this.#servers.get(key) === tx) this.#servers.delete(key);
      }),
      build: (init: ResponseInit) => {
        if (init.status === 100 || request.to.tag !== undefined) return buildResponse(request, { ...init, toTag: undefined, topVia: via });
        toTag.value ??= init.toTag ?? randomToken(8);
        return buildResponse(request, { ...init, toTag: toTag.value, topVia: via });
      },
    };
    const tx: ServerTransaction =
      request.method === 'INVITE' ? new InviteServerTransaction(request, inbound, ctx) : new NonInviteServerTransaction(request, inbound, ctx);
    this.#servers.set(key, tx);
    this.#toTags.set(tx, toTag);
    return tx;
  }

  /** RFC 3261 §9.2: a CANCEL is answered by the layer; the INVITE's user decides the 487. */
  #cancel(tx: NonInviteServerTransaction, cancel: SipMessage): void {
    const invite = this.#servers.get(serverKey(cancel, 'INVITE'));
    if (!(invite instanceof InviteServerTransaction)) {
      tx.respond({ status: 481, reason: 'Call/Transaction Does Not Exist' });
      return;
    }
    // §9.2: the 200 to the CANCEL carries the To tag the INVITE's responses carry.
    const tag = this.#toTags.get(invite)!;
    tag.value ??= randomToken(8);
    tx.respond({ status: 200, reason: 'OK', toTag: tag.value });
    if (invite.state !== 'proceeding') return; // a final response was already sent: no effect
    this.#logger.debug('inviteCancelled', { callId: invite.request.callId });
    if (invite.user.cancelled !== undefined) invite.user.cancelled(cancel);
    else invite.respond({ status: 487, reason: 'Request Terminated' });
  }
}
