// The Contact side of a REGISTER (RFC 3261 §10.3 steps 6–7, §19.1.4 URI comparison, RFC 5626 §6 +sip.instance).

import type { NameAddr, SipMessage, SipUri } from '../message/index.ts';

/** Expiry bounds in seconds, already normalized (min ≤ max). */
export interface ExpiryPolicy {
  readonly min: number;
  readonly max: number;
  /** Taken when neither the Contact nor the request says (RFC 3261 §10.3 step 7: "locally-configured default"). */
  readonly fallback: number;
}

/** One Contact of a REGISTER, checked: what it asks for and how it matches a stored binding. */
export interface RequestedContact {
  /** The URI as written, without `<>`. */
  readonly uri: string;
  /** §19.1.4 comparison key (see `uriKey`). */
  readonly uriKey: string;
  /** RFC 5626 instance id without `<>` (`urn:uuid:…`), when the Contact carries `+sip.instance`. */
  readonly instanceId: string | undefined;
  /** RFC 5626 reg-id (the flow of the instance), only with an instance id. */
  readonly regId: number | undefined;
  /** Granted expiry in seconds; 0 removes the binding. */
  readonly expires: number;
  /** Header parameters echoed in the 200 (`;+sip.instance="<urn:…>";reg-id=1`), `expires` left out. */
  readonly params: string;
}

/** What the Contact headers ask the registrar to do. */
export type ContactRequest =
  | { readonly kind: 'query' }
  | { readonly kind: 'removeAll' }
  | { readonly kind: 'update'; readonly contacts: readonly RequestedContact[] }
  | { readonly kind: 'reject'; readonly status: 400 | 423; readonly reason: string };

/** RFC 3261 §10.3 step 7: 423 only for an interval "smaller than one hour". */
const ONE_HOUR = 3600;
const MAX_DELTA_SECONDS = 0xffffffff;

/**
 * Reads and checks every Contact of a REGISTER (steps 6 and 7 up to the binding search). Nothing
 * is decided about stored bindings here. Throws SipParseError when a Contact is malformed.
 */
export function readContactRequest(request: SipMessage, policy: ExpiryPolicy): ContactRequest {
  const contact = request.contact;
  const headerExpires = request.expires;
  // An RFC 2543 SIP-date or garbage: `expires` reads it as absent, but it is not absent.
  if (headerExpires === undefined && request.header('expires') !== undefined) return reject(400, 'Bad Expires Header');
  if (contact === '*') {
    // Step 6: "*" must be alone and come with Expires: 0.
    if (request.headers('contact').length !== 1 || headerExpires !== 0) return reject(400, 'Contact * Needs Expires 0');
    return { kind: 'removeAll' };
  }
  if (contact.length === 0) return { kind: 'query' };
  const out: RequestedContact[] = [];
  for (const address of contact) {
    const uri = address.parsedUri;
    if (uri.scheme !== 'sip' && uri.scheme !== 'sips') return reject(400, 'Contact Must Be A SIP URI');
    const params = address.params;
    const param = params.get('expires');
    let requested: number;
    if (param === undefined) {
      requested = headerExpires ?? policy.fallback;
    } else {
      const seconds = param === null ? undefined : deltaSeconds(param);
      if (seconds === undefined) return reject(400, 'Bad Contact Expires');
      requested = seconds;
    }
    // Step 7: "If and only if the requested expiration interval is greater than zero AND smaller
    // than one hour AND less than a registrar-configured minimum, the registrar MAY reject".
    if (requested > 0 && requested < policy.min && requested < ONE_HOUR) return reject(423, 'Interval Too Brief');
    const instanceId = instanceIdOf(address);
    out.push({
      uri: address.uri,
      uriKey: uriKey(uri),
      instanceId,
      regId: instanceId === undefined ? undefined : regIdOf(address),
      expires: requested === 0 ? 0 : Math.min(requested, policy.max),
      params: formatParams(params),
    });
  }
  return { kind: 'update', contacts: out };
}

function reject(status: 400 | 423, reason: string): ContactRequest {
  return { kind: 'reject', status, reason };
}

/** delta-seconds (RFC 3261 §25.1), clamped like the Expires header; undefined when not all digits. */
function deltaSeconds(value: string): number | undefined {
  return /^[0-9]+$/.test(value) ? Math.min(Number(value), MAX_DELTA_SECONDS) : undefined;
}

/** RFC 5626 §4.1: `+sip.instance="<urn:uuid:…>"`; the value without quotes and angle brackets. */
function instanceIdOf(address: NameAddr): string | undefined {
  const raw = address.params.get('+sip.instance');
  if (raw === undefined || raw === null) return undefined;
  const id = raw.trim().replace(/^<(.*)>$/s, '$1').trim();
  return id === '' ? undefined : id;
}

/**
 * RFC 5626 §4.2 `reg-id = 1*DIGIT` (1 to 2^31-1). One outside that grammar is read as absent: the
 * Contact is then bound by its URI and instance alone, as for a phone without outbound support.
 */
function regIdOf(address: NameAddr): number | undefined {
  const raw = address.params.get('reg-id');
  if (raw === undefined || raw === null || !/^[0-9]{1,10}$/.test(raw)) return undefined;
  const value = Number(raw);
  return value >= 1 && value <= 0x7fffffff ? value : undefined;
}

/** Key under which instance ids are compared: URNs compare case-insensitively in practice (UUID hex). */
export function instanceKey(instanceId: string): string {
  return instanceId.toLowerCase();
}

/** The §19.1.4 parameters that must match whenever either URI has them. */
const SIGNIFICANT_PARAMS = ['transport', 'user', 'ttl', 'method', 'maddr'] as const;

/**
 * A key equal for two SIP URIs that RFC 3261 §19.1.4 calls equivalent, close enough for matching
 * a phone's own Contact across refreshes: scheme, unescaped user, host (any case), port (an absent
 * port differs from 5060, as the RFC says) and the parameters that must always match. Other URI
 * parameters are ignored (the RFC compares them only when both URIs carry them).
 */
export function uriKey(uri: SipUri): string {
  let key = `${uri.scheme}:${unescape(uri.user ?? '')}@${uri.host.toLowerCase()}:${uri.port ?? ''}`;
  for (const name of SIGNIFICANT_PARAMS) {
    const value = uri.params.get(name);
    if (value !== undefined) key += `;${name}=${unescape(value ?? '').toLowerCase()}`;
  }
  return key;
}

/** %HH escapes resolved (§19.1.4: "characters other than those in the reserved set are equivalent to their encoding"). */
export function unescape(text: string): string {
  if (!text.includes('%')) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    return text; // not UTF-8 after unescaping: compare as written
  }
}

const TOKEN = /^[A-Za-z0-9\-.!%*_+`'~]+$/;

/**
 * Header parameters written back (RFC 3261 §10.3 step 8 echoes the bindings; RFC 5626 clients find
 * theirs by `+sip.instance` and `reg-id`). Values were unquoted by the parser; they are quoted
 * again unless they are tokens, and folding white space inside a quoted value becomes one space.
 */
function formatParams(params: ReadonlyMap<string, string | null>): string {
  let out = '';
  for (const [name, value] of params) {
    if (name === 'expires') continue;
    if (value === null) out += `;${name}`;
    else if (TOKEN.test(value)) out += `;${name}=${value}`;
    else out += `;${name}="${value.replace(/[\x00-\x1f\x7f]+/g, ' ').replace(/["\\]/g, (c) => `\\${c}`)}"`;
  }
  return out;
}
