// Digest challenge and credentials headers (RFC 3261 §25.1 challenge/credentials, RFC 7616, RFC 8760).

import { COMMA, DQUOTE, EQUAL, TOKEN, skipLws, scanClass } from './chars.ts';
import { fail } from './errors.ts';
import { scanQuoted, unquote } from './params.ts';
import { text } from './text.ts';

/** A WWW-Authenticate / Proxy-Authenticate challenge. Values are unquoted. */
export interface DigestChallenge {
  /** `Digest` (as written) or another scheme. */
  readonly scheme: string;
  readonly realm: string | undefined;
  readonly nonce: string | undefined;
  readonly opaque: string | undefined;
  /** As written (`MD5`, `SHA-256`, `SHA-512-256`, `MD5-sess` …); undefined means MD5. */
  readonly algorithm: string | undefined;
  /** The qop-options list (`auth`, `auth-int`), empty when absent. */
  readonly qop: readonly string[];
  readonly stale: boolean;
  readonly domain: string | undefined;
  /** Every auth-param, names lower-cased. */
  readonly params: ReadonlyMap<string, string>;
}

/** An Authorization / Proxy-Authorization header. Values are unquoted. */
export interface DigestCredentials {
  readonly scheme: string;
  readonly username: string | undefined;
  readonly realm: string | undefined;
  readonly nonce: string | undefined;
  readonly uri: string | undefined;
  readonly response: string | undefined;
  readonly algorithm: string | undefined;
  readonly cnonce: string | undefined;
  readonly opaque: string | undefined;
  readonly qop: string | undefined;
  readonly nc: string | undefined;
  readonly params: ReadonlyMap<string, string>;
}

/** Parses `scheme LWS auth-param *(COMMA auth-param)` in [start, end). */
function scanAuth(bytes: Uint8Array, start: number, end: number): { scheme: string; params: Map<string, string> } {
  let p = skipLws(bytes, start, end);
  const schemeEnd = scanClass(bytes, p, end, TOKEN);
  if (schemeEnd === p) fail('BAD_AUTH', 'authentication header has no scheme');
  const scheme = text(bytes, p, schemeEnd);
  const params = new Map<string, string>();
  p = skipLws(bytes, schemeEnd, end);
  if (p === schemeEnd && p < end) fail('BAD_AUTH', 'white space must follow the scheme');
  while (p < end) {
    const nameEnd = scanClass(bytes, p, end, TOKEN);
    if (nameEnd === p) fail('BAD_AUTH', 'bad auth-param name');
    const name = text(bytes, p, nameEnd).toLowerCase();
    p = skipLws(bytes, nameEnd, end);
    if (bytes[p] !== EQUAL) fail('BAD_AUTH', `auth-param ${name} has no value`);
    p = skipLws(bytes, p + 1, end);
    const valueStart = p;
    p = bytes[p] === DQUOTE ? scanQuoted(bytes, p, end, 'BAD_AUTH') : scanClass(bytes, p, end, TOKEN);
    if (p === valueStart) fail('BAD_AUTH', `auth-param ${name} has an empty value`);
    if (params.has(name)) fail('BAD_AUTH', `auth-param ${name} appears twice`);
    params.set(name, unquote(text(bytes, valueStart, p)));
    p = skipLws(bytes, p, end);
    if (p < end) {
      if (bytes[p] !== COMMA) fail('BAD_AUTH', 'auth-params must be separated by commas');
      p = skipLws(bytes, p + 1, end);
    }
  }
  return { scheme, params };
}

/** Parses a challenge held in [start, end) of `bytes`. */
export function readChallenge(bytes: Uint8Array, start: number, end: number): DigestChallenge {
  const { scheme, params } = scanAuth(bytes, start, end);
  const qop = params.get('qop');
  return {
    scheme,
    realm: params.get('realm'),
    nonce: params.get('nonce'),
    opaque: params.get('opaque'),
    algorithm: params.get('algorithm'),
    qop: qop === undefined ? [] : qop.split(',').map((q) => q.trim()).filter((q) => q !== ''),
    stale: params.get('stale')?.toLowerCase() === 'true',
    domain: params.get('domain'),
    params,
  };
}

/** Parses credentials held in [start, end) of `bytes`. */
export function readCredentials(bytes: Uint8Array, start: number, end: number): DigestCredentials {
  const { scheme, params } = scanAuth(bytes, start, end);
  return {
    scheme,
    username: params.get('username'),
    realm: params.get('realm'),
    nonce: params.get('nonce'),
    uri: params.get('uri'),
    response: params.get('response'),
    algorithm: params.get('algorithm'),
    cnonce: params.get('cnonce'),
    opaque: params.get('opaque'),
    qop: params.get('qop'),
    nc: params.get('nc'),
    params,
  };
}

const encoder = new TextEncoder();

/** Parses a WWW-Authenticate / Proxy-Authenticate value; throws SipParseError `BAD_AUTH`. */
export function parseChallenge(value: string): DigestChallenge {
  const bytes = encoder.encode(value);
  return readChallenge(bytes, 0, bytes.length);
}

/** Parses an Authorization / Proxy-Authorization value; throws SipParseError `BAD_AUTH`. */
export function parseCredentials(value: string): DigestCredentials {
  const bytes = encoder.encode(value);
  return readCredentials(bytes, 0, bytes.length);
}
