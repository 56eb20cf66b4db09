// Registration client (RFC 3261 §10.2): REGISTER with digest, refresh at 90 %, back-off, RFC 3263 failover, keep-alives.

import { errorMessage } from '../../errors.ts';
import type { TimerHandle } from '../../platform/Clock.ts';
import { Emitter } from '../../platform/Emitter.ts';
import type { LogFields } from '../../platform/Logger.ts';
import type { DigestClientApi } from '../auth/types.ts';
import type { SipMessage } from '../message/index.ts';
import type { SipContext } from '../transaction/index.ts';
import { formatAddress } from '../transport/flows.ts';
import type { Address, Target } from '../transport/types.ts';
import { contactUri, contactValue, sameAddress, sameTarget } from './binding.ts';
import type { Binding, Exchange, Failure, Sent } from './exchange.ts';
import { CRLF_PING, KeepAlive, type KeepAliveFailure, KeepAliveModes } from './KeepAlive.ts';
import {
  BACKOFF_CAP_S, DEFAULT_EXPIRES_S, DEFAULT_KEEPALIVE_S, backoffSeconds, keepAliveSeconds, parseSeconds, refreshSeconds,
} from './policy.ts';
import { RegistrationRequests, type Server, configuredServers } from './requests.ts';
import { accepted, decide, retryAfterWait, sameBinding } from './responses.ts';
import { TargetCursor } from './targets.ts';
import type { RegistrationClientApi, RegistrationConfig, RegistrationEvents, RegistrationState } from './types.ts';
import { unregister } from './unregister.ts';

/** Challenges answered in one exchange (proxy and registrar, stale nonces, 423 and NAT rounds) before we call the credentials wrong. */
const MAX_AUTH_ROUNDS = 6;
/**
 * Keeps one binding of `config.aor` at the registrar (or its backup) alive.
 *
 * States: `idle` → start() → `registering` → `registered` ⇄ (refresh) → `failed` (retry timer, or none after
 * 403 / wrong credentials) → `registering` …; stop() → `stopped`. Events fire once per transition; a refresh
 * that changes nothing fires none, one that changes the expiry, public address or registrar fires `registered`.
 */
export class RegistrationClient implements RegistrationClientApi {
  readonly events: Emitter<RegistrationEvents>;
  readonly #ctx: SipContext;
  readonly #config: RegistrationConfig;
  readonly #digest: DigestClientApi;
  readonly #requests: RegistrationRequests;

  #state: RegistrationState = 'idle';
  readonly #targets: TargetCursor;
  #exchange: Exchange | undefined;
  #expires: number;
  readonly #triedMinExpires = new Set<number>();
  #failures = 0;
  #attempts = 0;
  #retryTimer: TimerHandle | undefined;
  #refreshTimer: TimerHandle | undefined;
  #keepAlive: KeepAlive | undefined;
  /** The last 200'd registration. */
  #binding: Binding | undefined;
  #trustedSources: readonly Address[] = [];
  #flowId: string | undefined;
  /** The address the registrar saw in the last response to one of our requests, per protocol. */
  #observed: { readonly protocol: string; readonly address: Address } | undefined;
  readonly #keepAliveModes = new KeepAliveModes();
  /** start() and stop() bump it: work of an earlier run (a late un-REGISTER) must not touch a later one. */
  #epoch = 0;
  #stopping: Promise<void> | undefined;

  constructor(ctx: SipContext, config: RegistrationConfig, digest: DigestClientApi) {
    this.#ctx = ctx;
    this.#config = config;
    this.#digest = digest;
    this.#requests = new RegistrationRequests(ctx, config);
    this.#targets = new TargetCursor(ctx.resolver, ctx.logger);
    this.#expires = config.expires ?? DEFAULT_EXPIRES_S;
    this.events = new Emitter<RegistrationEvents>((event, error) =>
      ctx.logger.error('listenerFailed', { event, error: errorMessage(error) }));
  }

  get state(): RegistrationState {
    return this.#state;
  }

  get trustedSources(): readonly Address[] {
    return this.#trustedSources;
  }

  get flowId(): string | undefined {
    return this.#flowId;
  }

