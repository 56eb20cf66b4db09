// Registration client (RFC 3261 §10.2, RFC 5626 §4): REGISTER with digest, refresh at 90 %, flow recovery, back-off, failover.

import { errorMessage } from '../../errors.ts';
import type { TimerHandle } from '../../platform/Clock.ts';
import { Emitter } from '../../platform/Emitter.ts';
import type { LogFields } from '../../platform/Logger.ts';
import type { DigestClientApi } from '../auth/types.ts';
import type { SipMessage } from '../message/index.ts';
import type { SipContext } from '../transaction/index.ts';
import { formatAddress } from '../transport/flows.ts';
import type { Flow, Target } from '../transport/types.ts';
import { contactUri, contactValue, sameAddress, sameTarget } from './binding.ts';
import type { Binding, Exchange, Failure, Sent } from './exchange.ts';
import { FlowWatch } from './FlowWatch.ts';
import { HeldBindings } from './HeldBindings.ts';
import { CRLF_PING, type KeepAliveFailure } from './KeepAlive.ts';
import { DEFAULT_EXPIRES_S, parseSeconds, refreshSeconds } from './policy.ts';
import { RegistrationRequests, type Server, configuredServers } from './requests.ts';
import { accepted, decide, observedAddress, requiresOutbound, sameBinding } from './responses.ts';
import { RetrySchedule } from './RetrySchedule.ts';
import { TargetCursor } from './targets.ts';
import type { RegisteredRoute, RegistrationClientApi, RegistrationConfig, RegistrationEvents, RegistrationState } from './types.ts';

/** Challenges answered in one exchange (proxy and registrar, stale nonces, 423 and NAT rounds) before we call the credentials wrong. */
const MAX_AUTH_ROUNDS = 6;

