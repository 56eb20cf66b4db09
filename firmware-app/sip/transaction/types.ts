// What the four RFC 3261 §17 transaction machines need and report: context in, results out.

import type { Clock } from '../../platform/Clock.ts';
import type { ResponseInit, SipMessage } from '../message/index.ts';
import type { TransportError } from '../transport/types.ts';
import type { TimerValues } from './timers.ts';

/** Injected into every transaction by the layer. */
export interface TransactionContext {
  readonly clock: Clock;
  readonly timers: TimerValues;
  /** TCP/TLS: no retransmissions, and the wait timers D, I, J, K are zero. */
  readonly reliable: boolean;
  /** Hands bytes to the transport; resolves to the error when the send failed. */
  send(bytes: Uint8Array): Promise<TransportError | undefined>;
  /** Called once when the machine reaches `terminated`, so the layer forgets it. */
  terminated(): void;
}

/**
 * The transaction user of a client transaction: the responses it passes up, and the outcomes that
 * are not responses (RFC 3261 §17.1.1.2 timeout, §17.1.4 transport error) as calls, never throws.
 */
export interface ClientTransactionUser {
  /** A provisional or final response; for INVITE also 2xx retransmissions (the TU re-sends ACK). */
  response(response: SipMessage): void;
  /** No final response in time (Timer B or F). */
  timeout(): void;
  /** The transport could not send the request. */
  transportError(error: TransportError): void;
}

/** The transaction user of a server transaction: only failures come back to it. */
export interface ServerTransactionUser {
  /** INVITE: a non-2xx final response was never acknowledged (Timer H). */
  timeout?(): void;
  /** A response could not be sent. */
  transportError?(error: TransportError): void;
  /** The request was cancelled by a matching CANCEL (the layer already answered the CANCEL 200). */
  cancelled?(cancel: SipMessage): void;
}

/** A server transaction's context: building a response also applies the Via rules of §18.2.1. */
export interface ServerTransactionContext extends TransactionContext {
  build(init: ResponseInit): Uint8Array;
}

/** Sends through the context and turns a failed send into the machine's `transport_err` input. */
export function sendReporting(ctx: TransactionContext, bytes: Uint8Array, failed: (error: TransportError) => void): void {
  void ctx.send(bytes).then((error) => {
    if (error !== undefined) failed(error);
  });
}
