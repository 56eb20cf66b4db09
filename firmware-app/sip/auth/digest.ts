// The digest computation both sides share: A1, A2 and response (RFC 7616 §3.4.1–§3.4.3, RFC 2617 §3.2.2, RFC 8760 §2).

import type { HashAlgorithm, Hasher } from '../../platform/hash.ts';
import { SipParseError } from '../message/index.ts';
import type { DigestAlgorithm } from './types.ts';

const ALGORITHMS: ReadonlyMap<string, DigestAlgorithm> = new Map(
  (['MD5', 'MD5-sess', 'SHA-256', 'SHA-256-sess', 'SHA-512-256', 'SHA-512-256-sess'] as const).map((a) => [a.toLowerCase(), a]),
);

/** The hash behind each algorithm, and its rank when choosing among challenges (higher is stronger). */
const STRENGTH: Readonly<Record<HashAlgorithm, number>> = { 'MD5': 1, 'SHA-256': 2, 'SHA-512-256': 3 };

/**
 * The algorithm an `algorithm` auth-param names (a token, so compared case-insensitively); absent
 * means MD5 (RFC 7616 §3.3). Undefined for one we do not implement.
 */
export function algorithmOf(written: string | undefined): DigestAlgorithm | undefined {
  return written === undefined ? 'MD5' : ALGORITHMS.get(written.toLowerCase());
}

function hashOf(algorithm: DigestAlgorithm): HashAlgorithm {
  return algorithm.endsWith('-sess') ? (algorithm.slice(0, -5) as HashAlgorithm) : (algorithm as HashAlgorithm);
}

export function isSession(algorithm: DigestAlgorithm): boolean {
  return algorithm.endsWith('-sess');
}

/** SHA-512-256 > SHA-256 > MD5; a -sess variant ranks with its hash. */
export function strengthOf(algorithm: DigestAlgorithm): number {
  return STRENGTH[hashOf(algorithm)];
}

/** Everything the response is computed over. `qop` undefined is the RFC 2069 form (no nc, no cnonce). */
export interface DigestInput {
  readonly algorithm: DigestAlgorithm;
  readonly username: string;
  readonly realm: string;
  readonly password: string;
  readonly method: string;
  /** The digest-uri: the Request-URI as written (RFC 3261 §22.4). */
  readonly uri: string;
  readonly nonce: string;
  readonly qop?: 'auth' | 'auth-int';
  /** 8 hex digits; required with qop. */
  readonly nc?: string;
  /** Required with qop and for -sess algorithms. */
  readonly cnonce?: string;
  /** The message body as text; required for auth-int (see `bodyText`). */
  readonly body?: string;
}

/** The `response` value: lower-case hex of the algorithm's hash. */
export function digestResponse(hasher: Hasher, input: DigestInput): string {
  const hash = hashOf(input.algorithm);
  const H = (text: string): string => hasher.hex(hash, text);
  let ha1 = H(`${input.username}:${input.realm}:${input.password}`);
  // RFC 7616 §3.4.2: the -sess A1 binds the session to this nonce and cnonce.
  if (isSession(input.algorithm)) ha1 = H(`${ha1}:${input.nonce}:${input.cnonce ?? ''}`);
  const a2 = input.qop === 'auth-int' ? `${input.method}:${input.uri}:${H(input.body ?? '')}` : `${input.method}:${input.uri}`;
  const ha2 = H(a2);
  if (input.qop === undefined) return H(`${ha1}:${input.nonce}:${ha2}`);
  return H(`${ha1}:${input.nonce}:${input.nc ?? ''}:${input.cnonce ?? ''}:${input.qop}:${ha2}`);
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The body as the text whose UTF-8 encoding is exactly its bytes, so that H(entity-body) over the
 * Hasher's UTF-8 text is the hash of the bytes; undefined when the bytes are not valid UTF-8
 * (then auth-int cannot be computed through a text Hasher).
 */
export function bodyText(body: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(body);
  } catch {
    return undefined;
  }
}

/** The header values `parse` accepts; a malformed one (SipParseError) is skipped, any other error thrown. */
export function parseEach<T>(values: readonly string[], parse: (value: string) => T): T[] {
  const out: T[] = [];
  for (const value of values) {
    try {
      out.push(parse(value));
    } catch (err) {
      if (!(err instanceof SipParseError)) throw err;
    }
  }
  return out;
}

/** A quoted-string (RFC 3261 §25.1): `"` and `\` escaped as quoted-pairs. */
export function quote(value: string): string {
  return `"${value.replace(/["\\]/g, '\\$&')}"`;
}

/** CR, LF and the other controls cannot appear in a quoted-string, not even as a quoted-pair (HT can). */
export function hasControl(value: string): boolean {
  return /[\x00-\x08\x0a-\x1f\x7f]/.test(value);
}

/** `length` random bytes from the platform's CSPRNG (Web Crypto, a global in Node ≥ 19; no import). */
export function randomBytes(length: number): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(length));
}

export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}
