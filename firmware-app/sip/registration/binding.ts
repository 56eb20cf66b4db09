// What a REGISTER says and what its 200 grants (RFC 3261 §10.2, §10.3 step 8; RFC 5626 §4.2 instance and reg-id).

import { type NameAddr, type SipMessage, type SipUri, parseUri } from '../message/index.ts';
import { hostport } from '../transaction/index.ts';
import { bareHost } from '../transport/flows.ts';
import type { Address, Target, TransportProtocol } from '../transport/types.ts';

/** A registrar, outbound proxy or AOR as configured: a SIP(S) URI, or a bare host that means `sip:host`. */
export function asSipUri(configured: string): string {
  const value = configured.trim();
  return /^sips?:/i.test(value) ? value : `sip:${value}`;
}

/**
 * The Request-URI of a REGISTER (§10.2): the registrar's domain URI, "userinfo and @ MUST NOT be present";
 * URI parameters (`transport`, `maddr`) are kept, URI headers dropped.
 */
export function registrarRequestUri(uri: SipUri): string {
  let out = `${uri.scheme}:${uri.host}${uri.port !== undefined ? `:${uri.port}` : ''}`;
  for (const [name, value] of uri.params) out += value === null ? `;${name}` : `;${name}=${value}`;
  return out;
}

/** The URI to resolve for a configured server: its own, with `transport=` added when a transport is configured. */
export function resolveUri(uri: SipUri, protocol: TransportProtocol | undefined): string {
  const base = registrarRequestUri(uri);
  return protocol === undefined || uri.params.has('transport') ? base : `${base};transport=${protocol}`;
}

/** A Route value for the outbound proxy (loose routing, RFC 3261 §16.12.1.1). */
export function routeTo(uri: SipUri): string {
  const base = registrarRequestUri(uri);
  return uri.params.has('lr') ? `<${base}>` : `<${base};lr>`;
}

/** Our Contact URI at `address` (the public address when known): `sip:{user}@{host:port};transport={protocol}`. */
export function contactUri(user: string, address: Address, protocol: TransportProtocol): string {
  return `sip:${user}@${hostport(address)};transport=${protocol}`;
}

/** The Contact header value: the URI with RFC 5626 `+sip.instance` and `reg-id=1`. */
export function contactValue(uri: string, instanceId: string): string {
  return `<${uri}>;+sip.instance="<${instanceId}>";reg-id=1`;
}

/** Same host (IPv6 brackets and case aside) and port. */
export function sameAddress(a: Address, b: Address): boolean {
  return bareHost(a.host) === bareHost(b.host) && a.port === b.port;
}

export function sameTarget(a: Target, b: Target): boolean {
  return a.protocol === b.protocol && sameAddress(a, b);
}

/** Same user, host, port and transport: the parts a registrar keys a binding on (§19.1.4, loosely). */
function sameUri(a: SipUri, b: SipUri): boolean {
  return a.user === b.user
    && bareHost(a.host) === bareHost(b.host)
    && (a.port ?? 5060) === (b.port ?? 5060)
    && (a.params.get('transport') ?? 'udp').toLowerCase() === (b.params.get('transport') ?? 'udp').toLowerCase();
}

function instanceOf(contact: NameAddr): string | undefined {
  const value = contact.params.get('+sip.instance');
  return value === undefined || value === null ? undefined : value.replace(/^<|>$/g, '').toLowerCase();
}

function parsed(contact: NameAddr): SipUri | undefined {
  try {
    return contact.parsedUri;
  } catch {
    return undefined;
  }
}

/**
 * The expiry a 200 grants us (§10.2.4): the `expires` parameter of OUR Contact (matched by URI, else by
 * `+sip.instance`), else the Expires header, else `requested`. Other devices' bindings of the same AOR are
 * listed too and must not be read as ours.
 */
export function grantedExpires(response: SipMessage, ours: { readonly uri: string; readonly instanceId: string }, requested: number): number {
  const contacts = response.contact === '*' ? [] : response.contact;
  const uri = parseUri(ours.uri);
  const instance = ours.instanceId.toLowerCase();
  const mine = contacts.find((c) => {
    const theirs = parsed(c);
    return theirs !== undefined && sameUri(theirs, uri);
  }) ?? contacts.find((c) => instanceOf(c) === instance);
  const param = mine?.params.get('expires');
  if (param !== undefined && param !== null && /^\d{1,10}$/.test(param.trim())) return Number(param.trim());
  return response.expires ?? requested;
}
