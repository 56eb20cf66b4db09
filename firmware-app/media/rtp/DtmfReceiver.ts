// Turns received RFC 4733 telephone-event packets into DTMF digits, each exactly once and in order (§2.5.2).

import type { Clock, TimerHandle } from '../../platform/Clock.ts';
import type { RtpPacket } from './packet.ts';
import { timestampDelta } from './serial.ts';
import { type DtmfDigit, decodeTelephoneEvent, digitOfEvent } from './telephoneEvent.ts';

/** A digit the far end pressed, and how long it sounded. */
export interface ReceivedDigit {
  readonly digit: DtmfDigit;
  readonly durationMs: number;
}

export interface DtmfReceiverOptions {
  readonly clock: Clock;
  /** Clock rate of the negotiated telephone-event (8000 or 16000). */
  readonly clockRate: number;
  /** Shorter events are not digits (40 ms: ITU-T Q.24 lets receivers ignore tones under 40 ms). */
  readonly minDurationMs?: number;
  /** An event whose end packets were all lost ends this long after its last packet (300 ms, six update intervals). */
  readonly endTimeoutMs?: number;
  readonly received: (digit: ReceivedDigit) => void;
}

/** The packet fields the receiver reads (an RtpPacket of the negotiated telephone-event payload type). */
export type EventPacket = Pick<RtpPacket, 'ssrc' | 'timestamp' | 'payload'>;

interface InEvent {
  readonly kind: 'inEvent';
  readonly ssrc: number;
  readonly timestamp: number;
  readonly event: number;
  /** Duration of this segment, in timestamp units. */
  duration: number;
  /** Units of the earlier segments of a long-duration event (§2.5.1.3, §2.5.2.3), 0 for most events. */
  readonly before: number;
  lastAt: number;
  timer: TimerHandle;
}

type ReceiverState = { readonly kind: 'waiting'; readonly last: { readonly ssrc: number; readonly timestamp: number } | undefined } | InEvent;

/**
 * An event is its RTP timestamp (§2.5.1: all packets of one event carry its start time). So: redundant end packets
 * and duplicates of a finished event are ignored, an event may start with any of its packets (a lost start, or a PBX
 * that never sets the marker bit), a new timestamp ends the event in progress and starts the next, and a packet of an
 * event older than the newest one is late and ignored, which keeps digits in order; the segments of an event longer
 * than 8 s (at 8 kHz) are one digit. A digit is given when its event ends (first end packet, a newer event, or the end timeout), so its duration is known.
 */
export class DtmfReceiver {
  readonly #clock: Clock;
  readonly #clockRate: number;
  readonly #minDurationMs: number;
  readonly #endTimeoutMs: number;
  readonly #received: (digit: ReceivedDigit) => void;
  /** A timestamp this far behind the newest event is a restarted timeline (new SSRC base), not a late packet: 10 s. */
  readonly #lateWindow: number;
  #state: ReceiverState = { kind: 'waiting', last: undefined };

  constructor(options: DtmfReceiverOptions) {
    this.#clock = options.clock;
    this.#clockRate = options.clockRate;
    this.#minDurationMs = options.minDurationMs ?? 40;
    this.#endTimeoutMs = options.endTimeoutMs ?? 300;
    this.#received = options.received;
    this.#lateWindow = 10 * options.clockRate;
  }

  /** One telephone-event packet arrived. Malformed payloads and non-DTMF events (flash, tones) are ignored. */
  packet(packet: EventPacket): void {
    const payload = decodeTelephoneEvent(packet.payload);
    if (payload === undefined || digitOfEvent(payload.event) === undefined) return;
    const state = this.#state;
    if (state.kind === 'inEvent' && state.ssrc === packet.ssrc && state.timestamp === packet.timestamp) {
      if (payload.event !== state.event) return; // one timestamp, two events: a broken sender, keep the first
      state.duration = Math.max(state.duration, payload.duration); // reordered updates never shorten it
      state.lastAt = this.#clock.now();
      if (payload.end) this.#finish(state);
      return;
    }
    const newest = state.kind === 'inEvent' ? state : state.last;
    if (newest !== undefined && newest.ssrc === packet.ssrc) {
      const ahead = timestampDelta(packet.timestamp, newest.timestamp);
      if (ahead <= 0 && ahead > -this.#lateWindow) return; // a finished event's packet, or an older event's
    }
    // §2.5.1.3: an event longer than the 16-bit duration goes on in a new segment that starts where the old one's
    // duration ran out: the same key still held, not a second press. Senders stop a segment at or just below 0xffff.
    const continued = state.kind === 'inEvent' && state.ssrc === packet.ssrc && state.event === payload.event &&
      state.duration > 0xffff - this.#clockRate / 5 && timestampDelta(packet.timestamp, state.timestamp) > 0 &&
      timestampDelta(packet.timestamp, state.timestamp) <= 0x10000;
    let before = 0;
    if (state.kind === 'inEvent') {
      if (continued) {
        state.timer.cancel();
        before = state.before + state.duration;
      } else {
        this.#finish(state);
      }
    }
    const now = this.#clock.now();
    const started: InEvent = {
      kind: 'inEvent',
      ssrc: packet.ssrc,
      timestamp: packet.timestamp,
      event: payload.event,
      duration: payload.duration,
      before,
      lastAt: now,
      timer: this.#clock.setTimer(this.#endTimeoutMs, () => this.#timeout(started)),
    };
    this.#state = started;
    if (payload.end) this.#finish(started);
  }

  /** The call ended: an event in progress is dropped, not given (it may be a cut-off press). */
  stop(): void {
    if (this.#state.kind === 'inEvent') this.#state.timer.cancel();
    this.#state = { kind: 'waiting', last: undefined };
  }

  #timeout(state: InEvent): void {
    if (this.#state !== state) return;
    const quiet = this.#clock.now() - state.lastAt;
    if (quiet < this.#endTimeoutMs) {
      state.timer = this.#clock.setTimer(this.#endTimeoutMs - quiet, () => this.#timeout(state));
      return;
    }
    this.#finish(state);
  }

  #finish(state: InEvent): void {
    state.timer.cancel();
    this.#state = { kind: 'waiting', last: { ssrc: state.ssrc, timestamp: state.timestamp } };
    const durationMs = ((state.before + state.duration) * 1000) / this.#clockRate;
    if (durationMs < this.#minDurationMs) return;
    this.#received({ digit: digitOfEvent(state.event)!, durationMs });
  }
}
