// Sends requests inside dialogs (RFC 3261 §12.2.1.1) and the ACKs of 2xx responses (§13.2.2.4), which it keeps
// for 64·T1 so that a retransmitted 2xx gets the same ACK again.

import { errorMessage } from '../../errors.ts';
import type { TimerHandle } from '../../platform/Clock.ts';
import type { SipMessage } from '../message/index.ts';
import { type SipContext, type TimerBase, createRequest } from '../transaction/index.ts';
import type { Address, Target } from '../transport/types.ts';
import { Dialog, keyOfResponse } from './Dialog.ts';
import type { InDialogRequest, InDialogUser } from './services.ts';

interface KeptAck {
  /** Undefined while the next hop is being resolved. */
  sent?: { readonly ack: SipMessage; readonly target: Target; readonly flowId: string | undefined };
  readonly expiry: TimerHandle;
}

export class DialogSender {
  readonly #ctx: SipContext;
  readonly #timers: TimerBase;
  readonly #acks = new Map<string, KeptAck>();

  constructor(ctx: SipContext, timers: TimerBase) {
    this.#ctx = ctx;
    this.#timers = timers;
  }

  sendInDialog(dialog: Dialog, method: string, init: InDialogRequest, user: InDialogUser): void {
    void this.#nextHop(dialog).then(
      async (target) => {
        const flowId = this.#flowFor(dialog, target);
        const sentBy = await this.#ctx.transport.localAddress(target, flowId);
        let request: SipMessage;
        try {
          if (sentBy === undefined) throw new TypeError(`no ${target.protocol} route to ${target.host}`);
          request = this.#build(dialog, target, sentBy, method, dialog.nextLocalSeq(), init);
        } catch (error) {
          this.#ctx.logger.warn('inDialogRequestFailed', { method, callId: dialog.callId, error: errorMessage(error) });
          user.failed('transportError');
          return;
        }
        this.#ctx.transactions.sendRequest(request, target, {
          response: (response) => user.response(response),
          timeout: () => user.failed('timeout'),
          transportError: () => user.failed('transportError'),
        }, flowId);
      },
      (error: unknown) => {
        this.#ctx.logger.warn('nextHopUnresolved', { method, uri: dialog.nextHopUri, error: errorMessage(error) });
        user.failed('transportError');
      },
    ).catch((error: unknown) => {
      this.#ctx.logger.error('inDialogSendFailed', { method, callId: dialog.callId, error: errorMessage(error) });
      user.failed('transportError'); // the session must not wait for an answer to a request that never went out
    });
  }

  sendAck(dialog: Dialog, seq: number, headers: ReadonlyArray<readonly [string, string]> = []): void {
    const key = `${dialog.key}\n${seq}`;
    if (this.#acks.has(key)) return;
    const kept: KeptAck = {
      expiry: this.#ctx.clock.setTimer(64 * this.#timers.T1, () => {
        if (this.#acks.get(key) === kept) this.#acks.delete(key);
      }),
    };
    this.#acks.set(key, kept);
    void this.#nextHop(dialog).then(
      async (target) => {
        const flowId = this.#flowFor(dialog, target);
        const sentBy = await this.#ctx.transport.localAddress(target, flowId);
        let ack: SipMessage;
        try {
          if (sentBy === undefined) throw new TypeError(`no ${target.protocol} route to ${target.host}`);
          // §13.2.2.4: built like any in-dialog request, but with the INVITE's CSeq number and credentials.
          ack = this.#build(dialog, target, sentBy, 'ACK', seq, { headers });
        } catch (error) {
          this.#ctx.logger.warn('ackFailed', { callId: dialog.callId, error: errorMessage(error) });
          return;
        }
        kept.sent = { ack, target, flowId };
        this.#sendKept(kept);
      },
      (error: unknown) => this.#ctx.logger.warn('nextHopUnresolved', { method: 'ACK', uri: dialog.nextHopUri, error: errorMessage(error) }),
    ).catch((error: unknown) => this.#ctx.logger.error('inDialogSendFailed', { method: 'ACK', callId: dialog.callId, error: errorMessage(error) }));
  }

  reAck(response: SipMessage): boolean {
    const kept = this.#acks.get(`${keyOfResponse(response)}\n${response.cseq.seq}`);
    if (kept === undefined) return false;
    this.#sendKept(kept); // still resolving: the first ACK is about to go out anyway
    return true;
  }

  /**
   * §13.2.2.4: "the UAC core MUST generate an ACK request for each 2xx"; a dialog we do not want is then ended
   * "by sending a BYE request". `fallbackTarget` stands in for a missing Contact.
   */
  ackAndBye(response: SipMessage, credentials: ReadonlyArray<readonly [string, string]> = [], fallbackTarget?: string): void {
    if (response.to.tag === undefined || response.from.tag === undefined) return;
    const target = fallbackTarget ?? response.to.uri;
    const dialog = Dialog.uac(response, { secureTransport: false, fallbackTarget: target });
    this.#ctx.logger.info('unwantedDialogReleased', { callId: response.callId, toTag: dialog.remote.tag, status: response.status });
    this.sendAck(dialog, response.cseq.seq, credentials);
    this.sendInDialog(dialog, 'BYE', {}, {
      response: () => undefined,
      failed: (reason) => this.#ctx.logger.info('unwantedDialogByeFailed', { callId: response.callId, reason }),
    });
  }

  #sendKept(kept: KeptAck): void {
    const sent = kept.sent;
    if (sent === undefined) return;
    void this.#ctx.transactions.sendStateless(sent.ack, sent.target, sent.flowId).then((result) => {
      if (!result.ok) this.#ctx.logger.warn('ackNotSent', { callId: sent.ack.callId, code: result.error.code });
    });
  }

  /**
   * The next hop of a dialog (loose routing, §12.2.1.1): the first route, else the remote target, resolved once
   * (RFC 3263) and cached on the dialog until its remote target or route set changes.
   */
  async #nextHop(dialog: Dialog): Promise<Target> {
    if (dialog.hop !== undefined) return dialog.hop;
    if (!dialog.looseRouting) this.#ctx.logger.warn('strictRouteIgnored', { callId: dialog.callId, route: dialog.routeSet[0] ?? '' });
    const targets = await this.#ctx.resolver.resolve(dialog.nextHopUri);
    dialog.hop = targets[0];
    return targets[0]!;
  }

  /** A stream the dialog came in on is reused while it leads to the next hop (a phone behind NAT listens there). */
  #flowFor(dialog: Dialog, target: Target): string | undefined {
    const flow = dialog.flow;
    if (flow === undefined || target.protocol === 'udp' || flow.protocol !== target.protocol) return undefined;
    return flow.remote.host.toLowerCase() === target.host.toLowerCase() ? flow.id : undefined;
  }

  #build(dialog: Dialog, target: Target, sentBy: Address, method: string, seq: number, init: InDialogRequest): SipMessage {
    return createRequest({
      method,
      requestUri: dialog.remoteTarget,
      from: dialog.local,
      to: dialog.remote,
      callId: dialog.callId,
      cseq: seq,
      via: { protocol: target.protocol, sentBy },
      route: dialog.routeSet,
      ...(init.contact !== undefined ? { contact: init.contact } : {}),
      ...(init.headers !== undefined ? { headers: init.headers } : {}),
      ...(init.body !== undefined ? { body: init.body } : {}),
    });
  }
}
