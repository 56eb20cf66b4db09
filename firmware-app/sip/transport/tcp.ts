// TCP transport driver (RFC 3261 §18, §18.3 framing): a listener plus client connections, reused both ways.

import { connect, createServer } from 'node:net';
import type { Clock } from '../../platform/Clock.ts';
import type { Logger } from '../../platform/Logger.ts';
import { describeError, formatAddress } from './flows.ts';
import { type StreamCaps, capOptions } from './connectionCaps.ts';
import { StreamConnections, type StreamDialer } from './StreamConnections.ts';
import { listenOn, streamTransport } from './streamTransport.ts';
import { TransportError, type Transport, type TransportEvents } from './types.ts';

export interface TcpTransportOptions extends StreamCaps {
  /** Local IPv4 or IPv6 literal to listen on (`0.0.0.0`, `::`, `127.0.0.1` …). */
  readonly host: string;
  /** Local port to listen on; 0 picks a free one (read it back from `local`). */
  readonly port: number;
  /**
   * Listen for connections from peers. When false nothing is bound: client connections use ephemeral
   * ports and `local` just echoes host and port.
   */
  readonly listen: boolean;
  /** Close a connection after this long without traffic either way (default 5 min, see DEFAULT_IDLE_TIMEOUT_MS); 0 disables. */
  readonly idleTimeoutMs?: number;
  /** Give up a connect after this long (default 10 s, see DEFAULT_CONNECT_TIMEOUT_MS). */
  readonly connectTimeoutMs?: number;
  /** Largest framed message, body included (default 65535); a bigger one closes the connection. */
  readonly maxMessageBytes?: number;
  /** Drives the idle and connect timeouts. */
  readonly clock: Clock;
  readonly logger: Logger;
}

const tcpDialer: StreamDialer = {
  readyEvent: 'connect',
  open: (target) => connect({ host: target.host, port: target.port }),
  identityOf: () => undefined,
  connectError: (error, target) =>
    new TransportError('CONNECT_FAILED', `cannot connect to ${formatAddress(target)}: ${describeError(error)}`, { cause: error }),
};

/**
 * Creates a TCP transport: when `listen`, a listener on host:port whose connections deliver like client
 * ones. `send` reuses the given flow, else any open connection to the target's address (RFC 3261 §18.2.2
 * connection reuse: a connection the peer opened to us counts), else connects. Rejects with BIND_FAILED
 * when the address cannot be bound.
 */
export async function createTcpTransport(options: TcpTransportOptions, events: TransportEvents): Promise<Transport> {
  const connections = new StreamConnections(
    {
      protocol: 'tcp',
      dialer: tcpDialer,
      clock: options.clock,
      logger: options.logger,
      idleTimeoutMs: options.idleTimeoutMs,
      connectTimeoutMs: options.connectTimeoutMs,
      maxMessageBytes: options.maxMessageBytes,
      ...capOptions(options),
    },
    events,
  );
  if (!options.listen) return streamTransport(connections, { host: options.host, port: options.port }, undefined, options.logger);
  const server = createServer((socket) => connections.accept(socket));
  const local = await listenOn(server, options.host, options.port, 'tcp', options.logger);
  return streamTransport(connections, local, server, options.logger);
}
