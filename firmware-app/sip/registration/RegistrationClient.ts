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
import { CRLF_PING, KeepAlive, type KeepAliveFailure, KeepAliveModes } from './KeepAlive.ts';
import {
  BACKOFF_CAP_S, DEFAULT_EXPIRES_S, DEFAULT_KEEPALIVE_S, backoffSeconds, keepAliveSeconds, parseSeconds, refreshSeconds,
} from './policy.ts';
import { RegistrationRequests, type Server, configuredServers } from './requests.ts';
import { accepted, decide, retryAfterWait, sameBinding } from './responses.ts';
import { TargetCursor } from './targets.ts';
import type { RegisteredRoute, RegistrationClientApi, RegistrationConfig, RegistrationEvents, RegistrationState } from './types.ts';
import { unregister } from './unregister.ts';

/**
 * After a flow failed, a registrar restart (Kamailio, Asterisk: a second or two) must not cost the §4.5 back-off of
 * 30–60 s: the re-REGISTER goes at once, then after 1, 2 and 4 s more, so the door is back within 10 s of the restart.
 */
const RECONNECT_WAITS_S: readonly number[] = [1, 2, 4];
/** Failures that mean "nobody listens there yet", for which those quick waits apply. */
const RECONNECT_REASONS: ReadonlySet<string> = new Set(['transport-error', 'flow-closed', 'no-transport']);

/** Challenges answered in one exchange (proxy and registrar, stale nonces, 423 and NAT rounds) before we call the credentials wrong. */
const MAX_AUTH_ROUNDS = 6;

/** A binding some registrar may hold for us, with the clock time its grant runs out. */
type Held = Binding & { readonly until: number };

function heldKey(target: Target, uri: string): string {
  return `${target.protocol} ${formatAddress(target)} ${uri}`;
}

