// An outgoing call, UAC side (RFC 3261 §13.2, §9.1 CANCEL, §8.1.3.4 redirects, §22 authentication, RFC 4028
// session timers, RFC 6026 2xx handling, RFC 3263 §4.3 failover, RFC 3326 Reason): forks, early dialogs, the ACK of
// the 2xx and every unwanted 2xx. Where its INVITEs go is InviteTargets' part; whom it answers challenges for,
// InviteCredentials'.

import { errorMessage } from '../../errors.ts';
import type { TimerHandle } from '../../platform/Clock.ts';
import type { Emitter } from '../../platform/Emitter.ts';
import { type SipMessage, parseMessage, serializeMessage } from '../message/index.ts';
import { type Party, createRequest, randomToken } from '../transaction/index.ts';
import type { Address } from '../transport/types.ts';
import { Dialog, requestUriOf } from './Dialog.ts';
import { ALLOW, SUPPORTED, allows, bodyOf, credentialHeaders, isHeaderValue } from './headers.ts';
import { InviteCredentials } from './InviteCredentials.ts';
import { InviteTargets } from './InviteTargets.ts';
import type { LayerServices } from './services.ts';
import { Session } from './Session.ts';
import { DEFAULT_SESSION_EXPIRES_S, MIN_SE_S, parseMinSE, termsOfResponse } from './sessionTimer.ts';
import type { Call, CallEvents, CallState, HangupOptions, OutgoingCallOptions, SessionBody } from './types.ts';

/** §8.1.3.4 leaves the limit to us; the brief of this layer says five hops. */
const MAX_REDIRECTS = 5;
/** RFC 4028 §7.4: retry after a 422 with the Min-SE asked for; twice is plenty. */
const MAX_INTERVAL_RETRIES = 2;

type Headers = Array<readonly [string, string]>;

/** The q-value of a Contact (§20.10), 1 when absent or malformed. */
function qOf(params: ReadonlyMap<string, string | null>): number {
  const q = Number(params.get('q') ?? '1');
  return Number.isFinite(q) ? q : 1;
}

export class OutgoingCall implements Call {
  readonly direction = 'outgoing' as const;
  readonly #session: Session;
  readonly #svc: LayerServices;
  readonly #options: OutgoingCallOptions;
  readonly #callId = randomToken(16);
  readonly #local: Party & { tag: string };
  readonly #to: Party;
  readonly #credentials: InviteCredentials;
  readonly #targets: InviteTargets;
  readonly #early = new Map<string, Dialog>();
  #cseq = 1;
  #requestUri: string;
  #sessionExpires: number;
  #minSE: number | undefined;
  #redirects = 0;
  #intervalRetries = 0;
  #offer: SessionBody | undefined;
  /** The INVITE on the wire now (a redirect or a challenge replaces it). */
  #invite: SipMessage | undefined;
  #provisional = false;
  #final = false;
  #cancelWanted = false;
  #cancelSent = false;
  /** RFC 3326 Reason for the CANCEL (a call group's other phones: "Call completed elsewhere"). */
  #cancelReason: string | undefined;
  #giveUp: TimerHandle | undefined;

