// Digest server for the built-in registrar: challenges and verification (RFC 3261 §22.4, RFC 7616 §3.3–§3.5, RFC 8760).

import { DoorbellError } from '../../errors.ts';
import type { Clock } from '../../platform/Clock.ts';
import type { Hasher } from '../../platform/hash.ts';
import { type DigestCredentials, type SipMessage, SipParseError, parseCredentials, parseUri } from '../message/index.ts';
import type { DigestAlgorithm, DigestServerApi, VerifyResult } from './types.ts';
import { algorithmOf, digestResponse, hasControl, isSession, parseEach, quote, randomBytes, toHex } from './digest.ts';
import { NonceCodec } from './nonce.ts';

/** Hashed in place of a password for unknown users (never matches: it is not a valid config value). */
const UNKNOWN_USER_PASSWORD = '\u0000unknown-user\u0000';

export interface DigestServerOptions {
  readonly hasher: Hasher;
  readonly clock: Clock;
  readonly realm: string;
  /** Key of the nonces' keyed hash (default: 32 random bytes, so nonces die with the process). */
  readonly secret?: string;
  /** How long a nonce is good for (default 5 minutes); after that `verify` says `stale-nonce`. */
  readonly nonceLifetimeMs?: number;
  /**
   * The algorithm `challenge()` offers by default: MD5, because every softphone, desk phone and
   * door intercom speaks it, while SHA-256 (RFC 8760) is still missing from many. Set 'SHA-256'
   * when all the phones support it, or send two challenges, SHA-256 first (RFC 8760 §2.4).
   */
  readonly algorithm?: DigestAlgorithm;
  /** Most nonces whose nonce-count is tracked (default 1024); see `DigestServer`. */
  readonly maxTrackedNonces?: number;
}

const DEFAULT_LIFETIME_MS = 5 * 60_000;
const NC = /^[0-9a-f]{8}$/i;

/**
 * Challenges with stateless nonces (timestamp, salt and a keyed hash; see NonceCodec) and checks
 * the answers. The checks run in this order, so that each result means one thing:
 * `missing` (no Authorization) → `malformed` (not Digest, a field missing, qop other than auth,
 * bad nc) → `bad-response` for credentials computed over another realm (well-formed, but they
 * cannot verify here; the registrar re-challenges as for a wrong password) → `bad-nonce` (minted
 * by us for another algorithm than the answer uses: a downgrade) → `unknown-user` → `bad-nonce`
 * (a nonce we cannot open, answered with a wrong response: a wrong password or an altered nonce)
 * → `bad-response` (wrong password, or a digest-uri that is not the Request-URI) → `stale-nonce`
 * (RFC 7616: stale only for a correct response, the client knows the password: a nonce we cannot
 * open but answered rightly was minted before a restart under the old secret, an aged nonce, or
 * a nonce-count already seen) → ok.
 * The registrar should answer `unknown-user`, `bad-nonce` and `bad-response` alike, and count each
 * as a failed guess, so users cannot be probed.
 *
 * Replay: with qop=auth the nonce-count of each nonce must grow (RFC 7616 §5.5); a count already
 * seen is reported as `stale-nonce`, so a replayed request only earns a fresh challenge, and a
 * genuine client whose requests overtook each other re-authenticates. An RFC 2069 answer (no qop)
 * counts as nc 1, so its nonce is good once. Up to `maxTrackedNonces` nonces are tracked; when
 * more are in use, the oldest are dropped and every older nonce is treated as stale from then on,
 * so no replay gets through a dropped entry. Not prevented: a replay within the lifetime of a nonce
 * before the genuine request arrives (nothing distinguishes the two), and anything a man in the
 * middle does, since Digest protects neither the headers (except the Request-URI) nor the body.
 */
export class DigestServer implements DigestServerApi {
  readonly #hasher: Hasher;
  readonly #clock: Clock;
  readonly #realm: string;
  readonly #lifetimeMs: number;
  readonly #algorithm: DigestAlgorithm;
  readonly #nonces: NonceCodec;
  readonly #maxTracked: number;
  /** nonce → highest nc accepted with it, oldest first. */
  readonly #counts = new Map<string, { readonly issuedAt: number; nc: number }>();
  /** Nonces issued at or before this time and not in #counts were dropped from tracking. */
  #droppedUpTo = -1;

  constructor(options: DigestServerOptions) {
    if (options.realm === '' || hasControl(options.realm)) {
      throw new DoorbellError('BAD_REALM', 'the digest realm must be non-empty and free of control characters');
    }
    this.#hasher = options.hasher;
    this.#clock = options.clock;
    this.#realm = options.realm;
    this.#lifetimeMs = options.nonceLifetimeMs ?? DEFAULT_LIFETIME_MS;
    this.#algorithm = options.algorithm ?? 'MD5';
    this.#maxTracked = options.maxTrackedNonces ?? 1024;
    this.#nonces = new NonceCodec(options.hasher, options.secret ?? toHex(randomBytes(32)), options.realm);
  }

  challenge(options: { readonly stale?: boolean; readonly algorithm?: DigestAlgorithm } = {}): string {
    const algorithm = options.algorithm ?? this.#algorithm;
    const nonce = this.#nonces.mint(this.#clock.now(), algorithm, randomBytes(8));
    const stale = options.stale === true ? ', stale=true' : '';
    return `Digest realm=${quote(this.#realm)}, nonce=${quote(nonce)}, algorithm=${algorithm}, qop="auth"${stale}`;
  }

