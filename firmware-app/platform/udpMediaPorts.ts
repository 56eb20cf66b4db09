// The RTP/RTCP socket driver: UDP port pairs from the configured range (RTP even, RTCP + 1), one per call; one pair
// is kept bound ahead as a spare, so a call's SDP offer needs no bind on its way to the INVITE.

import { type Socket, createSocket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { DoorbellError, errorMessage } from '../errors.ts';
import type { MediaPorts, MediaReceivers, MediaSocketPair } from '../media/ports.ts';
import { type Endpoint, sameEndpoint } from '../media/rtp/RtpLatch.ts';
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
  /**
   * Keep one pair bound ahead (default true): a call's offer takes it at once instead of waiting for two binds, and
   * the next spare is bound once the work in progress (the call's INVITE) is done. False binds every pair on demand.
   */
  readonly spare?: boolean;
}

/** The driver: MediaPorts, plus the spare pair it keeps bound ahead. */
export interface UdpMediaPorts extends MediaPorts {
  /** The spare pair's RTP port while one is bound and not handed out (for tests and the status page). */
  readonly sparePort: number | undefined;
  /**
   * Closes the spare (and one still being bound) and binds no more ahead; pairs held by calls stay theirs until they
   * close. Resolves once the spare's sockets are closed.
   */
  close(): Promise<void>;
}

/** Two bound sockets of one pair, not handed out yet. */
interface Bound {
  readonly port: number;
  readonly ipv6: boolean;
  readonly rtp: Socket;
  readonly rtcp: Socket;
}

const WILDCARDS = new Set(['0.0.0.0', '::', '']);

/** A socket error while a spare waits (nothing is sent on it) would be an uncaught 'error' event: ignored. */
const ignoreIdleError = (): void => {};

