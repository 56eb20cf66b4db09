// UserAgent: the façade the door application talks to: register, call, incoming calls, typed events.

import { Emitter } from '../../platform/Emitter.ts';
import { ACCEPT, ALLOW, SUPPORTED_EXTENSIONS as DIALOG_EXTENSIONS, unsupportedRequire } from '../dialog/index.ts';
import type { Call, CallEndReason, DialogLayerApi, IncomingCall, SessionDescriptionHandler } from '../dialog/types.ts';
import type { SipMessage } from '../message/index.ts';
import type { RegistrarApi } from '../registrar/types.ts';
import type { RegistrationClientApi, RegistrationEvents } from '../registration/types.ts';
import {
  type NonInviteServerTransaction, type Party, type ServerTransaction, type SipContext, InviteServerTransaction, hostport, randomToken,
} from '../transaction/index.ts';
import type { Address, Inbound, Target, TransportProtocol } from '../transport/types.ts';
import type { DigestClientApi } from '../auth/types.ts';
import { CallGroup } from './CallGroup.ts';
import { IncomingPolicy, type RefusalCounters, type RefusalReason, type TrustState } from './policy.ts';

/** Option tags an out-of-dialog request may require: the dialog layer's, and RFC 5626 outbound (our REGISTER's). */
const SUPPORTED_EXTENSIONS: readonly string[] = [...DIALOG_EXTENSIONS, 'outbound'];
const SUPPORTED = SUPPORTED_EXTENSIONS.join(', ');

export type UserAgentEvents = {
  registering(info: Parameters<RegistrationEvents['registering']>[0]): void;
  registered(info: Parameters<RegistrationEvents['registered']>[0]): void;
  registrationFailed(info: Parameters<RegistrationEvents['registrationFailed']>[0]): void;
  /** An INVITE passed the policy: the application rings, answers or rejects it. */
  callIncoming(call: IncomingCall, info: { readonly from: string; readonly source: Address }): void;
  callRinging(call: Call): void;
  callEstablished(call: Call): void;
  callClosed(call: Call, info: { readonly reason: CallEndReason; readonly status?: number }): void;
  dtmfReceived(call: Call, info: { readonly digit: string }): void;
  /** An out-of-dialog request was dropped by the policy (no response was sent). */
  requestRefused(info: { readonly method: string; readonly source: Address; readonly reason: RefusalReason }): void;
};

export type RegistrationClient = RegistrationClientApi & { readonly events: Emitter<RegistrationEvents> };
export type Registrar = RegistrarApi & { handle(transaction: NonInviteServerTransaction): void };

export interface UserAgentOptions {
  /** Our user part in From and in Contact (the unguessable token when registered). */
  readonly contactUser: string;
  /** Local users we answer to in standalone mode (e.g. `door`). */
  readonly localUsers?: readonly string[];
  /** Registered mode: the account's domain, for From and for dialled numbers without a domain. */
  readonly domain: string;
  readonly displayName?: string;
  readonly protocol: TransportProtocol;
  /** Outbound proxy or registrar URI every outgoing call is sent to (registered mode). */
  readonly proxy?: string;
  readonly allowList?: readonly string[];
  readonly userAgent?: string;
}

export interface UserAgentParts {
  readonly dialogs: DialogLayerApi;
  /** Registered mode. */
  readonly registration?: RegistrationClient;
  readonly digest?: DigestClientApi;
  /** Standalone mode. */
  readonly registrar?: Registrar;
  /** Makes the media side of one call (sip/ua is the one place media is plugged in). */
  readonly media: () => SessionDescriptionHandler;
}

export class UserAgent {
  readonly events: Emitter<UserAgentEvents>;
  readonly policy: IncomingPolicy;
  readonly #ctx: SipContext;
  readonly #options: UserAgentOptions;
  readonly #parts: UserAgentParts;
  readonly #onListenerError: (event: string, error: unknown) => void;
  /** What the policy knows of the built-in registrar (standalone mode); fixed, unlike the registration's state. */
  readonly #registrarTrust: TrustState['registrar'];
  #registered = false;

