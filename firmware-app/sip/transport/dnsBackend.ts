// The real DnsBackend over node:dns/promises: the NAPTR, SRV, A and AAAA queries of RFC 3263, with bounded timeouts.

import type { NaptrRecord as NodeNaptrRecord, RecordWithTtl, SrvRecord as NodeSrvRecord } from 'node:dns';
import { Resolver as NodeResolver } from 'node:dns/promises';
import type { AddressRecord, DnsBackend, NaptrRecord, SrvRecord } from './resolver.ts';

/** The part of node:dns/promises' `Resolver` this backend uses; tests inject a fake one. */
export interface NodeDnsResolver {
  resolveNaptr(hostname: string): Promise<NodeNaptrRecord[]>;
  resolveSrv(hostname: string): Promise<NodeSrvRecord[]>;
  resolve4(hostname: string, options: { ttl: true }): Promise<RecordWithTtl[]>;
  resolve6(hostname: string, options: { ttl: true }): Promise<RecordWithTtl[]>;
}

export interface DnsBackendOptions {
  /** A resolver to use instead of a new node:dns one; `servers`, `timeoutMs` and `tries` then do not apply. */
  readonly resolver?: NodeDnsResolver;
  /** DNS servers such as `['192.168.178.1']` (default: the system's, from /etc/resolv.conf). */
  readonly servers?: readonly string[];
  /** Milliseconds before one try of a query gives up (default DEFAULT_DNS_TIMEOUT_MS). */
  readonly timeoutMs?: number;
  /** Tries per server before a query fails with ETIMEOUT (default DEFAULT_DNS_TRIES). */
  readonly tries?: number;
  /** Seconds given as TTL to NAPTR and SRV answers, for which node:dns reports none (default DEFAULT_RECORD_TTL_S). */
  readonly recordTtlS?: number;
}

/** 2 s × 2 tries: a dead DNS server costs about 4 s per query (per server), not c-ares' default of ~75 s. */
export const DEFAULT_DNS_TIMEOUT_MS = 2_000;
export const DEFAULT_DNS_TRIES = 2;
/** node:dns returns NAPTR and SRV records without their TTL; five minutes is a common zone value. */
export const DEFAULT_RECORD_TTL_S = 300;

// NXDOMAIN and NODATA: the name or the record does not exist, an answer rather than a failure.
const EMPTY_ANSWER_CODES: ReadonlySet<string> = new Set(['ENOTFOUND', 'ENODATA']);

function isEmptyAnswer(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
    && EMPTY_ANSWER_CODES.has(error.code);
}

/** Runs one query; "does not exist" becomes `[]`, anything else (ETIMEOUT, ESERVFAIL, EREFUSED …) rejects as it came. */
async function orEmpty<T>(query: () => Promise<T[]>): Promise<T[]> {
  try {
    return await query();
  } catch (error) {
    if (isEmptyAnswer(error)) return [];
    throw error;
  }
}

function createNodeResolver(options: DnsBackendOptions): NodeDnsResolver {
  const resolver = new NodeResolver({
    timeout: options.timeoutMs ?? DEFAULT_DNS_TIMEOUT_MS,
    tries: options.tries ?? DEFAULT_DNS_TRIES,
  });
  if (options.servers !== undefined && options.servers.length > 0) resolver.setServers([...options.servers]);
  return resolver;
}

/** The DnsBackend of the device: node:dns (c-ares) queries, bypassing getaddrinfo and /etc/hosts like a SIP phone does. */
export function createDnsBackend(options: DnsBackendOptions = {}): DnsBackend {
  const resolver = options.resolver ?? createNodeResolver(options);
  const ttl = options.recordTtlS ?? DEFAULT_RECORD_TTL_S;
  const addresses = (records: RecordWithTtl[]): AddressRecord[] =>
    records.map((r) => ({ address: r.address, ttl: r.ttl }));
  return {
    naptr: async (name) => (await orEmpty(() => resolver.resolveNaptr(name))).map((r): NaptrRecord => ({
      order: r.order,
      preference: r.preference,
      flags: r.flags,
      service: r.service,
      regexp: r.regexp,
      replacement: r.replacement,
      ttl,
    })),
    srv: async (name) => (await orEmpty(() => resolver.resolveSrv(name))).map((r): SrvRecord => ({
      priority: r.priority,
      weight: r.weight,
      port: r.port,
      // c-ares spells the root target `.` as an empty name.
      target: r.name === '' ? '.' : r.name,
      ttl,
    })),
    a: async (name) => addresses(await orEmpty(() => resolver.resolve4(name, { ttl: true }))),
    aaaa: async (name) => addresses(await orEmpty(() => resolver.resolve6(name, { ttl: true }))),
  };
}
