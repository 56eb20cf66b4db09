// Replay protection (RFC 3711 §3.3.2): a sliding window over the last 64 packet indices.

/** Window size: the RFC's minimum (SRTP-WINDOW-SIZE 64). */
export const REPLAY_WINDOW = 64;

/** Which indices near the highest one were received; indices further back are refused as too old. */
export class ReplayWindow {
  #highest = -1;
  readonly #seen = new Uint8Array(REPLAY_WINDOW);

  /** May a packet with this index be accepted? (Ask before authenticating; `accept` only after.) */
  check(index: number): 'new' | 'replayed' | 'too-old' {
    if (index > this.#highest) return 'new';
    if (this.#highest - index >= REPLAY_WINDOW) return 'too-old';
    return this.#seen[index % REPLAY_WINDOW] === 1 ? 'replayed' : 'new';
  }

  /** Records an authenticated index, sliding the window when it is the highest so far. */
  accept(index: number): void {
    if (index > this.#highest) {
      // Forget the slots the window slides over (all of them after a jump of 64 or more).
      const from = Math.max(this.#highest + 1, index - REPLAY_WINDOW + 1);
      for (let i = from; i <= index; i++) this.#seen[i % REPLAY_WINDOW] = 0;
      this.#highest = index;
    }
    this.#seen[index % REPLAY_WINDOW] = 1;
  }
}