  constructor(ctx: SipContext, options: UserAgentOptions, parts: UserAgentParts) {
    this.#ctx = ctx;
    this.#options = options;
    this.#parts = parts;
    this.#onListenerError = (event, error) => ctx.logger.error('listenerFailed', { event, error: String(error) });
    this.events = new Emitter(this.#onListenerError);
    this.policy = new IncomingPolicy({ clock: ctx.clock, logger: ctx.logger, ...(options.allowList !== undefined ? { allowList: options.allowList } : {}) });
    const registrar = parts.registrar;
    this.#registrarTrust = registrar === undefined ? undefined : {
      isRegisteredSource: (source) => registrar.bindingFor(source) !== undefined,
      localUsers: [...(options.localUsers ?? []), options.contactUser],
    };
    const registration = parts.registration;
    if (registration !== undefined) {
      registration.events.on('registering', (info) => this.events.emit('registering', info));
      registration.events.on('registered', (info) => {
        this.#registered = true;
        this.events.emit('registered', info);
      });
      registration.events.on('registrationFailed', (info) => {
        this.#registered = false;
        this.events.emit('registrationFailed', info);
      });
    }
    ctx.transactions.setUser({
      screen: (request, inbound) => this.#screen(request, inbound),
      screenSource: (inbound, method) => this.#refused(this.policy.checkSource(inbound, this.#trust(), method), method ?? '', inbound),
      request: (tx) => this.#request(tx),
      ack: (ack) => parts.dialogs.ack(ack),
      strayResponse: (response) => parts.dialogs.strayResponse(response),
    });
  }

  /** Refused out-of-dialog requests by reason. */
  get refusals(): RefusalCounters {
    return this.policy.counters;
  }

  get registered(): boolean {
    return this.#registered;
  }

  start(): void {
    this.#parts.registration?.start();
  }

  /** Ends every call, then un-registers. */
  async stop(): Promise<void> {
    await this.#parts.dialogs.closeAll();
    await this.#parts.registration?.stop();
  }

