// What RegistrationClient tracks per REGISTER: the request as sent, the exchange it belongs to, the binding a 200 leaves.

import type { SipMessage } from '../message/index.ts';
import type { Address, Target } from '../transport/types.ts';
import type { Server } from './requests.ts';

/** One REGISTER as sent. */
export interface Sent {
  readonly server: Server;
  readonly target: Target;
  readonly flowId: string | undefined;
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
  /** A Contact URI the registrar holds for us that this exchange replaces: sent with expires=0. */
  staleContact: string | undefined;
  sent: Sent | undefined;
}

/** A 200'd registration: what was sent, the expiry granted, and where the registrar saw us (behind a NAT). */
export type Binding = Sent & { readonly granted: number; readonly publicAddress: Address | undefined };

export interface Failure {
  readonly reason: string;
  readonly status?: number;
  /** A 503's Retry-After (seconds). */
  readonly retryAfter?: number;
}
