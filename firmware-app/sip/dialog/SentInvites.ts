// The INVITEs we sent, by Call-ID and From tag: a 2xx that no transaction took is ACKed and released (RFC 3261
// §13.2.2.4) only when it answers one of them; any other 2xx is a stranger's and gets nothing.

import type { Clock, TimerHandle } from '../../platform/Clock.ts';

/** A door station places a few calls at a time; the oldest entry makes room beyond this. */
export const SENT_INVITES_CAPACITY = 256;

interface Entry {
  /** Set once the call ended: the forgetting (or the next look whether its transactions are gone). */
  expiry: TimerHandle | undefined;
}

/**
 * A bounded set of (Call-ID, From tag) of our INVITEs. An entry stays while its call lives and, once the call
 * ended, until `lingerMs` after its INVITE transactions are gone (RFC 6026 §8.4: a 2xx may still come for 64·T1).
 */
export class SentInvites {
  readonly #clock: Clock;
  readonly #lingerMs: number;
  readonly #capacity: number;
  /** In insertion order: the first entry is the oldest. */
  readonly #entries = new Map<string, Entry>();

  constructor(clock: Clock, lingerMs: number, capacity = SENT_INVITES_CAPACITY) {
    this.#clock = clock;
    this.#lingerMs = lingerMs;
    this.#capacity = capacity;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** An INVITE of ours is about to go out. When full, the oldest ended call is forgotten, else the oldest one. */
  add(callId: string, fromTag: string): void {
    const key = keyOf(callId, fromTag);
    this.#forget(key);
    if (this.#entries.size >= this.#capacity) {
      let oldest: string | undefined;
      for (const [candidate, entry] of this.#entries) {
        oldest ??= candidate;
        if (entry.expiry !== undefined) {
          oldest = candidate;
          break;
        }
      }
      if (oldest !== undefined) this.#forget(oldest);
    }
    this.#entries.set(key, { expiry: undefined });
  }

  has(callId: string, fromTag: string | undefined): boolean {
    return fromTag !== undefined && this.#entries.has(keyOf(callId, fromTag));
  }

  /**
   * The call ended: the entry goes `lingerMs` after `alive` (whether one of its INVITE transactions still exists)
   * is first seen false, looked at every `lingerMs`.
   */
  release(callId: string, fromTag: string, alive: () => boolean): void {
    const key = keyOf(callId, fromTag);
    const entry = this.#entries.get(key);
    if (entry === undefined || entry.expiry !== undefined) return;
    const look = (): void => {
      const gone = !alive();
      entry.expiry = this.#clock.setTimer(this.#lingerMs, () => {
        if (this.#entries.get(key) !== entry) return;
        if (gone) this.#entries.delete(key);
        else look();
      });
    };
    look();
  }

  #forget(key: string): void {
    this.#entries.get(key)?.expiry?.cancel();
    this.#entries.delete(key);
  }
}

function keyOf(callId: string, fromTag: string): string {
  return `${callId}\n${fromTag}`;
}
