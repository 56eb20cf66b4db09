// Digest client: answers 401/407 challenges (RFC 3261 §22.2–§22.3, RFC 7616 §3.4, RFC 8760, RFC 2069 fallback).

import { DoorbellError } from '../../errors.ts';
import type { Hasher } from '../../platform/hash.ts';
import { type DigestChallenge, type SipMessage, parseChallenge, parseCredentials } from '../message/index.ts';
import type { AuthAnswer, Credentials, DigestAlgorithm, DigestClientApi } from './types.ts';
import { algorithmOf, bodyText, digestResponse, hasControl, isSession, parseEach, quote, randomBytes, strengthOf, toHex } from './digest.ts';

export interface DigestClientOptions {
  readonly hasher: Hasher;
  readonly credentials: Credentials;
  /** A fresh client nonce per answer (default: 16 random bytes as hex). Injected by tests. */
  readonly cnonce?: () => string;
}

type AuthHeader = 'Authorization' | 'Proxy-Authorization';

/** A challenge we can answer, with what answering it takes. */
interface Candidate {
  readonly challenge: DigestChallenge & { readonly realm: string; readonly nonce: string };
  readonly algorithm: DigestAlgorithm;
  readonly qop: 'auth' | 'auth-int' | undefined;
  readonly header: AuthHeader;
}

/** Nonces whose count we keep; an older one forgotten just starts over at 00000001 if challenged again. */
const MAX_REMEMBERED_NONCES = 32;

/**
 * Answers Digest challenges for one account. The `request` given to `answer` must be the request
 * as it was sent, with the credentials this client produced for it: that is how a rejection is told
 * apart from a first challenge. A challenge is `wrong-credentials` when that request already
 * carried our credentials for the challenge's realm and the challenge is not marked stale, or it
 * repeats the very nonce we answered (stale or not, which would only loop). So a fresh nonce for
 * the same realm without stale=true is a rejection too (servers such as Asterisk answer a wrong
 * password so), the rule pjsip follows; retrying would only loop until the caller's retry cap.
 */
export class DigestClient implements DigestClientApi {
  readonly #hasher: Hasher;
  readonly #credentials: Credentials;
  readonly #cnonce: () => string;
  /** `realm NUL nonce` → the last nc sent with it. */
  readonly #nonceCounts = new Map<string, number>();

  constructor(options: DigestClientOptions) {
    const { username, realm } = options.credentials;
    // A CR or LF would end the header line early: a header injection, not just a wrong answer.
    if (hasControl(username) || (realm !== undefined && hasControl(realm))) {
      throw new DoorbellError('BAD_CREDENTIALS', 'the SIP username and realm must not contain control characters');
    }
    this.#hasher = options.hasher;
    this.#credentials = options.credentials;
    this.#cnonce = options.cnonce ?? (() => toHex(randomBytes(16)));
  }

