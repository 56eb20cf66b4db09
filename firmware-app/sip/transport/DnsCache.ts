// The resolver's DNS cache: answers kept for their TTL (empty ones for NEGATIVE_CACHE_TTL_S), concurrent queries shared.

import type { Clock } from '../../platform/Clock.ts';
import type { DnsBackend, RecordOf, RecordType } from './dnsTypes.ts';

/** How long an empty answer (NXDOMAIN / NODATA) is cached: node:dns does not expose the SOA minimum (RFC 2308). */
export const NEGATIVE_CACHE_TTL_S = 30;
/** No answer is kept longer than a day, whatever its TTL says. */
export const MAX_CACHE_TTL_S = 86_400;
const MAX_CACHE_ENTRIES = 256;

interface CacheEntry {
  readonly records: readonly unknown[];
  readonly expiresAt: number;
}

/** At most MAX_CACHE_ENTRIES answers; when full, expired ones go first, then the oldest. */
export class DnsCache {
  readonly #dns: DnsBackend;
  readonly #clock: Clock;
  readonly #entries = new Map<string, CacheEntry>();
  readonly #inflight = new Map<string, Promise<readonly unknown[]>>();

  constructor(dns: DnsBackend, clock: Clock) {
    this.#dns = dns;
    this.#clock = clock;
  }

  /** Cached answer while its TTL lasts; one shared query for identical concurrent lookups. Failures are not cached. */
  get<T extends RecordType>(type: T, name: string): Promise<readonly RecordOf[T][]> {
    const key = `${type} ${name}`;
    const hit = this.#entries.get(key);
    if (hit !== undefined) {
      if (this.#clock.now() < hit.expiresAt) return Promise.resolve(hit.records as readonly RecordOf[T][]);
      this.#entries.delete(key);
    }
    let pending = this.#inflight.get(key);
    if (pending === undefined) {
      pending = Promise.resolve()
        .then(() => this.#ask(type, name))
        .then((records) => {
          this.#store(key, records as readonly RecordOf[T][]);
          return records;
        })
        .finally(() => this.#inflight.delete(key));
      this.#inflight.set(key, pending);
    }
    return pending as Promise<readonly RecordOf[T][]>;
  }

  #ask(type: RecordType, name: string): Promise<readonly unknown[]> {
    switch (type) {
      case 'naptr': return this.#dns.naptr(name);
      case 'srv': return this.#dns.srv(name);
      case 'a': return this.#dns.a(name);
      case 'aaaa': return this.#dns.aaaa(name);
    }
  }

  #store(key: string, records: readonly { readonly ttl: number }[]): void {
    const ttl = records.length === 0
      ? NEGATIVE_CACHE_TTL_S
      : Math.min(MAX_CACHE_TTL_S, ...records.map((r) => (Number.isFinite(r.ttl) && r.ttl > 0 ? r.ttl : 0)));
    const now = this.#clock.now();
    const entries = this.#entries;
    if (entries.size >= MAX_CACHE_ENTRIES) {
      for (const [k, entry] of entries) if (entry.expiresAt <= now) entries.delete(k);
      const oldest = entries.keys().next();
      if (entries.size >= MAX_CACHE_ENTRIES && oldest.done !== true) entries.delete(oldest.value);
    }
    entries.set(key, { records, expiresAt: now + ttl * 1000 });
  }
}
