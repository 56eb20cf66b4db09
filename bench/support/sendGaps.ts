// The gaps between the RTP packets a door side sent, as their arrival times at the peer on loopback show them.

import type { Arrival } from './rtpPeer.ts';

export interface GapStats {
  /** Packets inside the window. */
  readonly packets: number;
  /** Packets the sequence numbers say never came (RFC 3550 §A.3, on 16-bit wrap-around). */
  readonly lost: number;
  /** Packets that came with a sequence number at or behind the highest seen. */
  readonly reordered: number;
  /** Payload types seen, with their counts (`0×2999`). */
  readonly payloadTypes: string;
  /** Milliseconds from the window's start (the ACK) to the first packet. */
  readonly firstMs: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Gaps over 40 ms (two packet times), a glitch a listener may hear. */
  readonly over40: number;
}

/** Nearest-rank percentile (`p` in 0…1) of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

/** Statistics of the arrivals between `from` and `to` (hrtime ns); undefined when fewer than two packets came. */
export function sendGaps(arrivals: readonly Arrival[], from: bigint, to: bigint): GapStats | undefined {
  const inside = arrivals.filter((a) => a.at >= from && a.at <= to);
  if (inside.length < 2) return undefined;
  const gaps: number[] = [];
  let lost = 0;
  let reordered = 0;
  let highest = inside[0]!.seq;
  const types = new Map<number, number>();
  for (let i = 0; i < inside.length; i++) {
    const a = inside[i]!;
    types.set(a.payloadType, (types.get(a.payloadType) ?? 0) + 1);
    if (i === 0) continue;
    gaps.push(Number(a.at - inside[i - 1]!.at) / 1e6);
    const step = (a.seq - highest) & 0xffff;
    if (step === 0 || step >= 0x8000) reordered++;
    else {
      lost += step - 1;
      highest = a.seq;
    }
  }
  gaps.sort((x, y) => x - y);
  return {
    packets: inside.length,
    lost,
    reordered,
    payloadTypes: [...types].map(([pt, n]) => `${pt}×${n}`).join(' '),
    firstMs: Number(inside[0]!.at - from) / 1e6,
    p50Ms: percentile(gaps, 0.5),
    p99Ms: percentile(gaps, 0.99),
    maxMs: gaps[gaps.length - 1]!,
    over40: gaps.filter((g) => g > 40).length,
  };
}
