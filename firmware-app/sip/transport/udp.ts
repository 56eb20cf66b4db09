// UDP transport driver (RFC 3261 §18.1.1, §18.2.1): one dgram socket, one datagram = one message.

import { createSocket, type Socket } from 'node:dgram';
import { type Clock, createSystemClock } from '../../platform/Clock.ts';
import type { Logger } from '../../platform/Logger.ts';
import { kernelSourceAddress } from './kernelRoute.ts';
import { LocalAddresses, type RouteLookup } from './localAddress.ts';
import { MAX_UDP_PAYLOAD, describeError, formatAddress, makeFlow, normalizeHost, plainBytes, sendFailed } from './flows.ts';
import { TransportError, type Address, type SendResult, type Target, type Transport, type TransportEvents } from './types.ts';

export interface UdpTransportOptions {
  /** Local IPv4 or IPv6 literal to bind (`0.0.0.0`, `::`, `127.0.0.1`, `::1` …); an IPv6 literal makes a udp6 socket. */
  readonly host: string;
  /** Local port; 0 picks a free one (read it back from `local`). */
  readonly port: number;
  readonly logger: Logger;
  /** Ages the per-destination address cache (default: the system clock). */
  readonly clock?: Clock;
  /** The kernel's source address toward a host, when bound to a wildcard (default: asked through a connected socket). */
  readonly route?: RouteLookup;
}

/**
 * Binds a UDP socket and returns its Transport. Every datagram goes to `events.message` as it is (the
 * transaction layer parses it); datagrams made only of CR/LF (NAT keep-alives some phones send) are dropped.
 * `send` ignores `flowId` (there is one socket) and never throws. Rejects with BIND_FAILED when the
 * address cannot be bound.
 */
export async function createUdpTransport(options: UdpTransportOptions, events: TransportEvents): Promise<Transport> {
  const { logger } = options;
  const socket = createSocket({ type: options.host.includes(':') ? 'udp6' : 'udp4' });
  await bind(socket, options.host, options.port);
  const bound = socket.address();
  const local: Address = { host: normalizeHost(bound.address), port: bound.port };
  logger.info('listening', { protocol: 'udp', local: formatAddress(local) });
  const addresses = new LocalAddresses(local, options.route ?? kernelSourceAddress, options.clock ?? createSystemClock());

  // After bind, an 'error' event is logged, never left unhandled (which would crash the process).
  socket.on('error', (error) => logger.warn('udpSocketError', { local: formatAddress(local), error: describeError(error) }));
  socket.on('message', (datagram, rinfo) => {
    const source: Address = { host: normalizeHost(rinfo.address), port: rinfo.port };
    const bytes = plainBytes(datagram);
    if (onlyLineBreaks(bytes)) {
      logger.debug('udpKeepAliveIgnored', { source: formatAddress(source) });
      return;
    }
    try {
      events.message({ bytes, source, flow: makeFlow('udp', local, source) });
    } catch (error) {
      logger.error('transportListenerFailed', { protocol: 'udp', error: describeError(error) });
    }
  });

  let closed: Promise<void> | undefined;

  return {
    protocol: 'udp',
    reliable: false,
    local,
    localAddressFor: (target) => addresses.toward(target.host),
    send(bytes: Uint8Array, target: Target): Promise<SendResult> {
      if (closed !== undefined) return Promise.resolve(sendFailed('TRANSPORT_CLOSED', 'the UDP transport is closed'));
      if (target.protocol !== 'udp') {
        return Promise.resolve(sendFailed('SEND_FAILED', `a ${target.protocol} target cannot be reached over UDP`));
      }
      if (bytes.length > MAX_UDP_PAYLOAD) {
        return Promise.resolve(sendFailed('MESSAGE_TOO_LARGE', `${bytes.length} bytes exceed the UDP limit of ${MAX_UDP_PAYLOAD}`));
      }
      const remote: Address = { host: target.host, port: target.port };
      return new Promise((resolve) => {
        const done = (error: Error | null): void => {
          if (error === null) {
            resolve({ ok: true, flow: makeFlow('udp', local, remote) });
            return;
          }
          logger.debug('udpSendFailed', { remote: formatAddress(remote), error: describeError(error) });
          resolve(sendFailed('SEND_FAILED', `UDP send to ${formatAddress(remote)} failed: ${describeError(error)}`, error));
        };
        try {
          socket.send(bytes, target.port, target.host, done);
        } catch (error) {
          // Bad ports and closed sockets throw synchronously.
          done(error instanceof Error ? error : new Error(String(error)));
        }
      });
    },
    close(): Promise<void> {
      closed ??= new Promise((resolve) => {
        socket.close(() => {
          logger.info('transportClosed', { protocol: 'udp', local: formatAddress(local) });
          resolve();
        });
      });
      return closed;
    },
  };
}

function bind(socket: Socket, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => {
      try {
        socket.close();
      } catch {
        // Never bound, so nothing to release.
      }
      reject(new TransportError('BIND_FAILED', `cannot bind UDP ${formatAddress({ host, port })}: ${describeError(error)}`, { cause: error }));
    };
    socket.once('error', onError);
    socket.bind({ address: host, port }, () => {
      socket.off('error', onError);
      resolve();
    });
  });
}

function onlyLineBreaks(bytes: Uint8Array): boolean {
  for (const byte of bytes) if (byte !== 13 && byte !== 10) return false;
  return true;
}
