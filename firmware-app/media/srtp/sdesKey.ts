// SDES key parameters (RFC 4568 §6.1, §6.2): `inline:<base64 key||salt>[|lifetime][|MKI:length]`.

import type { SrtpSuite } from './suites.ts';

/** A master key and salt from one key-params field. */
export interface SdesKey {
  readonly masterKey: Uint8Array;
  readonly masterSalt: Uint8Array;
}

export type SdesKeyResult = { readonly ok: true; readonly key: SdesKey } | { readonly ok: false; readonly problem: string };

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const LIFETIME = /^(?:2\^\d{1,2}|\d{1,20})$/;
const MKI = /^(\d{1,10}):(\d{1,3})$/;

/**
 * Parses one `inline:` key-params field for `suite`. The key and salt must be exactly the suite's lengths; a
 * lifetime is accepted and ignored (a call never comes near 2^31 packets); an MKI is refused (we never
 * offer one, RFC 4568 §6.1 lets the answerer decline the crypto line).
 */
export function parseSdesKey(keyParams: string, suite: SrtpSuite): SdesKeyResult {
  // SDP grammar strings are case-insensitive (RFC 4568 §9.2 ABNF): `INLINE:` is the same method.
  if (keyParams.slice(0, 7).toLowerCase() !== 'inline:') return { ok: false, problem: 'key method is not inline' };
  const [material = '', ...options] = keyParams.slice('inline:'.length).split('|');
  if (!BASE64.test(material)) return { ok: false, problem: 'key is not base64' };
  const bytes = decodeBase64(material);
  const expected = suite.masterKeyLength + suite.masterSaltLength;
  if (bytes === undefined || bytes.length !== expected) return { ok: false, problem: `key||salt is not ${expected} bytes` };
  if (options.length > 2) return { ok: false, problem: 'too many key options' };
  for (const option of options) {
    if (MKI.test(option)) return { ok: false, problem: 'MKI not supported' };
    if (!LIFETIME.test(option)) return { ok: false, problem: 'bad lifetime' };
  }
  return { ok: true, key: { masterKey: bytes.slice(0, suite.masterKeyLength), masterSalt: bytes.slice(suite.masterKeyLength) } };
}

/** The `inline:` key-params for a master key and salt (what we put in our own a=crypto). */
export function formatSdesKey(key: SdesKey): string {
  const bytes = new Uint8Array(key.masterKey.length + key.masterSalt.length);
  bytes.set(key.masterKey);
  bytes.set(key.masterSalt, key.masterKey.length);
  return `inline:${encodeBase64(bytes)}`;
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Standard base64 with padding (pure: no Buffer outside the I/O layers). */
export function encodeBase64(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    text += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]!;
    text += i + 1 < bytes.length ? ALPHABET[(n >> 6) & 63]! : '=';
    text += i + 2 < bytes.length ? ALPHABET[n & 63]! : '=';
  }
  return text;
}

/** Decodes standard base64 (padding optional); undefined for a length no encoder produces. */
export function decodeBase64(text: string): Uint8Array | undefined {
  const clean = text.replace(/=+$/, '');
  if (clean.length % 4 === 1) return undefined;
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let bits = 0;
  let value = 0;
  let at = 0;
  for (const char of clean) {
    const digit = ALPHABET.indexOf(char);
    if (digit < 0) return undefined;
    value = ((value << 6) | digit) & 0xffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[at++] = (value >> bits) & 0xff;
    }
  }
  return out;
}
