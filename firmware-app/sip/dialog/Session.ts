// The INVITE session of one call (RFC 3261 §13-15, RFC 4028): its state and events, BYE, the ACKs of the 2xx we
// send, session refresh. Both call kinds hold one; the requests it serves inside the dialog are in inDialog.ts.

import type { Emitter } from '../../platform/Emitter.ts';
import type { SipMessage } from '../message/index.ts';
import { type Party, type ServerTransaction, randomToken } from '../transaction/index.ts';
import type { Dialog } from './Dialog.ts';
import { ALLOW, SUPPORTED, bodyOf, sameBody } from './headers.ts';
import { handleInDialog } from './inDialog.ts';
import type { Retransmit2xx } from './Retransmit2xx.ts';
import type { DialogOwner, LayerServices, LiveCall } from './services.ts';
import { SessionTimer, type SessionTimerTerms, parseMinSE, termsOfResponse } from './sessionTimer.ts';
import type { CallEndReason, CallEvents, CallState, SessionBody, SessionDescriptionHandler } from './types.ts';

export interface SessionInit {
  readonly direction: 'incoming' | 'outgoing';
  readonly remote: Party;
  readonly sdh: SessionDescriptionHandler;
  /** Our Contact for target refresh requests and their 2xx. */
  readonly contact: string;
  /** What closeAll asks of the call: BYE, CANCEL or a 480. */
  readonly shutdown: () => void;
}

interface PendingAck {
  readonly retransmit: Retransmit2xx;
  readonly onAck: (ack: SipMessage) => void;
}

export class Session implements DialogOwner, LiveCall {
  readonly id = randomToken(8);
  readonly direction: 'incoming' | 'outgoing';
  readonly remote: Party;
  readonly sdh: SessionDescriptionHandler;
  readonly contact: string;
  readonly events: Emitter<CallEvents>;
  readonly svc: LayerServices;
  state: CallState = 'calling';
  /** The dialog of the call (for an outgoing call: once a 2xx chose it). */
  dialog: Dialog | undefined;
  /** The session description we last sent (a refresh re-INVITE repeats it) and the peer's last one. */
  localBody: SessionBody | undefined;
  remoteBody: SessionBody | undefined;
  /** The peer put us on hold (its last offer was sendonly or inactive). */
  held = false;
  /** The peer lists UPDATE in Allow: session refreshes use it (RFC 4028 §7.4 recommends an UPDATE without body). */
  peerAllowsUpdate = false;
  /** Our re-INVITE or UPDATE is under way: an incoming one meets glare (§14.2: 491). */
  clientTransactionPending = false;
  /** An incoming INVITE of this session has no final response yet (§14.2: a second one gets 500). */
  serverInvitePending = false;
  readonly #shutdown: () => void;
  readonly #pendingAcks = new Map<number, PendingAck>();
  readonly #timer: SessionTimer;
  readonly #endHooks: Array<(reason: CallEndReason) => void> = [];
  #byeReason: CallEndReason | undefined;
  #mediaClosed = false;

  constructor(svc: LayerServices, init: SessionInit) {
    this.svc = svc;
    this.direction = init.direction;
    this.remote = init.remote;
    this.sdh = init.sdh;
    this.contact = init.contact;
    this.#shutdown = init.shutdown;
    this.events = svc.emitter();
    this.#timer = new SessionTimer(svc.ctx.clock, () => this.#refresh(), () => this.bye('sessionExpired'));
    svc.track(this);
  }

  get ended(): boolean {
    return this.state === 'ended';
  }

  /** A BYE went out: the session is over, the dialog waits for the BYE's answer. */
  get byeSent(): boolean {
    return this.#byeReason !== undefined;
  }

  get byeReason(): CallEndReason | undefined {
    return this.#byeReason;
  }

  /** Runs before the `ended` event, for the owning call's own clean-up. */
  onEnd(hook: (reason: CallEndReason) => void): void {
    this.#endHooks.push(hook);
  }

  shutdown(): void {
    this.#shutdown();
  }

