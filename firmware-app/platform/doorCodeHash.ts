// Door-code hashes: scrypt (RFC 7914) through node:crypto, stored as `scrypt$<log2 N>$<r>$<p>$<salt>$<key>` (base64).

import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { CodeHasher } from '../doorbell/ports.ts';
import { DoorbellError } from '../errors.ts';

/** A door code as typed on a phone: 1 to 16 digits. */
const DOOR_CODE = /^[0-9]{1,16}$/;
// The same ranges as DOOR_CODE_HASH in config/schema.ts (a test holds the two together).
const HASH = /^scrypt\$(1[0-9]|20)\$([1-9]|1[0-6])\$([1-4])\$([A-Za-z0-9+/]{16,88}={0,2})\$([A-Za-z0-9+/]{22,88}={0,2})$/;

const SALT_BYTES = 16;
const KEY_BYTES = 32;

export interface ScryptCodeHasherOptions {
  /** Cost of new hashes as log2 N, 10 to 20 (default 14: about 16 MiB and a few tens of ms per code on a Pi 4). */
  readonly log2N?: number;
  /** Block size r, 1 to 16 (default 8). */
  readonly r?: number;
  /** Parallelism p, 1 to 4 (default 1). */
  readonly p?: number;
}

/** The hasher for door codes: `hash` for `--hash-door-code`, `verify` for the door application. */
export type ScryptCodeHasher = CodeHasher & { hash(code: string): Promise<string> };

/** OpenSSL needs 128·r·(N + p + 2) bytes; node's default maxmem (32 MiB) would refuse N = 2^20. */
function maxmemFor(N: number, r: number, p: number): number {
  return 128 * r * (N + p + 2) + 1024 * 1024;
}

function derive(code: string, salt: Buffer, keyBytes: number, log2N: number, r: number, p: number): Promise<Buffer> {
  const N = 2 ** log2N;
  const options: ScryptOptions = { N, r, p, maxmem: maxmemFor(N, r, p) };
  return new Promise((resolve, reject) => {
    scrypt(code, salt, keyBytes, options, (error, key) => (error === null ? resolve(key) : reject(error)));
  });
}

function checkedParameter(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new DoorbellError('DOOR_CODE_HASH_PARAMETERS', `scrypt ${name} must be an integer from ${min} to ${max}`);
  }
  return value;
}

/** Hashes and checks door codes with scrypt, comparing keys in constant time. */
export function createScryptCodeHasher(options: ScryptCodeHasherOptions = {}): ScryptCodeHasher {
  const log2N = checkedParameter('log2N', options.log2N ?? 14, 10, 20);
  const r = checkedParameter('r', options.r ?? 8, 1, 16);
  const p = checkedParameter('p', options.p ?? 1, 1, 4);
  return {
    async hash(code) {
      if (typeof code !== 'string' || !DOOR_CODE.test(code)) {
        throw new DoorbellError('DOOR_CODE_INVALID', 'a door code is 1 to 16 digits 0-9');
      }
      const salt = randomBytes(SALT_BYTES);
      const key = await derive(code, salt, KEY_BYTES, log2N, r, p);
      return `scrypt$${log2N}$${r}$${p}$${salt.toString('base64')}$${key.toString('base64')}`;
    },

    async verify(code, hash) {
      // A malformed hash or a failing scrypt is "no match", never an exception the door has to handle.
      try {
        const parts = HASH.exec(hash);
        if (parts === null || !DOOR_CODE.test(code)) return false;
        const expected = Buffer.from(parts[5]!, 'base64');
        const salt = Buffer.from(parts[4]!, 'base64');
        if (expected.length === 0 || salt.length === 0) return false;
        const key = await derive(code, salt, expected.length, Number(parts[1]), Number(parts[2]), Number(parts[3]));
        return key.length === expected.length && timingSafeEqual(key, expected);
      } catch {
        return false;
      }
    },
  };
}
