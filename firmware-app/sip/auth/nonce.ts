// Stateless server nonces (RFC 7616 §3.3 "nonce", §5.4): base64url of timestamp, salt and a keyed hash of both.

import type { Hasher } from '../../platform/hash.ts';
import type { DigestAlgorithm } from './types.ts';
import { toHex } from './digest.ts';

const TIMESTAMP_BYTES = 6;
const SALT_BYTES = 8;
const MAC_BYTES = 16;
const NONCE_BYTES = TIMESTAMP_BYTES + SALT_BYTES + MAC_BYTES;
const ALGORITHMS = ['MD5', 'MD5-sess', 'SHA-256', 'SHA-256-sess', 'SHA-512-256', 'SHA-512-256-sess'] as const satisfies readonly DigestAlgorithm[];

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const INDEX: ReadonlyMap<string, number> = new Map([...ALPHABET].map((c, i) => [c, i]));

/** What a genuine nonce carries. */
export interface NonceInfo {
  /** Clock time (ms) at which it was issued. */
  readonly issuedAt: number;
}

/**
 * Mints and checks nonces without keeping state. The keyed hash covers the timestamp, the salt,
 * the realm and the algorithm the nonce was challenged with, so a nonce cannot be moved to another
 * realm or answered with another algorithm (no downgrade from SHA-256 to MD5 behind our back).
 */
export class NonceCodec {
  readonly #hasher: Hasher;
  readonly #secret: string;
  readonly #realm: string;

  constructor(hasher: Hasher, secret: string, realm: string) {
    this.#hasher = hasher;
    this.#secret = secret;
    this.#realm = realm;
  }

  /** A new nonce issued at `now` (ms, ≥ 0) for `algorithm`, with a random `salt`. */
  mint(now: number, algorithm: DigestAlgorithm, salt: Uint8Array): string {
    const bytes = new Uint8Array(NONCE_BYTES);
    writeTimestamp(bytes, Math.max(0, Math.floor(now)));
    bytes.set(salt.subarray(0, SALT_BYTES), TIMESTAMP_BYTES);
    bytes.set(fromHex(this.#mac(bytes.subarray(0, TIMESTAMP_BYTES + SALT_BYTES), algorithm)), TIMESTAMP_BYTES + SALT_BYTES);
    return toBase64Url(bytes);
  }

  /** The nonce's content when we minted it for `algorithm`; undefined when it is not ours or was altered. */
  open(nonce: string, algorithm: DigestAlgorithm): NonceInfo | undefined {
    const bytes = fromBase64Url(nonce);
    if (bytes?.length !== NONCE_BYTES) return undefined;
    const expected = this.#mac(bytes.subarray(0, TIMESTAMP_BYTES + SALT_BYTES), algorithm);
    if (!this.#hasher.equal(toHex(bytes.subarray(TIMESTAMP_BYTES + SALT_BYTES)), expected)) return undefined;
    return { issuedAt: readTimestamp(bytes) };
  }

  /**
   * Whether we minted `nonce` for an algorithm other than `algorithm`: an answer with the wrong
   * algorithm is a downgrade attempt, not a nonce from before a restart. Only the failure path asks.
   */
  mintedForAnother(nonce: string, algorithm: DigestAlgorithm): boolean {
    return ALGORITHMS.some((other) => other !== algorithm && this.open(nonce, other) !== undefined);
  }

  /**
   * A nested keyed hash, H(secret ":" H(secret ":" data)), in the shape of HMAC (whose byte-wise
   * pads a text Hasher cannot express): the outer hash keeps SHA-256's length extension out of reach.
   * Returned as hex, cut to MAC_BYTES bytes.
   */
  #mac(body: Uint8Array, algorithm: DigestAlgorithm): string {
    const inner = this.#hasher.hex('SHA-256', `${this.#secret}:${this.#realm}:${algorithm}:${toHex(body)}`);
    return this.#hasher.hex('SHA-256', `${this.#secret}:${inner}`).slice(0, MAC_BYTES * 2);
  }
}

function writeTimestamp(bytes: Uint8Array, ms: number): void {
  let value = ms;
  for (let i = TIMESTAMP_BYTES - 1; i >= 0; i--) {
    bytes[i] = value % 256;
    value = Math.floor(value / 256);
  }
}

function readTimestamp(bytes: Uint8Array): number {
  let value = 0;
  for (let i = 0; i < TIMESTAMP_BYTES; i++) value = value * 256 + bytes[i]!;
  return value;
}

function fromHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** RFC 4648 §5 without padding. */
export function toBase64Url(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    const chars = Math.min(4, Math.ceil(((bytes.length - i) * 8) / 6));
    for (let k = 0; k < chars; k++) out += ALPHABET[(n >> (18 - 6 * k)) & 63];
  }
  return out;
}

/** The bytes of unpadded base64url text; undefined for anything else (a padded or non-canonical form included). */
export function fromBase64Url(text: string): Uint8Array | undefined {
  if (text.length % 4 === 1) return undefined;
  const out = new Uint8Array(Math.floor((text.length * 6) / 8));
  let bits = 0;
  let value = 0;
  let o = 0;
  for (const c of text) {
    const v = INDEX.get(c);
    if (v === undefined) return undefined;
    value = ((value << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (value >> bits) & 0xff;
    }
  }
  // Leftover bits must be zero, or two texts would decode to the same bytes.
  if ((value & ((1 << bits) - 1)) !== 0) return undefined;
  return out;
}
