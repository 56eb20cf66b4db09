// The dialog layer (RFC 3261 §12-15, RFC 4028): owns every dialog and INVITE session, matches in-dialog
// requests, 2xx ACKs and stray 2xx responses to them by Call-ID and tags.

import { Emitter } from '../../platform/Emitter.ts';
import type { SipMessage } from '../message/index.ts';
import { DEFAULT_TIMER_BASE, type InviteServerTransaction, type ServerTransaction, type SipContext, type TimerBase } from '../transaction/index.ts';
import { type Dialog, keyOfRequest, keyOfResponse } from './Dialog.ts';
import { DialogSender } from './DialogSender.ts';
import { ALLOW, ALLOWED_METHODS, SUPPORTED, unsupportedRequire } from './headers.ts';
import { IncomingCall } from './IncomingCall.ts';
import { OutgoingCall } from './OutgoingCall.ts';
import { SentInvites } from './SentInvites.ts';
import type { DialogOwner, LayerServices, LiveCall } from './services.ts';
import type {
  Call, CallEvents, DialogLayerApi, IncomingCallOptions, IncomingCall as IncomingCallApi, OutgoingCallOptions,
} from './types.ts';

export interface DialogLayerOptions {
  /**
   * T1 and T2 for the 2xx retransmission of §13.3.1.4 and the 64·T1 limits; must match the transaction layer's
   * (SipContext does not carry them yet). Default: RFC 3261's 500 ms / 4 s.
   */
  readonly timers?: TimerBase;
  /** How long closeAll waits for BYEs and CANCELs to be answered before it ends the rest (default 5 s). */
  readonly closeTimeoutMs?: number;
}

const DEFAULT_CLOSE_TIMEOUT_MS = 5000;

export class DialogLayer implements DialogLayerApi {
  readonly #ctx: SipContext;
  readonly #timers: TimerBase;
  readonly #closeTimeoutMs: number;
  readonly #sender: DialogSender;
  readonly #dialogs = new Map<string, { readonly dialog: Dialog; readonly owner: DialogOwner }>();
  readonly #calls = new Set<LiveCall>();
  readonly #idle: Array<() => void> = [];
  readonly #sentInvites: SentInvites;
  readonly #services: LayerServices;

