// Ports for the listeners of interop tests (the door, phones, PBXs, sipp): free on loopback, outside the ephemeral range.

import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';

/** Whether `port` on `host` can be bound for TCP and UDP right now. */
async function bindable(host: string, port: number): Promise<boolean> {
  const tcp = await new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
  if (!tcp) return false;
  return new Promise<boolean>((resolve) => {
    const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    socket.once('error', () => resolve(false));
    socket.bind(port, host, () => socket.close(() => resolve(true)));
  });
}

/**
 * A port for a listener, below Linux's ephemeral range (32768+), free on `host` for TCP and UDP together with
 * the `span - 1` ports after it. A port the kernel hands out for port 0 is an ephemeral one, the very kind outgoing
 * connections get: a listener that binds it a moment later can find it taken by another test's flow (under load this
 * made baresip, which also binds port + 1 for TLS, fail to start).
 */
export async function listenerPort(host = '127.0.0.1', span = 1): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * (12_000 - span));
    let free = true;
    for (let i = 0; i < span && free; i++) free = await bindable(host, port + i);
    if (free) return port;
  }
  throw new Error(`no ${span} free port(s) in a row on ${host} between 20000 and 32000`);
}
