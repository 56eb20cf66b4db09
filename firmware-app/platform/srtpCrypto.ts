// The cryptographic primitives SRTP (RFC 3711) needs, injected so media/srtp stays pure: AES-128 in counter
// mode, HMAC-SHA1, a constant-time comparison and random bytes, here implemented with node:crypto.

import { createCipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** What media/srtp asks of a crypto library. Keys are 16 bytes (AES-128), IVs one 16-byte counter block. */
export interface SrtpCrypto {
  /**
   * XORs `data` with the AES-128 counter-mode keystream that starts at counter block `iv` (incremented as one
   * 128-bit big-endian number per block), writing the result to `out` (which may be `data` itself).
   */
  aesCtr(key: Uint8Array, iv: Uint8Array, data: Uint8Array, out: Uint8Array): void;
  /** HMAC-SHA1 over the concatenation of `parts` (20 bytes). */
  hmacSha1(key: Uint8Array, parts: readonly Uint8Array[]): Uint8Array;
  /** Equal contents, compared in a time that does not depend on where they differ. */
  equal(a: Uint8Array, b: Uint8Array): boolean;
  /** `length` cryptographically random bytes (master keys for SDES). */
  random(length: number): Uint8Array;
}

/** The node:crypto implementation. */
export function createNodeSrtpCrypto(): SrtpCrypto {
  return {
    aesCtr(key, iv, data, out) {
      const cipher = createCipheriv('aes-128-ctr', key, iv);
      const head = cipher.update(data);
      out.set(head);
      const tail = cipher.final();
      if (tail.length > 0) out.set(tail, head.length);
    },
    hmacSha1(key, parts) {
      const hmac = createHmac('sha1', key);
      for (const part of parts) hmac.update(part);
      return new Uint8Array(hmac.digest());
    },
    equal: (a, b) => a.length === b.length && timingSafeEqual(a, b),
    random: (length) => new Uint8Array(randomBytes(length)),
  };
}
