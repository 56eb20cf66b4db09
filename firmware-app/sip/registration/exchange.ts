// What RegistrationClient tracks per REGISTER: the request as sent, the exchange it belongs to, the binding a 200 leaves.

import type { SipMessage } from '../message/index.ts';
import type { Address, Target } from '../transport/types.ts';
import type { Server } from './requests.ts';

/** One REGISTER as sent. */
export interface Sent {
  readonly server: Server;
  readonly target: Target;
  readonly flowId: string | undefined;
  /** Our Via sent-by: the local address toward the target (over the flow). */
  readonly sentBy: Address;
  readonly request: SipMessage;
  readonly contactUri: string;
  readonly contact: string;
  readonly contactAddress: Address;
  readonly expires: number;
}

/** One registration exchange: from its first REGISTER to a final outcome, over challenges, 423s and failovers. */
export interface Exchange {
  readonly auth: Map<string, string>;
  authRounds: number;
  addressRounds: number;
  /** New flows tried because the REGISTER's connection closed under it. */
  flowRetries: number;
  sent: Sent | undefined;
}

/** A 200'd registration: what was sent, the expiry granted, and where the registrar saw us (behind a NAT). */
export type Binding = Sent & { readonly granted: number; readonly publicAddress: Address | undefined };

export interface Failure {
  readonly reason: string;
  readonly status?: number;
  /** The response's reason phrase, for the log (`phrase="Forbidden"`). */
  readonly phrase?: string;
  /** A 503's Retry-After (seconds). */
  readonly retryAfter?: number;
  /** RFC 5626 §4.5 base-time for this failure's back-off, when not the usual 30 s (a 403's is longer). */
  readonly backoffBase?: number;
}
