// Random identifiers: RFC 3261 branch (with the §8.1.1.7 magic cookie), tags and Call-IDs.

/** The magic cookie that marks an RFC 3261 branch (§8.1.1.7). */
export const MAGIC_COOKIE = 'z9hG4bK';

/**
 * CSPRNG bytes drawn 4 KiB at a time and handed out once each: a bell press's INVITE needs a dozen draws (branch, tag,
 * Call-ID, SDP and RTP origins), and one call into the system's generator after a quiet hour costs more than all of
 * them taken from memory.
 */
const POOL = new Uint8Array(4096);
let poolAt = POOL.length;

function randomBytesFromPool(count: number): Uint8Array {
  if (count > POOL.length) return globalThis.crypto.getRandomValues(new Uint8Array(count));
  if (poolAt + count > POOL.length) {
    globalThis.crypto.getRandomValues(POOL);
    poolAt = 0;
  }
  const out = POOL.subarray(poolAt, poolAt + count);
  poolAt += count;
  return out;
}

/** `bytes` random bytes as lower-case hex (Web Crypto: no Node import needed). */
export function randomToken(bytes = 12): string {
  let out = '';
  for (const b of randomBytesFromPool(bytes)) out += b.toString(16).padStart(2, '0');
  return out;
}

/** Uniform in [0, 1) from the system's CSPRNG (through the pool). */
export function secureRandom(): number {
  const b = randomBytesFromPool(4);
  return (((b[0]! << 24) >>> 0) + (b[1]! << 16) + (b[2]! << 8) + b[3]!) / 2 ** 32;
}

/** A fresh branch, unique over time and space as §8.1.1.7 requires. */
export function newBranch(): string {
  return MAGIC_COOKIE + randomToken(12);
}