/**
 * Keeps one binding of `config.aor` at the registrar (or its backup) alive.
 *
 * States: `idle` → start() → `registering` → `registered` ⇄ (refresh) → `failed` (retry timer) → `registering` …;
 * stop() → `stopped`. Every failure retries on the RFC 5626 §4.5 back-off (a 403 on a longer one); only a
 * configuration that cannot be sent gives up until start(). A dead flow (no pong within 10 s, connection closed,
 * keep-alive timed out) is re-registered at once on a new flow, and backed off only when that fails too.
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
  /** Consecutive failed exchanges: RFC 5626 §4.5 consecutive-failures. */
  #failures = 0;
  /** Short waits (s) left for reconnecting after a flow failure, before the §4.5 back-off takes over. */
  #reconnectWaits: number[] = [];
  #attempts = 0;
  #retryTimer: TimerHandle | undefined;
  #refreshTimer: TimerHandle | undefined;
  #keepAlive: KeepAlive | undefined;
  /** The last 200'd registration. */
  #binding: Binding | undefined;
  /** When the last 200's grant runs out (clock ms): until then the registrar routes calls to us, failures or not. */
  #validUntil: number | undefined;
  /**
   * Every binding a registrar may still hold for us (by target and Contact URI): the current one, one left at a
   * registrar we failed over from, one whose removal was not answered. stop() removes them all.
   */
  readonly #held = new Map<string, Held>();
  /** Flows we closed ourselves (no pong): their `flowClosed` is no news. */
  readonly #closedByUs = new Set<string>();
  /** The address the registrar saw in the last response to one of our requests, per protocol. */
  #observed: { readonly protocol: string; readonly address: { readonly host: string; readonly port: number } } | undefined;
  readonly #keepAliveModes = new KeepAliveModes();
  /** start() and stop() bump it: work of an earlier run (a late un-REGISTER) must not touch a later one. */
  #epoch = 0;
  #stopping: Promise<void> | undefined;

  constructor(ctx: SipContext, config: RegistrationConfig, digest: DigestClientApi) {
    this.#ctx = ctx;
    this.#config = config;
    this.#digest = digest;
    this.#requests = new RegistrationRequests(config);
    this.#targets = new TargetCursor(ctx.resolver, ctx.logger);
    this.#expires = config.expires ?? DEFAULT_EXPIRES_S;
    this.events = new Emitter<RegistrationEvents>((event, error) =>
      ctx.logger.error('listenerFailed', { event, error: errorMessage(error) }));
    ctx.transport.flowEvents.on('flowClosed', (flow) => this.#flowClosed(flow));
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
    this.#failures = 0;
    this.#reconnectWaits = [];
    this.#attempts = 0;
    this.#expires = this.#config.expires ?? DEFAULT_EXPIRES_S;
    this.#triedMinExpires.clear();
    this.#closedByUs.clear();
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
    const now = this.#ctx.clock.now();
    const removals = [...this.#held.values()].filter((held) => held.until > now);
    if (inFlight !== undefined && !this.#held.has(heldKey(inFlight.target, inFlight.contactUri))) removals.push({ ...inFlight, granted: 0, publicAddress: undefined, until: now });
    this.#held.clear();
    this.#stopping = (async () => {
      await Promise.all(removals.map((held) => this.#remove(held, held.contact)));
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

  /** One un-REGISTER of `contact` (a Contact header value) where `held` was registered, answering challenges. */
  async #remove(held: Sent, contact: string): Promise<void> {
    // A flow may have closed since: the driver then opens a new connection, whose address the Via must name.
    const sentBy = (await this.#ctx.transport.localAddress(held.target, held.flowId)) ?? held.sentBy;
    await unregister(this.#ctx, this.#digest, {
      target: held.target,
      flowId: held.flowId,
      build: (auth) => this.#requests.register(held.server, held.target, sentBy, contact, 0, auth),
    });
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
    const known = this.#binding !== undefined && sameTarget(this.#binding.target, target) ? this.#binding.flowId : undefined;
    let flowId = known !== undefined && this.#closedByUs.has(known) ? undefined : known;
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
      this.#hold(sent, sent.expires);
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
    this.#hold(sent, granted);
    this.#removeReplaced(binding);
    this.#failures = 0;
    this.#reconnectWaits = [];
    this.#attempts = 0;
    this.#state = 'registered';
    this.#refreshTimer = this.#ctx.clock.setTimer(refreshSeconds(granted) * 1000, () => this.#begin('refresh'));
    this.#startKeepAlive(binding, parseSeconds(response.header('flow-timer')));
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

  /** Remembers that the registrar behind `sent.target` holds `sent`'s Contact for `granted` seconds. */
  #hold(sent: Sent, granted: number): void {
    const key = heldKey(sent.target, sent.contactUri);
    this.#held.delete(key);
    if (granted <= 0) return;
    this.#held.set(key, { ...sent, granted, publicAddress: undefined, until: this.#ctx.clock.now() + granted * 1000 });
  }

  /**
   * The registrar behind `binding.target` may still hold Contacts of ours that `binding` replaced (an address the NAT
   * or a new connection changed). A registrar that keys bindings on +sip.instance and reg-id replaced them already; one
   * that keys them on the URI did not. Each goes with a REGISTER of its own, by URI and nothing else: a removal that
   * named our instance and reg-id would remove the new binding at an RFC 5626 registrar.
   */
  #removeReplaced(binding: Binding): void {
    const now = this.#ctx.clock.now();
    for (const [key, held] of this.#held) {
      if (held.until <= now) {
        this.#held.delete(key);
        continue;
      }
      if (!sameTarget(held.target, binding.target) || held.contactUri === binding.contactUri) continue;
      this.#held.delete(key);
      this.#ctx.logger.debug('staleContactRemoved', { contact: held.contactUri });
      void this.#remove({ ...binding, contactUri: held.contactUri }, `<${held.contactUri}>`);
    }
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

  /** The exchange failed: back off (RFC 5626 §4.5, or wait `retryInSeconds`) and try again. */
  #failed(failure: Failure, retryInSeconds?: number, keepCursor = false): void {
    this.#exchange = undefined;
    this.#stopTimers();
    if (!keepCursor) this.#targets.reset(); // the next cycle starts at the primary
    // Right after a flow failure the registrar is often just restarting: retry within seconds while the quick waits
    // last (a connect refused or a closed connection only), and only then back off as §4.5 says.
    const quick = retryInSeconds === undefined && RECONNECT_REASONS.has(failure.reason) ? this.#reconnectWaits.shift() : undefined;
    if (quick !== undefined) retryInSeconds = quick;
    else this.#failures++;
    // The password may be fixed on the PBX side meanwhile: the next attempt starts without remembered challenges.
    if (failure.reason === 'wrong-credentials') this.#digest.reset();
    const seconds = Math.min(BACKOFF_CAP_S, retryInSeconds ?? backoffSeconds(this.#failures, this.#ctx.random, failure.backoffBase));
    const ms = Math.round(seconds * 1000);
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

  /**
   * RFC 3581: where our registrar saw us, from the received/rport it put into the Via of its answer to one of OUR
   * transactions (a stray response never gets here, so nobody else can set the address we advertise).
   */
  #observe(sent: Sent, response: SipMessage): void {
    const via = response.topVia;
    const port = typeof via.rport === 'number' ? via.rport : undefined;
    if (via.received === undefined && port === undefined) return;
    this.#observed = { protocol: sent.target.protocol, address: { host: via.received ?? sent.sentBy.host, port: port ?? sent.sentBy.port } };
  }

  #stopTimers(): void {
    this.#retryTimer?.cancel();
    this.#retryTimer = undefined;
    this.#refreshTimer?.cancel();
    this.#refreshTimer = undefined;
    this.#keepAlive?.stop();
    this.#keepAlive = undefined;
  }

  // ---- flows and keep-alives (RFC 5626 §4.4, §4.5) ------------------------------------------------------------

  /** Keep-alives on the binding's flow until the next exchange (RFC 5626 §4.4.1 Flow-Timer honoured). */
  #startKeepAlive(sent: Sent, flowTimer: number | undefined): void {
    const mode = this.#keepAliveModes.mode(sent.target);
    const configured = this.#config.keepAliveSeconds ?? DEFAULT_KEEPALIVE_S;
    const keepAlive = new KeepAlive(this.#ctx, {
      target: sent.target,
      flowId: sent.target.protocol === 'udp' ? undefined : sent.flowId,
      mode,
      interval: () => keepAliveSeconds(configured, this.#ctx.random, flowTimer),
      buildOptions: () => this.#requests.options(sent.server, sent.target, sent.sentBy),
      answered: (response) => this.#keepAliveAnswered(sent, response),
      failed: (reason) => this.#keepAliveFailed(sent, reason),
    });
    this.#keepAlive = keepAlive;
    keepAlive.start();
  }

  /** RFC 3581: an answer shows where the registrar sees us; when that moved since the 200 (a NAT rebinding), register it. */
  #keepAliveAnswered(sent: Sent, response: SipMessage): void {
    this.#keepAliveModes.answered(sent.target);
    this.#observe(sent, response);
    const seen = this.#observed?.address;
    const before = this.#binding?.publicAddress ?? sent.contactAddress;
    if (this.#state !== 'registered' || seen === undefined || sameAddress(seen, before)) return;
    this.#ctx.logger.info('publicAddressChanged', { address: formatAddress(seen), contact: formatAddress(sent.contactAddress) });
    this.#begin('refresh');
  }

  #keepAliveFailed(sent: Sent, reason: KeepAliveFailure): void {
    if (this.#state !== 'registered') return;
    if (reason === 'timeout') this.#keepAliveModes.timedOut(sent.target);
    if (reason === 'timeout' || reason === 'transport-error') {
      // The registrar itself is silent, not just a connection: the new REGISTER goes to the next target (RFC 3263
      // §4.3), or, with none left, starts over at the primary.
      this.#ctx.resolver.markFailed(sent.target);
      this.#targets.advance('target');
    }
    if (reason === 'pong-timeout' && sent.flowId !== undefined) {
      // Nothing answers on that connection any more: close it, so that the new REGISTER opens a new one.
      this.#closedByUs.add(sent.flowId);
      this.#ctx.transport.closeFlow(sent.target.protocol, sent.flowId);
    }
    this.#flowFailed(sent, reason);
  }

  /** A driver reports a closed connection: if it carried our binding or our REGISTER, that flow failed. */
  #flowClosed(flow: Flow): void {
    if (this.#closedByUs.delete(flow.id)) return;
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
   * RFC 5626 §4.4.1 / §4.5: the registration's flow failed. Register again at once, on a new flow (to the next target
   * when this one is marked failed); only when that fails does the §4.5 back-off start.
   */
  #flowFailed(sent: Sent, reason: KeepAliveFailure | 'flow-closed'): void {
    this.#ctx.logger.info('flowFailed', { target: formatAddress(sent.target), protocol: sent.target.protocol, reason });
    this.#reconnectWaits = [...RECONNECT_WAITS_S];
    this.#begin('refresh');
  }
}
