// The UAS core's 2xx retransmission (RFC 3261 §13.3.1.4): after T1, then doubling up to T2, until the ACK.

import type { Clock, TimerHandle } from '../../platform/Clock.ts';
import type { ResponseInit } from '../message/index.ts';
import type { InviteServerTransaction, TimerBase } from '../transaction/index.ts';

/**
 * Sends a 2xx to an INVITE through its server transaction (RFC 6026 Accepted state lets it through again) and
 * repeats it until `stop` (the ACK arrived). §13.3.1.4 applies whatever the transport: a later hop may be UDP.
 * "If the server retransmits the 2xx response for 64*T1 seconds without receiving an ACK, the dialog is
 * confirmed, but the session SHOULD be terminated": `onGiveUp` then sends the BYE.
 */
export class Retransmit2xx {
  /** CSeq number of the INVITE, which its ACK repeats. */
  readonly seq: number;
  readonly #clock: Clock;
  readonly #base: TimerBase;
  readonly #tx: InviteServerTransaction;
  readonly #init: ResponseInit;
  readonly #onGiveUp: () => void;
  #interval: number;
  #retransmit: TimerHandle | undefined;
  #giveUp: TimerHandle | undefined;

  constructor(clock: Clock, base: TimerBase, tx: InviteServerTransaction, init: ResponseInit, onGiveUp: () => void) {
    this.seq = tx.request.cseq.seq;
    this.#clock = clock;
    this.#base = base;
    this.#tx = tx;
    this.#init = init;
    this.#onGiveUp = onGiveUp;
    this.#interval = base.T1;
  }

  /** Sends the 2xx; false when the transaction no longer takes one (a CANCEL or our timeout came first). */
  start(): boolean {
    if (!this.#tx.respond(this.#init)) return false;
    this.#arm();
    this.#giveUp = this.#clock.setTimer(64 * this.#base.T1, () => {
      this.stop();
      this.#onGiveUp();
    });
    return true;
  }

  stop(): void {
    this.#retransmit?.cancel();
    this.#giveUp?.cancel();
    this.#retransmit = undefined;
    this.#giveUp = undefined;
  }

  #arm(): void {
    this.#retransmit = this.#clock.setTimer(this.#interval, () => {
      this.#tx.respond(this.#init);
      this.#interval = Math.min(2 * this.#interval, this.#base.T2);
      this.#arm();
    });
  }
}
