// A simulated RTP stream into a JitterBuffer on the fake clock: packets sent every 20 ms by the sender's clock,
// delayed by a network model, and one get() every 20 ms by ours.
import { JitterBuffer, type Playout } from '../../../firmware-app/media/jitter/JitterBuffer.ts';
import { FakeClock } from '../../../firmware-app/platform/FakeClock.ts';

/** A small deterministic PRNG (mulberry32), so every run sees the same "random" network. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Scenario {
  /** Frames the sender sends. */
  readonly frames: number;
  /** First sequence number and timestamp. */
  readonly firstSeq?: number;
  readonly firstTimestamp?: number;
  /** Sender clock rate error: 0.01 sends every 20.2 ms of our time ("slow"), −0.01 every 19.8 ms. */
  readonly skew?: number;
  /** Network delay of frame k in ms, or undefined when the packet is lost; an array for duplicates. */
  readonly delay?: (k: number) => number | readonly number[] | undefined;
  /** How long our side runs (default: until 1 s after the last send). */
  readonly durationMs?: number;
}

export interface Played {
  /** Our time of the get(). */
  readonly at: number;
  readonly playout: Playout;
  /** Frame index k, for frames. */
  readonly k?: number;
  /** Time from the sender sending frame k to our playing it. */
  readonly latency?: number;
}

export interface Outcome {
  readonly buffer: JitterBuffer;
  readonly played: readonly Played[];
  readonly putOutcomes: readonly string[];
  /** The frame indices played, in order. */
  readonly order: readonly number[];
}

const BASE_DELAY = 30;

export function simulate(scenario: Scenario): Outcome {
  const clock = new FakeClock(0);
  const buffer = new JitterBuffer({ clock, clockRate: 8000 });
  const period = 20 * (1 + (scenario.skew ?? 0));
  const firstSeq = scenario.firstSeq ?? 1000;
  const firstTimestamp = scenario.firstTimestamp ?? 5000;
  const sentAt = (k: number): number => 5 + k * period;
  const arrivals: { at: number; k: number }[] = [];
  for (let k = 0; k < scenario.frames; k++) {
    const delay = scenario.delay === undefined ? BASE_DELAY : scenario.delay(k);
    if (delay === undefined) continue;
    for (const d of typeof delay === 'number' ? [delay] : delay) arrivals.push({ at: sentAt(k) + d, k });
  }
  arrivals.sort((a, b) => a.at - b.at);
  const end = scenario.durationMs ?? sentAt(scenario.frames) + 1000;
  const played: Played[] = [];
  const putOutcomes: string[] = [];
  let next = 0;
  for (let at = 20; at <= end; at += 20) {
    for (; next < arrivals.length && arrivals[next]!.at <= at; next++) {
      const { at: arrival, k } = arrivals[next]!;
      clock.advance(arrival - clock.now());
      const payload = new Uint8Array(4);
      new DataView(payload.buffer).setUint32(0, k);
      putOutcomes.push(buffer.put((firstSeq + k) & 0xffff, (firstTimestamp + k * 160) >>> 0, payload));
    }
    clock.advance(at - clock.now());
    const playout = buffer.get();
    if (playout.kind === 'frame') {
      const k = new DataView(playout.payload.buffer).getUint32(0);
      played.push({ at, playout, k, latency: at - sentAt(k) });
    } else {
      played.push({ at, playout });
    }
  }
  const order = played.flatMap((p) => (p.k === undefined ? [] : [p.k]));
  return { buffer, played, putOutcomes, order };
}

/** Is the list strictly increasing? */
export function increasing(values: readonly number[]): boolean {
  return values.every((value, i) => i === 0 || value > values[i - 1]!);
}

/** The largest latency among frames played in [from, to) ms of our time. */
export function maxLatency(outcome: Outcome, from = 0, to = Infinity): number {
  return Math.max(...outcome.played.filter((p) => p.latency !== undefined && p.at >= from && p.at < to).map((p) => p.latency!));
}
