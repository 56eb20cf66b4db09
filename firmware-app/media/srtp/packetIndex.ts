// The SRTP packet index i = 2^16 · ROC + SEQ, guessed from a 16-bit sequence number (RFC 3711 §3.3.1, App. A).

/** What the receiver knows of one SSRC: its rollover counter and highest authenticated sequence number. */
export interface RolloverState {
  /** ROC: how many times SEQ wrapped from 65535 to 0. */
  readonly roc: number;
  /** s_l: the highest sequence number received (and authenticated) so far. */
  readonly highestSeq: number;
}

/**
 * The guessed rollover counter v for `seq` (Appendix A): a packet far below s_l in the upper half belongs to
 * the next ROC, one far above s_l in the lower half to the previous. −1 means "before the first wrap" and
 * can never authenticate.
 */
export function guessRoc(state: RolloverState, seq: number): number {
  const { roc, highestSeq } = state;
  if (highestSeq < 32768) return seq - highestSeq > 32768 ? roc - 1 : roc;
  return highestSeq - 32768 > seq ? roc + 1 : roc;
}

/** The packet index of a guessed ROC and a sequence number. */
export function packetIndex(roc: number, seq: number): number {
  return roc * 65536 + seq;
}

/**
 * The state after a packet with `seq` and guessed ROC `v` authenticated (§3.3.1: s_l and ROC move only forward,
 * and only once the packet is known to be genuine).
 */
export function advanceRollover(state: RolloverState, v: number, seq: number): RolloverState {
  if (v === state.roc + 1) return { roc: v, highestSeq: seq };
  if (v === state.roc && seq > state.highestSeq) return { roc: v, highestSeq: seq };
  return state;
}
