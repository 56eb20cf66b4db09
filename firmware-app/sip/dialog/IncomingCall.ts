// An incoming call, UAS side (RFC 3261 §13.3, §12.1.1, §9.2 CANCEL, RFC 4028): ring, answer with the 2xx
// retransmitted until the ACK, reject, and the BYE rules of §15 before and after the ACK.

import { DoorbellError, SESSION_RESOURCES, errorMessage } from '../../errors.ts';
import type { Emitter } from '../../platform/Emitter.ts';
import type { SipMessage } from '../message/index.ts';
import { type InviteServerTransaction, type Party, hostport, randomToken } from '../transaction/index.ts';
import { Dialog, partyOf } from './Dialog.ts';
import { ALLOW, SUPPORTED, allows, bodyOf, contentTypeHeader, recordRouteCopy, unsupportedRequire } from './headers.ts';
import { offerHolds } from './content.ts';
import { Retransmit2xx } from './Retransmit2xx.ts';
import type { LayerServices } from './services.ts';
import { Session } from './Session.ts';
import { type SessionTimerTerms, intervalTooSmall, termsForAnswer } from './sessionTimer.ts';
import type { CallEndReason, CallEvents, CallState, IncomingCallOptions, IncomingCall as IncomingCallApi, SessionBody } from './types.ts';

type Headers = Array<readonly [string, string]>;

/** Where to send our requests when the INVITE had no Contact: back to where it came from. */
function sourceUri(tx: InviteServerTransaction): string {
  const { source, flow } = tx.inbound;
  return `sip:${hostport(source)}${flow.protocol === 'udp' ? '' : `;transport=${flow.protocol}`}`;
}

export class IncomingCall implements IncomingCallApi {
  readonly direction = 'incoming' as const;
  readonly request: SipMessage;
  readonly #tx: InviteServerTransaction;
  readonly #svc: LayerServices;
  readonly #session: Session;
  readonly #dialog: Dialog;
  readonly #localTag = randomToken(8);
  #rang = false;
  /** A final response went out (2xx, or the rejection). */
  #finalSent = false;
  #answer: Promise<void> | undefined;
  #settle: { resolve: () => void; reject: (error: Error) => void } | undefined;
  #terms: SessionTimerTerms | undefined;
  /** hangup() between our 2xx and its ACK: §15 "MUST NOT send a BYE on a confirmed dialog until it has received an ACK". */
  #byeWanted = false;

