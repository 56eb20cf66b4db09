// Which address of ours goes on the wire (Via sent-by, Contact): the one module that decides it (ARCHITECTURE.md
// "Addresses"). A socket bound to 0.0.0.0 or :: has no address of its own to advertise: the right one is the
// source address the kernel picks toward each destination, asked per destination and cached, as re's
// sip_transp_laddr does.

import type { Clock } from '../../platform/Clock.ts';
import { bareHost } from './flows.ts';
import type { Address } from './types.ts';

/** `0.0.0.0`, `::` (any spelling) or empty: a bind-to-all address, which means nothing to a peer. */
export function isWildcardHost(host: string): boolean {
  const h = bareHost(host);
  return h === '' || h === '0.0.0.0' || /^[0:]+$/.test(h) || h === '::ffff:0.0.0.0';
}

/** An address a peer can send to: a real host and a real port. */
export function isAdvertisable(address: Address): boolean {
  return !isWildcardHost(address.host) && address.port > 0;
}

/** Asks the kernel which local address it would use toward `host`; undefined when there is no route. */
export type RouteLookup = (host: string) => Promise<string | undefined>;

/**
 * Long enough that a call's requests do not ask the kernel each time; short enough that a Pi whose DHCP lease
 * or Wi-Fi changed its address advertises the new one within a minute.
 */
export const ROUTE_CACHE_MS = 60_000;
/** "No route" is remembered only this long: a Pi that booted before DHCP must not stay silent for a minute. */
export const NO_ROUTE_CACHE_MS = 1_000;
/** A door station talks to a handful of hosts; the cap only stops a flood of sources from growing memory. */
const MAX_CACHED_ROUTES = 256;

/**
 * The local address of a socket bound to `bound`, toward each destination: the bound host when it is a real one,
 * else the kernel's choice of source address (cached per destination). The port is always the bound one.
 */
export class LocalAddresses {
  readonly #bound: Address;
  readonly #lookup: RouteLookup;
  readonly #clock: Clock;
  readonly #cache = new Map<string, { readonly host: string | undefined; readonly at: number }>();

  constructor(bound: Address, lookup: RouteLookup, clock: Clock) {
    this.#bound = bound;
    this.#lookup = lookup;
    this.#clock = clock;
  }

  /** Our address as `destination` should see it; undefined when the bound port is 0 or no route leads there. */
  async toward(destination: string): Promise<Address | undefined> {
    if (this.#bound.port <= 0) return undefined;
    if (!isWildcardHost(this.#bound.host)) return this.#bound;
    const host = await this.sourceHost(destination);
    return host === undefined ? undefined : { host, port: this.#bound.port };
  }

  /** The kernel's source address toward `destination` (cached), or the bound host when that is a real one. */
  async sourceHost(destination: string): Promise<string | undefined> {
    if (!isWildcardHost(this.#bound.host)) return this.#bound.host;
    const key = bareHost(destination);
    const now = this.#clock.now();
    const cached = this.#cache.get(key);
    if (cached !== undefined && now - cached.at < (cached.host === undefined ? NO_ROUTE_CACHE_MS : ROUTE_CACHE_MS)) return cached.host;
    const found = await this.#lookup(key).catch(() => undefined);
    // A lookup that answers with a wildcard (no route yet) is no answer.
    const host = found === undefined || isWildcardHost(found) ? undefined : found;
    if (this.#cache.size >= MAX_CACHED_ROUTES) this.#cache.delete(this.#cache.keys().next().value!);
    this.#cache.delete(key);
    this.#cache.set(key, { host, at: now });
    return host;
  }
}
