// Login lockout: wrong passwords and wrong setup codes counted per source address and overall; past the limit every
// attempt (even a right one) is refused until the lock ends. Time comes from the injected Clock.

import type { Clock } from '../firmware-app/platform/Clock.ts';

export interface LockoutPolicy {
  /** Wrong attempts from one address before it is locked (default 5). */
  readonly perAddress: number;
  /** Wrong attempts from all addresses together before every login is locked (default 20). */
  readonly overall: number;
  /** How long a lock lasts, and how long a wrong attempt is remembered (default 15 min). */
  readonly lockMs: number;
}

export const DEFAULT_LOCKOUT: LockoutPolicy = { perAddress: 5, overall: 20, lockMs: 15 * 60_000 };

/** Why and until when attempts are refused. */
export interface LockState {
  readonly scope: 'address' | 'overall';
  readonly retryAfterMs: number;
}

/** What `fail` reports: whether this failure started a lock (the one `loginLockout` log line). */
export interface FailResult {
  readonly lockedNow: LockState | undefined;
  readonly failures: number;
}

interface Counter {
  failures: number[];
  lockedUntil: number;
}

// Bounds the memory an address-spraying scanner can make us use; the overall counter still catches it.
const MAX_ADDRESSES = 1024;

export class LoginLockout {
  readonly #clock: Clock;
  readonly #policy: LockoutPolicy;
  readonly #byAddress = new Map<string, Counter>();
  readonly #overall: Counter = { failures: [], lockedUntil: 0 };

  constructor(clock: Clock, policy: LockoutPolicy = DEFAULT_LOCKOUT) {
    this.#clock = clock;
    this.#policy = policy;
  }

  /** The lock that refuses an attempt from `address` now, if any. */
  check(address: string): LockState | undefined {
    const now = this.#clock.now();
    if (this.#overall.lockedUntil > now) return { scope: 'overall', retryAfterMs: this.#overall.lockedUntil - now };
    const counter = this.#byAddress.get(address);
    if (counter !== undefined && counter.lockedUntil > now) return { scope: 'address', retryAfterMs: counter.lockedUntil - now };
    return undefined;
  }

  /** Counts a wrong attempt from `address`. */
  fail(address: string): FailResult {
    const now = this.#clock.now();
    let counter = this.#byAddress.get(address);
    if (counter === undefined) {
      if (this.#byAddress.size >= MAX_ADDRESSES) this.#byAddress.delete(this.#byAddress.keys().next().value!);
      counter = { failures: [], lockedUntil: 0 };
      this.#byAddress.set(address, counter);
    }
    const failures = counter.failures.filter((at) => now - at < this.#policy.lockMs).length + 1;
    const local = this.#count(counter, now, this.#policy.perAddress);
    const overall = this.#count(this.#overall, now, this.#policy.overall);
    const lockedNow: LockState | undefined = overall
      ? { scope: 'overall', retryAfterMs: this.#policy.lockMs }
      : local
        ? { scope: 'address', retryAfterMs: this.#policy.lockMs }
        : undefined;
    return { lockedNow, failures };
  }

  /** A right password from `address` forgets its wrong ones. */
  succeed(address: string): void {
    this.#byAddress.delete(address);
  }

  /** Records one failure; true when it reaches `limit` and starts a lock. */
  #count(counter: Counter, now: number, limit: number): boolean {
    counter.failures = counter.failures.filter((at) => now - at < this.#policy.lockMs);
    counter.failures.push(now);
    if (counter.failures.length < limit) return false;
    counter.failures = [];
    counter.lockedUntil = now + this.#policy.lockMs;
    return true;
  }
}
