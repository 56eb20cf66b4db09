// Requests the peer sends inside a dialog (RFC 3261 §12.2.2, §14.2, §15.1.2; RFC 3311 UPDATE; SIP INFO DTMF;
// RFC 4028 refreshes): BYE, re-INVITE, UPDATE, INFO, OPTIONS.

import type { ResponseInit } from '../message/index.ts';
import type { InviteServerTransaction, ServerTransaction } from '../transaction/index.ts';
import { dtmfOfInfo, offerHolds } from './content.ts';
import type { Dialog } from './Dialog.ts';
import { ACCEPT, ALLOW, SUPPORTED, bodyOf, contentTypeHeader } from './headers.ts';
import { Retransmit2xx } from './Retransmit2xx.ts';
import type { Session } from './Session.ts';
import { intervalTooSmall, termsForAnswer } from './sessionTimer.ts';
import type { SessionBody } from './types.ts';

type Headers = Array<readonly [string, string]>;

function respond(tx: ServerTransaction, status: number, reason: string, headers: Headers = [], body?: SessionBody): void {
  const init: ResponseInit = body === undefined ? { status, reason, headers } : { status, reason, headers: [...headers, ...contentTypeHeader(body)], body: body.bytes };
  tx.respond(init);
}

/** §14.2: "a second INVITE before it sent the final response to a first INVITE … MUST return a 500 … with a Retry-After". */
function retryLater(session: Session, tx: ServerTransaction): void {
  respond(tx, 500, 'Server Internal Error', [['Retry-After', String(Math.floor(session.svc.ctx.random() * 10))]]);
}

/** Dispatches an in-dialog request that passed the layer's method, Require and dialog checks. */
export function handleInDialog(session: Session, tx: ServerTransaction, dialog: Dialog): void {
  const request = tx.request;
  // §12.2.2: "If the remote sequence number was not empty, but the sequence number of the request is lower
  // than the remote sequence number, the request is out of order and MUST be rejected with a 500".
  if (!dialog.acceptRemoteSeq(request.cseq.seq)) {
    respond(tx, 500, 'Out of Order');
    return;
  }
  // RFC 4028 §9: a session refresh asking for less than our minimum interval; the session goes on unchanged.
  const tooSmall = request.method === 'INVITE' || request.method === 'UPDATE' ? intervalTooSmall(request) : undefined;
  if (tooSmall !== undefined) {
    respond(tx, 422, 'Session Interval Too Small', tooSmall);
    return;
  }
  switch (request.method) {
    case 'BYE':
      return bye(session, tx, dialog);
    case 'INVITE':
      return reInvite(session, tx as InviteServerTransaction, dialog);
    case 'UPDATE':
      return update(session, tx, dialog);
    case 'INFO':
      return info(session, tx);
    case 'OPTIONS':
      return respond(tx, 200, 'OK', [['Allow', ALLOW], ['Accept', ACCEPT], ['Supported', SUPPORTED]]);
    default:
      return respond(tx, 405, 'Method Not Allowed', [['Allow', ALLOW]]);
  }
}

/** §15.1.2: 200, and the session is over. A BYE for an early dialog that is not the call's own drops just that one. */
function bye(session: Session, tx: ServerTransaction, dialog: Dialog): void {
  respond(tx, 200, 'OK');
  if (session.dialog !== undefined && dialog !== session.dialog) {
    session.svc.unregister(dialog);
    return;
  }
  if (session.dialog === undefined) {
    // An early dialog of an outgoing call: the INVITE still gets its final response.
    session.svc.unregister(dialog);
    return;
  }
  session.end(session.byeReason ?? 'remoteBye');
}

function canServeOffer(session: Session, tx: ServerTransaction): boolean {
  if (session.ended || session.byeSent) {
    respond(tx, 481, 'Call/Transaction Does Not Exist');
    return false;
  }
  if (session.clientTransactionPending) {
    respond(tx, 491, 'Request Pending');
    return false;
  }
  if (session.serverInvitePending) {
    retryLater(session, tx);
    return false;
  }
  return true;
}

/**
 * §14.2: a re-INVITE (hold, resume, session refresh). With an offer: our answer in the 200, or 488 and the session
 * goes on unchanged. Without one: our offer in the 200 and the peer's answer in the ACK. The 200 is retransmitted
 * until the ACK like any 2xx to an INVITE.
 */