  /**
   * Calls every target at once and returns them as one call (the first to answer wins).
   * Standalone mode: a target is a local user name, rung on every phone registered for it.
   * Registered mode: a target is a number or SIP URI, sent through the proxy/registrar.
   */
  async call(targets: readonly string[]): Promise<Call> {
    const members: Call[] = [];
    for (const target of targets) members.push(...(await this.#invites(target)));
    const group = new CallGroup(`call-${randomToken(6)}`, members, this.#onListenerError);
    this.#forward(group);
    return group;
  }

  async #invites(target: string): Promise<Call[]> {
    const { dialogs, registrar, digest } = this.#parts;
    if (registrar !== undefined && !target.includes(':') && !target.includes('@')) {
      return registrar.lookup(target).map((binding) => dialogs.invite({
        uri: binding.contact,
        target: { protocol: binding.protocol, host: binding.source.host, port: binding.source.port },
        from: this.#fromParty(),
        to: { uri: `sip:${target}@${this.#options.domain}` },
        contact: this.#contact(binding.protocol),
        sdh: this.#parts.media(),
      }));
    }
    const uri = /^sips?:/i.test(target) ? target : `sip:${target.includes('@') ? target : `${target}@${this.#options.domain}`}`;
    const next = await this.#proxyTarget(uri);
    if (next === undefined) return [];
    return [dialogs.invite({
      uri,
      target: next,
      from: this.#fromParty(),
      to: { uri },
      contact: this.#contact(next.protocol),
      sdh: this.#parts.media(),
      // Challenges are answered only on the way through our own proxy/registrar (SIPDigestLeak).
      ...(digest !== undefined ? { authenticate: (response: SipMessage, request: SipMessage) => digest.answer(response, request) } : {}),
    })];
  }

  async #proxyTarget(uri: string): Promise<Target | undefined> {
    try {
      const targets = await this.#ctx.resolver.resolve(this.#options.proxy ?? uri);
      return targets[0];
    } catch (err) {
      this.#ctx.logger.warn('callTargetUnresolved', { uri, error: String(err) });
      return undefined;
    }
  }

  /** Our From without tag: the dialog layer adds a fresh one to each INVITE. */
  #fromParty(): Party {
    return {
      uri: `sip:${this.#options.contactUser}@${this.#options.domain}`,
      ...(this.#options.displayName !== undefined ? { displayName: this.#options.displayName } : {}),
    };
  }

  #contact(protocol: TransportProtocol): string {
    const sentBy = this.#ctx.transport.publicAddress ?? this.#ctx.transport.sentBy(protocol) ?? { host: '0.0.0.0', port: 5060 };
    return `<sip:${this.#options.contactUser}@${hostport(sentBy)};transport=${protocol}>`;
  }

  /**
   * New requests before any transaction: out of dialog, the whole policy; in dialog, a request of one of our
   * dialogs always passes (no rate limit may delay a hang-up), one matching none passes only from a source we
   * trust (to get its 481) and within that source's rate. Refusals get no answer.
   */
  #screen(request: SipMessage, inbound: Inbound): boolean {
    if (request.to.tag === undefined) return this.#refused(this.policy.check(request, inbound, this.#trust()), request.method, inbound);
    if (this.#parts.dialogs.matches(request)) return true;
    return this.#refused(this.policy.checkSource(inbound, this.#trust(), request.method), request.method, inbound);
  }

  /** What the policy needs to know now: the registration's state changes, the registrar's view does not. */
  #trust(): TrustState {
    const registration = this.#parts.registration;
    const registrar = this.#registrarTrust;
    return {
      ...(registration !== undefined
        ? { registration: { registered: this.#registered, trustedSources: registration.trustedSources, flowId: registration.flowId, contactUser: this.#options.contactUser } }
        : {}),
      ...(registrar !== undefined ? { registrar } : {}),
    };
  }

  /** True when nothing was refused; else reports the refusal (the policy already counted and summarised it). */
  #refused(reason: RefusalReason | undefined, method: string, inbound: Inbound): boolean {
    if (reason === undefined) return true;
    this.events.emit('requestRefused', { method, source: inbound.source, reason });
    return false;
  }

  #request(tx: ServerTransaction): void {
    if (this.#parts.dialogs.request(tx)) return;
    const request = tx.request;
    const unsupported = unsupportedRequire(request, SUPPORTED_EXTENSIONS);
    if (unsupported.length > 0) {
      tx.respond({ status: 420, reason: 'Bad Extension', headers: [['Unsupported', unsupported.join(', ')]] });
      return;
    }
    switch (request.method) {
      case 'INVITE':
        this.#incoming(tx as InviteServerTransaction);
        return;
      case 'OPTIONS':
        tx.respond({ status: 200, reason: 'OK', headers: [['Allow', ALLOW], ['Accept', ACCEPT], ['Supported', SUPPORTED]] });
        return;
      case 'REGISTER':
        if (this.#parts.registrar !== undefined) this.#parts.registrar.handle(tx as NonInviteServerTransaction);
        else tx.respond({ status: 405, reason: 'Method Not Allowed', headers: [['Allow', ALLOW]] });
        return;
      case 'BYE':
      case 'INFO':
      case 'UPDATE':
        tx.respond({ status: 481, reason: 'Call/Transaction Does Not Exist' });
        return;
      default:
        tx.respond({ status: 405, reason: 'Method Not Allowed', headers: [['Allow', ALLOW]] });
    }
  }

  #incoming(tx: InviteServerTransaction): void {
    const call = this.#parts.dialogs.incoming(tx, { contact: this.#contact(tx.inbound.flow.protocol), sdh: this.#parts.media() });
    this.#forward(call);
    if (this.events.listenerCount('callIncoming') === 0) {
      call.reject(480, 'Temporarily Unavailable');
      return;
    }
    this.events.emit('callIncoming', call, { from: tx.request.from.uri, source: tx.inbound.source });
  }

  /** Re-emits a call's events as the UA's call events. */
  #forward(call: Call): void {
    call.events.on('ringing', () => this.events.emit('callRinging', call));
    call.events.on('established', () => this.events.emit('callEstablished', call));
    call.events.on('dtmfReceived', (info) => this.events.emit('dtmfReceived', call, info));
    call.events.on('ended', (info) => this.events.emit('callClosed', call, info));
  }
}
