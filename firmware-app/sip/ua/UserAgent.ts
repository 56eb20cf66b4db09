// UserAgent: the façade the door application talks to: register, call, incoming calls, typed events.

import { errorMessage } from '../../errors.ts';
import { Emitter } from '../../platform/Emitter.ts';
import { ACCEPT, ALLOW, SUPPORTED_EXTENSIONS as DIALOG_EXTENSIONS, unsupportedRequire } from '../dialog/index.ts';
import type { Call, CallEndReason, DialogLayerApi, IncomingCall, SessionDescriptionHandler, SessionMediaContext, MediaReport } from '../dialog/types.ts';
import type { SipMessage } from '../message/index.ts';
import type { RegistrarApi } from '../registrar/types.ts';
import type { RegistrationClientApi, RegistrationEvents } from '../registration/types.ts';
import {
  type NonInviteServerTransaction, type Party, type ServerTransaction, type SipContext, InviteServerTransaction, hostport, randomToken,
} from '../transaction/index.ts';
import { bareHost } from '../transport/flows.ts';
import type { Address, Inbound, Target, TransportProtocol } from '../transport/types.ts';
import type { DigestClientApi } from '../auth/types.ts';
import { CallGroup } from './CallGroup.ts';
import { CallMedia } from './CallMedia.ts';
import { IncomingPolicy, type RefusalCounters, type RefusalReason, type TrustState } from './policy.ts';

/** Option tags an out-of-dialog request may require: the dialog layer's, and RFC 5626 outbound (our REGISTER's). */
const SUPPORTED_EXTENSIONS: readonly string[] = [...DIALOG_EXTENSIONS, 'outbound'];
const SUPPORTED = SUPPORTED_EXTENSIONS.join(', ');

export type UserAgentEvents = {
  registering(info: Parameters<RegistrationEvents['registering']>[0]): void;
  registered(info: Parameters<RegistrationEvents['registered']>[0]): void;
  registrationFailed(info: Parameters<RegistrationEvents['registrationFailed']>[0]): void;
  /**
   * An INVITE passed the policy: the application rings, answers or rejects it. `user` is the built-in registrar's
   * user whose phone registered from `source` (authenticated by digest, unlike From, which the caller writes).
   */
  callIncoming(call: IncomingCall, info: { readonly from: string; readonly source: Address; readonly user?: string }): void;
  callRinging(call: Call): void;
  callEstablished(call: Call): void;
  callClosed(call: Call, info: { readonly reason: CallEndReason; readonly status?: number }): void;
  /** A DTMF digit of the far end, once per key press, in order: RFC 4733 telephone-event or SIP INFO. */
  dtmfReceived(call: Call, info: { readonly digit: string; readonly durationMs?: number; readonly source: 'rfc4733' | 'info' }): void;
  /** A call's RTP started (codec, far end, SRTP) or stopped (its counters). */
  mediaStarted(call: Call, report: MediaReport): void;
  mediaStopped(call: Call, report: MediaReport): void;
  /** An out-of-dialog request was dropped by the policy (no response was sent). */
  requestRefused(info: { readonly method: string; readonly source: Address; readonly reason: RefusalReason }): void;
};

export type RegistrationClient = RegistrationClientApi & { readonly events: Emitter<RegistrationEvents> };
export type Registrar = RegistrarApi & { handle(transaction: NonInviteServerTransaction): void };

export interface UserAgentOptions {
  /** Our user part in Contact: the unguessable token; it never leaves the device in any other header. */
  readonly contactUser: string;
  /**
   * Registered mode: the account's address of record (`sip:user@domain`), our From on every call, because a PBX
   * checks the From user against the digest user. Standalone: From is `sip:{first local user}@{our address}`.
   */
  readonly aor?: string;
  /** Local users we answer to in standalone mode (e.g. `door`). */
  readonly localUsers?: readonly string[];
  /** Registered mode: the account's domain, for From and for dialled numbers without a domain. */
  readonly domain: string;
  readonly displayName?: string;
  /**
   * Registered mode, while not registered: the outbound proxy or registrar URI (with the account's `transport=`)
   * a call is sent to, and the Route set to put on it (the outbound proxy's). While registered, calls follow
   * the registration's target, flow and route instead.
   */
  readonly proxy?: string;
  readonly proxyRoute?: readonly string[];
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
  /**
   * Makes the media side of one call (sip/ua is the one place media is plugged in), given the local address the
   * call's signalling uses toward the far end: the SDP names the same real address as our Contact and Via.
   */
  readonly media: (local: Address, context: SessionMediaContext) => SessionDescriptionHandler;
}

