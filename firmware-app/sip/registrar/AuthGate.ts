// The registrar's door: digest authentication of a REGISTER (RFC 3261 §10.3 step 3) with password guessing slowed, locked and summarised.

import { SummaryLog } from '../../platform/SummaryLog.ts';
import { parseEach } from '../auth/digest.ts';
import type { DigestServerApi, VerifyResult } from '../auth/types.ts';
import { type ResponseInit, type SipMessage, parseCredentials } from '../message/index.ts';
import { type NonInviteServerTransaction, type SipContext, hostport } from '../transaction/index.ts';
import type { Address, TransportProtocol } from '../transport/types.ts';
import { AuthThrottle, LOCK_MINUTES } from './AuthThrottle.ts';

type Failure = Extract<VerifyResult, { ok: false }>['reason'];

/**
 * Answers held back at once at most (each holds a server transaction and a timer). The delay is
 * for the client that guesses one password after the other; one that sends many at once is
 * stopped by the lock, which counts failures as they arrive, so above this many the answer goes
 * at once and memory stays bounded.
 */
export const MAX_DELAYED_ANSWERS = 64;

export interface AuthGateOptions {
  readonly ctx: SipContext;
  readonly digest: DigestServerApi;
  /** Sends a response; never throws. */
  readonly respond: (tx: NonInviteServerTransaction, init: ResponseInit) => void;
  /** Answers a request the registrar refuses for its form (here: a malformed Authorization). */
  readonly reject: (tx: NonInviteServerTransaction, init: ResponseInit, cause: string) => void;
  /**
   * Whether `source` holds a live binding of `username`: the phone itself, refreshing from where it registered.
   * A lock never shuts it out, or anyone on the LAN could unregister the flat's phone by guessing wrong 20 times.
   */
  readonly isBoundSource?: (username: string, source: Address, protocol: TransportProtocol) => boolean;
}

/**
 * Decides who sent a REGISTER. The answers an attacker can observe are the same for every user
 * name, configured or not: the same 401, the same delays after the same number of failures, the
 * same lock. A locked name gets 403 before any password is looked at, so the right password
 * answers exactly like a wrong one (no timing oracle). Each lock is logged once; failures and
 * refusals as at most one line a minute.
 */
export class AuthGate {
  readonly #o: AuthGateOptions;
  readonly #throttle: AuthThrottle;
  readonly #failures: SummaryLog;
  /** Locks of names that are not configured: anyone can make those, so they are summarised too. */
  readonly #unknownLocks: SummaryLog;
  #realm = '';
  #passwords: ReadonlyMap<string, string> = new Map();
  #delayed = 0;

  constructor(options: AuthGateOptions) {
    this.#o = options;
    const { clock, logger } = options.ctx;
    this.#throttle = new AuthThrottle(clock);
    const summary = { clock, logger, level: 'warn', first: 'immediate', distinct: ['user'] } as const;
    this.#failures = new SummaryLog({ ...summary, event: 'registerAuthFailed', kindField: 'reason' });
    this.#unknownLocks = new SummaryLog({ ...summary, event: 'registrarUserLocked', kindField: 'kind' });
  }

  /** New users and passwords: the failure count of a user whose password changed starts again (an admin's way to unlock). */
  configure(realm: string, passwords: ReadonlyMap<string, string>): void {
    for (const [username, password] of this.#passwords) {
      if (passwords.get(username) !== password) this.#throttle.forget(username);
    }
    this.#realm = realm;
    this.#passwords = passwords;
    this.#throttle.configure(new Set(passwords.keys()));
  }

