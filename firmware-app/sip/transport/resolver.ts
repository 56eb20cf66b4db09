// RFC 3263 server location: a SIP or SIPS URI becomes the ordered list of Targets to try (NAPTR → SRV → A/AAAA).
//
// The list is the failover order (RFC 3263 §4.3): the caller sends to the first target and moves to the next one on
// a transport error, a transaction timeout or a 503.

import { errorMessage } from '../../errors.ts';
import type { Clock } from '../../platform/Clock.ts';
import type { Logger } from '../../platform/Logger.ts';
import { parseUri, type SipUri } from '../message/index.ts';
import { DnsCache } from './DnsCache.ts';
import { defaultPort } from './flows.ts';
import { type DnsBackend, type NaptrRecord, type RecordOf, type RecordType, ResolveError, type SrvRecord } from './dnsTypes.ts';
import type { Target, TransportProtocol } from './types.ts';

export { MAX_CACHE_TTL_S, NEGATIVE_CACHE_TTL_S } from './DnsCache.ts';
export {
  type AddressRecord, type DnsBackend, type NaptrRecord, ResolveError, type ResolveErrorCode, type SrvRecord,
} from './dnsTypes.ts';

/** How long `markFailed` keeps a target at the end of the list. */
export const DEFAULT_FAILED_HOLD_MS = 60_000;
const DEFAULT_SUPPORTED: readonly TransportProtocol[] = ['udp', 'tcp', 'tls'];

export interface ResolverOptions {
  readonly dns: DnsBackend;
  readonly clock: Clock;
  readonly logger?: Logger;
  /**
   * Transports we run, in the order we prefer them where RFC 3263 leaves the choice to the client (a domain with
   * SRV but no NAPTR records). Default `['udp', 'tcp', 'tls']`: a door station wants the flat to ring now, and UDP
   * needs no connection set-up and is what home PBXs (FRITZ!Box, Asterisk) answer first. Pass `['tls', 'tcp', 'udp']`
   * to prefer TLS. The server's NAPTR order always wins over this order.
   */
  readonly supported?: readonly TransportProtocol[];
  /** List AAAA addresses before A ones, and ask for both (default: A, and AAAA only when there is no A). */
  readonly preferIpv6?: boolean;
  /** Uniform in [0, 1): the RFC 2782 weighted choice among SRV records of one priority (default Math.random). */
  readonly random?: () => number;
  /** How long `markFailed` demotes a target (default DEFAULT_FAILED_HOLD_MS). */
  readonly failedHoldMs?: number;
}

export interface Resolver {
  /**
   * The targets to try for `uri`, in failover order: send to the first; on a transport error, a timeout or a 503,
   * try the next. Rejects with a ResolveError only, never a raw DNS error.
   */
  resolve(uri: string | SipUri): Promise<Target[]>;
  /** The target failed (transport error, timeout, 503): later `resolve` results list it last for a while. */
  markFailed(target: Target): void;
}

/** What went wrong on the way through one resolve, for the error when no target comes out. */
interface Attempt {
  failure: unknown;
  unavailable: boolean;
}

/** One transport to look up by SRV: from a NAPTR record, the URI's transport parameter, or our own list. */
interface Service {
  readonly protocol: TransportProtocol;
  readonly srvName: string;
}

const NAPTR_SERVICES: Readonly<Record<string, TransportProtocol>> = {
  'SIP+D2U': 'udp',
  'SIP+D2T': 'tcp',
  'SIPS+D2T': 'tls',
};

const IPV4_OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4 = new RegExp(`^${IPV4_OCTET}(?:\\.${IPV4_OCTET}){3}$`);

/** The numeric address in `host` (IPv6 without brackets), or undefined for a domain name. */
function ipLiteral(host: string): string | undefined {
  if (host.startsWith('[') && host.endsWith(']')) return host.slice(1, -1).toLowerCase();
  if (IPV4.test(host)) return host;
  // maddr may carry an IPv6 address without brackets; a domain name never holds a colon.
  return host.includes(':') ? host.toLowerCase() : undefined;
}