export class UserAgent {
  readonly events: Emitter<UserAgentEvents>;
  readonly #media: CallMedia;
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
    this.#media = new CallMedia(this.events, ctx.logger, parts.media);
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
      registration.events.on('unregistered', () => {
        this.#registered = false;
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

  /**
   * Ends every call (BYE/CANCEL) and un-registers at the same time: each is bounded (5 s), and one waiting for a
   * silent peer must not eat the other's share of the stop timeout.
   */
  async stop(): Promise<void> {
    await Promise.all([this.#parts.dialogs.closeAll(), this.#parts.registration?.stop()]);
    this.policy.flushSummary(); // the refusals of the last, unfinished minute
  }

  /**
   * Calls every target at once and returns them as one call (the first to answer wins).
   * Standalone mode: a target is a local user name, rung on every phone registered for it.
   * Registered mode: a target is a number or SIP URI, sent through the proxy/registrar.
   */
  async call(targets: readonly string[]): Promise<Call> {
    const members: Call[] = [];
    for (const target of targets) members.push(...(await this.#invites(target)));
    const group = new CallGroup(`call-${randomToken(6)}`, members, this.#onListenerError, (fn) => this.#ctx.clock.setTimer(0, fn));
    this.#media.group(group, members);
    // Nobody to ring (no phone registered for a user, no route to the PBX): say so, or the bell seems dead.
    if (members.length === 0) this.#ctx.logger.warn('callNobodyToRing', { call: group.id, targets: targets.join(',') });
    this.#forward(group);
    return group;
  }

  async #invites(target: string): Promise<Call[]> {
    const { dialogs, registrar, digest } = this.#parts;
    if (registrar !== undefined && !target.includes(':') && !target.includes('@')) {
      const invites = registrar.lookup(target).map(async (binding): Promise<Call | undefined> => {
        const next: Target = { protocol: binding.protocol, host: binding.source.host, port: binding.source.port };
        const flowId = binding.protocol === 'udp' ? undefined : binding.flowId;
        const local = await this.#ctx.transport.localAddress(next, flowId);
        if (local === undefined) {
          this.#ctx.logger.warn('callTargetUnreachable', { user: target, target: `${next.host}:${next.port}`, protocol: next.protocol });
          return undefined;
        }
        const media = this.#media.forCall(local, next.protocol);
        return media.bind(dialogs.invite({
          uri: binding.contact,
          target: next,
          ...(flowId !== undefined ? { flowId } : {}),
          // An address the phone can reach, so that calling the door back from its call list works.
          from: this.#party(`sip:${this.#options.localUsers?.[0] ?? 'door'}@${hostport(local)}`),
          to: { uri: `sip:${target}@${this.#options.domain}` },
          contact: this.#contactAt(local, next.protocol),
          sdh: media.sdh,
        }));
      });
      return (await Promise.all(invites)).filter((call): call is Call => call !== undefined);
    }
    const uri = /^sips?:/i.test(target) ? target : `sip:${target.includes('@') ? target : `${target}@${this.#options.domain}`}`;
    const hop = await this.#pbxHop(uri);
    if (hop === undefined) return [];
    const media = this.#media.forCall(hop.local, hop.targets[0]?.protocol ?? 'udp');
    return [media.bind(dialogs.invite({
      uri,
      target: hop.targets,
      ...(hop.flowId !== undefined ? { flowId: hop.flowId } : {}),
      ...(hop.route.length > 0 ? { route: hop.route } : {}),
      from: this.#party(this.#options.aor ?? `sip:${this.#options.localUsers?.[0] ?? 'door'}@${hostport(hop.local)}`),
      to: { uri },
      contact: hop.contact,
      sdh: media.sdh,
      // Challenges are answered only on the way through our own proxy/registrar (SIPDigestLeak).
      ...(digest !== undefined ? { authenticate: (response: SipMessage, request: SipMessage) => digest.answer(response, request) } : {}),
    }))];
  }

  /**
   * Where a call to the PBX goes: while registered, the registration's own target and flow (RFC 5626: requests
   * to the registrar's side use the registration's flow) with the Contact it registered and its route set (the
   * outbound proxy); otherwise the configured proxy/registrar resolved with the account's transport.
   */
  async #pbxHop(uri: string): Promise<{ targets: readonly Target[]; flowId?: string; route: readonly string[]; contact: string; local: Address } | undefined> {
    const registered = this.#parts.registration?.route;
    if (registered !== undefined) {
      const local = await this.#ctx.transport.localAddress(registered.target, registered.flowId);
      if (local !== undefined) {
        // The registration's target first (on its flow); the PBX's other RFC 3263 targets behind it, for §4.3 failover.
        const first = registered.target;
        const others = (await this.#ctx.resolver.resolve(this.#options.proxy ?? uri).catch((): Target[] => []))
          .filter((t) => t.protocol !== first.protocol || bareHost(t.host) !== bareHost(first.host) || t.port !== first.port);
        return { targets: [first, ...others], ...(registered.flowId !== undefined ? { flowId: registered.flowId } : {}), route: registered.routeSet, contact: `<${registered.contactUri}>`, local };
      }
    }
    // RFC 3263 §4.3: the whole list, in failover order; Contact and From name our address toward the first.
    let targets: readonly Target[];
    try {
      targets = await this.#ctx.resolver.resolve(this.#options.proxy ?? uri);
    } catch (err) {
      this.#ctx.logger.warn('callTargetUnresolved', { uri, error: String(err) });
      return undefined;
    }
    const target = targets[0];
    if (target === undefined) return undefined;
    const local = await this.#ctx.transport.localAddress(target);
    if (local === undefined) {
      this.#ctx.logger.warn('callTargetUnreachable', { uri, target: `${target.host}:${target.port}`, protocol: target.protocol });
      return undefined;
    }
    return { targets, route: this.#options.proxyRoute ?? [], contact: this.#contactAt(local, target.protocol), local };
  }

  /** Our From without tag (the dialog layer adds a fresh one to each INVITE). */
  #party(uri: string): Party {
    return { uri, ...(this.#options.displayName !== undefined ? { displayName: this.#options.displayName } : {}) };
  }

  #contactAt(local: Address, protocol: TransportProtocol): string {
    return `<sip:${this.#options.contactUser}@${hostport(local)};transport=${protocol}>`;
  }

  /**
   * Our Contact for an incoming call: the registered one when it came through the PBX on our registration (the
   * address the PBX knows, behind NAT too), else the local address toward the caller over the flow it came on.
   */
  async #contactFor(inbound: Inbound): Promise<{ contact: string; local: Address } | undefined> {
    const back: Target = { protocol: inbound.flow.protocol, host: inbound.source.host, port: inbound.source.port };
    const local = await this.#ctx.transport.localAddress(back, inbound.flow.protocol === 'udp' ? undefined : inbound.flow.id);
    if (local === undefined) return undefined;
    const registered = this.#parts.registration?.route;
    if (registered !== undefined && (inbound.flow.id === registered.flowId || bareHost(inbound.source.host) === bareHost(registered.target.host))) {
      return { contact: `<${registered.contactUri}>`, local };
    }
    return { contact: this.#contactAt(local, back.protocol), local };
  }

  /**
   * New requests before any transaction: out of dialog, the whole policy; in dialog, a request of one of our
   * dialogs always passes (no rate limit may delay a hang-up), one matching none passes only from a source we
   * trust (to get its 481) and within that source's rate. Refusals get no answer.
   */
  #screen(request: SipMessage, inbound: Inbound): boolean {
    const passed = request.to.tag === undefined
      ? this.#refused(this.policy.check(request, inbound, this.#trust()), request.method, inbound)
      : this.#parts.dialogs.matches(request) || this.#refused(this.policy.checkSource(inbound, this.#trust(), request.method), request.method, inbound);
    // The connection a request passed on is kept (pongs, never evicted). The built-in registrar's REGISTER passes
    // from anyone: its connection is trusted only once it authenticated (#register).
    if (passed && !(request.method === 'REGISTER' && this.#parts.registrar !== undefined)) this.#trustFlow(inbound);
    return passed;
  }

  /** A TCP/TLS connection a peer opened is trusted from now on (a no-op for UDP and for our own connections). */
  #trustFlow(inbound: Inbound): void {
    if (inbound.flow.protocol !== 'udp') this.#ctx.transport.trustFlow(inbound.flow.protocol, inbound.flow.id);
  }

  /**
   * The built-in registrar answers; a REGISTER that authenticated has bound before `handle` returns, and the flow of
   * the phone's live binding (calls to it go over that flow, RFC 5626) is trusted from then on.
   */
  #register(registrar: Registrar, tx: NonInviteServerTransaction): void {
    registrar.handle(tx);
    if (registrar.bindingFor(tx.inbound.source)?.flowId === tx.inbound.flow.id) this.#trustFlow(tx.inbound);
  }

  /** What the policy needs to know now: the registration's state changes, the registrar's view does not. */
  #trust(): TrustState {
    const registration = this.#parts.registration;
    const registrar = this.#registrarTrust;
    return {
      ...(registration !== undefined
        ? {
            registration: {
              // A failed refresh does not end the binding: the registrar routes calls to us until the last 200's grant runs out.
              registered: (registration.bindingValidUntil ?? Number.NEGATIVE_INFINITY) > this.#ctx.clock.now(),
              trustedSources: registration.trustedSources,
              flowId: registration.flowId,
              contactUser: this.#options.contactUser,
            },
          }
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

  /** Out-of-dialog requests, checked in §8.2's order: method (405), then Require (420), then the method's handler. */
  #request(tx: ServerTransaction): void {
    if (this.#parts.dialogs.request(tx)) return;
    const request = tx.request;
    const registrar = this.#parts.registrar;
    const method = request.method;
    if (!['INVITE', 'OPTIONS', 'BYE', 'INFO', 'UPDATE'].includes(method) && (method !== 'REGISTER' || registrar === undefined)) {
      tx.respond({ status: 405, reason: 'Method Not Allowed', headers: [['Allow', ALLOW]] });
      return;
    }
    const unsupported = unsupportedRequire(request, SUPPORTED_EXTENSIONS);
    if (unsupported.length > 0) {
      tx.respond({ status: 420, reason: 'Bad Extension', headers: [['Unsupported', unsupported.join(', ')]] });
      return;
    }
    if (method === 'INVITE') this.#incoming(tx as InviteServerTransaction);
    else if (method === 'OPTIONS') tx.respond({ status: 200, reason: 'OK', headers: [['Allow', ALLOW], ['Accept', ACCEPT], ['Supported', SUPPORTED]] });
    else if (method === 'REGISTER') this.#register(registrar!, tx as NonInviteServerTransaction);
    else tx.respond({ status: 481, reason: 'Call/Transaction Does Not Exist' }); // BYE, INFO, UPDATE without a dialog
  }

  #incoming(tx: InviteServerTransaction): void {
    void this.#contactFor(tx.inbound).then((us) => {
      if (tx.state !== 'proceeding') return; // cancelled while we looked up our address
      if (us === undefined) {
        this.#ctx.logger.warn('noRouteBack', { source: `${tx.inbound.source.host}:${tx.inbound.source.port}` });
        tx.respond({ status: 500, reason: 'Server Internal Error' });
        return;
      }
      this.#ring(tx, us.contact, us.local);
    }).catch((error: unknown) => {
      // A bug costs this call, never the process (this runs outside the transport layer's guard).
      this.#ctx.logger.error('incomingCallFailed', { source: `${tx.inbound.source.host}:${tx.inbound.source.port}`, error: errorMessage(error) });
      if (tx.state === 'proceeding') tx.respond({ status: 500, reason: 'Server Internal Error' });
    });
  }

  #ring(tx: InviteServerTransaction, contact: string, local: Address): void {
    const media = this.#media.forCall(local, tx.inbound.flow.protocol);
    const call = media.bind(this.#parts.dialogs.incoming(tx, { contact, sdh: media.sdh }));
    this.#forward(call);
    if (this.events.listenerCount('callIncoming') === 0) {
      call.reject(480, 'Temporarily Unavailable');
      return;
    }
    const user = this.#parts.registrar?.bindingFor(tx.inbound.source)?.username;
    this.events.emit('callIncoming', call, { from: tx.request.from.uri, source: tx.inbound.source, ...(user !== undefined ? { user } : {}) });
  }

  /** Re-emits a call's events as the UA's call events. */
  #forward(call: Call): void {
    call.events.on('ringing', () => this.events.emit('callRinging', call));
    call.events.on('established', () => this.events.emit('callEstablished', call));
    call.events.on('dtmfReceived', (info) => this.#media.digit(call, { ...info, source: 'info' }));
    call.events.on('ended', (info) => this.events.emit('callClosed', call, info));
  }
}
