// An outgoing call, UAC side (RFC 3261 §13.2, §9.1 CANCEL, §8.1.3.4 redirects, §22 authentication, RFC 4028
// session timers, RFC 6026 2xx handling): forks, early dialogs, the ACK of the 2xx and every unwanted 2xx.

import { errorMessage } from '../../errors.ts';
import type { TimerHandle } from '../../platform/Clock.ts';
import type { Emitter } from '../../platform/Emitter.ts';
import { type SipMessage, parseMessage, serializeMessage } from '../message/index.ts';
import { type Party, createRequest, randomToken } from '../transaction/index.ts';
import type { Address, Target } from '../transport/types.ts';
import { Dialog, requestUriOf } from './Dialog.ts';
import { ALLOW, SUPPORTED, allows, bodyOf, credentialHeaders } from './headers.ts';
import type { LayerServices } from './services.ts';
import { Session } from './Session.ts';
import { DEFAULT_SESSION_EXPIRES_S, MIN_SE_S, parseMinSE, termsOfResponse } from './sessionTimer.ts';
import type { Call, CallEvents, CallState, OutgoingCallOptions, SessionBody } from './types.ts';

/** §8.1.3.4 leaves the limit to us; the brief of this layer says five hops. */
const MAX_REDIRECTS = 5;
/** One answer per challenge kind is normal (407 from the proxy, then 401 from the far end); more means a loop. */
const MAX_AUTH_ATTEMPTS = 3;
/** RFC 4028 §7.4: retry after a 422 with the Min-SE asked for; twice is plenty. */
const MAX_INTERVAL_RETRIES = 2;

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
  readonly #credentials = new Map<string, string>();
  readonly #early = new Map<string, Dialog>();
  #cseq = 1;
  #requestUri: string;
  #target: Target;
  #sessionExpires: number;
  #minSE: number | undefined;
  #authAttempts = 0;
  #redirects = 0;
  #intervalRetries = 0;
  /** Digest answers only go to the configured proxy/registrar: not to a target a redirect named. */
  #mayAuthenticate = true;
  #offer: SessionBody | undefined;
  /** The INVITE on the wire now (a redirect or a challenge replaces it). */
  #invite: SipMessage | undefined;
  #provisional = false;
  #final = false;
  #cancelWanted = false;
  #cancelSent = false;
  #giveUp: TimerHandle | undefined;

  constructor(svc: LayerServices, options: OutgoingCallOptions) {
    this.#svc = svc;
    this.#options = options;
    this.#requestUri = options.uri;
    this.#target = options.target;
    // RFC 4028 §4: nobody may ask for less than 90 s; 0 turns session timers off.
    const asked = options.sessionExpires ?? DEFAULT_SESSION_EXPIRES_S;
    this.#sessionExpires = asked > 0 ? Math.max(MIN_SE_S, Math.floor(asked)) : 0;
    this.#local = { ...options.from, tag: randomToken(8) };
    this.#to = options.to.displayName === undefined ? { uri: options.to.uri } : { uri: options.to.uri, displayName: options.to.displayName };
    this.#session = new Session(svc, { direction: 'outgoing', remote: this.#to, sdh: options.sdh, contact: options.contact, shutdown: () => this.hangup() });
    this.#session.onEnd(() => this.#cleanup());
    options.sdh.createOffer().then(
      (offer) => {
        if (this.#session.ended) return;
        this.#offer = offer;
        this.#session.localBody = offer;
        this.#sendInvite();
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
   * response has been received, the CANCEL request MUST NOT be sent"); the call ends with the INVITE's final
   * response, or 64·T1 later without one. Before anything is on the wire: ends at once.
   */
  hangup(): void {
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
    this.#giveUp = this.#svc.ctx.clock.setTimer(64 * this.#svc.timers.T1, () => session.end('timeout'));
    if (this.#provisional) this.#sendCancel();
  }

  /** The flow the caller asked for (RFC 5626: the registration's), while the INVITE still goes where it leads. */
  #flowId(): string | undefined {
    const first = this.#options.target;
    const now = this.#target;
    const same = now.protocol === first.protocol && now.host === first.host && now.port === first.port;
    return same ? this.#options.flowId : undefined;
  }

  #sendInvite(): void {
    const target = this.#target;
    const ctx = this.#svc.ctx;
    // Our Via and Contact name the address the kernel uses toward this target, never the 0.0.0.0 we listen on.
    void ctx.transport.localAddress(target, this.#flowId()).then((sentBy) => {
      if (this.#session.ended || target !== this.#target) return;
      if (sentBy === undefined) {
        ctx.logger.warn('noTransport', { call: this.id, protocol: target.protocol, target: `${target.host}:${target.port}` });
        this.#session.end('transportError');
        return;
      }
      this.#transmitInvite(sentBy);
    });
  }

  #transmitInvite(sentBy: Address): void {
    const session = this.#session;
    const ctx = this.#svc.ctx;
    const headers: Array<readonly [string, string]> = [['Allow', ALLOW]];
    if (this.#sessionExpires > 0) {
      headers.push(['Supported', SUPPORTED], ['Session-Expires', String(this.#sessionExpires)]);
      if (this.#minSE !== undefined) headers.push(['Min-SE', String(this.#minSE)]);
    }
    for (const [name, value] of this.#credentials) headers.push([name, value]);
    headers.push(...(this.#options.headers ?? [])); // createRequest adds Content-Type with the body
    let invite: SipMessage;
    try {
      invite = createRequest({
        method: 'INVITE',
        requestUri: this.#requestUri,
        from: this.#local,
        to: this.#to,
        callId: this.#callId,
        cseq: this.#cseq,
        via: { protocol: this.#target.protocol, sentBy },
        contact: this.#options.contact,
        ...(this.#options.route !== undefined ? { route: this.#options.route } : {}),
        headers,
        ...(this.#offer !== undefined ? { body: this.#offer } : {}),
      });
    } catch (error) {
      ctx.logger.warn('inviteNotBuilt', { call: this.id, error: errorMessage(error) });
      session.end('failed');
      return;
    }
    this.#invite = invite;
    this.#provisional = false;
    this.#final = false;
    ctx.transactions.sendRequest(invite, this.#target, {
      response: (response) => this.#onResponse(invite, response),
      timeout: () => this.#onFailure(invite, 'timeout'),
      transportError: () => this.#onFailure(invite, 'transportError'),
    }, this.#flowId());
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
        const dialog = Dialog.uac(response, { secureTransport: this.#target.protocol === 'tls', fallbackTarget: invite.requestUri });
        this.#early.set(tag, dialog);
        this.#svc.register(dialog, session);
      }
      if (session.state === 'calling') session.state = 'early';
    }
    session.events.emit('ringing', { status: response.status, reason: response.reason, early: tag !== undefined });
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
    else dialog = Dialog.uac(response, { secureTransport: this.#target.protocol === 'tls', fallbackTarget: invite.requestUri });
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
    if ((this.#options.route?.length ?? 0) > 0) {
      this.#sendInvite(); // our outbound proxy takes it there
      return true;
    }
    this.#mayAuthenticate = false;
    this.#svc.ctx.resolver.resolve(uri).then(
      (targets) => {
        if (this.#session.ended) return;
        this.#target = targets[0]!;
        this.#sendInvite();
      },
      (error: unknown) => {
        this.#svc.ctx.logger.info('redirectUnresolved', { call: this.id, uri, error: errorMessage(error) });
        this.#session.end('rejected', response.status);
      },
    );
    return true;
  }

  /** §22.2: the same INVITE with credentials and the next CSeq, only towards the configured proxy/registrar. */
  #authenticate(response: SipMessage): boolean {
    const authenticate = this.#options.authenticate;
    if (authenticate === undefined || !this.#mayAuthenticate || this.#authAttempts >= MAX_AUTH_ATTEMPTS) return false;
    let answer;
    try {
      answer = authenticate(response, this.#invite!);
    } catch (error) {
      this.#svc.ctx.logger.warn('authenticateFailed', { call: this.id, error: errorMessage(error) });
      return false;
    }
    if (!answer.ok) {
      this.#svc.ctx.logger.info('challengeNotAnswered', { call: this.id, reason: answer.reason });
      return false;
    }
    this.#authAttempts++;
    this.#credentials.set(answer.header, answer.value);
    this.#cseq++;
    this.#sendInvite();
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
    this.#sendInvite();
    return true;
  }

  #onFailure(invite: SipMessage, kind: 'timeout' | 'transportError'): void {
    if (invite !== this.#invite || this.#final) return;
    this.#session.end(kind);
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
    const cancel = parseMessage(serializeMessage({ isRequest: true, method: 'CANCEL', requestUri: invite.requestUri, headers }));
    const log = (outcome: string): void => this.#svc.ctx.logger.debug('cancelOutcome', { call: this.id, outcome });
    this.#svc.ctx.transactions.sendRequest(cancel, this.#target, {
      response: (response) => log(String(response.status)),
      timeout: () => log('timeout'),
      transportError: () => log('transportError'),
    }, this.#flowId());
  }

  /** Forgets the early dialogs but `keep`. */
  #dropEarly(keep: Dialog | undefined): void {
    for (const dialog of this.#early.values()) if (dialog !== keep) this.#svc.unregister(dialog);
    this.#early.clear();
  }

  #cleanup(): void {
    this.#giveUp?.cancel();
    this.#dropEarly(undefined);
  }
}
