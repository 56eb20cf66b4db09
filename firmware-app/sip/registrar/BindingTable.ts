// The location service of the built-in registrar (RFC 3261 §10.3): bindings per user, newest first, expiring on the clock.

import type { Clock } from '../../platform/Clock.ts';
import { bareHost } from '../transport/flows.ts';
import type { Address } from '../transport/types.ts';
import { instanceKey } from './contacts.ts';
import type { Binding } from './types.ts';

/** A binding as stored: the public Binding and what §10.3 needs to order updates and echo the Contact. */
export interface StoredBinding {
  readonly binding: Binding;
  /** Call-ID and CSeq of the REGISTER that last wrote the binding (§10.3 steps 6 and 7). */
  readonly callId: string;
  readonly cseq: number;
  /** §19.1.4 comparison key of the contact URI. */
  readonly uriKey: string;
  /** RFC 5626 reg-id, only beside an instance id. */
  readonly regId: number | undefined;
  /** Header parameters echoed in the 200, `expires` left out. */
  readonly params: string;
  /** Larger is newer: the binding was added or refreshed later. */
  readonly order: number;
}

/**
 * Bindings per user, each list newest first. Expired bindings are purged lazily, whenever a user's
 * list or the whole table is read, so no timer is needed: memory stays bounded because only
 * configured users get a list and the registrar caps each list at maxContactsPerUser.
 */
export class BindingTable {
  readonly #clock: Clock;
  readonly #expired: (binding: Binding) => void;
  readonly #byUser = new Map<string, readonly StoredBinding[]>();
  #order = 0;

  /** `expired` is told of every binding purged because its time ran out. */
  constructor(clock: Clock, expired: (binding: Binding) => void) {
    this.#clock = clock;
    this.#expired = expired;
  }

  /** A fresh order number: a binding made with it is newer than every binding before it. */
  nextOrder(): number {
    return ++this.#order;
  }

  /** The live bindings of `username`, newest first. */
  live(username: string): readonly StoredBinding[] {
    const list = this.#byUser.get(username);
    if (list === undefined) return [];
    const now = this.#clock.now();
    if (list.every((b) => b.binding.expiresAt > now)) return list;
    const kept: StoredBinding[] = [];
    for (const b of list) {
      if (b.binding.expiresAt > now) kept.push(b);
      else this.#expired(b.binding);
    }
    this.#set(username, kept);
    return kept;
  }

  /**
   * The live bindings of `username` that a call forks to, newest first: one per device. A binding
   * is left out when a newer one has the same contact URI (§19.1.4), the same RFC 5626 instance
   * (§5.3: "MUST NOT populate the target set with more than one contact with the same AOR and
   * instance-id"), or the same source (protocol, address and port, so the same UDP socket or TCP/TLS
   * flow): requests go to the source, and two INVITEs there ring one phone twice, and it answers the
   * second with 486.
   */
  routable(username: string): readonly StoredBinding[] {
    const out: StoredBinding[] = [];
    const seen = new Set<string>();
    for (const b of this.live(username)) {
      const keys = [`uri ${b.uriKey}`, `to ${destinationKey(b.binding)}`];
      if (b.binding.instanceId !== undefined) keys.push(`instance ${instanceKey(b.binding.instanceId)}`);
      if (keys.some((k) => seen.has(k))) continue;
      for (const k of keys) seen.add(k);
      out.push(b);
    }
    return out;
  }

  /** Replaces the bindings of a user: the commit of one REGISTER, all of its changes at once. */
  commit(username: string, bindings: readonly StoredBinding[]): void {
    this.#set(username, [...bindings].sort((a, b) => b.order - a.order));
  }

  /** The newest live binding whose REGISTER came from `source` (host and port; IPv6 brackets and case aside). */
  fromSource(source: Address): StoredBinding | undefined {
    const host = bareHost(source.host);
    let best: StoredBinding | undefined;
    for (const username of [...this.#byUser.keys()]) {
      for (const b of this.live(username)) {
        if (b.binding.source.port !== source.port || bareHost(b.binding.source.host) !== host) continue;
        if (best === undefined || b.order > best.order) best = b;
      }
    }
    return best;
  }

  /** Forgets every user not in `usernames` (removed from the configuration); returns their bindings. */
  retain(usernames: ReadonlySet<string>): Binding[] {
    const dropped: Binding[] = [];
    for (const [username, list] of [...this.#byUser]) {
      if (usernames.has(username)) continue;
      this.#byUser.delete(username);
      for (const b of list) dropped.push(b.binding);
    }
    return dropped;
  }

  #set(username: string, list: readonly StoredBinding[]): void {
    if (list.length === 0) this.#byUser.delete(username);
    else this.#byUser.set(username, list);
  }
}

/** Where requests for a binding go: its REGISTER's source, over its protocol (IPv6 brackets and case aside). */
function destinationKey(b: Binding): string {
  return `${b.protocol} ${bareHost(b.source.host)} ${b.source.port}`;
}
