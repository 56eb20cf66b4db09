// What unprotecting an SRTP or SRTCP packet gives: the plain packet, or why it was dropped.

/** Why a packet was dropped; each is counted and summarised by the caller, never logged per packet. */
export type SrtpDropReason = 'malformed' | 'auth-failed' | 'replayed' | 'too-old';

export type SrtpUnprotectResult =
  | { readonly ok: true; readonly packet: Uint8Array }
  | { readonly ok: false; readonly reason: SrtpDropReason };