  constructor(svc: LayerServices, options: OutgoingCallOptions) {
    this.#svc = svc;
    this.#options = options;
    this.#requestUri = options.uri;
    const targets = 'protocol' in options.target ? [options.target] : options.target;
    if (targets.length === 0) throw new TypeError('an outgoing call needs at least one target');
    // RFC 4028 §4: nobody may ask for less than 90 s; 0 turns session timers off.
    const asked = options.sessionExpires ?? DEFAULT_SESSION_EXPIRES_S;
    this.#sessionExpires = asked > 0 ? Math.max(MIN_SE_S, Math.floor(asked)) : 0;
    this.#local = { ...options.from, tag: randomToken(8) };
    this.#to = options.to.displayName === undefined ? { uri: options.to.uri } : { uri: options.to.uri, displayName: options.to.displayName };
    this.#session = new Session(svc, { direction: 'outgoing', remote: this.#to, sdh: options.sdh, contact: options.contact, shutdown: () => this.hangup() });
    this.#targets = new InviteTargets(svc.ctx, this.id, targets, options.flowId, {
      begin: (attempt) => {
        if (attempt > 0) this.#cseq++;
        // A hangup from now on CANCELs this attempt, once it has a provisional response of its own (§9.1).
        this.#provisional = false;
        this.#cancelSent = false;
      },
      proceed: () => this.#proceed(),
      build: (sentBy) => this.#buildInvite(sentBy),
      response: (invite, response) => this.#onResponse(invite, response),
      failed: (kind) => this.#session.end(kind),
    });
    this.#session.onEnd(() => this.#cleanup());
    this.#credentials = new InviteCredentials(options.authenticate, svc.ctx.logger, this.id);
    svc.inviteSent(this.#callId, this.#local.tag);
    options.sdh.createOffer().then(
      (offer) => {
        if (this.#session.ended) return;
        this.#offer = offer;
        this.#session.localBody = offer;
        this.#targets.send();
      },
      (error: unknown) => {
        svc.ctx.logger.warn('offerFailed', { call: this.id, error: errorMessage(error) });
        this.#session.end('failed');
      },
    );
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

  /**
   * Confirmed: BYE. Pending: CANCEL (§9.1), but only once a provisional response arrived ("If no provisional
   * response has been received, the CANCEL request MUST NOT be sent"), with `options.reason` as its Reason (RFC
   * 3326); no further failover target is tried. The call ends with the INVITE's final response, or 64·T1 later
   * without one. Before anything is on the wire: ends at once.
   */
  hangup(options: HangupOptions = {}): void {
    const session = this.#session;
    if (session.ended) return;
    if (session.dialog !== undefined) {
      session.bye('localBye');
      return;
    }
    if (this.#invite === undefined || this.#final) {
      session.end('cancelled');
      return;
    }
    if (this.#cancelWanted) return;
    this.#cancelWanted = true;
    this.#targets.stop();
    if (options.reason !== undefined) {
      if (isHeaderValue(options.reason)) this.#cancelReason = options.reason;
      else this.#svc.ctx.logger.warn('cancelReasonDropped', { call: this.id });
    }
    this.#giveUp = this.#svc.ctx.clock.setTimer(64 * this.#svc.timers.T1, () => session.end('timeout'));
    if (this.#provisional) this.#sendCancel();
  }

  /** Whether the INVITE of an attempt still goes out once our address toward its target is known. */
  #proceed(): boolean {
    if (this.#session.ended) return false;
    if (this.#cancelWanted) {
      // Hung up while the next failover target was being looked up: nothing of this attempt is on the wire yet.
      this.#session.end('cancelled');
      return false;
    }
    return true;
  }

  #buildInvite(sentBy: Address): SipMessage | undefined {
    let invite: SipMessage;
    try {
      invite = this.#credentials.headersFor((credentials: Headers): SipMessage => createRequest({
        method: 'INVITE',
        requestUri: this.#requestUri,
        from: this.#local,
        to: this.#to,
        callId: this.#callId,
        cseq: this.#cseq,
        via: { protocol: this.#targets.current.protocol, sentBy },
        contact: this.#options.contact,
        ...(this.#options.route !== undefined ? { route: this.#options.route } : {}),
        headers: [...this.#extensionHeaders(), ...credentials, ...(this.#options.headers ?? [])], // createRequest adds Content-Type with the body
        ...(this.#offer !== undefined ? { body: this.#offer } : {}),
      }));
    } catch (error) {
      this.#svc.ctx.logger.warn('inviteNotBuilt', { call: this.id, error: errorMessage(error) });
      this.#session.end('failed');
      return undefined;
    }
    this.#invite = invite;
    this.#final = false;
    return invite;
  }

  /** Allow, and the RFC 4028 headers when we ask for a session timer. */
  #extensionHeaders(): Headers {
    const headers: Headers = [['Allow', ALLOW]];
    if (this.#sessionExpires > 0) {
      headers.push(['Supported', SUPPORTED], ['Session-Expires', String(this.#sessionExpires)]);
      if (this.#minSE !== undefined) headers.push(['Min-SE', String(this.#minSE)]);
    }
    return headers;
  }

  #onResponse(invite: SipMessage, response: SipMessage): void {
    if (response.status >= 200 && response.status < 300) {
      this.#on2xx(invite, response);
      return;
    }
    if (invite !== this.#invite || this.#session.ended || this.#final) return;
    if (response.status < 200) this.#onProvisional(invite, response);
    else this.#onRejected(response);
  }

  #onProvisional(invite: SipMessage, response: SipMessage): void {
    const session = this.#session;
    // A 18x also ended the failover (failover.ts): a later 503 is the call's answer, not a reason to ring elsewhere.
    this.#provisional = true;
    if (this.#cancelWanted) {
      if (!this.#cancelSent) this.#sendCancel();
      return;
    }
    if (response.status === 100) return;
    const tag = response.to.tag;
    if (tag !== undefined) {
      // §12.1.2: a 1xx with a To tag creates an early dialog, one per fork.
      const known = this.#early.get(tag);
      if (known !== undefined) {
        known.refreshTarget(response);
      } else {
        const dialog = Dialog.uac(response, { secureTransport: this.#targets.current.protocol === 'tls', fallbackTarget: invite.requestUri });
        this.#early.set(tag, dialog);
        this.#svc.register(dialog, session);
      }
      if (session.state === 'calling') session.state = 'early';
    }
    session.events.emit('ringing', { status: response.status, reason: response.reason, early: tag !== undefined });
    // RFC 3960: SDP in a 18x is early media (an announcement, the PBX's ringback); a 180 without it, we ring locally.
    const early = bodyOf(response);
    if (early !== undefined) session.sdh.earlyAnswer?.(early);
    else if (response.status === 180) session.sdh.alerting?.();
  }

  /**
   * §13.2.2.4: every 2xx is ACKed. The first one confirms the call; a retransmission gets the same ACK again; a
   * 2xx of another fork, or one that comes after we gave up, is ACKed and then ended with a BYE.
   */
  #on2xx(invite: SipMessage, response: SipMessage): void {
    const session = this.#session;
    if (this.#svc.reAck(response)) return;
    const credentials = credentialHeaders(invite);
    const tag = response.to.tag;
    if (session.dialog !== undefined || session.ended || invite !== this.#invite || this.#final || tag === undefined) {
      this.#svc.ackAndBye(response, credentials, invite.requestUri);
      return;
    }
    this.#final = true;
    this.#giveUp?.cancel();
    let dialog = this.#early.get(tag);
    if (dialog !== undefined) dialog.confirm(response);
    else dialog = Dialog.uac(response, { secureTransport: this.#targets.current.protocol === 'tls', fallbackTarget: invite.requestUri });
    this.#dropEarly(dialog);
    this.#svc.register(dialog, session);
    session.dialog = dialog;
    session.peerAllowsUpdate = allows(response, 'UPDATE');
    this.#svc.sendAck(dialog, response.cseq.seq, credentials);
    if (this.#cancelWanted) {
      session.bye('cancelled'); // §9.1: the 200 crossed our CANCEL
      return;
    }
    const answer = bodyOf(response);
    if (answer === undefined) {
      this.#svc.ctx.logger.warn('noAnswerIn2xx', { call: this.id });
      session.bye('failed');
      return;
    }
    session.remoteBody = answer;
    session.sdh.setAnswer(answer).then(
      () => session.establish(termsOfResponse(response)),
      (error: unknown) => {
        this.#svc.ctx.logger.warn('answerRejected', { call: this.id, error: errorMessage(error) });
        session.bye('failed');
      },
    );
  }

  #onRejected(response: SipMessage): void {
    const session = this.#session;
    const status = response.status;
    this.#final = true;
    this.#giveUp?.cancel();
    this.#dropEarly(undefined);
    if (this.#cancelWanted) {
      session.end('cancelled', status);
      return;
    }
    if (status < 400 && this.#redirect(response)) return;
    if ((status === 401 || status === 407) && this.#authenticate(response)) return;
    if (status === 422 && this.#widenInterval(response)) return;
    session.end('rejected', status);
  }

  /** §8.1.3.4: the same request to the best Contact of the 3xx (highest q, first of equals), same Call-ID and tags. */
  #redirect(response: SipMessage): boolean {
    const contacts = response.contact;
    if (this.#options.followRedirects === false || this.#redirects >= MAX_REDIRECTS || contacts === '*' || contacts.length === 0) return false;
    const best = [...contacts].sort((a, b) => qOf(b.params) - qOf(a.params))[0]!;
    const uri = requestUriOf(best.uri);
    if (!/^sips?:/i.test(uri)) return false;
    this.#redirects++;
    this.#requestUri = uri;
    this.#cseq++;
    const routed = (this.#options.route?.length ?? 0) > 0;
    this.#credentials.redirected();
    if (routed) {
      this.#targets.again(); // our outbound proxy takes it there
      return true;
    }
    this.#svc.ctx.resolver.resolve(uri).then(
      (targets) => {
        if (this.#session.ended) return;
        this.#targets.send(targets);
      },
      (error: unknown) => {
        this.#svc.ctx.logger.info('redirectUnresolved', { call: this.id, uri, error: errorMessage(error) });
        this.#session.end('rejected', response.status);
      },
    );
    return true;
  }

  /** §22.2: the same INVITE with credentials and the next CSeq, to whom InviteCredentials allows. */
  #authenticate(response: SipMessage): boolean {
    if (!this.#credentials.challenged(response, this.#invite!)) return false;
    this.#cseq++;
    this.#targets.again();
    return true;
  }

  /** RFC 4028 §7.4: 422 Session Interval Too Small: again with the Min-SE it names. */
  #widenInterval(response: SipMessage): boolean {
    const minSE = parseMinSE(response);
    if (minSE === undefined || this.#sessionExpires === 0 || this.#intervalRetries >= MAX_INTERVAL_RETRIES) return false;
    this.#intervalRetries++;
    this.#sessionExpires = Math.max(this.#sessionExpires, minSE);
    this.#minSE = minSE;
    this.#cseq++;
    this.#targets.again();
    return true;
  }

  /**
   * §9.1: "The Request-URI, Call-ID, To, the numeric part of CSeq, and From header fields in the CANCEL request
   * MUST be identical to those in the request being cancelled, including tags", the single Via too (so it matches
   * the INVITE's branch), and the Route header fields.
   */
  #sendCancel(): void {
    const invite = this.#invite!;
    this.#cancelSent = true;
    const headers: Array<[string, string]> = [['Via', invite.headers('via')[0]!], ['Max-Forwards', '70']];
    for (const route of invite.headers('route')) headers.push(['Route', route]);
    headers.push(['From', invite.header('from')!], ['To', invite.header('to')!], ['Call-ID', invite.callId], ['CSeq', `${invite.cseq.seq} CANCEL`]);
    if (this.#cancelReason !== undefined) headers.push(['Reason', this.#cancelReason]);
    const cancel = parseMessage(serializeMessage({ isRequest: true, method: 'CANCEL', requestUri: invite.requestUri, headers }));
    const log = (outcome: string): void => this.#svc.ctx.logger.debug('cancelOutcome', { call: this.id, outcome });
    this.#svc.ctx.transactions.sendRequest(cancel, this.#targets.current, {
      response: (response) => log(String(response.status)),
      timeout: () => log('timeout'),
      transportError: () => log('transportError'),
    }, this.#targets.flowId());
  }

  /** Forgets the early dialogs but `keep`. */
  #dropEarly(keep: Dialog | undefined): void {
    for (const dialog of this.#early.values()) if (dialog !== keep) this.#svc.unregister(dialog);
    this.#early.clear();
  }

  #cleanup(): void {
    this.#giveUp?.cancel();
    this.#targets.stop();
    this.#dropEarly(undefined);
    this.#svc.inviteEnded(this.#callId, this.#local.tag, () => this.#targets.alive);
  }
}