  verify(request: SipMessage, password: (username: string) => string | undefined): VerifyResult {
    const values = request.headers('authorization');
    if (values.length === 0) return { ok: false, reason: 'missing' };
    const digest = parseEach(values, parseCredentials).filter((c) => c.scheme.toLowerCase() === 'digest');
    if (digest.length === 0) return { ok: false, reason: 'malformed' };
    // RFC 3261 §22.4: several Authorization headers may be present; ours is the one for our realm.
    const mine = digest.find((c) => c.realm === this.#realm);
    if (mine === undefined) return { ok: false, reason: digest.some((c) => c.realm === undefined) ? 'malformed' : 'bad-response' };
    return this.#check(mine, request, password);
  }

  #check(c: DigestCredentials, request: SipMessage, password: (username: string) => string | undefined): VerifyResult {
    const { username, nonce, uri, response } = c;
    if (username === undefined || nonce === undefined || uri === undefined || response === undefined) return { ok: false, reason: 'malformed' };
    const algorithm = algorithmOf(c.algorithm);
    if (algorithm === undefined) return { ok: false, reason: 'malformed' };
    const qop = c.qop?.toLowerCase();
    let nc = 1;
    if (qop !== undefined) {
      // We offer qop="auth" only; an answer must use an offered one (RFC 7616 §3.4).
      if (qop !== 'auth' || c.cnonce === undefined || c.nc === undefined || !NC.test(c.nc)) return { ok: false, reason: 'malformed' };
      nc = Number.parseInt(c.nc, 16);
      if (nc === 0) return { ok: false, reason: 'malformed' };
    } else if (isSession(algorithm)) {
      return { ok: false, reason: 'malformed' };
    }
    const issued = this.#nonces.open(nonce, algorithm);
    if (issued === undefined && this.#nonces.mintedForAnother(nonce, algorithm)) return { ok: false, reason: 'bad-nonce' };
    const secret = password(username);
    // An unknown user costs the same hashing as a known one: response time must not tell them apart.
    const expected = digestResponse(this.#hasher, {
      algorithm, username, realm: this.#realm, password: secret ?? UNKNOWN_USER_PASSWORD, method: request.method, uri, nonce,
      ...(qop === 'auth' ? { qop, nc: c.nc!, cnonce: c.cnonce! } : {}),
    });
    const matches = this.#hasher.equal(response.toLowerCase(), expected);
    if (secret === undefined) return { ok: false, reason: 'unknown-user' };
    if (!matches) return { ok: false, reason: issued === undefined ? 'bad-nonce' : 'bad-response' };
    // The response covers `uri`, not the Request-URI: without this check it could be replayed elsewhere.
    if (!sameUri(uri, request.requestUri)) return { ok: false, reason: 'bad-response' };
    // Right for a nonce we cannot open: the secret died with the previous process (nonces are
    // stateless). RFC 7616 §3.3 stale: the credentials are right, only the nonce is not; the phone
    // answers the fresh challenge without asking its user.
    if (issued === undefined) return { ok: false, reason: 'stale-nonce' };
    const now = this.#clock.now();
    // A timestamp from the future was minted with this secret before a restart reset the clock.
    if (now - issued.issuedAt > this.#lifetimeMs || issued.issuedAt > now) return { ok: false, reason: 'stale-nonce' };
    if (!this.#countFresh(nonce, issued.issuedAt, nc, now)) return { ok: false, reason: 'stale-nonce' };
    return { ok: true, username };
  }

  /** Records `nc` for `nonce`; false when it is not above every count seen with that nonce. */
  #countFresh(nonce: string, issuedAt: number, nc: number, now: number): boolean {
    const seen = this.#counts.get(nonce);
    if (seen !== undefined) {
      if (nc <= seen.nc) return false;
      seen.nc = nc;
      return true;
    }
    if (issuedAt <= this.#droppedUpTo) return false;
    this.#counts.set(nonce, { issuedAt, nc });
    if (this.#counts.size > this.#maxTracked) this.#prune(now);
    return true;
  }

  #prune(now: number): void {
    for (const [nonce, entry] of this.#counts) {
      if (now - entry.issuedAt > this.#lifetimeMs) this.#counts.delete(nonce);
    }
    for (const [nonce, entry] of this.#counts) {
      if (this.#counts.size <= this.#maxTracked) break;
      this.#counts.delete(nonce);
      this.#droppedUpTo = Math.max(this.#droppedUpTo, entry.issuedAt);
    }
  }
}

/**
 * Is the digest-uri the Request-URI? Equal as written, or the same scheme, user, host (any case)
 * and port: a client may write `SIP:Host` where the request line says `sip:host`.
 */
function sameUri(digestUri: string, requestUri: string): boolean {
  if (digestUri === requestUri) return true;
  try {
    const a = parseUri(digestUri);
    const b = parseUri(requestUri);
    return a.scheme === b.scheme && a.user === b.user && a.host.toLowerCase() === b.host.toLowerCase() && a.port === b.port;
  } catch (err) {
    if (err instanceof SipParseError) return false;
    throw err;
  }
}
