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
  /** p99 of the gaps between arrival times in this process (equal to p99Ms when there are no wire stamps). */
  readonly arrivalP99Ms: number;
}

/** Nearest-rank percentile (`p` in 0…1) of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

function sortedGapsMs(times: readonly bigint[]): number[] {
  const gaps: number[] = [];
  for (let i = 1; i < times.length; i++) gaps.push(Number(times[i]! - times[i - 1]!) / 1e6);
  return gaps.sort((x, y) => x - y);
}

/**
 * Statistics of the packets between `from` and `to` (hrtime ns); undefined when fewer than two came. Sequence
 * numbers and payload types come from the arrivals; the timing from `stamps` (the same packets' send times on the
 * wire, hrtime domain) when given, else from the arrival times.
 */
export function sendGaps(arrivals: readonly Arrival[], from: bigint, to: bigint, stamps?: readonly bigint[]): GapStats | undefined {
  const inside = arrivals.filter((a) => a.at >= from && a.at <= to);
  const times = stamps?.filter((t) => t >= from && t <= to) ?? inside.map((a) => a.at);
  if (inside.length < 2 || times.length < 2) return undefined;
  let lost = 0;
  let reordered = 0;
  let highest = inside[0]!.seq;
  const types = new Map<number, number>();
  for (let i = 0; i < inside.length; i++) {
    const a = inside[i]!;
    types.set(a.payloadType, (types.get(a.payloadType) ?? 0) + 1);
    if (i === 0) continue;
    const step = (a.seq - highest) & 0xffff;
    if (step === 0 || step >= 0x8000) reordered++;
    else {
      lost += step - 1;
      highest = a.seq;
    }
  }
  const gaps = sortedGapsMs(times);
  return {
    packets: inside.length,
    lost,
    reordered,
    payloadTypes: [...types].map(([pt, n]) => `${pt}×${n}`).join(' '),
    firstMs: Number(times[0]! - from) / 1e6,
    p50Ms: percentile(gaps, 0.5),
    p99Ms: percentile(gaps, 0.99),
    maxMs: gaps[gaps.length - 1]!,
    over40: gaps.filter((g) => g > 40).length,
    arrivalP99Ms: percentile(sortedGapsMs(inside.map((a) => a.at)), 0.99),
  };
}
