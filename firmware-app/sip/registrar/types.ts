// Built-in registrar contracts (RFC 3261 §10.3): a few indoor users, digest-authenticated, several contacts each.

import type { Inbound } from '../transport/types.ts';

export interface RegistrarUser {
  /** User part of the AOR (`flat1` in sip:flat1@doorbell.local). */
  readonly username: string;
  readonly password: string;
}

export interface RegistrarConfig {
  /** The realm of our challenges and the domain of our AORs. */
  readonly realm: string;
  readonly users: readonly RegistrarUser[];
  /** Bounds of granted expiry (defaults 60 and 3600 s); below min → 423 with Min-Expires. */
  readonly minExpires?: number;
  readonly maxExpires?: number;
  /** At most this many contacts per user (default 5); the oldest is dropped. */
  readonly maxContactsPerUser?: number;
}

/** One registered contact. */
export interface Binding {
  readonly username: string;
  /** Contact URI to send requests to. */
  readonly contact: string;
  /** Where the REGISTER came from: requests go there (NAT), over this flow when it was TCP/TLS. */
  readonly source: Inbound['source'];
  readonly protocol: Inbound['flow']['protocol'];
  readonly flowId: string;
  readonly expiresAt: number;
  readonly instanceId?: string;
}

export interface RegistrarApi {
  /**
   * The live bindings of a user a call forks to, newest first: one per device, never two that reach
   * the same contact URI, RFC 5626 instance or source (each one gets its own INVITE).
   */
  lookup(username: string): readonly Binding[];
  /** Whether `source` has a live binding (incoming calls from registered indoor users are allowed). */
  bindingFor(source: Inbound['source']): Binding | undefined;
}