/**
 * Keeps one binding of `config.aor` at the registrar (or its backup) alive.
 *
 * States: `idle` → start() → `registering` → `registered` ⇄ (refresh) → `failed` (retry timer) → `registering` …;
 * stop() → `stopped`. Every failure retries on the RFC 5626 §4.5 back-off (a 403 on a longer one); only a
 * configuration that cannot be sent gives up until start(). A dead flow (connection closed, keep-alive timed out, no
 * pong within 10 s where pongs are promised) is re-registered at once on a new flow, and backed off only when that
 * fails too; the failure count is reset by a flow that lives one keep-alive interval, not by a 200 alone.
 * Events fire once per transition; a refresh that changes nothing fires none, one that changes the expiry, public
 * address or registrar fires `registered`.
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
  readonly #retries: RetrySchedule;
  #attempts = 0;
  #retryTimer: TimerHandle | undefined;
  #refreshTimer: TimerHandle | undefined;
  /** The current binding's flow: keep-alives, pongs, closings. */
  readonly #flow: FlowWatch;
  /** The last 200'd registration. */
  #binding: Binding | undefined;
  /** When the last 200's grant runs out (clock ms): until then the registrar routes calls to us, failures or not. */
  #validUntil: number | undefined;
  /** Every binding a registrar may still hold for us: stop() removes them all. */
  readonly #held: HeldBindings;
  /** The address the registrar saw in the last response to one of our requests, per protocol. */
  #observed: { readonly protocol: string; readonly address: { readonly host: string; readonly port: number } } | undefined;
  /** start() and stop() bump it: work of an earlier run (a late un-REGISTER) must not touch a later one. */
  #epoch = 0;
  #stopping: Promise<void> | undefined;

  constructor(ctx: SipContext, config: RegistrationConfig, digest: DigestClientApi) {
    this.#ctx = ctx;
    this.#config = config;
    this.#digest = digest;
    this.#requests = new RegistrationRequests(config);
    this.#targets = new TargetCursor(ctx.resolver, ctx.logger);
    this.#held = new HeldBindings(ctx, digest, this.#requests);
    this.#retries = new RetrySchedule(ctx.random);
    this.#expires = config.expires ?? DEFAULT_EXPIRES_S;
    this.events = new Emitter<RegistrationEvents>((event, error) =>
      ctx.logger.error('listenerFailed', { event, error: errorMessage(error) }));
    this.#flow = new FlowWatch(ctx, this.#requests, config.keepAliveSeconds, (flow) => this.#flowClosed(flow));
  }

  get state(): RegistrationState {
    return this.#state;
  }

  get trustedSources(): readonly { readonly host: string; readonly port: number }[] {
    const binding = this.#binding;
    return binding === undefined || this.#state === 'stopped' ? [] : [{ host: binding.target.host, port: binding.target.port }];
  }

  get flowId(): string | undefined {
    const binding = this.#binding;
    return binding === undefined || this.#state === 'stopped' || binding.target.protocol === 'udp' ? undefined : binding.flowId;
  }

  /** The clock time (ms) until which the last 200 keeps our binding; undefined before one and after stop(). */
  get bindingValidUntil(): number | undefined {
    return this.#state === 'stopped' ? undefined : this.#validUntil;
  }

  get route(): RegisteredRoute | undefined {
    const binding = this.#binding;
    if (binding === undefined || this.#validUntil === undefined || this.#state === 'stopped') return undefined;
    if (this.#ctx.clock.now() >= this.#validUntil) return undefined;
    return {
      target: binding.target,
      flowId: this.flowId,
      routeSet: binding.server.route,
      contactUri: binding.contactUri,
      contactAddress: binding.contactAddress,
    };
  }

  /**
   * Starts registering. While registering or registered it does nothing; after a failure or stop() it starts over:
   * back-off, challenges and the 423 memory are reset.
   */
  start(): void {
    if (this.#state === 'registering' || this.#state === 'registered') return;
    this.#epoch++;
    this.#stopTimers();
    this.#exchange = undefined;
    this.#retries.reset();
    this.#attempts = 0;
    this.#expires = this.#config.expires ?? DEFAULT_EXPIRES_S;
    this.#triedMinExpires.clear();
    this.#flow.reset();
    this.#digest.reset();
    try {
      this.#targets.reset(configuredServers(this.#config));
    } catch {
      this.#giveUp({ reason: 'bad-config' });
      return;
    }
    this.#begin('register');
  }

  /**
   * Un-REGISTERs every binding a registrar may hold for us (and the REGISTER in flight), then stops; resolves
   * within STOP_BOUND_MS. The removals carry the Contact exactly as registered (+sip.instance, reg-id).
   */
  stop(): Promise<void> {
    if (this.#state === 'stopped') return this.#stopping ?? Promise.resolve();
    const epoch = ++this.#epoch;
    this.#stopTimers();
    const inFlight = this.#exchange?.sent;
    this.#exchange = undefined;
    const hadBinding = this.#binding !== undefined;
    this.#state = 'stopped';
    this.#stopping = (async () => {
      await this.#held.removeAll(inFlight);
      if (epoch !== this.#epoch) return; // started again meanwhile
      this.#binding = undefined;
      this.#validUntil = undefined;
      if (hadBinding) {
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
    const exchange: Exchange = { auth: new Map(), authRounds: 0, addressRounds: 0, flowRetries: 0, sent: undefined };
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
    let flowId = this.#binding !== undefined && sameTarget(this.#binding.target, target) ? this.#flow.usable(this.#binding.flowId) : undefined;
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
    // The real local address toward this registrar (over this flow), never the 0.0.0.0 we may be bound to.
    const sentBy = await this.#ctx.transport.localAddress(target, flowId);
    if (exchange !== this.#exchange) return;
    if (sentBy === undefined) {
      this.#targetFailed(exchange, target, { reason: 'no-transport' });
      return;
    }
    const address = this.#observed?.protocol === target.protocol ? this.#observed.address : sentBy;
    const uri = contactUri(this.#config.contactUser, address, target.protocol);
    const contact = contactValue(uri, this.#config.instanceId);
    let request: SipMessage;
    try {
      // One Contact, with reg-id (RFC 5626 §4.2.1): a binding it replaces is removed by a REGISTER of its own.
      request = this.#requests.register(server, target, sentBy, contact, this.#expires, exchange.auth);
    } catch {
      this.#giveUp({ reason: 'bad-config' }); // a configured value breaks the grammar (or tries header injection)
      return;
    }
    const sent: Sent = { server, target, flowId, sentBy, request, contactUri: uri, contact, contactAddress: address, expires: this.#expires };
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
    this.#observe(sent, response);
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
    }
  }

  #challenged(exchange: Exchange, sent: Sent, response: SipMessage): void {
    const answer = this.#digest.answer(response, sent.request);
    const status = { status: response.status, phrase: response.reason };
    if (!answer.ok) {
      this.#failed({ reason: answer.reason, ...status });
      return;
    }
    // A server that hands out a fresh nonce to every wrong answer (Asterisk does) never repeats a challenge.
    if (++exchange.authRounds > MAX_AUTH_ROUNDS) {
      this.#failed({ reason: 'wrong-credentials', ...status });
      return;
    }
    exchange.auth.set(answer.header, answer.value);
    this.#spawn(exchange, this.#transmit(exchange, sent.server, sent.target));
  }

  #succeeded(exchange: Exchange, sent: Sent, response: SipMessage): void {
    const seen = this.#observed?.protocol === sent.target.protocol ? this.#observed.address : undefined;
    const acceptance = accepted(response, sent, seen, exchange.addressRounds, this.#config.instanceId);
    if (acceptance.kind === 'rebind') {
      // The registrar holds this Contact now, though nobody can reach us at it: it goes once the new one is bound.
      this.#held.hold(sent, sent.expires);
      exchange.addressRounds++;
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
    this.#validUntil = this.#ctx.clock.now() + granted * 1000;
    this.#held.hold(sent, granted);
    this.#held.removeReplaced(binding);
    this.#attempts = 0;
    // Over UDP there is no connection that could die right after the 200: the answer itself proves the path works.
    if (sent.target.protocol === 'udp') this.#retries.reset();
    else this.#retries.registered();
    this.#state = 'registered';
    this.#refreshTimer = this.#ctx.clock.setTimer(refreshSeconds(granted) * 1000, () => this.#begin('refresh'));
    this.#flow.watch(binding, parseSeconds(response.header('flow-timer')), requiresOutbound(response), {
      answered: (answer) => this.#keepAliveAnswered(binding, answer),
      lived: () => this.#retries.reset(), // the flow proved to work: the failures before are history
      failed: (reason) => this.#keepAliveFailed(binding, reason),
    });
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
      this.#failed(failure, this.#retries.retryAfter(failure.retryAfter, more), more);
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

  /** The exchange failed: back off (RFC 5626 §4.5, or wait `retryInSeconds`) and try again. */
  #failed(failure: Failure, retryInSeconds?: number, keepCursor = false): void {
    this.#exchange = undefined;
    this.#stopTimers();
    if (!keepCursor) this.#targets.reset(); // the next cycle starts at the primary
    // The password may be fixed on the PBX side meanwhile: the next attempt starts without remembered challenges.
    if (failure.reason === 'wrong-credentials') this.#digest.reset();
    const ms = Math.round(this.#retries.wait(failure, retryInSeconds) * 1000);
    this.#state = 'failed';
    this.#retryTimer = this.#ctx.clock.setTimer(ms, () => this.#begin('register'));
    const info = {
      reason: failure.reason,
      ...(failure.status !== undefined ? { status: failure.status } : {}),
      ...(failure.phrase !== undefined ? { phrase: failure.phrase } : {}),
      retryInSeconds: ms / 1000,
    };
    this.#ctx.logger.warn('registrationFailed', info);
    this.events.emit('registrationFailed', info);
  }

  /** A configuration that cannot be sent: no retry until start() again (after the configuration changed). */
  #giveUp(failure: Failure): void {
    this.#exchange = undefined;
    this.#stopTimers();
    this.#targets.reset();
    this.#state = 'failed';
    const info = { reason: failure.reason };
    this.#ctx.logger.warn('registrationFailed', info);
    this.events.emit('registrationFailed', info);
  }

  /** RFC 3581: where our registrar saw us (see observedAddress); only answers to OUR transactions get here. */
  #observe(sent: Sent, response: SipMessage): void {
    const address = observedAddress(sent, response);
    if (address !== undefined) this.#observed = { protocol: sent.target.protocol, address };
  }

  #stopTimers(): void {
    this.#retryTimer?.cancel();
    this.#retryTimer = undefined;
    this.#refreshTimer?.cancel();
    this.#refreshTimer = undefined;
    this.#flow.stop();
  }

  // ---- flows and keep-alives (RFC 5626 §4.4, §4.5) ------------------------------------------------------------

  /** RFC 3581: an answer shows where the registrar sees us; when that moved since the 200 (a NAT rebinding), register it. */
  #keepAliveAnswered(sent: Sent, response: SipMessage): void {
    this.#observe(sent, response);
    const seen = this.#observed?.address;
    const before = this.#binding?.publicAddress ?? sent.contactAddress;
    if (this.#state !== 'registered' || seen === undefined || sameAddress(seen, before)) return;
    this.#ctx.logger.info('publicAddressChanged', { address: formatAddress(seen), contact: formatAddress(sent.contactAddress) });
    this.#begin('refresh');
  }

  #keepAliveFailed(sent: Sent, reason: KeepAliveFailure): void {
    if (this.#state !== 'registered') return;
    if (reason === 'timeout' || reason === 'transport-error') {
      // The registrar itself is silent, not just a connection: the new REGISTER goes to the next target (RFC 3263
      // §4.3), or, with none left, starts over at the primary.
      this.#ctx.resolver.markFailed(sent.target);
      this.#targets.advance('target');
    }
    this.#flowFailed(sent, reason);
  }

  /** The other end (or the network) closed a connection: if it carried our binding or our REGISTER, that flow failed. */
  #flowClosed(flow: Flow): void {
    const exchange = this.#exchange;
    const sent = exchange?.sent;
    if (exchange !== undefined && sent !== undefined && sent.flowId === flow.id) {
      // The REGISTER in flight would wait for Timer F on a connection that is gone: send it again at once on a new
      // one, once (a registrar that closes every connection must not make us loop).
      if (exchange.flowRetries++ < 1) {
        this.#ctx.logger.info('flowFailed', { flow: flow.id, reason: 'flow-closed' });
        exchange.auth.clear();
        this.#spawn(exchange, this.#transmit(exchange, sent.server, sent.target));
      } else {
        this.#targetFailed(exchange, sent.target, { reason: 'flow-closed' });
      }
      return;
    }
    const binding = this.#binding;
    if (this.#state !== 'registered' || exchange !== undefined || binding === undefined || binding.flowId !== flow.id) return;
    this.#flowFailed(binding, 'flow-closed');
  }

  /**
   * RFC 5626 §4.4.1 / §4.5: the registration's flow failed. The first failure since a flow lived is registered again at
   * once, on a new flow (to the next target when this one is marked failed), with quick retries for a restarting
   * registrar; only when those fail does the §4.5 back-off start. A flow that fails before its first keep-alive after an
   * earlier failure is a consecutive failure (the quick waits left, then the back-off): a proxy or NAT that closes every
   * connection right after its 200 must not get REGISTERs back to back.
   */
  #flowFailed(sent: Sent, reason: KeepAliveFailure | 'flow-closed'): void {
    this.#ctx.logger.info('flowFailed', { target: formatAddress(sent.target), protocol: sent.target.protocol, reason });
    if (this.#retries.flowFailed()) this.#begin('refresh');
    else this.#failed({ reason }, undefined, reason === 'timeout' || reason === 'transport-error');
  }
}
