// The listener and Transport object around StreamConnections, shared by the TCP and TLS drivers.

import type { AddressInfo, Server } from 'node:net';
import type { Logger } from '../../platform/Logger.ts';
import { describeError, formatAddress, normalizeHost } from './flows.ts';
import type { StreamConnections } from './StreamConnections.ts';
import { TransportError, type Address, type Transport } from './types.ts';

/** Listens on host:port; rejects with BIND_FAILED. Later listener errors are logged, never left unhandled. */
export function listenOn(server: Server, host: string, port: number, protocol: 'tcp' | 'tls', logger: Logger): Promise<Address> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => {
      reject(new TransportError('BIND_FAILED', `cannot listen on ${protocol} ${formatAddress({ host, port })}: ${describeError(error)}`, { cause: error }));
    };
    server.once('error', onError);
    server.listen({ host, port }, () => {
      server.off('error', onError);
      const bound = server.address() as AddressInfo;
      const local: Address = { host: normalizeHost(bound.address), port: bound.port };
      server.on('error', (error) => logger.warn('listenerError', { protocol, local: formatAddress(local), error: describeError(error) }));
      logger.info('listening', { protocol, local: formatAddress(local) });
      resolve(local);
    });
  });
}

/** The Transport of a TCP or TLS driver: its connections plus, when it listens, the listener. */
export function streamTransport(connections: StreamConnections, local: Address, server: Server | undefined, logger: Logger): Transport {
  let closing: Promise<void> | undefined;
  const closeServer = (): Promise<void> =>
    server === undefined ? Promise.resolve() : new Promise((resolve) => server.close(() => resolve()));
  return {
    protocol: connections.protocol,
    reliable: true,
    local,
    send: (bytes, target, flowId) => connections.send(bytes, target, flowId),
    async localAddressFor(target, flowId) {
      const flow = await connections.flowFor(target, flowId);
      if (flow instanceof TransportError) return undefined;
      // Behind a listener, peers may connect back to its port; a client-only transport (TLS) is reachable only
      // over this connection, so its own port is the one to name (a registrar reuses the flow it finds there).
      return { host: flow.local.host, port: server === undefined ? flow.local.port : local.port };
    },
    sendKeepAlive: (flowId, bytes) => connections.sendKeepAlive(flowId, bytes),
    closeFlow: (flowId) => connections.closeFlow(flowId),
    trustFlow: (flowId) => connections.trust(flowId),
    close(): Promise<void> {
      closing ??= Promise.all([closeServer(), connections.close()]).then(() => {
        logger.info('transportClosed', { protocol: connections.protocol, local: formatAddress(local) });
      });
      return closing;
    },
  };
}
