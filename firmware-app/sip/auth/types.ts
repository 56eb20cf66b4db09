// Digest authentication contracts (RFC 3261 §22, RFC 7616, RFC 8760): client answers, server challenges.

import type { SipMessage } from '../message/index.ts';

/** What we authenticate with. `realm`, when set, is the only realm we answer (SIPDigestLeak guard). */
export interface Credentials {
  readonly username: string;
  readonly password: string;
  readonly realm?: string;
}

export type DigestAlgorithm = 'MD5' | 'MD5-sess' | 'SHA-256' | 'SHA-256-sess' | 'SHA-512-256' | 'SHA-512-256-sess';

export type AuthAnswer =
  | { readonly ok: true; readonly header: 'Authorization' | 'Proxy-Authorization'; readonly value: string }
  | {
      readonly ok: false;
      /**
       * no-supported-challenge: no Digest challenge with an algorithm and qop we support;
       * wrong-credentials: the same challenge came back after we answered it (no stale=true);
       * realm-not-allowed: the challenge's realm is not the configured one.
       */
      readonly reason: 'no-supported-challenge' | 'wrong-credentials' | 'realm-not-allowed';
    };

/** Client side: one per account (it remembers nonces and nonce counts). */
export interface DigestClientApi {
  /**
   * Answers the WWW-Authenticate / Proxy-Authenticate challenges of a 401/407 `response` to
   * `request`: picks the strongest supported one (SHA-512-256 > SHA-256 > MD5, -sess variants
   * included), qop=auth with a fresh cnonce and an nc that increments per nonce; stale=true
   * retries with the new nonce.
   */
  answer(response: SipMessage, request: SipMessage): AuthAnswer;
  /** Forget remembered challenges (after the configuration changed). */
  reset(): void;
}

export type VerifyResult =
  | { readonly ok: true; readonly username: string }
  | { readonly ok: false; readonly reason: 'missing' | 'unknown-user' | 'bad-response' | 'stale-nonce' | 'bad-nonce' | 'malformed' };

/** Server side, for the built-in registrar: stateless nonces (timestamp + HMAC) that expire. */
export interface DigestServerApi {
  /** A WWW-Authenticate value; `stale` when the client's nonce had only expired. */
  challenge(options?: { readonly stale?: boolean; readonly algorithm?: DigestAlgorithm }): string;
  /** Checks the Authorization header of `request`; `password` looks a user up (undefined: unknown). */
  verify(request: SipMessage, password: (username: string) => string | undefined): VerifyResult;
}