  /** The authenticated user name; undefined when the request was not let through (then it is answered, now or later). */
  authenticate(tx: NonInviteServerTransaction): string | undefined {
    const claimed = this.#claimedUser(tx.request);
    const locked = claimed !== undefined && this.#throttle.isLocked(claimed);
    if (locked && this.#o.isBoundSource?.(claimed, tx.inbound.source, tx.inbound.flow.protocol) !== true) {
      this.#countFailure(tx, 'locked', claimed);
      this.#o.respond(tx, FORBIDDEN);
      return undefined;
    }
    const auth = this.#o.digest.verify(tx.request, (username) => this.#passwords.get(username));
    if (auth.ok && this.#passwords.has(auth.username)) {
      // The phone's own refresh during a lock lifts nothing: the lock is there for everyone else.
      if (!locked) this.#throttle.succeeded(auth.username);
      return auth.username;
    }
    this.#failed(tx, auth.ok ? 'unknown-user' : auth.reason, claimed ?? '');
    return undefined;
  }

  #failed(tx: NonInviteServerTransaction, reason: Failure, claimed: string): void {
    switch (reason) {
      case 'missing':
      case 'stale-nonce':
        // The usual first round trip, and credentials that were right for an aged nonce (or one
        // from before a restart): no failure, nothing to warn about.
        this.#o.ctx.logger.debug('registerChallenged', { source: hostport(tx.inbound.source), stale: reason === 'stale-nonce' });
        this.#o.respond(tx, this.#challenge(reason === 'stale-nonce'));
        return;
      case 'malformed':
        this.#o.reject(tx, { status: 400, reason: 'Bad Authorization Header' }, 'malformedAuthorization');
        return;
      case 'unknown-user':
      case 'bad-response':
      case 'bad-nonce': {
        // Same answer whatever went wrong: a peer must not learn which user names exist.
        const verdict = this.#throttle.failed(claimed);
        this.#countFailure(tx, reason, claimed);
        if (verdict.locked) this.#locked(tx, claimed, verdict.failures);
        this.#answerAfter(tx, verdict.delayMs, () => (verdict.locked ? FORBIDDEN : this.#challenge(false)));
        return;
      }
    }
  }

  #locked(tx: NonInviteServerTransaction, username: string, failures: number): void {
    const source = hostport(tx.inbound.source);
    if (this.#passwords.has(username)) this.#o.ctx.logger.warn('registrarUserLocked', { user: username, failures, minutes: LOCK_MINUTES, source });
    else this.#unknownLocks.note('unknownUser', source, { user: username, failures, minutes: LOCK_MINUTES });
  }

  /** The answer `delayMs` later on the clock; built then, so that a 401 carries a nonce minted when it is sent. */
  #answerAfter(tx: NonInviteServerTransaction, delayMs: number, answer: () => ResponseInit): void {
    if (delayMs <= 0 || this.#delayed >= MAX_DELAYED_ANSWERS) {
      this.#o.respond(tx, answer());
      return;
    }
    this.#delayed++;
    this.#o.ctx.clock.setTimer(delayMs, () => {
      this.#delayed--;
      this.#o.respond(tx, answer());
    });
  }

  /** 401 with a fresh challenge; `stale` when the credentials were right but the nonce was not. */
  #challenge(stale: boolean): ResponseInit {
    return { status: 401, reason: 'Unauthorized', headers: [['WWW-Authenticate', this.#o.digest.challenge(stale ? { stale: true } : {})]] };
  }

  /**
   * The user name of the Authorization for our realm (the one the digest server checks), else of
   * the first Digest one; undefined without any. Read before verification, to refuse a locked
   * name without looking at its password.
   */
  #claimedUser(request: SipMessage): string | undefined {
    const digest = parseEach(request.headers('authorization'), parseCredentials).filter((c) => c.scheme.toLowerCase() === 'digest');
    return (digest.find((c) => c.realm === this.#realm) ?? digest[0])?.username;
  }

  #countFailure(tx: NonInviteServerTransaction, reason: Failure | 'locked', user: string): void {
    this.#failures.note(reason, hostport(tx.inbound.source), { user, protocol: tx.inbound.flow.protocol });
  }
}

const FORBIDDEN: ResponseInit = { status: 403, reason: 'Forbidden' };