  forceEnd(): void {
    this.end(this.#byeReason ?? (this.state === 'confirmed' ? 'localBye' : 'cancelled'));
  }

  /** The call is over: timers stop, the dialog is forgotten, media released, `ended` emitted once. */
  end(reason: CallEndReason, status?: number): void {
    if (this.ended) return;
    this.state = 'ended';
    this.#stopTimers();
    if (this.dialog !== undefined) this.svc.unregister(this.dialog);
    this.#closeMedia();
    this.svc.forget(this);
    for (const hook of this.#endHooks) hook(reason);
    this.svc.ctx.logger.info('callEnded', { call: this.id, direction: this.direction, reason, ...(status !== undefined ? { status } : {}) });
    this.events.emit('ended', status === undefined ? { reason } : { reason, status });
  }

  /**
   * §15.1.1: sends a BYE; the session is over at once ("MUST consider the session terminated … as soon as the
   * BYE request is passed to the client transaction"), the call ends when the BYE is answered or times out.
   */
  bye(reason: CallEndReason): void {
    if (this.ended || this.#byeReason !== undefined) return;
    const dialog = this.dialog;
    if (dialog === undefined) {
      this.end(reason);
      return;
    }
    this.#byeReason = reason;
    this.#stopTimers();
    this.#closeMedia();
    this.svc.sendInDialog(dialog, 'BYE', {}, {
      response: (response) => {
        if (response.status >= 200) this.end(reason);
      },
      failed: () => this.end(reason),
    });
  }

  /** The session is confirmed and media flows: `established`, then the session timer. */
  establish(terms: SessionTimerTerms | undefined): void {
    if (this.ended || this.#byeReason !== undefined) return;
    this.state = 'confirmed';
    this.#timer.start(terms);
    this.events.emit('established');
  }

  /** A refresh (re-INVITE or UPDATE) from either side was accepted with these terms. */
  restartTimer(terms: SessionTimerTerms | undefined): void {
    if (this.ended || this.#byeReason !== undefined || this.state !== 'confirmed') return;
    this.#timer.start(terms);
  }

  /** Waits for the ACK of a 2xx being retransmitted (§13.3.1.4). */
  expectAck(retransmit: Retransmit2xx, onAck: (ack: SipMessage) => void): void {
    this.#pendingAcks.set(retransmit.seq, { retransmit, onAck });
  }

  /** Stops waiting for the ACK of INVITE number `seq` (the retransmission gave up). */
  dropAck(seq: number): void {
    this.#pendingAcks.get(seq)?.retransmit.stop();
    this.#pendingAcks.delete(seq);
  }

  ack(ack: SipMessage, _dialog: Dialog): void {
    const pending = this.#pendingAcks.get(ack.cseq.seq);
    if (pending === undefined) return; // a retransmitted ACK, or one for a 2xx we no longer wait on
    this.#pendingAcks.delete(ack.cseq.seq);
    pending.retransmit.stop();
    pending.onAck(ack);
  }

  request(transaction: ServerTransaction, dialog: Dialog): void {
    handleInDialog(this, transaction, dialog);
  }

  /** The peer's offer changed the hold state: `holdChanged`. */
  noteHold(held: boolean | undefined): void {
    if (held === undefined || held === this.held || this.ended) return;
    this.held = held;
    this.events.emit('holdChanged', { held });
  }

  /** Applies the peer's answer to an offer of ours; a failure ends the call with a BYE. */
  applyAnswer(answer: SessionBody | undefined): void {
    if (answer === undefined || sameBody(answer, this.remoteBody)) return;
    this.remoteBody = answer;
    this.sdh.setAnswer(answer).then(undefined, (error: unknown) => {
      this.svc.ctx.logger.warn('answerRejected', { call: this.id, error: String(error) });
      this.bye('failed');
    });
  }

  /**
   * RFC 4028 §7.4, §10: we are the refresher. An UPDATE without body when the peer allows UPDATE, else a re-INVITE
   * with the description we last sent. 491 tries again after §14.1's random wait, 422 with the Min-SE asked for;
   * 408, 481 or no answer end the call; any other failure leaves it to the expiry timer.
   */
  #refresh(): void {
    const dialog = this.dialog;
    const terms = this.#timer.terms;
    if (dialog === undefined || terms === undefined || this.state !== 'confirmed' || this.#byeReason !== undefined) return;
    if (this.clientTransactionPending || this.serverInvitePending || this.#pendingAcks.size > 0) {
      this.#timer.retryRefresh(this.svc.timers.T2);
      return;
    }
    const useUpdate = this.peerAllowsUpdate || this.localBody === undefined;
    const method = useUpdate ? 'UPDATE' : 'INVITE';
    const headers: Array<readonly [string, string]> = [
      ['Session-Expires', `${terms.interval};refresher=uac`],
      ['Supported', SUPPORTED],
      ['Allow', ALLOW],
    ];
    this.clientTransactionPending = true;
    let answered = false;
    this.svc.sendInDialog(dialog, method, { contact: this.contact, headers, ...(useUpdate ? {} : { body: this.localBody! }) }, {
      response: (response) => {
        if (response.status < 200) return;
        if (answered) {
          if (response.status < 300 && method === 'INVITE') this.svc.reAck(response);
          return;
        }
        answered = true;
        this.clientTransactionPending = false;
        this.#refreshAnswered(dialog, method, terms, response);
      },
      failed: (reason) => {
        this.clientTransactionPending = false;
        this.bye(reason);
      },
    });
  }

  #refreshAnswered(dialog: Dialog, method: string, terms: SessionTimerTerms, response: SipMessage): void {
    const status = response.status;
    if (status < 300) {
      if (method === 'INVITE') this.svc.sendAck(dialog, response.cseq.seq);
      if (this.ended || this.#byeReason !== undefined) return;
      dialog.refreshTarget(response);
      if (method === 'INVITE') this.applyAnswer(bodyOf(response));
      this.restartTimer(termsOfResponse(response));
    } else if (status === 491) {
      // §14.1: the owner of the Call-ID waits 2.1-4 s, the other side 0-2 s, in units of 10 ms.
      const random = this.svc.ctx.random();
      this.#timer.retryRefresh(this.direction === 'outgoing' ? 2100 + Math.floor(random * 191) * 10 : Math.floor(random * 201) * 10);
    } else if (status === 422) {
      const minSE = parseMinSE(response);
      if (minSE !== undefined && minSE > terms.interval) {
        this.#timer.start({ interval: minSE, refresher: 'local' });
        this.#timer.retryRefresh(0);
      }
    } else if (status === 408 || status === 481) {
      // §12.2.1.2 and RFC 4028 §10: the dialog is gone or unreachable.
      this.bye(status === 408 ? 'timeout' : 'failed');
    }
  }

  #stopTimers(): void {
    this.#timer.stop();
    for (const pending of this.#pendingAcks.values()) pending.retransmit.stop();
    this.#pendingAcks.clear();
  }

  #closeMedia(): void {
    if (this.#mediaClosed) return;
    this.#mediaClosed = true;
    try {
      this.sdh.close();
    } catch (error) {
      this.svc.ctx.logger.warn('mediaCloseFailed', { call: this.id, error: String(error) });
    }
  }
}
