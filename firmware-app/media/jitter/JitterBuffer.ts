// Adaptive jitter buffer for 20 ms audio frames: reorders, drops late and duplicate packets, adapts its delay.

import type { Clock } from '../../platform/Clock.ts';
import { DelayEstimator } from './DelayEstimator.ts';
import { unwrapSeq, unwrapTimestamp } from './unwrap.ts';

export interface JitterBufferOptions {
  /** Arrival times come from here (the injected clock; the fake one in tests). */
  readonly clock: Clock;
  /** RTP clock rate of the stream's timestamps (8000 for G.711, and for G.722 too). */
  readonly clockRate: number;
  /** Duration of one frame (one packet), 20 ms by default. */
  readonly frameMs?: number;
  /** The target delay never goes below this (20 ms by default). */
  readonly minDelayMs?: number;
  /** The target delay never goes above this (200 ms by default); a deeper buffer is cut back to the target. */
  readonly maxDelayMs?: number;
}

/** What `put` did with a packet. */
export type PutOutcome =
  /** Stored for playout. */
  | 'queued'
  /** Its slot was already played, skipped or dropped (this includes duplicates of played frames). */
  | 'late'
  /** The same sequence number is already waiting. */
  | 'duplicate'
  /** A jump of more than 3000 numbers either way, not (yet) confirmed by a following packet: ignored. */
  | 'ignored'
  /** Second packet in a row after such a jump: the source restarted, the buffer starts again from it. */
  | 'restarted';

/** What `get` gives every 20 ms: the next frame, or a marker asking the caller to conceal one frame. */
export type Playout =
  | { readonly kind: 'frame'; readonly seq: number; readonly timestamp: number; readonly payload: Uint8Array }
  | {
      readonly kind: 'conceal';
      /**
       * `buffering`: nothing played yet. `lost`: this slot's packet is given up. `stall`: nothing to play yet
       * (empty buffer, or a missing packet waited for while the buffer is shallower than the target); the
       * buffer's delay grows by one frame.
       */
      readonly reason: 'buffering' | 'lost' | 'stall';
    };

/** Counters for RTCP receiver reports and the call summary line. */
export interface JitterStats {
  readonly received: number;
  readonly played: number;
  readonly late: number;
  readonly duplicates: number;
  /** Slots given up as lost (concealed or skipped). */
  readonly lost: number;
  /** Frames thrown away to bring the delay back down (a fast sender clock, a burst after a freeze). */
  readonly dropped: number;
  /** Concealed frames inserted without consuming a slot (a slow sender clock, a late packet). */
  readonly stalls: number;
  readonly targetMs: number;
  /** Frames waiting or missing between the next slot to play and the newest packet, times the frame length. */
  readonly depthMs: number;
}

interface Frame {
  readonly seq: number;
  readonly timestamp: number;
  readonly payload: Uint8Array;
}

type Phase =
  | { readonly name: 'idle' }
  | { readonly name: 'buffering'; readonly firstArrival: number }
  | { readonly name: 'playing' };

/** Sequence-number jumps beyond this are a restart of the source, or garbage (RFC 3550 §A.1 MAX_DROPOUT). */
const MAX_JUMP = 3000;
/** Slots kept at most, whether or not get() is called: a stream that nobody plays out cannot fill memory. */
const MAX_SLOTS = 64;
/** Gets per adaptation window: once per window the buffer may drop one frame (1 s of 20 ms frames). */
const WINDOW_GETS = 50;

/**
 * Holds the frames of one RTP source and plays them out one per `get()`, in sequence order.
 *
 * Delay control, in frames of T = target / frame length (see DelayEstimator for the target):
 * - playout starts once the first packet has waited the target, or T frames are waiting;
 * - a missing frame is waited for (a `stall`) while fewer than T slots lie between it and the newest packet,
 *   and given up (`lost`) beyond that; a run of missing slots after an outage is skipped down to T at once;
 * - an empty buffer stalls: the delay grows by one frame (this absorbs a sender clock that runs slow);
 * - when the buffer never held fewer than T + 1 slots during a whole second, half that excess is dropped (at
 *   least one frame: a sender clock that runs fast), and a buffer deeper than the maximum delay is cut back to
 *   T at once.
 * So the delay stays within about T + 1 frames whatever the clock skew, and never above the maximum.
 *
 * Payloads are kept by reference: copy them first if the receive buffer is reused.
 */
