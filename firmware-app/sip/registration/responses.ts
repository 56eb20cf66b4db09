// What a final response to a REGISTER means (RFC 3261 §10.2.8, §21.5.4; RFC 3263 §4.3): RegistrationClient acts on it.

import type { SipMessage } from '../message/index.ts';
import type { Address } from '../transport/types.ts';
import { grantedExpires, sameAddress } from './binding.ts';
import type { Binding, Failure, Sent } from './exchange.ts';
import { BACKOFF_CAP_S, FORBIDDEN_BACKOFF_BASE_S, backoffSeconds, parseRetryAfter, parseSeconds } from './policy.ts';

/** Immediate re-REGISTERs because the registrar sees us at another address, before we accept what it sees. */
const MAX_ADDRESS_ROUNDS = 2;

export type Decision =
  /** 2xx: see `accepted` for what the 200 grants. */
  | { readonly kind: 'success' }
  /** 401 / 407: answer the challenge and send again. */
  | { readonly kind: 'challenged' }
  /** 423: send again at once, asking for at least `minExpires`. */
  | { readonly kind: 'retry-min-expires'; readonly minExpires: number }
  /** 503: this target is out (for Retry-After, when given); try the next. */
  | { readonly kind: 'target-failed'; readonly failure: Failure }
  /** Any other failure: back off (a 403 longer), then start over at the primary. */
  | { readonly kind: 'failed'; readonly failure: Failure };

/** The next step after a final response; `triedMinExpires` holds the 423 Min-Expires values already retried with. */
export function decide(response: SipMessage, triedMinExpires: ReadonlySet<number>): Decision {
  const status = response.status;
  if (status < 300) return { kind: 'success' };
  if (status === 401 || status === 407) return { kind: 'challenged' };
  const said = { status, phrase: response.reason };
  // 403: the account is refused. The PBX side may fix that (an unlocked user, an allowed address): ask again, rarely.
  if (status === 403) return { kind: 'failed', failure: { reason: 'rejected', ...said, backoffBase: FORBIDDEN_BACKOFF_BASE_S } };
  if (status === 423) {
    // §10.2.8: retry at once with the registrar's Min-Expires, once per value so two servers cannot ping-pong us.
    const min = parseSeconds(response.header('min-expires'));
    if (min === undefined || triedMinExpires.has(min)) return { kind: 'failed', failure: { reason: 'interval-too-brief', ...said } };
    return { kind: 'retry-min-expires', minExpires: min };
  }
  if (status === 503) {
    const retryAfter = parseRetryAfter(response.header('retry-after'));
    return { kind: 'target-failed', failure: { reason: 'service-unavailable', ...said, ...(retryAfter !== undefined ? { retryAfter } : {}) } };
  }
  return { kind: 'failed', failure: { reason: 'rejected', ...said } };
}

export type Acceptance =
  /** Behind a NAT: the registrar reached us at `seen`, not at our Contact's address. Bind that one instead. */
  | { readonly kind: 'rebind'; readonly seen: Address }
  /** The registrar dropped our Contact or granted no time. */
  | { readonly kind: 'refused'; readonly failure: Failure }
  | { readonly kind: 'bound'; readonly granted: number };

/** What a 2xx to `sent` grants; `seen` is where the registrar saw us over the REGISTER's transport, if it said. */
export function accepted(
  response: SipMessage, sent: Sent, seen: Address | undefined, addressRounds: number, instanceId: string,
): Acceptance {
  if (seen !== undefined && !sameAddress(seen, sent.contactAddress) && addressRounds < MAX_ADDRESS_ROUNDS) {
    return { kind: 'rebind', seen };
  }
  const granted = grantedExpires(response, { uri: sent.contactUri, instanceId }, sent.expires);
  if (granted <= 0) return { kind: 'refused', failure: { reason: 'binding-refused', status: response.status } };
  return { kind: 'bound', granted };
}

/** A refresh that keeps expiry, registrar and public address is no news: it fires no `registered` event. */
export function sameBinding(previous: Binding | undefined, next: Binding): boolean {
  if (previous === undefined || previous.granted !== next.granted || previous.server !== next.server) return false;
  const [before, now] = [previous.publicAddress, next.publicAddress];
  return before === undefined || now === undefined ? before === now : sameAddress(before, now);
}

/**
 * The wait after a 503 with Retry-After: nobody, this server included, hears from us before it has passed (capped);
 * when no target is left, at least the back-off of one more consecutive failure.
 */
export function retryAfterWait(retryAfter: number, moreTargets: boolean, failures: number, random: () => number): number {
  const wait = Math.min(BACKOFF_CAP_S, retryAfter);
  return moreTargets ? wait : Math.max(wait, backoffSeconds(failures + 1, random));
}

/** RFC 5626 §6: a registrar that supports outbound for this binding says so with `Require: outbound` in its 200. */
export function requiresOutbound(response: SipMessage): boolean {
  return response.headers('require').some((value) => value.split(',').some((tag) => tag.trim().toLowerCase() === 'outbound'));
}

/**
 * RFC 3581: where the registrar saw us, from the received/rport in the Via of its answer to `sent`, if it said. Over
 * TCP/TLS the rport is our connection's ephemeral port, which nobody can connect to and which dies with the flow: only
 * the host is news there (a NAT), and the port stays our sent-by's.
 */
export function observedAddress(sent: Sent, response: SipMessage): Address | undefined {
  const via = response.topVia;
  if (sent.target.protocol !== 'udp') return via.received === undefined ? undefined : { host: via.received, port: sent.sentBy.port };
  const port = typeof via.rport === 'number' ? via.rport : undefined;
  if (via.received === undefined && port === undefined) return undefined;
  return { host: via.received ?? sent.sentBy.host, port: port ?? sent.sentBy.port };
}
