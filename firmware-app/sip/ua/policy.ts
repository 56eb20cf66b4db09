// Who may call us: the incoming-request policy against ghost calls, scanners and toll fraud.

import type { Clock } from '../../platform/Clock.ts';
import type { Logger } from '../../platform/Logger.ts';
import { SummaryLog } from '../../platform/SummaryLog.ts';
import type { SipMessage } from '../message/index.ts';
import { bareHost } from '../transport/flows.ts';
import type { Address, Inbound } from '../transport/types.ts';

const REASONS = ['notFromRegistrar', 'wrongToken', 'notAllowed', 'notRegistered', 'rateLimited'] as const;
export type RefusalReason = (typeof REASONS)[number];

/** Counters of refused requests, by reason (shown on the status page). */
export type RefusalCounters = Record<RefusalReason, number>;

export interface PolicyOptions {
  readonly clock: Clock;
  /** Refusals are logged as one `requestsRefused` summary line per interval (and a debug line per new source). */
  readonly logger: Logger;
  /** The summary interval (default 60 s). */
  readonly summaryIntervalMs?: number;
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
 * and all but what comes over a trusted connection rate-limited per source. Refusals are silent (no
 * response), counted, and logged as one summary line per interval.
 */
export class IncomingPolicy {
  readonly counters: RefusalCounters = { notFromRegistrar: 0, wrongToken: 0, notAllowed: 0, rateLimited: 0, notRegistered: 0 };
  readonly #limiter: RateLimiter;
  readonly #allowList: ReadonlySet<string>;
  readonly #summary: SummaryLog<RefusalReason>;

  constructor(options: PolicyOptions) {
    this.#limiter = new RateLimiter(options.clock, options.ratePerSecond ?? 5, options.burst ?? 20);
    this.#allowList = new Set((options.allowList ?? []).map(bareHost));
    this.#summary = new SummaryLog({
      clock: options.clock,
      logger: options.logger,
      event: 'requestsRefused',
      first: 'debug',
      firstEvent: 'requestRefused',
      kinds: REASONS,
      ...(options.summaryIntervalMs !== undefined ? { intervalMs: options.summaryIntervalMs } : {}),
    });
  }

  /** An out-of-dialog request: undefined when it may pass, else why it is refused (counted and summarised). */
  check(request: SipMessage, inbound: Inbound, trust: TrustState): RefusalReason | undefined {
    const reason = this.#decide(request, inbound, trust);
    if (reason !== undefined) this.#refused(reason, inbound, request.method);
    return reason;
  }

  /**
   * May this source be answered at all? Asked for what has nothing but its source to go by: a malformed
   * request (a 400 tells a scanner we are here) and an in-dialog request that matches no dialog (a 481 does
   * too). Trusted are the registrar, the flow we opened to it, a phone registered with us and the allow-list;
   * what they send is still rate-limited, so not even they can make us answer a flood.
   */
  checkSource(inbound: Inbound, trust: TrustState, method = ''): RefusalReason | undefined {
    const reason = this.#untrustedSource(inbound, trust) ?? this.#rate(inbound, trust);
    if (reason !== undefined) this.#refused(reason, inbound, method);
    return reason;
  }

  /** Logs the refusals counted since the last summary line now (at shutdown). */
  flushSummary(): void {
    this.#summary.flush();
  }

  #refused(reason: RefusalReason, inbound: Inbound, method: string): void {
    this.counters[reason]++;
    this.#summary.note(reason, bareHost(inbound.source.host), { method, port: inbound.source.port, protocol: inbound.flow.protocol });
  }

  #decide(request: SipMessage, inbound: Inbound, trust: TrustState): RefusalReason | undefined {
    const source = bareHost(inbound.source.host);
    const limited = this.#rate(inbound, trust);
    if (limited !== undefined) return limited;
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

  /**
   * The rate limit, except over a connection we trust: the RFC 5626 flow of our registration, or the TCP/TLS
   * connection a phone registered over. Nobody can forge a packet into a connection, so a flood from elsewhere
   * (UDP with the registrar's address as source, say) can never use up its share and hold back its INVITEs.
   */
  #rate(inbound: Inbound, trust: TrustState): RefusalReason | undefined {
    if (inbound.flow.protocol !== 'udp') {
      if (trust.registration?.flowId !== undefined && inbound.flow.id === trust.registration.flowId) return undefined;
      if (trust.registrar?.isRegisteredSource(inbound.source) === true) return undefined;
    }
    return this.#limiter.take(bareHost(inbound.source.host)) ? undefined : 'rateLimited';
  }

  /** The source rules alone, with the registrar trusted even between registrations (its address is configured). */
  #untrustedSource(inbound: Inbound, trust: TrustState): RefusalReason | undefined {
    const source = bareHost(inbound.source.host);
    const reg = trust.registration;
    if (reg !== undefined) {
      if (reg.flowId !== undefined && inbound.flow.id === reg.flowId) return undefined;
      if (reg.trustedSources.some((a) => bareHost(a.host) === source)) return undefined;
    }
    if (trust.registrar?.isRegisteredSource(inbound.source) === true) return undefined;
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
