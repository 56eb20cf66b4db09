// Test support: MediaPorts without sockets. Each pair records what it sends and lets the test inject datagrams; pairs
// attached to one FakeNetwork reach each other (synchronously, each datagram a fresh copy, as a socket would give it).

import { DoorbellError } from '../../../firmware-app/errors.ts';
import type { MediaPorts, MediaReceivers, MediaSocketPair } from '../../../firmware-app/media/ports.ts';
import type { Endpoint } from '../../../firmware-app/media/rtp/RtpLatch.ts';

export interface SentDatagram {
  readonly kind: 'rtp' | 'rtcp';
  readonly bytes: Uint8Array;
  readonly to: Endpoint;
  /** FakeNetwork time order: the index of this datagram among everything sent on the network. */
  readonly order: number;
}

/** Delivers datagrams between the pairs bound on it, by address and port; `blocked` sources are dropped (a cut link). */
export class FakeNetwork {
  readonly #bound = new Map<string, FakeSocketPair>();
  readonly blocked = new Set<string>();
  #sent = 0;

  attach(pair: FakeSocketPair): void {
    this.#bound.set(`${pair.address}:${pair.port}`, pair);
  }

  detach(pair: FakeSocketPair): void {
    if (this.#bound.get(`${pair.address}:${pair.port}`) === pair) this.#bound.delete(`${pair.address}:${pair.port}`);
  }

  nextOrder(): number {
    return this.#sent++;
  }

  route(from: FakeSocketPair, kind: 'rtp' | 'rtcp', bytes: Uint8Array, to: Endpoint): void {
    if (this.blocked.has(from.address)) return;
    const rtpPort = kind === 'rtp' ? to.port : to.port - 1;
    const target = this.#bound.get(`${to.address}:${rtpPort}`);
    if (target === undefined) return;
    const source = { address: from.address, port: kind === 'rtp' ? from.port : from.port + 1 };
    if (kind === 'rtp') target.injectRtp(bytes, source);
    else target.injectRtcp(bytes, source);
  }
}

/** One fake RTP/RTCP pair: `sent` holds every datagram handed to it, `closeCalls` how often `close` was called. */
export class FakeSocketPair implements MediaSocketPair {
  readonly port: number;
  readonly address: string;
  readonly sent: SentDatagram[] = [];
  /** Datagrams the product tried to send after close (a leak). */
  sentAfterClose = 0;
  closeCalls = 0;
  readonly #receivers: MediaReceivers;
  readonly #network: FakeNetwork | undefined;
  readonly #release: () => void;

  constructor(address: string, port: number, receivers: MediaReceivers, network: FakeNetwork | undefined, release: () => void) {
    this.address = address;
    this.port = port;
    this.#receivers = receivers;
    this.#network = network;
    this.#release = release;
    network?.attach(this);
  }

  get closed(): boolean {
    return this.closeCalls > 0;
  }

  /** The RTP datagrams sent so far. */
  get rtp(): SentDatagram[] {
    return this.sent.filter((d) => d.kind === 'rtp');
  }

  get rtcp(): SentDatagram[] {
    return this.sent.filter((d) => d.kind === 'rtcp');
  }

  sendRtp(bytes: Uint8Array, to: Endpoint): void {
    this.#send('rtp', bytes, to);
  }

  sendRtcp(bytes: Uint8Array, to: Endpoint): void {
    this.#send('rtcp', bytes, to);
  }

  /** Every lockRtp call, in order (undefined: unlocked). */
  readonly locks: Array<Endpoint | undefined> = [];

  lockRtp(peer: Endpoint | undefined): void {
    this.locks.push(peer === undefined ? undefined : { address: peer.address, port: peer.port });
  }

  close(): void {
    this.closeCalls++;
    if (this.closeCalls > 1) return;
    this.#network?.detach(this);
    this.#release();
  }

  /** A datagram arrives on the RTP port from `from`. */
  injectRtp(bytes: Uint8Array, from: Endpoint): void {
    if (!this.closed) this.#receivers.rtp(bytes.slice(), from);
  }

  injectRtcp(bytes: Uint8Array, from: Endpoint): void {
    if (!this.closed) this.#receivers.rtcp(bytes.slice(), from);
  }

  #send(kind: 'rtp' | 'rtcp', bytes: Uint8Array, to: Endpoint): void {
    if (this.closed) {
      this.sentAfterClose++;
      return;
    }
    this.sent.push({ kind, bytes: bytes.slice(), to: { address: to.address, port: to.port }, order: this.#network?.nextOrder() ?? this.sent.length });
    this.#network?.route(this, kind, bytes, to);
  }
}

export interface FakeMediaPortsOptions {
  readonly network?: FakeNetwork;
  /** The first pair's RTP port (40000); each further pair takes the next even port. */
  readonly firstPort?: number;
  /** Pairs available at once (16); beyond that `open` rejects with RTP_PORTS_EXHAUSTED as the real driver does. */
  readonly capacity?: number;
}

/** MediaPorts for tests. `pause()` keeps `open` pending until `resume()`, to test a call ended while ports are bound. */
export class FakeMediaPorts implements MediaPorts {
  readonly pairs: FakeSocketPair[] = [];
  /** The local addresses `open` was asked for. */
  readonly requested: string[] = [];
  readonly #options: FakeMediaPortsOptions;
  #open = 0;
  #nextPort: number;
  #paused: (() => void)[] | undefined;

  constructor(options: FakeMediaPortsOptions = {}) {
    this.#options = options;
    this.#nextPort = options.firstPort ?? 40000;
  }

  get inUse(): number {
    return this.#open;
  }

  /** The last pair opened (most tests open one). */
  get pair(): FakeSocketPair {
    const pair = this.pairs.at(-1);
    if (pair === undefined) throw new Error('no pair opened yet');
    return pair;
  }

  pause(): void {
    this.#paused ??= [];
  }

  resume(): void {
    const waiting = this.#paused ?? [];
    this.#paused = undefined;
    for (const go of waiting) go();
  }

  async open(localAddress: string, receivers: MediaReceivers): Promise<FakeSocketPair> {
    this.requested.push(localAddress);
    const paused = this.#paused;
    if (paused !== undefined) await new Promise<void>((resolve) => paused.push(resolve));
    if (this.#open >= (this.#options.capacity ?? 16)) throw new DoorbellError('RTP_PORTS_EXHAUSTED', 'fake range exhausted');
    this.#open++;
    const port = this.#nextPort;
    this.#nextPort += 2;
    const pair = new FakeSocketPair(localAddress, port, receivers, this.#options.network, () => this.#open--);
    this.pairs.push(pair);
    return pair;
  }
}