  constructor(ctx: SipContext, options: DialogLayerOptions = {}) {
    this.#ctx = ctx;
    this.#timers = options.timers ?? DEFAULT_TIMER_BASE;
    this.#closeTimeoutMs = options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS;
    this.#sender = new DialogSender(ctx, this.#timers);
    const sender = this.#sender;
    const sentInvites = new SentInvites(ctx.clock, 64 * this.#timers.T1);
    this.#sentInvites = sentInvites;
    this.#services = {
      ctx,
      timers: this.#timers,
      register: (dialog, owner) => this.#dialogs.set(dialog.key, { dialog, owner }),
      unregister: (dialog) => {
        if (this.#dialogs.get(dialog.key)?.dialog === dialog) this.#dialogs.delete(dialog.key);
      },
      track: (call) => this.#calls.add(call),
      forget: (call) => {
        this.#calls.delete(call);
        if (this.#calls.size === 0) for (const resolve of this.#idle.splice(0)) resolve();
      },
      emitter: () => new Emitter<CallEvents>((event, error) => ctx.logger.warn('callListenerFailed', { event, error: String(error) })),
      sendInDialog: (dialog, method, init, user) => sender.sendInDialog(dialog, method, init, user),
      sendAck: (dialog, seq, headers) => sender.sendAck(dialog, seq, headers),
      reAck: (response) => sender.reAck(response),
      ackAndBye: (response, credentials, fallbackTarget) => sender.ackAndBye(response, credentials, fallbackTarget),
      inviteSent: (callId, fromTag) => sentInvites.add(callId, fromTag),
      inviteEnded: (callId, fromTag, alive) => sentInvites.release(callId, fromTag, alive),
    };
  }

  /**
   * Live calls: one per call from `invite`/`incoming` until it ended (a call with several early dialogs counts
   * once). Dialogs being released after an unwanted 2xx are not calls and are not counted.
   */
  get size(): number {
    return this.#calls.size;
  }

  /** Dialogs in the table (early ones included), for diagnostics. */
  get dialogCount(): number {
    return this.#dialogs.size;
  }

  invite(options: OutgoingCallOptions): Call {
    return new OutgoingCall(this.#services, options);
  }

  incoming(transaction: InviteServerTransaction, options: IncomingCallOptions): IncomingCallApi {
    return new IncomingCall(this.#services, transaction, options);
  }

  /**
   * In-dialog requests (To tag set): 405 for a method we do not handle (§8.2.1), 420 for an unknown Require
   * (§8.2.2.3), 481 when no dialog matches (§12.2.2), else the dialog's session serves it.
   */
  request(transaction: ServerTransaction): boolean {
    const request = transaction.request;
    if (request.to.tag === undefined) return false;
    if (!ALLOWED_METHODS.includes(request.method)) {
      transaction.respond({ status: 405, reason: 'Method Not Allowed', headers: [['Allow', ALLOW]] });
      return true;
    }
    const unsupported = unsupportedRequire(request);
    if (unsupported.length > 0) {
      transaction.respond({ status: 420, reason: 'Bad Extension', headers: [['Unsupported', unsupported.join(', ')], ['Supported', SUPPORTED]] });
      return true;
    }
    const entry = this.#dialogs.get(keyOfRequest(request));
    if (entry === undefined) {
      transaction.respond({ status: 481, reason: 'Call/Transaction Does Not Exist' });
      return true;
    }
    entry.owner.request(transaction, entry.dialog);
    return true;
  }

  /**
   * Whether an in-dialog request (To tag set) belongs to a dialog in the table, early or confirmed. Asked before
   * any transaction exists, so that a call's own BYE, ACK or re-INVITE is never held back by the rate limit meant
   * for strangers (the tags make a match unguessable).
   */
  matches(request: SipMessage): boolean {
    return request.to.tag !== undefined && this.#dialogs.has(keyOfRequest(request));
  }

  /** The ACK for a 2xx of ours (§13.3.1.4): it stops that 2xx's retransmission. */
  ack(ack: SipMessage): void {
    if (ack.to.tag === undefined) return;
    const entry = this.#dialogs.get(keyOfRequest(ack));
    if (entry === undefined) {
      this.#ctx.logger.debug('ackWithoutDialog', { callId: ack.callId });
      return;
    }
    entry.owner.ack(ack, entry.dialog);
  }

  /**
   * A 2xx to an INVITE that no transaction took (after Timer M, RFC 6026 §7.2): the kept ACK again, or a new one
   * for a live dialog of ours; ACK and BYE (§13.2.2.4: a fork we never saw, a call we already gave up) only when its
   * Call-ID and From tag are those of an INVITE we sent. Anything else is a stranger's: a top Via naming us is easy
   * to forge, and answering would send an ACK and a BYE (with their retransmissions, a DNS lookup or a TCP
   * connection) wherever its Contact points. It is dropped, at debug level, never one info line per packet.
   */
  strayResponse(response: SipMessage): void {
    if (response.cseq.method !== 'INVITE' || response.status < 200 || response.status >= 300) return;
    if (this.#sender.reAck(response)) return;
    const entry = this.#dialogs.get(keyOfResponse(response));
    if (entry !== undefined) this.#sender.sendAck(entry.dialog, response.cseq.seq);
    else if (this.#sentInvites.has(response.callId, response.from.tag)) this.#sender.ackAndBye(response);
    else this.#ctx.logger.debug('strayResponseDropped', { status: response.status });
  }

  /**
   * Graceful shutdown: BYE every confirmed call, CANCEL every pending outgoing one, 480 to every unanswered
   * incoming one. Resolves once all have ended or after `closeTimeoutMs`, when the rest are ended without waiting.
   */
  closeAll(): Promise<void> {
    if (this.#calls.size === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const bound = this.#ctx.clock.setTimer(this.#closeTimeoutMs, () => {
        for (const call of [...this.#calls]) call.forceEnd();
      });
      this.#idle.push(() => {
        bound.cancel();
        resolve();
      });
      for (const call of [...this.#calls]) call.shutdown();
    });
  }
}
