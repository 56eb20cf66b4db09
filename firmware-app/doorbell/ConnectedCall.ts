// What runs while the door is in an answered call: door-code entry from that call's digits, the maximum call time
// with its warning tone, and the listening tone of a call that listens in. Everything it starts, close() ends.

import type { Config } from '../config/schema.ts';
import type { Clock, TimerHandle } from '../platform/Clock.ts';
import type { Logger } from '../platform/Logger.ts';
import type { Call } from '../sip/dialog/types.ts';
import type { CodeEntry, CodeOutcome, DoorCodes } from './DoorCodes.ts';
import type { DoorRelays } from './DoorRelays.ts';
import type { DoorEventSink, DoorTones } from './ports.ts';

export interface ConnectedCallOptions {
  readonly call: Call;
  readonly limits: Pick<Config['doorbell'], 'maxCallSec' | 'warnBeforeSec'>;
  /** A call that listens in: the listening tone now and every `everySec` (0: only now). */
  readonly listeningTone?: { readonly everySec: number };
  readonly clock: Clock;
  readonly logger: Logger;
  readonly events: DoorEventSink;
  readonly tones: DoorTones;
  readonly codes: Pick<DoorCodes, 'begin'>;
  readonly relays: DoorRelays;
}

export class ConnectedCall {
  readonly call: Call;
  readonly #o: ConnectedCallOptions;
  readonly #entry: CodeEntry;
  #timers: TimerHandle[] = [];
  #nextListeningTone: TimerHandle | undefined;
  #closed = false;

  constructor(options: ConnectedCallOptions) {
    this.#o = options;
    this.call = options.call;
    this.#entry = options.codes.begin(options.call.id, (outcome) => this.#outcome(outcome));
    this.#limitTime();
    if (options.listeningTone !== undefined) this.#listening(options.listeningTone.everySec);
  }

  /** A digit of this call's far end. */
  digit(digit: string): void {
    if (!this.#closed) this.#entry.digit(digit);
  }

  /** The call ended or the application stops: code entry closed, timers cancelled, this call's tones stopped. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const timer of this.#timers) timer.cancel();
    this.#timers = [];
    this.#nextListeningTone?.cancel();
    this.#entry.close();
    this.#o.tones.stopTone(this.call);
  }

  #limitTime(): void {
    const { maxCallSec, warnBeforeSec } = this.#o.limits;
    if (maxCallSec <= 0) return;
    const { clock, logger, tones } = this.#o;
    if (warnBeforeSec > 0 && warnBeforeSec < maxCallSec) {
      this.#timers.push(clock.setTimer((maxCallSec - warnBeforeSec) * 1000, () => {
        logger.info('callEnding', { call: this.call.id, inSec: warnBeforeSec });
        tones.startTone(this.call, 'callEnding');
      }));
    }
    this.#timers.push(clock.setTimer(maxCallSec * 1000, () => {
      logger.info('callTimeLimit', { call: this.call.id, maxCallSec });
      this.call.hangup();
    }));
  }

  #listening(everySec: number): void {
    const beep = (): void => {
      if (this.#closed) return;
      this.#o.tones.startTone(this.call, 'listening');
      if (everySec > 0) this.#nextListeningTone = this.#o.clock.setTimer(everySec * 1000, beep);
    };
    beep();
  }

  #outcome(outcome: CodeOutcome): void {
    if (this.#closed) return;
    const { logger, events, relays, tones } = this.#o;
    const call = this.call.id;
    if (outcome.kind === 'accepted') {
      const granted = relays.pulse(outcome.relay, outcome.pulseMs, 'door');
      if (granted <= 0) {
        logger.warn('doorNotOpened', { relay: outcome.relay, call, code: outcome.name });
        return;
      }
      logger.info('doorOpened', { relay: outcome.relay, call, code: outcome.name, ms: granted });
      events.record('doorOpened', { relay: outcome.relay, call, code: outcome.name });
      tones.startTone(this.call, 'doorOpened');
      return;
    }
    const fields = { call, reason: outcome.reason, wrongInCall: outcome.wrongInCall };
    logger.info('doorCodeRejected', fields);
    events.record('doorCodeRejected', fields);
    if (outcome.hangUp) {
      logger.info('callHungUp', { call, reason: 'doorCodes' });
      this.call.hangup();
    }
  }
}
