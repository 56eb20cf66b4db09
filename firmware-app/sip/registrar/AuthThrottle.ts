// Password guessing guard of the built-in registrar: consecutive digest failures per user name slow the answers, then lock the name.

import type { Clock } from '../../platform/Clock.ts';

/** A person typing a new phone's password gets a few free tries; from the sixth failure in a row answers wait. */
export const SLOW_AFTER_FAILURES = 5;
/** Delay of the first slowed answer, doubling with each further failure: 1, 2, 4, 8, 16 s … */
export const FIRST_DELAY_MS = 1_000;
/**
 * The longest delay. Below Timer F (64·T1 = 32 s): a phone's REGISTER transaction still receives
 * the 401 instead of timing out, so a user with a wrong password is told so.
 */
export const MAX_DELAY_MS = 16_000;
/**
 * Lock after this many failures in a row: a wordlist gets 20 guesses, a person who mistyped has
 * plenty. Once the lock ends the count stays, so each further failure locks again: a guesser
 * gets one try per lock period from then on, until the right password resets the count.
 */
export const LOCK_AFTER_FAILURES = 20;
/** Long enough that guessing takes months (four tries an hour), short enough for a locked-out household member to wait. */
export const LOCK_MINUTES = 15;
const LOCK_MS = LOCK_MINUTES * 60_000;
/**
 * Counters kept for names that are not configured: anyone can invent names, so their table is
 * capped (about 100 bytes each) and the one that failed longest ago is forgotten first. Configured
 * users keep theirs whatever happens to that table: a flood of invented names cannot reset them.
 */
export const MAX_UNKNOWN_USERS = 1024;

type Counter =
  | { readonly state: 'counting'; readonly failures: number }
  | { readonly state: 'locked'; readonly failures: number; readonly until: number };

/** What a failure means for the answer to it. */
export interface FailureVerdict {
  /** Failures in a row, this one included. */
  readonly failures: number;
  /** How long to hold the answer back (0: answer at once). */
  readonly delayMs: number;
  /** This failure locked the name (for LOCK_MINUTES). */
  readonly locked: boolean;
}

/**
 * Consecutive failures per user name, the same for configured and unknown names: the answers an
 * attacker sees (delays, lock) must not tell which names exist.
 */
export class AuthThrottle {
  readonly #clock: Clock;
  #known: ReadonlySet<string> = new Set();
  readonly #configured = new Map<string, Counter>();
  /** Least recently failed first. */
  readonly #unknown = new Map<string, Counter>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** The configured user names: their counters are never evicted. A name's counter follows it across the two tables. */
  configure(usernames: ReadonlySet<string>): void {
    this.#known = usernames;
    for (const [name, counter] of [...this.#configured]) {
      if (usernames.has(name)) continue;
      this.#configured.delete(name);
      this.#store(name, counter);
    }
    for (const [name, counter] of [...this.#unknown]) {
      if (!usernames.has(name)) continue;
      this.#unknown.delete(name);
      this.#configured.set(name, counter);
    }
  }

  /** Whether `username` is locked now (a lock whose time is over ends here). */
  isLocked(username: string): boolean {
    const counter = this.#get(username);
    if (counter?.state !== 'locked') return false;
    if (this.#clock.now() < counter.until) return true;
    this.#put(username, { state: 'counting', failures: counter.failures });
    return false;
  }

  /** Counts a wrong password (or unknown name) and says how to answer it. */
  failed(username: string): FailureVerdict {
    const failures = (this.#get(username)?.failures ?? 0) + 1;
    const locked = failures >= LOCK_AFTER_FAILURES;
    this.#put(username, locked ? { state: 'locked', failures, until: this.#clock.now() + LOCK_MS } : { state: 'counting', failures });
    return { failures, delayMs: delayAfter(failures), locked };
  }

  /** The right password: the count starts again. */
  succeeded(username: string): void {
    this.forget(username);
  }

  /** Drops the count of `username` (its password was changed). */
  forget(username: string): void {
    this.#configured.delete(username);
    this.#unknown.delete(username);
  }

  #get(username: string): Counter | undefined {
    return this.#known.has(username) ? this.#configured.get(username) : this.#unknown.get(username);
  }

  #put(username: string, counter: Counter): void {
    if (this.#known.has(username)) this.#configured.set(username, counter);
    else this.#store(username, counter);
  }

  #store(username: string, counter: Counter): void {
    this.#unknown.delete(username); // re-inserted last: the map's order is least recently failed first
    this.#unknown.set(username, counter);
    if (this.#unknown.size <= MAX_UNKNOWN_USERS) return;
    const oldest = this.#unknown.keys().next().value;
    if (oldest !== undefined) this.#unknown.delete(oldest);
  }
}

/** FIRST_DELAY_MS doubled for each failure after SLOW_AFTER_FAILURES + 1, capped at MAX_DELAY_MS. */
export function delayAfter(failures: number): number {
  if (failures <= SLOW_AFTER_FAILURES) return 0;
  const doublings = Math.min(failures - SLOW_AFTER_FAILURES - 1, 30);
  return Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** doublings);
}
