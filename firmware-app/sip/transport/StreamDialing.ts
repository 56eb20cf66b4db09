// StreamDialing: the connections a TCP/TLS transport opens itself (RFC 3261 §18.1.1): one connect per address and
// server name however many sends wait for it, bounded in time on the Clock, aborted when the transport closes.

import type { Socket } from 'node:net';
import type { Clock } from '../../platform/Clock.ts';
import type { Logger } from '../../platform/Logger.ts';
import { describeError, formatAddress, normalizeHost } from './flows.ts';
import { TransportError, type Target } from './types.ts';

/**
 * Connect (and, for TLS, handshake) time limit: 10 s as in Kamailio. It stays well inside Timer B/F (64·T1 = 32 s),
 * so a transaction still has time to fail over to the next RFC 3263 target.
 */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** How a driver opens client connections: the only part that differs between TCP and TLS. */
export interface StreamDialer {
  /** The socket event after which data may flow: `connect` (TCP) or `secureConnect` (TLS: handshake and checks done). */
  readonly readyEvent: 'connect' | 'secureConnect';
  /** Starts a connection to `target` (targets are numeric: nothing is resolved here). */
  open(target: Target): Socket;
  /**
   * The identity a connection must have been verified for to carry a message to `target` (TLS: the server
   * name), or undefined when any open connection to that address will do (TCP).
   */
  identityOf(target: Target): string | undefined;
  /** Turns a socket error raised while connecting into a result error (TLS: verification failures). */
  connectError(error: Error, target: Target): TransportError;
}

export interface StreamDialingOptions<C> {
  readonly protocol: 'tcp' | 'tls';
  readonly dialer: StreamDialer;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Give up connecting after this long (default DEFAULT_CONNECT_TIMEOUT_MS), measured on `clock`. */
  readonly connectTimeoutMs?: number | undefined;
  /** Takes over a socket that is ready for data; undefined when it already closed. */
  readonly adopt: (socket: Socket, identity: string | undefined) => C | undefined;
}

/** The connects under way of one TCP or TLS transport; what they open is handed to `adopt`. */
export class StreamDialing<C> {
  readonly #o: StreamDialingOptions<C>;
  readonly #connectTimeoutMs: number;
  /** Connects in progress, by remote address and identity, so concurrent sends share one connection. */
  readonly #dialing = new Map<string, Promise<C | TransportError>>();
  readonly #dialSockets = new Set<Socket>();
  #closing = false;

  constructor(options: StreamDialingOptions<C>) {
    this.#o = options;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  }

  /** A new connection to `target`, shared with any connect to the same address and identity still under way. */
  connect(target: Target): Promise<C | TransportError> {
    const identity = this.#o.dialer.identityOf(target);
    const key = `${addressKey(target)} ${identity ?? ''}`;
    let pending = this.#dialing.get(key);
    if (pending === undefined) {
      pending = this.#dial(target, identity).finally(() => this.#dialing.delete(key));
      this.#dialing.set(key, pending);
    }
    return pending;
  }

  /** Aborts the connects under way (they resolve TRANSPORT_CLOSED); one promise per socket closing. */
  close(): Promise<void>[] {
    this.#closing = true;
    const waits: Promise<void>[] = [];
    for (const socket of this.#dialSockets) {
      waits.push(closedPromise(socket));
      socket.destroy();
    }
    return waits;
  }

  #dial(target: Target, identity: string | undefined): Promise<C | TransportError> {
    const { protocol, dialer, clock, logger } = this.#o;
    const where = formatAddress(target);
    return new Promise((resolve) => {
      let socket: Socket;
      try {
        socket = dialer.open(target);
      } catch (error) {
        resolve(new TransportError('CONNECT_FAILED', `cannot connect to ${where}: ${describeError(error)}`, { cause: error }));
        return;
      }
      // Clock timers never fire inside setTimer, so `settle` is defined by the time this runs.
      const timer = clock.setTimer(this.#connectTimeoutMs, () =>
        settle(new TransportError('CONNECT_TIMEOUT', `no ${protocol} connection to ${where} within ${this.#connectTimeoutMs} ms`)),
      );
      let settled = false;
      const settle = (result: C | TransportError): void => {
        if (settled) return;
        settled = true;
        timer.cancel();
        this.#dialSockets.delete(socket);
        socket.off(dialer.readyEvent, onReady);
        socket.off('close', onClose);
        if (result instanceof TransportError) {
          // onError stays attached: a late 'error' on the dying socket must not go unhandled.
          const fields = { protocol, remote: where, code: result.code, error: result.message };
          if (result.code === 'TRANSPORT_CLOSED') logger.debug('connectAborted', fields);
          else logger.warn('connectFailed', fields);
          socket.destroy();
        } else {
          socket.off('error', onError);
        }
        resolve(result);
      };
      const closedError = (): TransportError => new TransportError('TRANSPORT_CLOSED', `the ${protocol} transport closed while connecting to ${where}`);
      const onReady = (): void => {
        if (this.#closing) return settle(closedError());
        settle(this.#o.adopt(socket, identity) ?? new TransportError('CONNECT_FAILED', `connection to ${where} closed while opening`));
      };
      const onError = (error: Error): void => settle(this.#closing ? closedError() : dialer.connectError(error, target));
      const onClose = (): void =>
        settle(this.#closing ? closedError() : new TransportError('CONNECT_FAILED', `connection to ${where} closed while opening`));
      socket.once(dialer.readyEvent, onReady);
      socket.on('error', onError);
      socket.once('close', onClose);
      this.#dialSockets.add(socket);
    });
  }
}

/** A target's address in the form a connection's `remoteKey` has, so that reuse finds connections to it. */
export function addressKey(target: Target): string {
  return formatAddress({ host: normalizeHost(target.host), port: target.port });
}

export function closedPromise(socket: Socket): Promise<void> {
  return socket.closed ? Promise.resolve() : new Promise((resolve) => socket.once('close', () => resolve()));
}