/** DNS names compare case-insensitively; a trailing root dot changes nothing. */
function domainOf(host: string): string {
  const lower = host.toLowerCase();
  return lower.length > 1 && lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

function isRoot(target: string): boolean {
  return target === '.' || target === '';
}

function srvName(protocol: TransportProtocol, domain: string): string {
  const prefix = protocol === 'tls' ? '_sips._tcp' : protocol === 'tcp' ? '_sip._tcp' : '_sip._udp';
  return `${prefix}.${domain}`;
}

function makeTarget(host: string, port: number, protocol: TransportProtocol, serverName: string | undefined): Target {
  return serverName === undefined ? { host, port, protocol } : { host, port, protocol, serverName };
}

function targetKey(target: Target): string {
  return `${target.protocol} ${target.host} ${target.port}`;
}

function describeError(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') return error.code;
  return errorMessage(error);
}

/**
 * RFC 2782 order: ascending priority; within one priority, a weighted random pick repeated until none is left, so
 * a record of weight w comes first with probability w / (sum of weights). Weight 0 is picked only when no weighted
 * record remains; among weight-0 records alone the pick is uniform.
 */
function orderSrv(records: readonly SrvRecord[], random: () => number): SrvRecord[] {
  const byPriority = new Map<number, SrvRecord[]>();
  for (const record of records) {
    const group = byPriority.get(record.priority);
    if (group === undefined) byPriority.set(record.priority, [record]);
    else group.push(record);
  }
  const ordered: SrvRecord[] = [];
  for (const priority of [...byPriority.keys()].sort((x, y) => x - y)) {
    const group = byPriority.get(priority) ?? [];
    while (group.length > 0) {
      const total = group.reduce((sum, r) => sum + Math.max(0, r.weight), 0);
      let index: number;
      if (total === 0) {
        index = Math.min(group.length - 1, Math.floor(random() * group.length));
      } else {
        const threshold = random() * total;
        let running = 0;
        index = group.findIndex((r) => (running += Math.max(0, r.weight)) > threshold);
        if (index < 0) index = group.length - 1; // random() returned 1 or more: take the last weighted one
      }
      ordered.push(...group.splice(index, 1));
    }
  }
  return ordered;
}

/** Creates an RFC 3263 resolver with a TTL-respecting cache shared by all its `resolve` calls. */
export function createResolver(options: ResolverOptions): Resolver {
  const { dns, clock, logger } = options;
  const supported: readonly TransportProtocol[] = [...new Set(options.supported ?? DEFAULT_SUPPORTED)];
  const preferIpv6 = options.preferIpv6 ?? false;
  const random = options.random ?? Math.random;
  const failedHoldMs = options.failedHoldMs ?? DEFAULT_FAILED_HOLD_MS;
  const cache = new DnsCache(dns, clock);
  const failedUntil = new Map<string, number>();

  /** A lookup that never rejects: a failure is noted in `attempt` and counts as no records. */
  async function lookup<T extends RecordType>(attempt: Attempt, type: T, name: string): Promise<readonly RecordOf[T][]> {
    try {
      return await cache.get(type, name);
    } catch (error) {
      attempt.failure ??= error;
      logger?.warn('dnsLookupFailed', { type, name, error: describeError(error) });
      return [];
    }
  }

  async function addressesOf(attempt: Attempt, host: string): Promise<string[]> {
    const literal = ipLiteral(host); // some SRV records name an address instead of a host
    if (literal !== undefined) return [literal];
    const name = domainOf(host);
    if (preferIpv6) {
      const [v6, v4] = await Promise.all([lookup(attempt, 'aaaa', name), lookup(attempt, 'a', name)]);
      return [...v6, ...v4].map((r) => r.address);
    }
    const v4 = await lookup(attempt, 'a', name);
    const records = v4.length > 0 ? v4 : await lookup(attempt, 'aaaa', name);
    return records.map((r) => r.address);
  }

  async function targetsAt(
    attempt: Attempt, host: string, port: number, protocol: TransportProtocol, serverName: string | undefined,
  ): Promise<Target[]> {
    const addresses = await addressesOf(attempt, host);
    return addresses.map((address) => makeTarget(address, port, protocol, serverName));
  }

  function noTransport(uri: SipUri, why: string): ResolveError {
    return new ResolveError('NO_SUPPORTED_TRANSPORT', `${uri.raw}: ${why} (we run ${supported.join(', ') || 'nothing'})`);
  }

  /** RFC 3263 §4.1: `transport=` wins; for SIPS, TCP means TLS and UDP has no secure form we run. */
  function explicitTransport(uri: SipUri, secure: boolean): TransportProtocol | undefined {
    const value = uri.params.get('transport');
    if (value === undefined) return undefined;
    const name = (value ?? '').toLowerCase();
    let protocol: TransportProtocol | undefined;
    if (name === 'tls' || (secure && name === 'tcp')) protocol = 'tls';
    else if (!secure && (name === 'tcp' || name === 'udp')) protocol = name;
    if (protocol === undefined || !supported.includes(protocol)) throw noTransport(uri, `transport=${name}`);
    return protocol;
  }

  /** RFC 3263 §4.1: with no transport given, UDP for SIP and TLS over TCP for SIPS (TCP, then TLS, if UDP is off). */
  function defaultProtocol(uri: SipUri, secure: boolean): TransportProtocol {
    const order: readonly TransportProtocol[] = secure ? ['tls'] : ['udp', 'tcp', 'tls'];
    const protocol = order.find((p) => supported.includes(p));
    if (protocol === undefined) throw noTransport(uri, secure ? 'a SIPS URI needs TLS' : 'no transport');
    return protocol;
  }

  /** RFC 3263 §4.1: NAPTR services we run, in order then preference; without NAPTR, SRV for each we run. */
  async function servicesOf(
    attempt: Attempt, uri: SipUri, domain: string, secure: boolean,
  ): Promise<{ fromNaptr: boolean; services: Service[] }> {
    const naptr = await lookup(attempt, 'naptr', domain);
    const sip = naptr.filter((r) => /^SIPS?\+D2/i.test(r.service) && r.flags.toLowerCase() === 's');
    if (sip.length === 0) {
      // A client resolving a SIP URI SHOULD retain SIPS services too if it supports TLS (§4.1).
      const protocols = secure ? supported.filter((p) => p === 'tls') : supported;
      if (protocols.length === 0) throw noTransport(uri, 'a SIPS URI needs TLS');
      return { fromNaptr: false, services: protocols.map((p): Service => ({ protocol: p, srvName: srvName(p, domain) })) };
    }
    const usable = sip
      .map((r) => ({ record: r, protocol: NAPTR_SERVICES[r.service.toUpperCase()] }))
      .filter((x): x is { record: NaptrRecord; protocol: TransportProtocol } =>
        x.protocol !== undefined && supported.includes(x.protocol) && (!secure || x.protocol === 'tls') && !isRoot(x.record.replacement))
      .sort((x, y) => x.record.order - y.record.order || x.record.preference - y.record.preference
        || supported.indexOf(x.protocol) - supported.indexOf(y.protocol));
    if (usable.length === 0) {
      throw noTransport(uri, `${domain} offers ${sip.map((r) => r.service).join(', ')} only`);
    }
    return { fromNaptr: true, services: usable.map((x): Service => ({ protocol: x.protocol, srvName: domainOf(x.record.replacement) })) };
  }

  /** RFC 3263 §4.2: every SRV record in RFC 2782 order, each target's addresses in turn. */
  async function srvTargets(
    attempt: Attempt, protocol: TransportProtocol, records: readonly SrvRecord[], serverName: string | undefined,
  ): Promise<Target[]> {
    const usable = records.filter((r) => !isRoot(r.target) && Number.isInteger(r.port) && r.port > 0 && r.port < 65536);
    if (usable.length === 0) {
      if (records.some((r) => isRoot(r.target))) attempt.unavailable = true;
      return [];
    }
    // Order before any await, so the random draws happen in the same order on every run.
    const ordered = orderSrv(usable, random);
    const lists = await Promise.all(ordered.map((r) => targetsAt(attempt, r.target, r.port, protocol, serverName)));
    return lists.flat();
  }

  async function locate(
    attempt: Attempt, uri: SipUri, domain: string, secure: boolean, explicit: TransportProtocol | undefined,
    serverName: string | undefined,
  ): Promise<Target[]> {
    const { fromNaptr, services } = explicit !== undefined
      ? { fromNaptr: false, services: [{ protocol: explicit, srvName: srvName(explicit, domain) }] }
      : await servicesOf(attempt, uri, domain, secure);
    const answers = await Promise.all(services.map((s) => lookup(attempt, 'srv', s.srvName)));
    if (answers.every((records) => records.length === 0)) {
      // §4.2: no SRV records, so A/AAAA of the domain; a NAPTR-chosen transport still stands.
      const protocol = explicit ?? (fromNaptr && services[0] !== undefined ? services[0].protocol : defaultProtocol(uri, secure));
      return targetsAt(attempt, domain, defaultPort(protocol), protocol, serverName);
    }
    const lists = await Promise.all(services.map((s, i) => srvTargets(attempt, s.protocol, answers[i] ?? [], serverName)));
    return lists.flat();
  }

  function toSipUri(input: string | SipUri): SipUri {
    let uri: SipUri;
    try {
      uri = typeof input === 'string' ? parseUri(input) : input;
    } catch (error) {
      throw new ResolveError('BAD_URI', `not a URI: ${String(input)}`, { cause: error });
    }
    if (uri.scheme !== 'sip' && uri.scheme !== 'sips') {
      throw new ResolveError('UNSUPPORTED_SCHEME', `${uri.raw}: only sip: and sips: URIs can be resolved`);
    }
    if (uri.host === '') throw new ResolveError('BAD_URI', `${uri.raw}: no host`);
    return uri;
  }

  function emptyResult(uri: SipUri, attempt: Attempt): ResolveError {
    if (attempt.failure !== undefined) {
      return new ResolveError('DNS_FAILED', `${uri.raw}: DNS lookup failed (${describeError(attempt.failure)})`, { cause: attempt.failure });
    }
    if (attempt.unavailable) return new ResolveError('SERVICE_UNAVAILABLE', `${uri.raw}: SRV says the service is not available`);
    return new ResolveError('NOT_FOUND', `${uri.raw}: no address found`);
  }

  /** Drops repeats (two SRV records may name one host) and moves targets marked failed to the end. */
  function finish(targets: readonly Target[]): Target[] {
    const now = clock.now();
    for (const [key, until] of failedUntil) if (until <= now) failedUntil.delete(key);
    const seen = new Set<string>();
    const healthy: Target[] = [];
    const failed: Target[] = [];
    for (const target of targets) {
      const key = targetKey(target);
      if (seen.has(key)) continue;
      seen.add(key);
      (failedUntil.has(key) ? failed : healthy).push(target);
    }
    return [...healthy, ...failed];
  }

  async function resolve(input: string | SipUri): Promise<Target[]> {
    const uri = toSipUri(input);
    const secure = uri.scheme === 'sips';
    const explicit = explicitTransport(uri, secure);
    const maddr = uri.params.get('maddr');
    const host = maddr ?? uri.host; // §4.1: TARGET is maddr when present
    // RFC 5922 §4: the certificate must match the URI's domain, never an SRV target or maddr.
    const serverName = ipLiteral(uri.host) === undefined ? domainOf(uri.host) : undefined;
    const literal = ipLiteral(host);
    const attempt: Attempt = { failure: undefined, unavailable: false };
    let targets: Target[];
    if (literal !== undefined || uri.port !== undefined) {
      // §4.1/§4.2: a numeric host or an explicit port means no NAPTR and no SRV; a numeric host means no DNS at all.
      const protocol = explicit ?? defaultProtocol(uri, secure);
      const port = uri.port ?? defaultPort(protocol);
      targets = literal !== undefined
        ? [makeTarget(literal, port, protocol, serverName)]
        : await targetsAt(attempt, host, port, protocol, serverName);
    } else {
      targets = await locate(attempt, uri, domainOf(host), secure, explicit, serverName);
    }
    if (targets.length === 0) throw emptyResult(uri, attempt);
    const ordered = finish(targets);
    logger?.debug('resolved', { uri: uri.raw, targets: ordered.length, first: targetKey(ordered[0]!) });
    return ordered;
  }

  return {
    resolve,
    markFailed(target) {
      failedUntil.set(targetKey(target), clock.now() + failedHoldMs);
    },
  };
}
