// Where logged-in sessions live: in memory (a restart logs everyone out), at most a few dozen, the oldest dropped
// first; `clear` ends every session (password change, factory reset).

import type { SessionStore } from '@fastify/session';
import type { Session } from 'fastify';

type Callback = (error?: unknown) => void;

/** @fastify/session's store interface plus `clear`. */
export interface BoundedSessionStore extends SessionStore {
  /**
   * Ends every session (password change, factory reset). A session saved again afterwards by a request already in
   * flight is still refused: its `epoch` is older than `epoch`.
   */
  clear(): void;
  /** Counts `clear` calls; a logged-in session carries the epoch it logged in under. */
  readonly epoch: number;
  readonly size: number;
}

/** A memory store keeping at most `max` sessions (default 32). */
export function createSessionStore(max = 32): BoundedSessionStore {
  const sessions = new Map<string, Session>();
  let epoch = 0;
  return {
    set(sessionId: string, session: Session, callback: Callback) {
      sessions.delete(sessionId); // re-inserted last: the most recently used session is the last dropped
      sessions.set(sessionId, session);
      while (sessions.size > max) sessions.delete(sessions.keys().next().value!);
      callback();
    },
    get(sessionId: string, callback: (error: unknown, session?: Session | null) => void) {
      callback(null, sessions.get(sessionId) ?? null);
    },
    destroy(sessionId: string, callback: Callback) {
      sessions.delete(sessionId);
      callback();
    },
    clear() {
      sessions.clear();
      epoch += 1;
    },
    get epoch() {
      return epoch;
    },
    get size() {
      return sessions.size;
    },
  };
}
