// FakeDns: an in-memory DnsBackend for tests: records added in code, queries counted per (type, name), names made to fail.

import type { AddressRecord, DnsBackend, NaptrRecord, RecordType, SrvRecord } from './dnsTypes.ts';

/** A NAPTR record to add; `flags` defaults to `S` and `regexp` to empty, as RFC 3263 zones write them. */
export type NaptrInit = Omit<NaptrRecord, 'flags' | 'regexp' | 'ttl'> & Partial<Pick<NaptrRecord, 'flags' | 'regexp' | 'ttl'>>;
export type SrvInit = Omit<SrvRecord, 'ttl'> & Partial<Pick<SrvRecord, 'ttl'>>;

/** A DnsBackend answering from records added in code. Names are case-insensitive; answers come on a later microtask. */
export class FakeDns implements DnsBackend {
  readonly #defaultTtl: number;
  readonly #records = new Map<string, { type: RecordType; record: unknown }[]>();
  readonly #failures = new Map<string, string>();
  readonly #queries = new Map<string, number>();

  /** `defaultTtl`: seconds, for records added without one. */
  constructor(defaultTtl = 300) {
    this.#defaultTtl = defaultTtl;
  }

  addNaptr(name: string, init: NaptrInit): this {
    return this.#add('naptr', name, { flags: 'S', regexp: '', ttl: this.#defaultTtl, ...init });
  }

  addSrv(name: string, init: SrvInit): this {
    return this.#add('srv', name, { ttl: this.#defaultTtl, ...init });
  }

  addA(name: string, address: string, ttl = this.#defaultTtl): this {
    return this.#add('a', name, { address, ttl });
  }

  addAaaa(name: string, address: string, ttl = this.#defaultTtl): this {
    return this.#add('aaaa', name, { address, ttl });
  }

  /** Removes every record of `type` at `name` (the name then answers `[]`). */
  remove(type: RecordType, name: string): this {
    const key = name.toLowerCase();
    const kept = (this.#records.get(key) ?? []).filter((r) => r.type !== type);
    this.#records.set(key, kept);
    return this;
  }

  /** Queries for `name` (of `type`, or of every type) reject with an Error carrying `code`, like node:dns. */
  fail(name: string, code = 'ESERVFAIL', type?: RecordType): this {
    this.#failures.set(`${type ?? '*'} ${name.toLowerCase()}`, code);
    return this;
  }

  /** Undoes every `fail` for `name`. */
  heal(name: string): this {
    for (const type of ['*', 'naptr', 'srv', 'a', 'aaaa']) this.#failures.delete(`${type} ${name.toLowerCase()}`);
    return this;
  }

  /** How many times `type` was queried for `name`. */
  queries(type: RecordType, name: string): number {
    return this.#queries.get(`${type} ${name.toLowerCase()}`) ?? 0;
  }

  /** Queries of every type and name so far. */
  get totalQueries(): number {
    let total = 0;
    for (const count of this.#queries.values()) total += count;
    return total;
  }

  naptr(name: string): Promise<NaptrRecord[]> {
    return this.#answer<NaptrRecord>('naptr', name);
  }

  srv(name: string): Promise<SrvRecord[]> {
    return this.#answer<SrvRecord>('srv', name);
  }

  a(name: string): Promise<AddressRecord[]> {
    return this.#answer<AddressRecord>('a', name);
  }

  aaaa(name: string): Promise<AddressRecord[]> {
    return this.#answer<AddressRecord>('aaaa', name);
  }

  #add(type: RecordType, name: string, record: unknown): this {
    const key = name.toLowerCase();
    const list = this.#records.get(key) ?? [];
    list.push({ type, record });
    this.#records.set(key, list);
    return this;
  }

  async #answer<T>(type: RecordType, name: string): Promise<T[]> {
    const key = name.toLowerCase();
    this.#queries.set(`${type} ${key}`, this.queries(type, key) + 1);
    await Promise.resolve();
    const code = this.#failures.get(`${type} ${key}`) ?? this.#failures.get(`* ${key}`);
    if (code !== undefined) throw Object.assign(new Error(`query${type} ${code} ${name}`), { code });
    return (this.#records.get(key) ?? []).filter((r) => r.type === type).map((r) => ({ ...(r.record as T) }));
  }
}
