// Admin password and setup code hashes: scrypt (RFC 7914) through node:crypto, stored as
// `scrypt$<log2 N>$<r>$<p>$<salt>$<key>` (base64, the door codes' format), checked in constant time.

import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

const HASH = /^scrypt\$(1[0-9]|20)\$([1-9]|1[0-6])\$([1-4])\$([A-Za-z0-9+/]{16,88}={0,2})\$([A-Za-z0-9+/]{22,88}={0,2})$/;
const SALT_BYTES = 16;
const KEY_BYTES = 32;

/** Hashing cost: log2 N from 10 to 20 (default 15: 32 MiB, about 0.1-0.2 s on a Pi 4, once per login). */
export interface PasswordHashCost {
  readonly log2N: number;
}

export const DEFAULT_PASSWORD_COST: PasswordHashCost = { log2N: 15 };

function derive(secret: string, salt: Buffer, bytes: number, log2N: number, r: number, p: number): Promise<Buffer> {
  const N = 2 ** log2N;
  // OpenSSL needs 128·r·(N + p + 2) bytes; node's default maxmem (32 MiB) is too small from N = 2^15 on.
  const maxmem = 128 * r * (N + p + 2) + 1024 * 1024;
  return new Promise((resolve, reject) => {
    scrypt(secret.normalize('NFC'), salt, bytes, { N, r, p, maxmem }, (error, key) => (error === null ? resolve(key) : reject(error)));
  });
}

/** The scrypt hash of `secret` with a fresh salt. */
export async function hashPassword(secret: string, cost: PasswordHashCost = DEFAULT_PASSWORD_COST): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(secret, salt, KEY_BYTES, cost.log2N, 8, 1);
  return `scrypt$${cost.log2N}$8$1$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** Whether `secret` matches `hash`; a malformed hash is "no match", never an exception. */
export async function verifyPassword(secret: string, hash: string): Promise<boolean> {
  const parts = HASH.exec(hash);
  if (parts === null) return false;
  try {
    const expected = Buffer.from(parts[5]!, 'base64');
    const salt = Buffer.from(parts[4]!, 'base64');
    const key = await derive(secret, salt, expected.length, Number(parts[1]), Number(parts[2]), Number(parts[3]));
    return key.length === expected.length && timingSafeEqual(key, expected);
  } catch {
    return false;
  }
}