  answer(response: SipMessage, request: SipMessage): AuthAnswer {
    // A malformed challenge is skipped, not fatal: the others may still be answerable.
    const challenges: Array<{ challenge: DigestChallenge; header: AuthHeader }> = [
      ...parseEach(response.headers('www-authenticate'), parseChallenge).map((challenge) => ({ challenge, header: 'Authorization' as const })),
      ...parseEach(response.headers('proxy-authenticate'), parseChallenge).map((challenge) => ({ challenge, header: 'Proxy-Authorization' as const })),
    ];
    // Malformed credentials are not ours (we write well-formed ones), so they say nothing about a rejection.
    const sent = {
      'Authorization': parseEach(request.headers('authorization'), parseCredentials),
      'Proxy-Authorization': parseEach(request.headers('proxy-authorization'), parseCredentials),
    };
    const body = bodyText(request.body);
    let supported = false;
    let allowed = false;
    let best: Candidate | undefined;
    for (const { challenge, header } of challenges) {
      const candidate = candidateOf(challenge, header, body !== undefined);
      if (candidate === undefined) continue;
      supported = true;
      // SIPDigestLeak: never compute a response for a realm we were not configured for.
      if (this.#credentials.realm !== undefined && candidate.challenge.realm !== this.#credentials.realm) continue;
      allowed = true;
      if (wasRejected(candidate, sent[header])) continue;
      // Equal strength: the server's first (RFC 8760: challenges come most preferred first). Strongest
      // first overrides that order on purpose, the "local policy" RFC 8760 leaves room for.
      if (best === undefined || strengthOf(candidate.algorithm) > strengthOf(best.algorithm)) best = candidate;
    }
    if (best !== undefined) return { ok: true, header: best.header, value: this.#authorization(best, request, body) };
    if (allowed) return { ok: false, reason: 'wrong-credentials' };
    if (supported) return { ok: false, reason: 'realm-not-allowed' };
    return { ok: false, reason: 'no-supported-challenge' };
  }

  reset(): void {
    this.#nonceCounts.clear();
  }

  /** The credentials value (RFC 3261 §22.4, RFC 7616 §3.4); opaque only when the challenge had one. */
  #authorization(candidate: Candidate, request: SipMessage, body: string | undefined): string {
    const { challenge, algorithm, qop } = candidate;
    const { username, password } = this.#credentials;
    const uri = request.requestUri;
    const withQop = qop !== undefined;
    const cnonce = withQop ? this.#cnonce() : undefined;
    const nc = withQop ? this.#nextCount(challenge.realm, challenge.nonce) : undefined;
    const response = digestResponse(this.#hasher, {
      algorithm, username, realm: challenge.realm, password, method: request.method, uri, nonce: challenge.nonce,
      ...(withQop ? { qop, nc, cnonce } : {}),
      ...(qop === 'auth-int' ? { body } : {}),
    });
    const parts = [
      `username=${quote(username)}`,
      `realm=${quote(challenge.realm)}`,
      `nonce=${quote(challenge.nonce)}`,
      `uri=${quote(uri)}`,
      `response=${quote(response)}`,
      `algorithm=${algorithm}`,
    ];
    if (cnonce !== undefined) parts.push(`cnonce=${quote(cnonce)}`);
    if (challenge.opaque !== undefined) parts.push(`opaque=${quote(challenge.opaque)}`);
    if (withQop) parts.push(`qop=${qop}`, `nc=${nc}`);
    return `Digest ${parts.join(', ')}`;
  }

  /** RFC 7616 §3.4: nc counts the requests sent with this nonce, 8 hex digits from 00000001. */
  #nextCount(realm: string, nonce: string): string {
    const key = `${realm}\u0000${nonce}`;
    const count = (this.#nonceCounts.get(key) ?? 0) + 1;
    this.#nonceCounts.delete(key);
    this.#nonceCounts.set(key, count);
    if (this.#nonceCounts.size > MAX_REMEMBERED_NONCES) this.#nonceCounts.delete(this.#nonceCounts.keys().next().value!);
    return (count % 0x1_0000_0000).toString(16).padStart(8, '0');
  }
}

/** A challenge we implement (Digest, known algorithm, a qop we can do), or undefined. */
function candidateOf(challenge: DigestChallenge, header: AuthHeader, bodyHashable: boolean): Candidate | undefined {
  const { realm, nonce } = challenge;
  if (challenge.scheme.toLowerCase() !== 'digest' || realm === undefined || nonce === undefined) return undefined;
  const algorithm = algorithmOf(challenge.algorithm);
  if (algorithm === undefined) return undefined;
  let qop: Candidate['qop'];
  const offered = challenge.qop.map((q) => q.toLowerCase());
  if (offered.includes('auth')) qop = 'auth';
  else if (offered.includes('auth-int') && bodyHashable) qop = 'auth-int';
  else if (offered.length > 0) return undefined;
  // RFC 2617 §3.2.2: no cnonce without qop, and a -sess A1 cannot be computed without one.
  if (qop === undefined && isSession(algorithm)) return undefined;
  return { challenge: { ...challenge, realm, nonce }, algorithm, qop, header };
}

/** Did the request already carry credentials for this challenge's realm that it now turns down? */
function wasRejected(candidate: Candidate, sent: readonly { realm: string | undefined; nonce: string | undefined }[]): boolean {
  const { realm, nonce, stale } = candidate.challenge;
  return sent.some((c) => c.realm === realm && (!stale || c.nonce === nonce));
}
