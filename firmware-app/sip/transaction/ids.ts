// Random identifiers: RFC 3261 branch (with the §8.1.1.7 magic cookie), tags and Call-IDs.

/** The magic cookie that marks an RFC 3261 branch (§8.1.1.7). */
export const MAGIC_COOKIE = 'z9hG4bK';

/** `bytes` random bytes as lower-case hex (Web Crypto: no Node import needed). */
export function randomToken(bytes = 12): string {
  const raw = new Uint8Array(bytes);
  globalThis.crypto.getRandomValues(raw);
  let out = '';
  for (const b of raw) out += b.toString(16).padStart(2, '0');
  return out;
}

/** A fresh branch, unique over time and space as §8.1.1.7 requires. */
export function newBranch(): string {
  return MAGIC_COOKIE + randomToken(12);
}
