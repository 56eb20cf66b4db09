// The kernel's choice of source address toward a host: a connected UDP socket reports it (nothing is sent).

import { createSocket } from 'node:dgram';
import { isIP, isIPv6 } from 'node:net';
import { normalizeHost } from './flows.ts';

/** Port used for the probe; connect() on UDP only selects a route, so any port will do (9 = discard). */
const PROBE_PORT = 9;

/**
 * Which local address would the kernel use to reach `host` (a numeric address)? Undefined when there is no
 * route (network down, no address yet) or the host is not numeric. Never throws.
 */
export function kernelSourceAddress(host: string): Promise<string | undefined> {
  // A name would be looked up in DNS first: targets are numeric by the time anyone asks.
  if (isIP(host) === 0) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    let socket: ReturnType<typeof createSocket>;
    try {
      socket = createSocket(isIPv6(host) ? 'udp6' : 'udp4');
    } catch {
      resolve(undefined);
      return;
    }
    const finish = (address: string | undefined): void => {
      try {
        socket.close();
      } catch {
        // Already closed after an error.
      }
      resolve(address);
    };
    socket.once('error', () => finish(undefined));
    try {
      socket.connect(PROBE_PORT, host, () => {
        try {
          const local = normalizeHost(socket.address().address);
          finish(local === '0.0.0.0' || local === '::' ? undefined : local);
        } catch {
          finish(undefined);
        }
      });
    } catch {
      finish(undefined);
    }
  });
}
