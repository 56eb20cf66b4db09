// Who may call us: the incoming-request policy against ghost calls, scanners and toll fraud.

import type { Clock } from '../../platform/Clock.ts';
import type { SipMessage } from '../message/index.ts';
import { bareHost } from '../transport/flows.ts';
import type { Address, Inbound } from '../transport/types.ts';

export type RefusalReason = 'notFromRegistrar' | 'wrongToken' | 'notAllowed' | 'rateLimited' | 'notRegistered';

/** Counters of refused out-of-dialog requests, by reason (shown on the status page). */
export type RefusalCounters = Record<RefusalReason, number>;

export interface PolicyOptions {
  readonly clock: Clock;
  /** Requests per second per source address, sustained (default 5), and burst (default 20). */
  readonly ratePerSecond?: number;
  readonly burst?: number;
  /** Peer-to-peer calls (no registrar) from these IP addresses only; empty or absent: none. */
  readonly allowList?: readonly string[];
}

/** What the policy needs to know of the registration and the built-in registrar, at decision time. */
export interface TrustState {
  /** Registered with a remote registrar: its addresses, our flow over TCP/TLS, and the token. */
  readonly registration?: {
    readonly registered: boolean;
    readonly trustedSources: readonly Address[];
    readonly flowId: string | undefined;
    readonly contactUser: string;
  };
  /** Standalone: whether a source has a live binding at our registrar, and the user names it serves. */
  readonly registrar?: {
    readonly isRegisteredSource: (source: Address) => boolean;
    readonly localUsers: readonly string[];
  };
}

const MAX_TRACKED_SOURCES = 1024;

/** Token bucket per source host; the table is bounded so a flood of sources cannot grow memory. */
class RateLimiter {
  readonly #clock: Clock;
  readonly #rate: number;
  readonly #burst: number;
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(clock: Clock, rate: number, burst: number) {
    this.#clock = clock;
    this.#rate = rate;
    this.#burst = burst;
  }

  take(source: string): boolean {
    const now = this.#clock.now();
    let bucket = this.#buckets.get(source);
    if (bucket === undefined) {
      if (this.#buckets.size >= MAX_TRACKED_SOURCES) this.#buckets.delete(this.#buckets.keys().next().value!);
      bucket = { tokens: this.#burst, at: now };
    } else {
      this.#buckets.delete(source); // re-insert: the map's order is least recently seen first
      bucket.tokens = Math.min(this.#burst, bucket.tokens + ((now - bucket.at) / 1000) * this.#rate);
      bucket.at = now;
    }
    this.#buckets.set(source, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}

/**
 * Decides, before any transaction exists, whether an out-of-dialog request may reach the UA:
 * - registered: only from the registrar/outbound proxy addresses (UDP) or over the flow we opened
 *   (TCP/TLS), and only to the unguessable Contact user we registered;
 * - standalone: REGISTER from anyone (the registrar authenticates it), other requests only from
 *   sources with a live binding, to one of our local users;
 * - peer to peer: only when enabled, from the allow-list;
 * and everything rate-limited per source. Refusals are silent (no response) and counted.
 */
export class IncomingPolicy {
  readonly counters: RefusalCounters = { notFromRegistrar: 0, wrongToken: 0, notAllowed: 0, rateLimited: 0, notRegistered: 0 };
  readonly #limiter: RateLimiter;
  readonly #allowList: ReadonlySet<string>;

  constructor(options: PolicyOptions) {
    this.#limiter = new RateLimiter(options.clock, options.ratePerSecond ?? 5, options.burst ?? 20);
    this.#allowList = new Set((options.allowList ?? []).map(bareHost));
  }

  /**
   * In-dialog requests (To tag set) skip the source rules, which the dialog match replaces, but not
   * the rate limit: a flood of fake BYEs must not cost a transaction and a 481 each.
   */
  checkRate(inbound: Inbound): RefusalReason | undefined {
    if (this.#limiter.take(bareHost(inbound.source.host))) return undefined;
    this.counters.rateLimited++;
    return 'rateLimited';
  }

  /** undefined when the request may pass, else why it is refused (and the counter is bumped). */
  check(request: SipMessage, inbound: Inbound, trust: TrustState): RefusalReason | undefined {
    const reason = this.#decide(request, inbound, trust);
    if (reason !== undefined) this.counters[reason]++;
    return reason;
  }

  #decide(request: SipMessage, inbound: Inbound, trust: TrustState): RefusalReason | undefined {
    const source = bareHost(inbound.source.host);
    if (!this.#limiter.take(source)) return 'rateLimited';
    const user = requestUser(request.requestUri);
    const reg = trust.registration;
    if (reg !== undefined && reg.registered) {
      const viaFlow = reg.flowId !== undefined && inbound.flow.id === reg.flowId;
      const fromRegistrar = reg.trustedSources.some((a) => bareHost(a.host) === source);
      if (viaFlow || fromRegistrar) return user === reg.contactUser ? undefined : 'wrongToken';
    }
    const local = trust.registrar;
    if (local !== undefined) {
      if (request.method === 'REGISTER') return undefined;
      if (local.isRegisteredSource(inbound.source)) {
        return user !== undefined && local.localUsers.includes(user) ? undefined : 'wrongToken';
      }
    }
    if (this.#allowList.has(source)) return undefined;
    if (reg !== undefined) return reg.registered ? 'notFromRegistrar' : 'notRegistered';
    return 'notAllowed';
  }
}

/** The user part of a SIP Request-URI, or undefined. */
function requestUser(uri: string): string | undefined {
  const m = /^sips?:([^@;?]+)@/i.exec(uri);
  return m === null ? undefined : decodeURIComponentSafe(m[1]!);
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