  /**
   * Starts registering. While registering or registered it does nothing; after a failure (also one that gave up:
   * 403, wrong credentials) or stop(), it starts over: back-off, challenges and the 423 memory are reset.
   */
  start(): void {
    if (this.#state === 'registering' || this.#state === 'registered') return;
    this.#epoch++;
    this.#stopTimers();
    this.#exchange = undefined;
    this.#failures = 0;
    this.#attempts = 0;
    this.#expires = this.#config.expires ?? DEFAULT_EXPIRES_S;
    this.#triedMinExpires.clear();
    this.#digest.reset();
    try {
      this.#targets.reset(configuredServers(this.#config));
    } catch {
      this.#giveUp({ reason: 'bad-config' });
      return;
    }
    this.#begin('register');
  }

  /** Un-REGISTERs the last binding (or the REGISTER in flight), then stops; resolves within STOP_BOUND_MS. */
  stop(): Promise<void> {
    if (this.#state === 'stopped') return this.#stopping ?? Promise.resolve();
    const wasActive = this.#state !== 'idle';
    const epoch = ++this.#epoch;
    this.#stopTimers();
    const last = this.#exchange?.sent ?? this.#binding;
    this.#exchange = undefined;
    this.#state = 'stopped';
    this.#stopping = (async () => {
      if (last !== undefined) {
        await unregister(this.#ctx, this.#digest, {
          target: last.target,
          flowId: last.flowId,
          build: (auth) => this.#requests.register(last.server, last.target, last.contact, 0, auth),
        });
      }
      if (epoch !== this.#epoch) return; // started again meanwhile
      this.#binding = undefined;
      this.#trustedSources = [];
      this.#flowId = undefined;
      if (wasActive) {
        this.#ctx.logger.info('unregistered', { aor: this.#config.aor });
        this.events.emit('unregistered');
      }
    })();
    return this.#stopping;
  }

  // ---- exchanges --------------------------------------------------------------------------------------------

