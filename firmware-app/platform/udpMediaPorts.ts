// The RTP/RTCP socket driver: UDP port pairs from the configured range (RTP even, RTCP + 1), bound per call.

import { type Socket, createSocket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { DoorbellError, errorMessage } from '../errors.ts';
import type { MediaPorts, MediaReceivers, MediaSocketPair } from '../media/ports.ts';
import type { Endpoint } from '../media/rtp/RtpLatch.ts';
import type { Logger } from './Logger.ts';

export interface UdpMediaPortsOptions {
  /** First and last port of the range; pairs start on even ports inside it. */
  readonly min: number;
  readonly max: number;
  /** The SIP listen host: a specific address binds RTP there too; a wildcard binds the wildcard of the SDP's family. */
  readonly listenHost: string;
  readonly logger: Logger;
  /** Where the search for a free pair starts (random by default, so consecutive calls do not reuse a port at once). */
  readonly random?: () => number;
}

const WILDCARDS = new Set(['0.0.0.0', '::', '']);

export function createUdpMediaPorts(options: UdpMediaPortsOptions): MediaPorts {
  const taken = new Set<number>();
  const first = options.min % 2 === 0 ? options.min : options.min + 1;
  const pairs = Math.max(0, Math.floor((options.max - first - 1) / 2) + 1);
  const random = options.random ?? Math.random;

  async function open(localAddress: string, receivers: MediaReceivers): Promise<MediaSocketPair> {
    const ipv6 = isIPv6(localAddress);
    const host = WILDCARDS.has(options.listenHost) ? (ipv6 ? '::' : '0.0.0.0') : options.listenHost;
    const start = Math.floor(random() * pairs);
    for (let i = 0; i < pairs; i++) {
      const port = first + ((start + i) % pairs) * 2;
      if (taken.has(port)) continue;
      taken.add(port);
      const rtp = await bind(ipv6, host, port);
      const rtcp = rtp === undefined ? undefined : await bind(ipv6, host, port + 1);
      if (rtp !== undefined && rtcp !== undefined) return pair(port, rtp, rtcp, receivers, () => taken.delete(port), options.logger);
      rtp?.close();
      taken.delete(port);
    }
    throw new DoorbellError('RTP_PORTS_EXHAUSTED', `no free RTP port pair in ${options.min}-${options.max}`);
  }

  return {
    open,
    get inUse() {
      return taken.size;
    },
  };
}

/** A bound socket, or undefined when the port is in use (by another program, or a pair of ours being closed). */
function bind(ipv6: boolean, host: string, port: number): Promise<Socket | undefined> {
  return new Promise((resolve) => {
    const socket = createSocket({ type: ipv6 ? 'udp6' : 'udp4', ...(ipv6 ? { ipv6Only: true } : {}) });
    const failed = (): void => {
      socket.close();
      resolve(undefined);
    };
    socket.once('error', failed);
    socket.bind(port, host, () => {
      socket.off('error', failed);
      resolve(socket);
    });
  });
}

function pair(port: number, rtp: Socket, rtcp: Socket, receivers: MediaReceivers, release: () => void, logger: Logger): MediaSocketPair {
  let closed = false;
  let sendErrors = 0;
  const from = (info: { address: string; port: number }): Endpoint => ({ address: info.address, port: info.port });
  rtp.on('message', (bytes, info) => receivers.rtp(bytes, from(info)));
  rtcp.on('message', (bytes, info) => receivers.rtcp(bytes, from(info)));
  // A socket error (ICMP unreachable surfaced on a later send, a dead interface) costs packets, never the call or
  // the process: the first one is logged, the rest counted into the line at close.
  const onError = (error: Error): void => {
    if (sendErrors++ === 0) logger.warn('rtpSocketError', { port, error: errorMessage(error) });
  };
  rtp.on('error', onError);
  rtcp.on('error', onError);
  // Without a callback a failed send is an 'error' event (handled above); with an address, node resolves it first.
  const send = (socket: Socket, bytes: Uint8Array, to: Endpoint): void => {
    if (closed) return;
    try {
      socket.send(bytes, to.port, to.address);
    } catch (error) {
      onError(error as Error);
    }
  };
  // The RTP socket's tie to the far end: while connecting, a packet is dropped (one 20 ms frame, once per call).
  let lock: { readonly peer: Endpoint; connected: boolean } | undefined;
  const sendRtp = (bytes: Uint8Array, to: Endpoint): void => {
    if (lock === undefined) return send(rtp, bytes, to);
    if (lock.peer.address !== to.address || lock.peer.port !== to.port) {
      unlock();
      return send(rtp, bytes, to);
    }
    if (!lock.connected || closed) return;
    try {
      rtp.send(bytes);
    } catch (error) {
      onError(error as Error);
    }
  };
  const unlock = (): void => {
    if (lock === undefined) return;
    lock = undefined;
    try {
      rtp.disconnect();
    } catch {
      // not connected yet: the connect callback sees the lock is gone and undoes it
    }
  };
  const lockRtp = (peer: Endpoint | undefined): void => {
    if (closed) return;
    if (peer === undefined) return unlock();
    if (lock !== undefined && lock.peer.address === peer.address && lock.peer.port === peer.port) return;
    unlock();
    const mine = { peer, connected: false };
    lock = mine;
    rtp.connect(peer.port, peer.address, () => {
      if (lock === mine && !closed) mine.connected = true;
      else if (!closed) rtp.disconnect();
    });
  };
  return {
    port,
    sendRtp,
    sendRtcp: (bytes, to) => send(rtcp, bytes, to),
    lockRtp,
    close() {
      if (closed) return;
      closed = true;
      if (sendErrors > 1) logger.warn('rtpSocketErrors', { port, count: sendErrors });
      rtp.close();
      rtcp.close();
      release();
    },
  };
}
