// Login lockout: wrong passwords and wrong setup codes counted per source address and overall; past the limit every
// attempt (even a right one) is refused until the lock ends. Time comes from the injected Clock. The counters outlive
// a restart (a power cut must not clear them): kept in `<stateDir>/lockout.json`, in wall-clock times.

import path from 'node:path';
import { type FileStore, createFileStore } from '../firmware-app/platform/atomicFile.ts';
import type { Clock } from '../firmware-app/platform/Clock.ts';
import { errorMessage } from '../firmware-app/errors.ts';
import type { Logger } from '../firmware-app/platform/Logger.ts';

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

export interface LockoutPersistence {
  /** Where the counters are kept across restarts: loaded at start, saved atomically. */
  readonly store: FileStore;
  /** Wall-clock milliseconds: the monotonic clock starts again with the process, so the file holds wall times. */
  readonly wallClock: () => number;
  readonly logger: Logger;
  /** The file's name for log lines. */
  readonly name: string;
}

/** What lockout.json holds: wall-clock times of the failures still remembered and of the locks still running. */
interface SavedCounter {
  readonly failures: readonly number[];
  readonly lockedUntil: number;
}
interface SavedLockout {
  readonly version: 1;
  readonly overall: SavedCounter;
  readonly addresses: Readonly<Record<string, SavedCounter>>;
}

function isSavedCounter(value: unknown): value is SavedCounter {
  const v = value as Partial<SavedCounter> | null;
  return typeof v === 'object' && v !== null && typeof v.lockedUntil === 'number' && Number.isFinite(v.lockedUntil)
    && Array.isArray(v.failures) && v.failures.every((at) => typeof at === 'number' && Number.isFinite(at));
}

/** The saved state, or why it cannot be used. */
function parseSaved(text: string): SavedLockout | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'not JSON';
  }
  const v = value as Partial<SavedLockout> | null;
  if (typeof v !== 'object' || v === null || v.version !== 1) return 'not a version 1 lockout file';
  if (!isSavedCounter(v.overall) || typeof v.addresses !== 'object' || v.addresses === null) return 'counters missing';
  if (!Object.values(v.addresses).every(isSavedCounter)) return 'an address\'s counter is malformed';
  return v as SavedLockout;
}

// Bounds the memory an address-spraying scanner can make us use; the overall counter still catches it.
const MAX_ADDRESSES = 1024;

export class LoginLockout {
  readonly #clock: Clock;
  readonly #policy: LockoutPolicy;
  readonly #byAddress = new Map<string, Counter>();
  readonly #overall: Counter = { failures: [], lockedUntil: 0 };
  readonly #persistence: LockoutPersistence | undefined;
  /** A save is running; `#dirty`: the counters changed since it began (one more save follows). */
  #saving: Promise<void> | undefined;
  #dirty = false;

  /** With `persistence`, the counters saved by the previous run are loaded; a file that cannot be used is one line. */
  constructor(clock: Clock, policy: LockoutPolicy = DEFAULT_LOCKOUT, persistence?: LockoutPersistence) {
    this.#clock = clock;
    this.#policy = policy;
    this.#persistence = persistence;
    if (persistence !== undefined) this.#restore(persistence);
  }

  /** Resolves once the counters as they are now are saved (tests; the server's close). */
  async flush(): Promise<void> {
    while (this.#saving !== undefined) await this.#saving;
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
    this.#persist();
    return { lockedNow, failures };
  }

  /** A right password from `address` forgets its wrong ones. */
  succeed(address: string): void {
    if (this.#byAddress.delete(address)) this.#persist();
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

  /** Saves the counters soon: one save at a time, and one more after it when they changed meanwhile. */
  #persist(): void {
    const persistence = this.#persistence;
    if (persistence === undefined) return;
    this.#dirty = true;
    if (this.#saving !== undefined) return;
    const run = async (): Promise<void> => {
      while (this.#dirty) {
        this.#dirty = false;
        try {
          await persistence.store.save(`${JSON.stringify(this.#saved(persistence.wallClock()))}\n`);
        } catch (error) {
          persistence.logger.warn('lockoutStateNotSaved', { file: persistence.name, error: errorMessage(error) });
        }
      }
    };
    this.#saving = run().finally(() => {
      this.#saving = undefined;
    });
  }

  /** The counters in wall-clock times, without what is forgotten already. */
  #saved(wallNow: number): SavedLockout {
    const now = this.#clock.now();
    const toWall = (at: number): number => wallNow + (at - now);
    const counter = (c: Counter): SavedCounter => ({
      failures: c.failures.filter((at) => now - at < this.#policy.lockMs).map(toWall),
      lockedUntil: c.lockedUntil > now ? toWall(c.lockedUntil) : 0,
    });
    const addresses: Record<string, SavedCounter> = {};
    for (const [address, c] of this.#byAddress) {
      const saved = counter(c);
      if (saved.failures.length > 0 || saved.lockedUntil > 0) addresses[address] = saved;
    }
    return { version: 1, overall: counter(this.#overall), addresses };
  }

  /**
   * Loads the previous run's counters. A wall clock set back since (a Pi without a real-time clock boots with an old
   * time) never makes a lock longer than `lockMs` nor a failure younger than now; one set forward ends them sooner.
   */
  #restore({ store, wallClock, logger, name }: LockoutPersistence): void {
    let text: string | undefined;
    try {
      text = store.load();
    } catch (error) {
      logger.warn('lockoutStateUnusable', { file: name, reason: errorMessage(error) });
      return;
    }
    if (text === undefined) return;
    const saved = parseSaved(text);
    if (typeof saved === 'string') {
      logger.warn('lockoutStateUnusable', { file: name, reason: saved });
      return;
    }
    const now = this.#clock.now();
    const wallNow = wallClock();
    const { lockMs } = this.#policy;
    const restore = (c: SavedCounter): Counter => ({
      failures: c.failures.map((at) => now - Math.max(0, wallNow - at)).filter((at) => now - at < lockMs),
      lockedUntil: c.lockedUntil > wallNow ? now + Math.min(lockMs, c.lockedUntil - wallNow) : 0,
    });
    Object.assign(this.#overall, restore(saved.overall));
    for (const [address, c] of Object.entries(saved.addresses).slice(-MAX_ADDRESSES)) this.#byAddress.set(address, restore(c));
  }
}

/** The lockout of the page in `stateDir` (`lockout.json`, 0600; the directory 0700), on the system's wall clock. */
export function openLoginLockout(stateDir: string, options: { readonly clock: Clock; readonly logger: Logger; readonly policy?: LockoutPolicy }): LoginLockout {
  const file = path.join(stateDir, 'lockout.json');
  return new LoginLockout(options.clock, options.policy ?? DEFAULT_LOCKOUT, { store: createFileStore(file), wallClock: () => Date.now(), logger: options.logger, name: file });
}
