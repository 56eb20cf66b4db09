// StreamConnections: the TCP/TLS connection table shared by tcp.ts and tls.ts — framing (RFC 3261 §18.3), CRLF
// keep-alives (RFC 5626 §4.4.1), connection reuse (RFC 3261 §18.2.2, RFC 5923), the idle and untrusted timeouts;
// what it lets in of the connections peers open is InboundGate's decision, opening ours StreamDialing's.

import type { Socket } from 'node:net';
import type { Clock, TimerHandle } from '../../platform/Clock.ts';
import type { Logger } from '../../platform/Logger.ts';
import type { CappedConnection, DropReason, StreamCaps } from './connectionCaps.ts';
import { SipParseError, StreamFramer } from '../message/index.ts';
import { InboundGate } from './InboundGate.ts';
import { type StreamDialer, StreamDialing, addressKey, closedPromise } from './StreamDialing.ts';
import { describeError, formatAddress, makeFlow, normalizeHost, plainBytes, sendFailed } from './flows.ts';
import { TransportError, type Address, type Flow, type SendResult, type Target, type TransportEvents } from './types.ts';

export type { StreamDialer } from './StreamDialing.ts';

/**
 * Connections with no traffic either way for this long are closed. RFC 3261 §18 leaves the time to the
 * implementation; servers commonly use 2 min (Kamailio's tcp_connection_lifetime) to 10 min (pjsip's server
 * idle time). 5 min comfortably exceeds the usual CRLF keep-alive period (pjsip sends one every 90 s; RFC 5626
 * flows are kept alive well within it), so a kept-alive registration flow is never cut, while stray
 * connections (scanners, one-off peers) do not pile up on a small device.
 */
export const DEFAULT_IDLE_TIMEOUT_MS = 5 * 60_000;

const CRLF = new Uint8Array([13, 10]);

export interface StreamConnectionsOptions extends StreamCaps {
  readonly protocol: 'tcp' | 'tls';
  readonly dialer: StreamDialer;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Close connections idle this long (default DEFAULT_IDLE_TIMEOUT_MS); 0 or Infinity never closes them. */
  readonly idleTimeoutMs?: number | undefined;
  /** Give up connecting after this long (default DEFAULT_CONNECT_TIMEOUT_MS), measured on `clock`. */
  readonly connectTimeoutMs?: number | undefined;
  /** Largest framed message, body included (default: the StreamFramer's 65535). */
  readonly maxMessageBytes?: number | undefined;
  /** The interval of the `connectionsDropped` summary line (default 60 s). */
  readonly summaryIntervalMs?: number | undefined;
}

interface Connection extends CappedConnection {
  readonly socket: Socket;
  readonly flow: Flow;
  /**
   * Ours from the start; one a peer opened once the layers above said a request on it passed the incoming policy
   * (`trust`). Until then: no pongs, evictable, the untrusted timeout, and no info line.
   */
  trusted: boolean;
  /** Already counted in the summary line (evicted, garbled, timed out): its close is not counted again. */
  dropNoted: boolean;
  /** `formatAddress(flow.remote)`: what reuse by address matches on. */
  readonly remoteKey: string;
  /** The identity this connection was verified for (outbound TLS), else undefined. */
  readonly identity: string | undefined;
  lastActivity: number;
  idleTimer: TimerHandle | undefined;
  /** Why it closed, for the log line; a peer's FIN unless we said otherwise. */
  closeReason: string;
  closed: boolean;
}

/**
 * The open connections of one TCP or TLS transport, inbound and outbound alike. Each gets a StreamFramer;
 * framed messages go to `events.message`, a ping is answered with a CRLF, a garbled stream closes its
 * connection (after `events.streamError`), and every close reports `events.flowClosed`.
 */
export class StreamConnections {
  readonly protocol: 'tcp' | 'tls';
  readonly #dialer: StreamDialer;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #events: TransportEvents;
  readonly #idleTimeoutMs: number;
  readonly #maxMessageBytes: number | undefined;
  readonly #gate: InboundGate;
  readonly #dialing: StreamDialing<Connection>;
  readonly #connections = new Map<string, Connection>();
  #closing = false;