export function createUdpMediaPorts(options: UdpMediaPortsOptions): UdpMediaPorts {
  /** Every pair bound or being bound: held by calls, the spare, binds in flight. */
  const taken = new Set<number>();
  let held = 0;
  const first = options.min % 2 === 0 ? options.min : options.min + 1;
  const pairs = Math.max(0, Math.floor((options.max - first - 1) / 2) + 1);
  const random = options.random ?? Math.random;
  const keepSpare = options.spare ?? true;
  let spare: Bound | undefined;
  /** The spare's bind in flight, and whether one is due after the current work. */
  let refill: Promise<void> | undefined;
  let refillDue = false;
  /** The family the next spare is bound for: the listen host's, then the one calls last asked for. */
  let spareIpv6 = !WILDCARDS.has(options.listenHost) && isIPv6(options.listenHost);
  let closed = false;

  /** Binds the first free pair from a random start, or undefined when every pair is taken. */
  async function bindPair(ipv6: boolean): Promise<Bound | undefined> {
    const host = WILDCARDS.has(options.listenHost) ? (ipv6 ? '::' : '0.0.0.0') : options.listenHost;
    const start = Math.floor(random() * pairs);
    for (let i = 0; i < pairs; i++) {
      const port = first + ((start + i) % pairs) * 2;
      if (taken.has(port)) continue;
      taken.add(port);
      const rtp = await bind(ipv6, host, port);
      const rtcp = rtp === undefined ? undefined : await bind(ipv6, host, port + 1);
      if (rtp !== undefined && rtcp !== undefined) return { port, ipv6, rtp, rtcp };
      rtp?.close();
      taken.delete(port);
    }
    return undefined;
  }

  function closeBound(bound: Bound): void {
    bound.rtp.close();
    bound.rtcp.close();
    taken.delete(bound.port);
  }

  /** Binds a new spare after the work in progress (the INVITE of the call that took the last one goes out first). */
  function refillLater(): void {
    if (!keepSpare || closed || spare !== undefined || refill !== undefined || refillDue) return;
    refillDue = true;
    setImmediate(() => {
      refillDue = false;
      if (closed || spare !== undefined || refill !== undefined) return;
      const ipv6 = spareIpv6;
      // Set before the bind begins, so a close() from here on waits for its outcome.
      refill = Promise.resolve(ipv6).then(bindPair).then((bound) => {
        refill = undefined;
        if (bound === undefined) return; // the range is full: a pair released later tries again
        if (closed || spare !== undefined || ipv6 !== spareIpv6) {
          closeBound(bound);
          refillLater();
          return;
        }
        // Waiting does not keep the process alive, and datagrams to it before a call takes it are dropped (no listener).
        for (const socket of [bound.rtp, bound.rtcp]) socket.on('error', ignoreIdleError).unref();
        spare = bound;
      }, (error: unknown) => {
        refill = undefined;
        options.logger.error('rtpSpareFailed', { error: errorMessage(error) });
      });
    });
  }

  /** The spare when it is of the family asked for; a spare of the other family is closed (its port may be needed). */
  function takeSpare(ipv6: boolean): Bound | undefined {
    const bound = spare;
    if (bound === undefined) return undefined;
    spare = undefined;
    if (bound.ipv6 !== ipv6) {
      closeBound(bound);
      return undefined;
    }
    for (const socket of [bound.rtp, bound.rtcp]) socket.off('error', ignoreIdleError).ref();
    return bound;
  }

  async function open(localAddress: string, receivers: MediaReceivers): Promise<MediaSocketPair> {
    // An address literal (the SDP's): IPv6 has colons, IPv4 none (node's isIPv6 runs a long regex on the call's path).
    const ipv6 = localAddress.includes(':');
    spareIpv6 = ipv6;
    let bound = takeSpare(ipv6) ?? (await bindPair(ipv6));
    if (bound === undefined && refill !== undefined) {
      // The spare being bound holds the last free pair: wait for it rather than refuse the call.
      await refill;
      bound = takeSpare(ipv6) ?? (await bindPair(ipv6));
    }
    if (bound === undefined) throw new DoorbellError('RTP_PORTS_EXHAUSTED', `no free RTP port pair in ${options.min}-${options.max}`);
    held++;
    refillLater();
    const port = bound.port;
    return pair(bound, receivers, () => {
      taken.delete(port);
      held--;
      refillLater();
    }, options.logger);
  }

  refillLater();
  return {
    open,
    get inUse() {
      return held;
    },
    get sparePort() {
      return spare?.port;
    },
    async close() {
      closed = true;
      const bound = spare;
      spare = undefined;
      if (bound !== undefined) closeBound(bound);
      await refill; // a spare still being bound is closed as it lands (closed is set)
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

/** A bound pair handed to a call: its receivers attached now, `release` called once when it closes. */
function pair(bound: Bound, receivers: MediaReceivers, release: () => void, logger: Logger): MediaSocketPair {
  const { port, rtp, rtcp } = bound;
  let closed = false;
  let sendErrors = 0;
  const from = (info: { address: string; port: number }): Endpoint => ({ address: info.address, port: info.port });
  // A bug in the media path costs that datagram, never the process (a throw here would be an uncaught exception):
  // the first is logged, later ones counted into the line at close.
  let receiveFailures = 0;
  const guarded = (deliver: (bytes: Uint8Array, from: Endpoint) => void) => (bytes: Uint8Array, info: { address: string; port: number }): void => {
    try {
      deliver(bytes, from(info));
    } catch (error) {
      if (receiveFailures++ === 0) logger.error('rtpReceiveFailed', { port, error: errorMessage(error) });
    }
  };
  rtp.on('message', guarded((bytes, source) => receivers.rtp(bytes, source)));
  rtcp.on('message', guarded((bytes, source) => receivers.rtcp(bytes, source)));
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
  const rtpTie = tieOf(rtp, bound.ipv6, (datagram, to) => send(rtp, datagram, to), onError);
  return {
    port,
    sendRtp: (bytes, to) => {
      if (!closed) rtpTie.send(bytes, to);
    },
    sendRtcp: (bytes, to) => send(rtcp, bytes, to),
    lockRtp: (peer) => {
      if (!closed) rtpTie.lock(peer);
    },
    close() {
      if (closed) return;
      closed = true;
      if (sendErrors > 1) logger.warn('rtpSocketErrors', { port, count: sendErrors });
      if (receiveFailures > 1) logger.error('rtpReceiveFailures', { port, count: receiveFailures });
      rtp.close();
      rtcp.close();
      release();
    },
  };
}

type Tie =
  | { readonly kind: 'free' }
  /** `wanted`: what the last lock or send asked for meanwhile; the connect's callback reconciles. */
  | { readonly kind: 'connecting'; readonly peer: Endpoint; wanted: Endpoint | undefined }
  | { readonly kind: 'connected'; readonly peer: Endpoint };

function same(a: Endpoint | undefined, b: Endpoint | undefined): boolean {
  return a !== undefined && b !== undefined && sameEndpoint(a, b);
}

/**
 * The RTP socket's tie to the far end (connect/disconnect). Node's dgram cannot disconnect while a connect is in
 * flight, so requests made meanwhile are remembered and settled when it completes; a packet for the peer being
 * connected is dropped (one 20 ms frame, once per call), one for another endpoint frees the socket first.
 */
function tieOf(socket: Socket, ipv6: boolean, sendTo: (bytes: Uint8Array, to: Endpoint) => void, onError: (error: Error) => void) {
  let tie: Tie = { kind: 'free' };
  const free = (): void => {
    tie = { kind: 'free' };
    try {
      socket.disconnect();
    } catch (error) {
      onError(error as Error);
    }
  };
  const connect = (peer: Endpoint): void => {
    // Only a peer a packet came from is locked: same family, a real port. Anything else stays unconnected.
    if (isIPv6(peer.address) !== ipv6 || !Number.isInteger(peer.port) || peer.port < 1 || peer.port > 65535) return;
    const mine: Tie = { kind: 'connecting', peer, wanted: peer };
    tie = mine;
    try {
      socket.connect(peer.port, peer.address, () => {
        if (tie !== mine) return;
        tie = { kind: 'connected', peer };
        if (!same(mine.wanted, peer)) {
          free();
          if (mine.wanted !== undefined) connect(mine.wanted);
        }
      });
    } catch (error) {
      tie = { kind: 'free' };
      onError(error as Error);
    }
  };
  return {
    lock(peer: Endpoint | undefined): void {
      if (tie.kind === 'connecting') tie.wanted = peer;
      else if (tie.kind === 'connected') {
        if (same(tie.peer, peer)) return;
        free();
        if (peer !== undefined) connect(peer);
      } else if (peer !== undefined) connect(peer);
    },
    send(bytes: Uint8Array, to: Endpoint): void {
      if (tie.kind === 'connected' && same(tie.peer, to)) {
        try {
          socket.send(bytes);
        } catch (error) {
          onError(error as Error);
        }
        return;
      }
      if (tie.kind === 'connecting') {
        if (!same(tie.peer, to)) tie.wanted = undefined;
        return;
      }
      if (tie.kind === 'connected') free();
      sendTo(bytes, to);
    },
  };
}