  /** A new exchange: `register` from idle/failed (emits `registering`), `refresh` of a live binding (no event). */
  #begin(kind: 'register' | 'refresh'): void {
    this.#stopTimers();
    if (kind === 'register') {
      this.#attempts++;
      this.#state = 'registering';
      const registrar = this.#targets.server?.registrar ?? this.#config.registrar;
      this.#ctx.logger.info('registering', { registrar, attempt: this.#attempts });
      this.events.emit('registering', { registrar, attempt: this.#attempts });
    }
    const exchange: Exchange = { auth: new Map(), authRounds: 0, addressRounds: 0, staleContact: this.#binding?.contactUri, sent: undefined };
    this.#exchange = exchange;
    this.#spawn(exchange, this.#next(exchange));
  }

  /** Runs an async step of `exchange`; a bug in it is logged and handled as a failure, never left unhandled. */
  #spawn(exchange: Exchange, step: Promise<void>): void {
    step.catch((error: unknown) => {
      this.#ctx.logger.error('registrationBug', { error: errorMessage(error) });
      if (exchange === this.#exchange) this.#failed({ reason: 'internal-error' });
    });
  }

  /** Sends the exchange's next REGISTER to the cursor's target. */
  async #next(exchange: Exchange): Promise<void> {
    const next = await this.#targets.current();
    if (exchange !== this.#exchange || next === 'superseded') return;
    if (next === 'exhausted') this.#failed({ reason: 'dns-failed' });
    else await this.#transmit(exchange, next.server, next.target);
  }

  async #transmit(exchange: Exchange, server: Server, target: Target): Promise<void> {
    const sentBy = this.#ctx.transport.sentBy(target.protocol);
    if (sentBy === undefined) {
      this.#targetFailed(exchange, target, { reason: 'no-transport' });
      return;
    }
    let flowId = this.#binding !== undefined && sameTarget(this.#binding.target, target) ? this.#binding.flowId : undefined;
    if (target.protocol !== 'udp') {
      // RFC 5626 §4.4.1 ping first: it opens (or finds) the connection, and its result names the flow, which the
      // transaction layer does not report. The REGISTER then goes on exactly that flow.
      const ping = await this.#ctx.transport.send(CRLF_PING, target, flowId);
      if (exchange !== this.#exchange) return;
      if (!ping.ok) {
        this.#targetFailed(exchange, target, { reason: 'transport-error' });
        return;
      }
      flowId = ping.flow.id;
    }
    const address = this.#observed?.protocol === target.protocol ? this.#observed.address : sentBy;
    const uri = contactUri(this.#config.contactUser, address, target.protocol);
    const contact = contactValue(uri, this.#config.instanceId);
    const stale = exchange.staleContact !== undefined && exchange.staleContact !== uri ? `, <${exchange.staleContact}>;expires=0` : '';
    let request: SipMessage;
    try {
      request = this.#requests.register(server, target, `${contact}${stale}`, this.#expires, exchange.auth);
    } catch {
      this.#giveUp({ reason: 'bad-config' }); // a configured value breaks the grammar (or tries header injection)
      return;
    }
    const sent: Sent = { server, target, flowId, request, contactUri: uri, contact, contactAddress: address, expires: this.#expires };
    exchange.sent = sent;
    const current = (): boolean => exchange === this.#exchange && exchange.sent === sent;
    this.#ctx.transactions.sendRequest(request, target, {
      response: (response) => this.#response(exchange, sent, response),
      timeout: () => {
        if (current()) this.#targetFailed(exchange, target, { reason: 'timeout' });
      },
      transportError: () => {
        if (current()) this.#targetFailed(exchange, target, { reason: 'transport-error' });
      },
    }, flowId);
  }

  #response(exchange: Exchange, sent: Sent, response: SipMessage): void {
    if (exchange !== this.#exchange || exchange.sent !== sent || response.status < 200) return;
    this.#observe(sent.target);
    const decision = decide(response, this.#triedMinExpires);
    switch (decision.kind) {
      case 'success': this.#succeeded(exchange, sent, response); break;
      case 'challenged': this.#challenged(exchange, sent, response); break;
      case 'retry-min-expires':
        this.#triedMinExpires.add(decision.minExpires);
        this.#expires = Math.max(this.#expires, decision.minExpires);
        exchange.auth.clear(); // re-sent credentials would replay a nonce count: let the registrar challenge afresh
        this.#spawn(exchange, this.#transmit(exchange, sent.server, sent.target));
        break;
      case 'target-failed': this.#targetFailed(exchange, sent.target, decision.failure); break;
      case 'failed': this.#failed(decision.failure); break;
      case 'give-up': this.#giveUp(decision.failure); break;
    }
  }

  #challenged(exchange: Exchange, sent: Sent, response: SipMessage): void {
    const answer = this.#digest.answer(response, sent.request);
    if (!answer.ok) {
      this.#giveUp({ reason: answer.reason, status: response.status });
      return;
    }
    // A server that hands out a fresh nonce to every wrong answer (Asterisk does) never repeats a challenge.
    if (++exchange.authRounds > MAX_AUTH_ROUNDS) {
      this.#giveUp({ reason: 'wrong-credentials', status: response.status });
      return;
    }
    exchange.auth.set(answer.header, answer.value);
    this.#spawn(exchange, this.#transmit(exchange, sent.server, sent.target));
  }

  #succeeded(exchange: Exchange, sent: Sent, response: SipMessage): void {
    const seen = this.#observed?.protocol === sent.target.protocol ? this.#observed.address : undefined;
    const acceptance = accepted(response, sent, seen, exchange.addressRounds, this.#config.instanceId);
    if (acceptance.kind === 'rebind') {
      exchange.addressRounds++;
      exchange.staleContact = sent.contactUri;
      exchange.auth.clear();
      this.#ctx.logger.info('publicAddressChanged', { address: formatAddress(acceptance.seen), contact: formatAddress(sent.contactAddress) });
      this.#spawn(exchange, this.#transmit(exchange, sent.server, sent.target));
      return;
    }
    if (acceptance.kind === 'refused') {
      this.#failed(acceptance.failure);
      return;
    }
    const granted = acceptance.granted;
    this.#exchange = undefined;
    const previous = this.#binding;
    const wasRegistered = this.#state === 'registered';
    const binding: Binding = { ...sent, granted, publicAddress: seen };
    this.#binding = binding;
    this.#failures = 0;
    this.#attempts = 0;
    this.#trustedSources = [{ host: sent.target.host, port: sent.target.port }];
    this.#flowId = sent.target.protocol === 'udp' ? undefined : sent.flowId;
    this.#state = 'registered';
    this.#refreshTimer = this.#ctx.clock.setTimer(refreshSeconds(granted) * 1000, () => this.#begin('refresh'));
    this.#startKeepAlive(sent, parseSeconds(response.header('flow-timer')));
    const info = { expires: granted, publicAddress: seen, registrar: sent.server.registrar };
    const fields: LogFields = {
      registrar: info.registrar, expires: granted, target: formatAddress(sent.target), protocol: sent.target.protocol,
      ...(seen !== undefined ? { publicAddress: formatAddress(seen) } : {}),
    };
    if (wasRegistered && sameBinding(previous, binding)) {
      this.#ctx.logger.debug('registrationRefreshed', fields);
      return;
    }
    this.#ctx.logger.info('registered', fields);
    this.events.emit('registered', info);
  }

  /** RFC 3263 §4.3 / RFC 3261 §21.5.4: the target failed; the next one, the backup, or a back-off. */
  #targetFailed(exchange: Exchange, target: Target, failure: Failure): void {
    if (failure.reason !== 'no-transport') this.#ctx.resolver.markFailed(target);
    const more = this.#targets.advance('target');
    if (failure.retryAfter !== undefined) {
      this.#failed(failure, retryAfterWait(failure.retryAfter, more, this.#failures, this.#ctx.random), more);
      return;
    }
    if (!more) {
      this.#failed(failure);
      return;
    }
    this.#ctx.logger.info('registrarFailover', { from: formatAddress(target), reason: failure.reason });
    exchange.auth.clear();
    this.#spawn(exchange, this.#next(exchange));
  }

  /** The exchange failed: back off (or wait `retryInSeconds`) and try again. */
  #failed(failure: Failure, retryInSeconds?: number, keepCursor = false): void {
    this.#exchange = undefined;
    this.#stopTimers();
    if (!keepCursor) this.#targets.reset(); // the next cycle starts at the primary
    this.#failures++;
    const seconds = Math.min(BACKOFF_CAP_S, retryInSeconds ?? backoffSeconds(this.#failures, this.#ctx.random));
    const ms = Math.round(seconds * 1000);
    this.#state = 'failed';
    this.#retryTimer = this.#ctx.clock.setTimer(ms, () => this.#begin('register'));
    const info = { reason: failure.reason, ...(failure.status !== undefined ? { status: failure.status } : {}), retryInSeconds: ms / 1000 };
    this.#ctx.logger.warn('registrationFailed', info);
    this.events.emit('registrationFailed', info);
  }

  /** 403, wrong credentials, a realm we may not answer, bad configuration: no retry until start() again. */
  #giveUp(failure: Failure): void {
    this.#exchange = undefined;
    this.#stopTimers();
    this.#targets.reset();
    this.#state = 'failed';
    const info = { reason: failure.reason, ...(failure.status !== undefined ? { status: failure.status } : {}) };
    this.#ctx.logger.warn('registrationFailed', info);
    this.events.emit('registrationFailed', info);
  }

  #observe(target: Target): void {
    const address = this.#ctx.transport.publicAddress;
    if (address !== undefined) this.#observed = { protocol: target.protocol, address };
  }

  #stopTimers(): void {
    this.#retryTimer?.cancel();
    this.#retryTimer = undefined;
    this.#refreshTimer?.cancel();
    this.#refreshTimer = undefined;
    this.#keepAlive?.stop();
    this.#keepAlive = undefined;
  }