  constructor(options: StreamConnectionsOptions, events: TransportEvents) {
    this.protocol = options.protocol;
    this.#dialer = options.dialer;
    this.#clock = options.clock;
    this.#logger = options.logger;
    this.#events = events;
    this.#idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    this.#maxMessageBytes = options.maxMessageBytes;
    this.#gate = new InboundGate({
      protocol: this.protocol,
      clock: this.#clock,
      logger: this.#logger,
      idleTimeoutMs: this.#idleTimeoutMs,
      maxConnectionsPerSource: options.maxConnectionsPerSource,
      maxInboundConnections: options.maxInboundConnections,
      untrustedTimeoutMs: options.untrustedTimeoutMs,
      summaryIntervalMs: options.summaryIntervalMs,
    });
    this.#dialing = new StreamDialing({
      protocol: this.protocol,
      dialer: this.#dialer,
      clock: this.#clock,
      logger: this.#logger,
      connectTimeoutMs: options.connectTimeoutMs,
      adopt: (socket, identity) => this.#adopt(socket, 'out', identity),
    });
  }

  /**
   * Takes over a connection a listener accepted (for TLS: once its handshake is done), unless it is over a cap:
   * then it is closed at once, without a line of its own.
   */
  accept(socket: Socket): void {
    const remote = socket.remoteAddress;
    if (this.#closing || remote === undefined) {
      socket.destroy();
      return;
    }
    if (this.#admitted(this.#gate.admit(socket, this.#connections.values()))) this.#adopt(socket, 'in', undefined);
  }

  /**
   * TLS: a connection whose handshake just began. It counts against the caps from now on (a peer must not hold
   * places by never finishing its handshake) and is closed if the handshake is not done within the
   * untrusted timeout.
   */
  acceptHandshake(raw: Socket): void {
    if (this.#closing || raw.remoteAddress === undefined) {
      raw.destroy();
      return;
    }
    this.#admitted(this.#gate.beginHandshake(raw, this.#connections.values()));
  }

  /** TLS: a handshake that failed: counted in the summary line, without a line of its own. */
  handshakeFailed(host: string | undefined, port: number | undefined, error: string): void {
    this.#gate.handshakeFailed(host, port, error);
  }

  /** Closes the connection the gate picked to make room; true when the new one was admitted. */
  #admitted(decision: { readonly admitted: boolean; readonly evict?: Connection }): boolean {
    const untrusted = decision.evict;
    if (untrusted !== undefined) {
      untrusted.closeReason = 'evicted';
      this.#drop(untrusted, 'evicted');
      untrusted.socket.destroy();
    }
    return decision.admitted;
  }

  /**
   * Sends over `flowId`'s connection when it is still open, else over an open connection to the target's
   * address (either direction; for TLS only one we verified for the same server name), else over a new one.
   */
  async send(bytes: Uint8Array, target: Target, flowId?: string): Promise<SendResult> {
    if (this.#closing) return sendFailed('TRANSPORT_CLOSED', `the ${this.protocol} transport is closed`);
    if (target.protocol !== this.protocol) {
      return sendFailed('SEND_FAILED', `a ${target.protocol} target cannot be reached over ${this.protocol}`);
    }
    let connection: Connection | TransportError | undefined = this.#open(flowId);
    if (connection === undefined) {
      const reused = this.#reusable(target);
      // A connection a peer opened that we now pick for a request of ours to that peer is one we talk over, like one
      // we opened: trusted (pongs, no eviction). Never for a response: that would trust a stranger we answered.
      if (reused !== undefined && !reused.trusted && !isResponse(bytes)) this.trust(reused.flow.id);
      connection = reused ?? (await this.#dialing.connect(target));
    }
    if (connection instanceof TransportError) return { ok: false, error: connection };
    return this.#write(connection, bytes);
  }

  /**
   * The connection `send` would use for `target` (`flowId`'s, a reusable one, else a new one opened now), without
   * writing anything: its local address is what our Via and Contact must say.
   */
  async flowFor(target: Target, flowId?: string): Promise<Flow | TransportError> {
    if (this.#closing) return new TransportError('TRANSPORT_CLOSED', `the ${this.protocol} transport is closed`);
    if (target.protocol !== this.protocol) {
      return new TransportError('SEND_FAILED', `a ${target.protocol} target cannot be reached over ${this.protocol}`);
    }
    const connection = this.#open(flowId) ?? this.#reusable(target) ?? (await this.#dialing.connect(target));
    return connection instanceof TransportError ? connection : connection.flow;
  }

  /** Writes raw bytes (CRLF keep-alives) on an open connection; FLOW_GONE when it is not open. */
  sendKeepAlive(flowId: string, bytes: Uint8Array): Promise<SendResult> {
    if (this.#closing) return Promise.resolve(sendFailed('TRANSPORT_CLOSED', `the ${this.protocol} transport is closed`));
    const connection = this.#open(flowId);
    if (connection === undefined) return Promise.resolve(sendFailed('FLOW_GONE', `no open connection ${flowId}`));
    return this.#write(connection, bytes);
  }

  /**
   * A request on `flowId`'s connection passed the incoming policy, or it carries a registered phone's flow: from now
   * on it is kept like ours (pongs, the idle timeout alone, never evicted) and logged. No-op for an unknown flow.
   */
  trust(flowId: string): void {
    const connection = this.#open(flowId);
    if (connection === undefined || connection.trusted) return;
    connection.trusted = true;
    connection.lastActivity = this.#clock.now();
    connection.idleTimer?.cancel();
    this.#armIdle(connection);
    this.#logger.info('connectionOpened', { flow: flowId, direction: connection.direction });
  }

  /** Closes one connection found dead (RFC 5626 §4.4.1: no pong); `flowClosed` follows. No-op for an unknown flow. */
  closeFlow(flowId: string): void {
    const connection = this.#open(flowId);
    if (connection === undefined) return;
    connection.closeReason = 'noPong';
    connection.socket.destroy();
  }

  /** Aborts pending connects and closes every connection; resolves once all have closed. */
  async close(): Promise<void> {
    this.#closing = true;
    const waits: Promise<void>[] = [...this.#gate.close(), ...this.#dialing.close()];
    for (const connection of this.#connections.values()) {
      connection.closeReason = 'transportClosed';
      waits.push(closedPromise(connection.socket));
      connection.socket.destroy();
    }
    await Promise.all(waits);
  }

  #open(flowId: string | undefined): Connection | undefined {
    if (flowId === undefined) return undefined;
    const connection = this.#connections.get(flowId);
    return connection !== undefined && !connection.closed ? connection : undefined;
  }

  #reusable(target: Target): Connection | undefined {
    const key = addressKey(target);
    const identity = this.#dialer.identityOf(target);
    let newest: Connection | undefined;
    for (const connection of this.#connections.values()) {
      if (connection.closed || connection.remoteKey !== key) continue;
      if (identity !== undefined && connection.identity !== identity) continue;
      newest = connection;
    }
    return newest;
  }

  /** Wraps a socket that is ready for data; undefined when it already lost its addresses (closed meanwhile). */
  #adopt(socket: Socket, direction: 'in' | 'out', identity: string | undefined): Connection | undefined {
    const { localAddress, localPort, remoteAddress, remotePort } = socket;
    if (localAddress === undefined || localPort === undefined || remoteAddress === undefined || remotePort === undefined) {
      socket.destroy();
      return undefined;
    }
    const local: Address = { host: normalizeHost(localAddress), port: localPort };
    const remote: Address = { host: normalizeHost(remoteAddress), port: remotePort };
    const flow = makeFlow(this.protocol, local, remote);
    const connection: Connection = {
      socket,
      flow,
      direction,
      remoteHost: remote.host,
      openedAt: this.#clock.now(),
      trusted: direction === 'out',
      dropNoted: false,
      remoteKey: formatAddress(remote),
      identity,
      lastActivity: this.#clock.now(),
      idleTimer: undefined,
      closeReason: 'peer',
      closed: false,
    };
    const framer = new StreamFramer(
      {
        message: (frame) => this.#deliver(connection, frame),
        keepAlive: (kind) => this.#keepAlive(connection, kind),
      },
      {
        // RFC 5626 §4.4.1: the side that opened the connection pings, the other side answers.
        role: direction === 'out' ? 'client' : 'server',
        ...(this.#maxMessageBytes === undefined ? {} : { maxMessageBytes: this.#maxMessageBytes }),
      },
    );
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      if (connection.closed || socket.destroyed) return;
      connection.lastActivity = this.#clock.now();
      try {
        framer.push(plainBytes(chunk));
      } catch (error) {
        this.#garbled(connection, error);
      }
    });
    socket.on('error', (error) => {
      connection.closeReason = describeError(error);
    });
    socket.on('close', () => this.#closed(connection));
    this.#connections.set(flow.id, connection);
    this.#armIdle(connection);
    // A connection a peer opens is worth a line once it is trusted (see trust): scanners and strangers cost none.
    if (direction === 'out') this.#logger.info('connectionOpened', { flow: flow.id, direction });
    else this.#logger.debug('connectionAccepted', { flow: flow.id });
    return connection;
  }

  #deliver(connection: Connection, frame: Uint8Array): void {
    if (connection.socket.destroyed) return;
    const { flow } = connection;
    // Not trusted yet: the layers above decide (a request that passes their policy calls `trust`, in this call).
    try {
      this.#events.message({ bytes: frame, source: flow.remote, flow });
    } catch (error) {
      this.#logger.error('transportListenerFailed', { flow: flow.id, error: describeError(error) });
    }
  }

  #keepAlive(connection: Connection, kind: 'ping' | 'pong'): void {
    const { socket, flow } = connection;
    // A stranger learns nothing from a ping, and buys no time with it.
    if (!connection.trusted) return;
    if (kind === 'ping' && !socket.destroyed) {
      // RFC 5626 §4.4.1: a double CRLF ping is answered with a single CRLF pong. Errors surface as 'error'.
      socket.write(CRLF);
      connection.lastActivity = this.#clock.now();
    }
    try {
      this.#events.keepAlive?.(flow, kind);
    } catch (error) {
      this.#logger.error('transportListenerFailed', { flow: flow.id, error: describeError(error) });
    }
  }

  #garbled(connection: Connection, error: unknown): void {
    const { flow } = connection;
    if (error instanceof SipParseError) {
      connection.closeReason = `garbled ${error.code}`;
      // A peer not trusted yet is counted in the summary line, not given a warning each.
      if (connection.trusted) this.#logger.warn('streamGarbled', { flow: flow.id, code: error.code, error: error.message });
      else this.#drop(connection, 'garbled', { code: error.code });
      try {
        this.#events.streamError?.(flow, error);
      } catch (listenerError) {
        this.#logger.error('transportListenerFailed', { flow: flow.id, error: describeError(listenerError) });
      }
    } else {
      // Not the peer's fault: our framer broke. Still only this connection pays for it.
      connection.closeReason = 'framingFailed';
      this.#logger.error('streamFramingFailed', { flow: flow.id, error: describeError(error) });
    }
    connection.socket.destroy();
  }

  #armIdle(connection: Connection, ms = this.#gate.quietLimit(connection.trusted)): void {
    if (ms === undefined) return;
    // One timer per connection, re-armed for the remainder, rather than a new timer per packet.
    connection.idleTimer = this.#clock.setTimer(ms, () => {
      if (connection.closed) return;
      const limit = this.#gate.quietLimit(connection.trusted);
      if (limit === undefined) return;
      // Until trusted, nothing a peer sends (pings, partial data, refused requests) buys an accepted connection time.
      const quiet = this.#clock.now() - (connection.trusted ? connection.lastActivity : connection.openedAt);
      if (quiet < limit) {
        this.#armIdle(connection, limit - quiet);
        return;
      }
      if (connection.trusted) {
        connection.closeReason = 'idle';
      } else {
        connection.closeReason = 'untrustedTimeout';
        this.#drop(connection, 'untrustedTimeout');
      }
      // Nothing moved for the whole period, so nothing worth flushing: a write stuck behind a peer that stopped
      // reading must not keep the socket alive either.
      connection.socket.destroy();
    });
  }

  #closed(connection: Connection): void {
    if (connection.closed) return;
    connection.closed = true;
    connection.idleTimer?.cancel();
    const { flow } = connection;
    if (this.#connections.get(flow.id) === connection) this.#connections.delete(flow.id);
    const fields = { flow: flow.id, reason: connection.closeReason };
    if (connection.trusted) {
      this.#logger.info('connectionClosed', fields);
    } else {
      this.#logger.debug('connectionClosed', fields);
      // Closed by the peer or an error before it was trusted (not at our shutdown, after the last summary line).
      if (!this.#closing) this.#drop(connection, 'untrustedClosed');
    }
    try {
      this.#events.flowClosed?.(flow);
    } catch (error) {
      this.#logger.error('transportListenerFailed', { flow: flow.id, error: describeError(error) });
    }
  }

  /** Counts a connection a peer opened in the summary line, once. */
  #drop(connection: Connection, reason: DropReason, fields?: Readonly<Record<string, string>>): void {
    if (connection.dropNoted) return;
    connection.dropNoted = true;
    this.#gate.note(reason, connection.remoteHost, connection.flow.remote.port, fields);
  }

  #write(connection: Connection, bytes: Uint8Array): Promise<SendResult> {
    const { socket, flow } = connection;
    if (connection.closed || socket.destroyed || !socket.writable) {
      return Promise.resolve(sendFailed('CONNECTION_CLOSED', `connection ${flow.id} is closed`));
    }
    connection.lastActivity = this.#clock.now();
    return new Promise((resolve) => {
      socket.write(bytes, (error) => {
        resolve(error == null ? { ok: true, flow } : sendFailed('SEND_FAILED', `write on ${flow.id} failed: ${describeError(error)}`, error));
      });
    });
  }
}

const RESPONSE_START = new TextEncoder().encode('SIP/2.0 ');

/** A SIP response starts with its status line (`SIP/2.0 200 OK`); a request never does. */
function isResponse(bytes: Uint8Array): boolean {
  if (bytes.length < RESPONSE_START.length) return false;
  for (let i = 0; i < RESPONSE_START.length; i++) if (bytes[i] !== RESPONSE_START[i]) return false;
  return true;
}
