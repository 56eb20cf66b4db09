// Extending RTP's wrapping counters (16-bit sequence numbers, 32-bit timestamps) to plain numbers (RFC 3550 §A.1).

/** The extended sequence number nearest to `reference` whose low 16 bits are `seq` (a wrap either way). */
export function unwrapSeq(reference: number, seq: number): number {
  const delta = ((((seq - reference) & 0xffff) + 32768) & 0xffff) - 32768;
  return reference + delta;
}

/** The extended timestamp nearest to `reference` whose low 32 bits are `timestamp`. */
export function unwrapTimestamp(reference: number, timestamp: number): number {
  const delta = (timestamp - reference) | 0;
  return reference + delta;
}
