// Sends DTMF digits as RFC 4733 telephone events on the injected clock, one after another.

import type { Clock, TimerHandle } from '../../platform/Clock.ts';
import { type DtmfStep, type DtmfTiming, dtmfSchedule } from './dtmfSchedule.ts';
import { type DtmfDigit, encodeTelephoneEvent, eventOfDigit } from './telephoneEvent.ts';

/** A telephone-event packet to send through RtpSender.build with the negotiated telephone-event payload type. */
export interface DtmfPacket {
  readonly marker: boolean;
  readonly timestamp: number;
  readonly payload: Uint8Array;
}

export interface DtmfSenderOptions extends Partial<DtmfTiming> {
  readonly clock: Clock;
  /** Clock rate of the negotiated telephone-event (8000, or 16000 beside G.722 when offered so). */
  readonly clockRate: number;
  /** RTP timestamp of the audio stream now (RtpSender.timestampAt of the pacer's current slot): the event's timestamp. */
  readonly timestampNow: () => number;
  readonly transmit: (packet: DtmfPacket) => void;
  /** Silence between the last end packet of a digit and the next digit (100 ms). */
  readonly pauseMs?: number;
  /** Power level, 0 to −63 dBm0 given positive (10). */
  readonly volume?: number;
}

type SenderState =
  | { readonly kind: 'idle' }
  | { readonly kind: 'playing'; readonly event: number; readonly timestamp: number; readonly startedAt: number; step: number; timer: TimerHandle }
  | { readonly kind: 'pausing'; readonly timer: TimerHandle };

/**
 * Plays queued digits. While `active` the audio pacer should send no audio: the far end would play the tone twice,
 * once from the event and once in band. The event's timestamp stays the same for all its packets, its duration grows;
 * a digit is sent for at most 65535 timestamp units (8 s at 8 kHz), so it never needs a second segment.
 */
export class DtmfSender {
  readonly #options: DtmfSenderOptions;
  readonly #steps: readonly DtmfStep[];
  readonly #queue: DtmfDigit[] = [];
  #state: SenderState = { kind: 'idle' };

  constructor(options: DtmfSenderOptions) {
    this.#options = options;
    this.#steps = dtmfSchedule({
      durationMs: options.durationMs ?? 100,
      updateMs: options.updateMs,
      endRepeats: options.endRepeats,
      endSpacingMs: options.endSpacingMs,
    });
  }

  /** True while an event is being sent (not during the pause between digits). */
  get active(): boolean {
    return this.#state.kind === 'playing';
  }

  /** Digits still waiting, the one being sent excluded. */
  get queued(): number {
    return this.#queue.length;
  }

  /** Queues digits; the first starts now if nothing is playing. */
  send(digits: readonly DtmfDigit[]): void {
    this.#queue.push(...digits);
    if (this.#state.kind === 'idle') this.#next();
  }

  /** Drops the queue and stops at once (the call ended); an event cut short gets no end packet. */
  stop(): void {
    if (this.#state.kind !== 'idle') this.#state.timer.cancel();
    this.#queue.length = 0;
    this.#state = { kind: 'idle' };
  }

  #next(): void {
    const digit = this.#queue.shift();
    if (digit === undefined) {
      this.#state = { kind: 'idle' };
      return;
    }
    const startedAt = this.#options.clock.now();
    const state: SenderState = { kind: 'playing', event: eventOfDigit(digit), timestamp: this.#options.timestampNow(), startedAt, step: 0, timer: { cancel() {} } };
    this.#state = state;
    this.#schedule(state);
  }

  #schedule(state: Extract<SenderState, { kind: 'playing' }>): void {
    const step = this.#steps[state.step]!;
    state.timer = this.#options.clock.setTimer(state.startedAt + step.atMs - this.#options.clock.now(), () => this.#fire(state));
  }

  #fire(state: Extract<SenderState, { kind: 'playing' }>): void {
    if (this.#state !== state) return;
    const step = this.#steps[state.step]!;
    const duration = (step.durationMs * this.#options.clockRate) / 1000;
    const payload = encodeTelephoneEvent({ event: state.event, end: step.end, volume: this.#options.volume ?? 10, duration });
    this.#options.transmit({ marker: step.marker, timestamp: state.timestamp, payload });
    if (this.#state !== state) return; // stopped by transmit
    state.step++;
    if (state.step < this.#steps.length) {
      this.#schedule(state);
      return;
    }
    const timer = this.#options.clock.setTimer(this.#options.pauseMs ?? 100, () => this.#next());
    this.#state = { kind: 'pausing', timer };
  }
}