  constructor(svc: LayerServices, tx: InviteServerTransaction, options: IncomingCallOptions) {
    this.#svc = svc;
    this.#tx = tx;
    this.request = tx.request;
    this.#session = new Session(svc, { direction: 'incoming', remote: partyOf(tx.request.from, tx.request.from.tag), sdh: options.sdh, contact: options.contact, shutdown: () => this.#shutdown() });
    this.#dialog = Dialog.uas(tx.request, this.#localTag, { flow: tx.inbound.flow, fallbackTarget: sourceUri(tx) });
    this.#session.dialog = this.#dialog;
    this.#session.peerAllowsUpdate = allows(tx.request, 'UPDATE');
    svc.register(this.#dialog, this.#session);
    this.#session.onEnd((reason) => this.#onEnd(reason));
    tx.user = {
      cancelled: () => this.#cancelled(),
      transportError: () => this.#session.end('transportError'),
    };
    const unsupported = unsupportedRequire(tx.request);
    const tooSmall = intervalTooSmall(tx.request);
    if (unsupported.length > 0) {
      // §8.2.2.3: 420 listing what we do not support.
      this.#refuse(420, 'Bad Extension', [['Unsupported', unsupported.join(', ')]]);
    } else if (tooSmall !== undefined) {
      this.#refuse(422, 'Session Interval Too Small', tooSmall); // RFC 4028 §9: the UAC asks again with our Min-SE
    }
  }

  get id(): string {
    return this.#session.id;
  }

  get state(): CallState {
    return this.#session.state;
  }

  get remote(): Party {
    return this.#session.remote;
  }

  get events(): Emitter<CallEvents> {
    return this.#session.events;
  }

  /** 180 Ringing with our tag and Contact: an early dialog (§12.1.1: Record-Route copied). */
  ring(): void {
    const session = this.#session;
    if (this.#rang || this.#finalSent || session.ended) return;
    this.#rang = true;
    this.#respond(180, 'Ringing', this.#dialogHeaders());
    if (session.state === 'calling') session.state = 'early';
    session.events.emit('ringing', { status: 180, reason: 'Ringing', early: true });
  }

  /**
   * Asks the handler for an answer to the INVITE's offer (or for an offer, when the INVITE had none: the answer
   * then comes in the ACK) and sends it in a 200, retransmitted until the ACK. Resolves on the ACK; rejects when
   * the call ends first (no ACK within 64·T1, CANCEL, BYE, a rejected offer: 488).
   */
  answer(): Promise<void> {
    if (this.#answer !== undefined) return this.#answer;
    const session = this.#session;
    if (session.ended || this.#finalSent) return Promise.reject(new DoorbellError('CALL_ENDED', 'the call is over'));
    this.#answer = new Promise<void>((resolve, reject) => {
      this.#settle = { resolve, reject };
    });
    const offer = bodyOf(this.request);
    (offer !== undefined ? session.sdh.createAnswer(offer) : session.sdh.createOffer()).then(
      (body) => this.#send200(offer, body),
      (error: unknown) => {
        if (session.ended || this.#finalSent) return;
        this.#svc.ctx.logger.info('offerRejected', { call: this.id, error: errorMessage(error) });
        this.#finalSent = true;
        if ((error as { code?: unknown } | undefined)?.code === SESSION_RESOURCES) {
          this.#respond(503, 'Service Unavailable', [['Retry-After', '30']]);
          session.end('failed', 503);
          return;
        }
        this.#respond(488, 'Not Acceptable Here', [['Accept', 'application/sdp']]);
        session.end('failed', 488);
      },
    );
    return this.#answer;
  }

  /** A final non-2xx response (486 Busy Here, 603 Decline, 480 …); ignored once a final response went out. */
  reject(status: number, reason: string): void {
    if (!Number.isInteger(status) || status < 300 || status > 699) throw new RangeError(`reject needs a final non-2xx status, got ${status}`);
    if (this.#session.ended || this.#finalSent) return;
    this.#finalSent = true;
    this.#respond(status, reason);
    this.#session.end('rejected', status);
  }

  /** Unanswered: 603 Decline. Answered: BYE, after the ACK (§15). */
  hangup(): void {
    const session = this.#session;
    if (session.ended) return;
    if (!this.#finalSent) {
      this.reject(603, 'Decline');
      return;
    }
    if (session.state !== 'confirmed') {
      this.#byeWanted = true;
      return;
    }
    session.bye('localBye');
  }

  #send200(offer: SessionBody | undefined, body: SessionBody): void {
    const session = this.#session;
    if (session.ended || this.#finalSent) return;
    const timer = termsForAnswer(this.request);
    const headers: Headers = [...this.#dialogHeaders(), ...(timer?.headers ?? []), ...contentTypeHeader(body)];
    const retransmit = new Retransmit2xx(this.#svc.ctx.clock, this.#svc.timers, this.#tx,
      { status: 200, reason: 'OK', toTag: this.#localTag, headers, body: body.bytes }, () => this.#noAck());
    if (!retransmit.start()) return; // the transaction took a final response meanwhile (CANCEL: 487)
    this.#finalSent = true;
    this.#terms = timer?.terms;
    this.#dialog.state = 'confirmed';
    session.localBody = body;
    if (offer !== undefined) {
      session.remoteBody = offer;
      session.held = offerHolds(offer) ?? false;
    }
    session.expectAck(retransmit, (ack) => this.#acked(offer, ack));
  }

  #acked(offer: SessionBody | undefined, ack: SipMessage): void {
    const session = this.#session;
    if (offer !== undefined) {
      this.#established();
      return;
    }
    const answer = bodyOf(ack);
    if (answer === undefined) {
      this.#fail(new DoorbellError('NO_ANSWER', 'the ACK carried no answer to our offer'));
      session.bye('failed');
      return;
    }
    session.remoteBody = answer;
    session.sdh.setAnswer(answer).then(
      () => this.#established(),
      (error: unknown) => {
        this.#fail(new DoorbellError('ANSWER_REJECTED', 'the answer in the ACK was rejected', { cause: error }));
        session.bye('failed');
      },
    );
  }

  #established(): void {
    const session = this.#session;
    if (session.ended || session.byeSent) return;
    session.establish(this.#terms);
    const settle = this.#settle;
    this.#settle = undefined;
    settle?.resolve();
    if (this.#byeWanted) session.bye('localBye');
  }

  /** §13.3.1.4: 64·T1 of 2xx retransmissions and no ACK: the dialog is confirmed, the session ends with a BYE. */
  #noAck(): void {
    this.#svc.ctx.logger.info('ackTimeout', { call: this.id });
    this.#session.dropAck(this.request.cseq.seq);
    this.#fail(new DoorbellError('ACK_TIMEOUT', 'no ACK for our 200 OK'));
    this.#session.bye('timeout');
  }

  /** §9.2: the layer answered the CANCEL 200; the INVITE gets 487 unless a final response already went out. */
  #cancelled(): void {
    if (this.#session.ended || this.#finalSent) return;
    this.#finalSent = true;
    this.#respond(487, 'Request Terminated');
    this.#session.end('cancelled');
  }

  /** closeAll: an unanswered call gets 480 Temporarily Unavailable, an answered one a BYE. */
  #shutdown(): void {
    if (!this.#finalSent) this.reject(480, 'Temporarily Unavailable');
    else this.hangup();
  }

  #onEnd(reason: CallEndReason): void {
    // Ended another way (BYE in the early dialog §15.1.2, forced shutdown): the INVITE still needs its answer.
    if (!this.#finalSent) {
      this.#finalSent = true;
      this.#respond(reason === 'remoteBye' ? 487 : 480, reason === 'remoteBye' ? 'Request Terminated' : 'Temporarily Unavailable');
    }
    this.#fail(new DoorbellError('CALL_ENDED', `the call ended (${reason})`));
  }

  /** Refused before anyone saw it ring. Ended on a microtask, so listeners added now still hear it. */
  #refuse(status: number, reason: string, headers: Headers): void {
    this.#finalSent = true;
    this.#respond(status, reason, headers);
    queueMicrotask(() => this.#session.end('failed', status));
  }

  #fail(error: Error): void {
    const settle = this.#settle;
    this.#settle = undefined;
    settle?.reject(error);
  }

  /** The headers of our 180 and 200: Contact and Record-Route for the dialog (§12.1.1), Allow, Supported. */
  #dialogHeaders(): Headers {
    return [['Contact', this.#session.contact], ...recordRouteCopy(this.request), ['Allow', ALLOW], ['Supported', SUPPORTED]];
  }

  #respond(status: number, reason: string, headers: Headers = []): void {
    this.#tx.respond({ status, reason, toTag: this.#localTag, headers });
  }
}
