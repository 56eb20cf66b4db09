// AES in counter mode as SRTP uses it (RFC 3711 §4.1.1): the IV formed from salt, SSRC and packet index.

import type { SrtpCrypto } from '../../platform/srtpCrypto.ts';

/**
 * The counter block IV = (k_s · 2^16) XOR (SSRC · 2^64) XOR (i · 2^16), with the 14-byte session salt k_s, the
 * 32-bit SSRC and the 48-bit packet index i (for SRTCP, the 31-bit SRTCP index).
 */
export function aesCmIv(sessionSalt: Uint8Array, ssrc: number, index: number): Uint8Array {
  const iv = new Uint8Array(16);
  iv.set(sessionSalt.subarray(0, 14));
  iv[4]! ^= ssrc >>> 24;
  iv[5]! ^= (ssrc >>> 16) & 0xff;
  iv[6]! ^= (ssrc >>> 8) & 0xff;
  iv[7]! ^= ssrc & 0xff;
  // i is at most 2^48 − 1: split it to stay in exact integer arithmetic.
  const high = Math.floor(index / 2 ** 32);
  const low = index >>> 0;
  iv[8]! ^= (high >>> 8) & 0xff;
  iv[9]! ^= high & 0xff;
  iv[10]! ^= low >>> 24;
  iv[11]! ^= (low >>> 16) & 0xff;
  iv[12]! ^= (low >>> 8) & 0xff;
  iv[13]! ^= low & 0xff;
  return iv;
}

/** XORs `data` in place with the keystream of `key` from counter block `iv` (encrypts and decrypts alike). */
export function aesCmXor(crypto: SrtpCrypto, key: Uint8Array, iv: Uint8Array, data: Uint8Array): void {
  if (data.length > 0) crypto.aesCtr(key, iv, data, data);
}

/** The first `length` bytes of keystream from `iv` (the PRF of the key derivation, §4.3.3). */
export function aesCmKeystream(crypto: SrtpCrypto, key: Uint8Array, iv: Uint8Array, length: number): Uint8Array {
  const stream = new Uint8Array(length);
  aesCmXor(crypto, key, iv, stream);
  return stream;
}