function reInvite(session: Session, tx: InviteServerTransaction, dialog: Dialog): void {
  if (session.state !== 'confirmed' || dialog !== session.dialog) {
    retryLater(session, tx);
    return;
  }
  if (!canServeOffer(session, tx)) return;
  const request = tx.request;
  const offer = bodyOf(request);
  session.serverInvitePending = true;
  const local = offer !== undefined ? session.sdh.createAnswer(offer) : session.sdh.createOffer();
  local.then(
    (body) => {
      session.serverInvitePending = false;
      if (session.ended || session.byeSent) {
        respond(tx, 487, 'Request Terminated');
        return;
      }
      const timer = termsForAnswer(request);
      const headers: Headers = [['Contact', session.contact], ['Allow', ALLOW], ['Supported', SUPPORTED], ...(timer?.headers ?? []), ...contentTypeHeader(body)];
      const retransmit = new Retransmit2xx(session.svc.ctx.clock, session.svc.timers, tx, { status: 200, reason: 'OK', headers, body: body.bytes }, () => {
        session.dropAck(tx.request.cseq.seq);
        session.bye('timeout');
      });
      if (!retransmit.start()) return;
      dialog.refreshTarget(request);
      session.localBody = body;
      if (offer !== undefined) {
        session.remoteBody = offer;
        session.noteHold(offerHolds(offer));
      }
      session.restartTimer(timer?.terms);
      session.serverInvitePending = true; // until the ACK: a new offer now would cross ours
      session.expectAck(retransmit, (ack) => {
        session.serverInvitePending = false;
        if (offer !== undefined) return;
        const answer = bodyOf(ack);
        if (answer === undefined) {
          session.bye('failed'); // our offer went unanswered (RFC 6337 §3.1.1)
          return;
        }
        session.applyAnswer(answer);
      });
    },
    (error: unknown) => {
      session.serverInvitePending = false;
      session.svc.ctx.logger.info('reInviteRejected', { call: session.id, error: String(error) });
      if (!session.ended) respond(tx, 488, 'Not Acceptable Here');
    },
  );
}

/** RFC 3311: an UPDATE with an offer is answered in its 200; without one it is a session refresh (RFC 4028). */
function update(session: Session, tx: ServerTransaction, dialog: Dialog): void {
  const request = tx.request;
  const offer = bodyOf(request);
  const timer = termsForAnswer(request);
  const headers: Headers = [['Contact', session.contact], ['Allow', ALLOW], ['Supported', SUPPORTED], ...(timer?.headers ?? [])];
  if (offer === undefined) {
    if (session.ended || session.byeSent) {
      respond(tx, 481, 'Call/Transaction Does Not Exist');
      return;
    }
    respond(tx, 200, 'OK', headers);
    dialog.refreshTarget(request);
    session.restartTimer(timer?.terms);
    return;
  }
  // RFC 3311 §5.2: an offer while the session's own offer/answer is not complete gets 500 with Retry-After.
  if (dialog !== session.dialog || dialog.state !== 'confirmed') {
    retryLater(session, tx);
    return;
  }
  if (!canServeOffer(session, tx)) return;
  session.serverInvitePending = true;
  session.sdh.createAnswer(offer).then(
    (body) => {
      session.serverInvitePending = false;
      if (session.ended || session.byeSent) return;
      respond(tx, 200, 'OK', headers, body);
      dialog.refreshTarget(request);
      session.localBody = body;
      session.remoteBody = offer;
      session.noteHold(offerHolds(offer));
      session.restartTimer(timer?.terms);
    },
    () => {
      session.serverInvitePending = false;
      if (!session.ended) respond(tx, 488, 'Not Acceptable Here');
    },
  );
}

/** SIP INFO DTMF: 200 and one `dtmfReceived` per INFO (the transaction layer absorbs retransmissions). */
function info(session: Session, tx: ServerTransaction): void {
  const body = bodyOf(tx.request);
  if (body === undefined) {
    respond(tx, 200, 'OK'); // an empty INFO: a keep-alive some phones send
    return;
  }
  const dtmf = dtmfOfInfo(body);
  if (dtmf === undefined) {
    respond(tx, 415, 'Unsupported Media Type', [['Accept', 'application/dtmf-relay, application/dtmf']]);
    return;
  }
  if (dtmf === 'malformed') {
    respond(tx, 400, 'Bad DTMF Body');
    return;
  }
  respond(tx, 200, 'OK');
  if (!session.ended && !session.byeSent) session.events.emit('dtmfReceived', dtmf);
}