  // ---- keep-alives ------------------------------------------------------------------------------------------

  /** Keep-alives on the binding's flow until the next exchange (RFC 5626 §4.4.1 Flow-Timer honoured). */
  #startKeepAlive(sent: Sent, flowTimer: number | undefined): void {
    const mode = this.#keepAliveModes.mode(sent.target);
    const configured = this.#config.keepAliveSeconds ?? DEFAULT_KEEPALIVE_S;
    const keepAlive = new KeepAlive(this.#ctx, {
      target: sent.target,
      flowId: this.#flowId,
      mode,
      interval: () => keepAliveSeconds(configured, this.#ctx.random, flowTimer),
      buildOptions: () => this.#requests.options(sent.server, sent.target),
      answered: () => this.#keepAliveAnswered(sent),
      failed: (reason) => this.#keepAliveFailed(sent, reason),
    });
    this.#keepAlive = keepAlive;
    keepAlive.start();
  }

  /** RFC 3581: an answer shows where the registrar sees us; when that moved since the 200 (a NAT rebinding), register it. */
  #keepAliveAnswered(sent: Sent): void {
    this.#keepAliveModes.answered(sent.target);
    this.#observe(sent.target);
    const seen = this.#observed?.address;
    const before = this.#binding?.publicAddress ?? sent.contactAddress;
    if (this.#state !== 'registered' || seen === undefined || sameAddress(seen, before)) return;
    this.#ctx.logger.info('publicAddressChanged', { address: formatAddress(seen), contact: formatAddress(sent.contactAddress) });
    this.#begin('refresh');
  }

  #keepAliveFailed(sent: Sent, reason: KeepAliveFailure): void {
    if (this.#state !== 'registered') return;
    this.#ctx.logger.info('keepAliveFailed', { target: formatAddress(sent.target), reason });
    if (reason === 'flow-failed') {
      this.#begin('refresh'); // RFC 5626 §4.4.1: the flow is gone; register again at once, on a new one
      return;
    }
    if (reason === 'timeout') this.#keepAliveModes.timedOut(sent.target);
    this.#ctx.resolver.markFailed(sent.target);
    // A dead registrar: a failure like any other, so the retry backs off.
    this.#failed({ reason: reason === 'timeout' ? 'keep-alive-timeout' : 'keep-alive-transport-error' });
  }
}
