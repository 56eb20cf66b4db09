// Hash functions for digest authentication (RFC 7616, RFC 8760), injected so sip/auth stays pure.

import { createHash, timingSafeEqual } from 'node:crypto';

/** The digest algorithms SIP uses, by their RFC 7616 names (without -sess). */
export type HashAlgorithm = 'MD5' | 'SHA-256' | 'SHA-512-256';

/** Hex digest of UTF-8 text, and a comparison that takes the same time whatever the input. */
export interface Hasher {
  hex(algorithm: HashAlgorithm, text: string): string;
  equal(a: string, b: string): boolean;
}

const NODE_NAMES: Readonly<Record<HashAlgorithm, string>> = { 'MD5': 'md5', 'SHA-256': 'sha256', 'SHA-512-256': 'sha512-256' };

/** The node:crypto implementation. */
export function createNodeHasher(): Hasher {
  return {
    hex: (algorithm, text) => createHash(NODE_NAMES[algorithm]).update(text, 'utf8').digest('hex'),
    equal: (a, b) => {
      const x = Buffer.from(a, 'utf8');
      const y = Buffer.from(b, 'utf8');
      return x.length === y.length && timingSafeEqual(x, y);
    },
  };
}
