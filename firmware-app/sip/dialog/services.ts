// What the calls and sessions of the dialog layer get from the layer: dialog table, sending, ACK memory.

import type { Emitter } from '../../platform/Emitter.ts';
import type { SipMessage } from '../message/index.ts';
import type { ServerTransaction, SipContext, TimerBase } from '../transaction/index.ts';
import type { Dialog } from './Dialog.ts';
import type { CallEvents, SessionBody } from './types.ts';

/** Who serves the requests and ACKs of one dialog. */
export interface DialogOwner {
  /** An in-dialog request that passed the layer's checks (method allowed, Require understood). */
  request(transaction: ServerTransaction, dialog: Dialog): void;
  /** An ACK for a 2xx we sent in this dialog. */
  ack(ack: SipMessage, dialog: Dialog): void;
}

/** A live call, as the layer sees it for `size` and `closeAll`. */
export interface LiveCall {
  /** closeAll: BYE when confirmed, CANCEL when pending, 480 when unanswered. */
  shutdown(): void;
  /** closeAll's bound ran out: end now without waiting for the peer. */
  forceEnd(): void;
}

/** Outcome of a request we sent inside a dialog (the transaction's user, plus a next hop that did not resolve). */
export interface InDialogUser {
  response(response: SipMessage): void;
  failed(reason: 'timeout' | 'transportError'): void;
}

export interface InDialogRequest {
  /** Contact for target refresh requests (re-INVITE, UPDATE). */
  readonly contact?: string;
  readonly headers?: ReadonlyArray<readonly [string, string]>;
  readonly body?: SessionBody;
}

export interface LayerServices {
  readonly ctx: SipContext;
  readonly timers: TimerBase;
  register(dialog: Dialog, owner: DialogOwner): void;
  /** Forgets the dialog if `dialog` is the one registered under its key. */
  unregister(dialog: Dialog): void;
  track(call: LiveCall): void;
  forget(call: LiveCall): void;
  /** A new event emitter whose listener errors are logged. */
  emitter(): Emitter<CallEvents>;
  /** Sends a request inside `dialog` (§12.2.1.1): next CSeq, Request-URI = remote target, Route = route set. */
  sendInDialog(dialog: Dialog, method: string, init: InDialogRequest, user: InDialogUser): void;
  /** Sends the ACK for a 2xx to our INVITE number `seq` (§13.2.2.4) and keeps it for retransmitted 2xx. */
  sendAck(dialog: Dialog, seq: number, headers?: ReadonlyArray<readonly [string, string]>): void;
  /** Re-sends the kept ACK for a retransmitted 2xx; false when none is kept for it. */
  reAck(response: SipMessage): boolean;
  /** ACKs and then BYEs the dialog of a 2xx we do not want (a second fork, a 2xx after we gave up). */
  ackAndBye(response: SipMessage, credentials?: ReadonlyArray<readonly [string, string]>, fallbackTarget?: string): void;
  /** An INVITE of ours (Call-ID, From tag) goes out: a 2xx to it that no transaction takes is still ours to ACK. */
  inviteSent(callId: string, fromTag: string): void;
  /**
   * The call of that INVITE ended: it is forgotten 64·T1 after `alive` (does one of its INVITE transactions still
   * exist?) turns false; from then on a stray 2xx to it is dropped like a stranger's.
   */
  inviteEnded(callId: string, fromTag: string, alive: () => boolean): void;
}