export class JitterBuffer {
  readonly #clock: Clock;
  readonly #clockRate: number;
  readonly #frameMs: number;
  readonly #maxFrames: number;
  readonly #estimator: DelayEstimator;
  readonly #frames = new Map<number, Frame>();
  #phase: Phase = { name: 'idle' };
  /** Extended sequence number of the next slot to play. */
  #nextSeq = 0;
  /** Highest extended sequence number received, and its extended timestamp. */
  #highestSeq = 0;
  #highestTimestamp = 0;
  /** The first packet after a jump, waiting for a second one to confirm a restart. */
  #jump: { readonly seq: number; readonly timestamp: number; readonly payload: Uint8Array } | undefined;
  /** The slot of the last stall, if any. */
  #stalledAt: number | undefined;
  #windowGets = 0;
  #windowMinDepth = Infinity;
  #stats = { received: 0, played: 0, late: 0, duplicates: 0, lost: 0, dropped: 0, stalls: 0 };

  constructor(options: JitterBufferOptions) {
    this.#clock = options.clock;
    this.#clockRate = options.clockRate;
    this.#frameMs = options.frameMs ?? 20;
    const maxDelayMs = options.maxDelayMs ?? 200;
    this.#maxFrames = Math.round(maxDelayMs / this.#frameMs);
    this.#estimator = new DelayEstimator({ frameMs: this.#frameMs, minDelayMs: options.minDelayMs ?? 20, maxDelayMs });
  }

  /** Offers one received packet (its 16-bit sequence number and 32-bit timestamp); arrival time is now. */
  put(seq: number, timestamp: number, payload: Uint8Array): PutOutcome {
    const now = this.#clock.now();
    if (this.#phase.name === 'idle') {
      this.#begin(seq, timestamp, now);
    }
    const extended = unwrapSeq(this.#highestSeq, seq);
    if (Math.abs(extended - this.#highestSeq) > MAX_JUMP) return this.#onJump(seq, timestamp, payload);
    this.#jump = undefined;
    this.#stats.received++;
    if (this.#frames.has(extended)) {
      this.#stats.duplicates++;
      return 'duplicate';
    }
    // Late packets count for the target too: they are the jitter it failed to cover.
    const extendedTimestamp = unwrapTimestamp(this.#highestTimestamp, timestamp);
    this.#estimator.observe(now, (extendedTimestamp * 1000) / this.#clockRate);
    if (extended < this.#nextSeq) {
      if (this.#phase.name !== 'buffering') {
        this.#stats.late++;
        return 'late';
      }
      // Reordered before the first packet while still buffering: it simply plays first.
      this.#nextSeq = extended;
    }
    if (extended - this.#nextSeq >= MAX_SLOTS) this.#discardUpTo(extended - MAX_SLOTS + 1);
    this.#frames.set(extended, { seq: seq & 0xffff, timestamp: timestamp >>> 0, payload });
    if (extended > this.#highestSeq) {
      this.#highestSeq = extended;
      this.#highestTimestamp = extendedTimestamp;
    }
    return 'queued';
  }

  /** The next frame to play, or a concealment marker; call it once per frame period (every 20 ms). */
  get(): Playout {
    const target = this.#targetFrames();
    if (this.#phase.name === 'idle') return { kind: 'conceal', reason: 'buffering' };
    if (this.#phase.name === 'buffering') {
      const waited = this.#clock.now() - this.#phase.firstArrival;
      if (waited < target * this.#frameMs && this.#depth() < target) return { kind: 'conceal', reason: 'buffering' };
      this.#phase = { name: 'playing' };
    }
    this.#adapt(target);
    if (this.#frames.has(this.#nextSeq)) return this.#play();
    const depth = this.#depth();
    if (depth < target) {
      this.#stats.stalls++;
      this.#stalledAt = this.#nextSeq;
      return { kind: 'conceal', reason: 'stall' };
    }
    // Given up: this slot, and at once every further missing slot that keeps the buffer deeper than T.
    const missing = this.#nextSeq;
    let next = missing + 1;
    while (next < this.#highestSeq - target + 1 && !this.#frames.has(next)) next++;
    this.#stats.lost += next - missing;
    this.#nextSeq = next;
    // Stalls already filled this gap's time with concealment: play on now rather than add one more frame.
    if (this.#stalledAt === missing && this.#frames.has(next)) return this.#play();
    return { kind: 'conceal', reason: 'lost' };
  }

  #play(): Playout {
    const frame = this.#frames.get(this.#nextSeq)!;
    this.#frames.delete(this.#nextSeq);
    this.#nextSeq++;
    this.#stats.played++;
    return { kind: 'frame', ...frame };
  }

  /** Forgets everything (a new SSRC): the next packet starts buffering again. Counters are kept. */
  reset(): void {
    this.#frames.clear();
    this.#phase = { name: 'idle' };
    this.#jump = undefined;
    this.#stalledAt = undefined;
    this.#estimator.reset();
    this.#windowGets = 0;
    this.#windowMinDepth = Infinity;
  }

  get stats(): JitterStats {
    return { ...this.#stats, targetMs: this.#targetFrames() * this.#frameMs, depthMs: Math.max(0, this.#depth()) * this.#frameMs };
  }

  #targetFrames(): number {
    return Math.round(this.#estimator.targetMs / this.#frameMs);
  }

  /** Slots from the next one to play up to the newest packet, present or missing (0 or less: empty). */
  #depth(): number {
    return this.#highestSeq - this.#nextSeq + 1;
  }

  #begin(seq: number, timestamp: number, now: number): void {
    this.#phase = { name: 'buffering', firstArrival: now };
    this.#nextSeq = seq;
    this.#highestSeq = seq;
    this.#highestTimestamp = timestamp >>> 0;
  }

  #onJump(seq: number, timestamp: number, payload: Uint8Array): PutOutcome {
    const first = this.#jump;
    if (first === undefined || ((first.seq + 1) & 0xffff) !== (seq & 0xffff)) {
      this.#jump = { seq, timestamp, payload };
      return 'ignored';
    }
    this.reset();
    this.put(first.seq, first.timestamp, first.payload);
    this.put(seq, timestamp, payload);
    return 'restarted';
  }

  /** Once per window, drop frames if the buffer stayed deeper than the target; cut a too deep one at once. */
  #adapt(target: number): void {
    const depth = this.#depth();
    if (depth > this.#maxFrames) {
      this.#discardUpTo(this.#highestSeq - target + 1);
    }
    this.#windowMinDepth = Math.min(this.#windowMinDepth, Math.max(0, this.#depth()));
    if (++this.#windowGets < WINDOW_GETS) return;
    // Half the excess at a time (at least one frame): one frame a second for a skewed clock, a few seconds
    // to come back down after a burst raised the delay to the maximum.
    const excess = this.#windowMinDepth - target;
    if (excess > 0) this.#discardUpTo(this.#nextSeq + Math.ceil(excess / 2));
    this.#windowGets = 0;
    this.#windowMinDepth = Infinity;
  }

  /** Throws away every slot before `seq`: frames count as dropped, missing slots as lost. */
  #discardUpTo(seq: number): void {
    for (; this.#nextSeq < seq; this.#nextSeq++) {
      if (this.#frames.delete(this.#nextSeq)) this.#stats.dropped++;
      else this.#stats.lost++;
    }
  }
}
