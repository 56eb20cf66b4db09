// Loop network: in-memory Transports for unit and scenario tests, with drop / delay / fail knobs and a wire log.

import { DoorbellError } from '../../errors.ts';
import type { Clock } from '../../platform/Clock.ts';
import { MAX_UDP_PAYLOAD, formatAddress, makeFlow, sendFailed } from './flows.ts';
import type {
  Address,
  Flow,
  SendResult,
  Target,
  Transport,
  TransportErrorCode,
  TransportEvents,
  TransportProtocol,
} from './types.ts';

export interface LoopNetworkOptions {
  /** Needed only for `delay`: delayed packets are delivered by this clock's timers. */
  readonly clock?: Clock;
}

export interface LoopTransportOptions {
  readonly host: string;
  /** 0 picks a free port from 49152 up (read it back from `local`). */
  readonly port: number;
  readonly protocol: TransportProtocol;
}

/**
 * What happened to one send:
 * - `delivered`: handed to the network (delivery may still be delayed, and is skipped if the receiver closes first);
 * - `dropped`: eaten by `dropNext` (the sender was told ok);
 * - `failed`: refused by `failNextSend` (never on the wire);
 * - `unreachable`: nobody at that address (UDP: lost, the sender was told ok; TCP/TLS: CONNECT_FAILED).
 */
export type LoopOutcome = 'delivered' | 'dropped' | 'failed' | 'unreachable';

/** One send as the network saw it, in send order. `bytes` is a copy taken at send time. */
export interface LoopPacket {
  readonly protocol: TransportProtocol;
  readonly from: Address;
  readonly to: Address;
  /** The sender's flow, when there was one (not for `failed`, nor for an unreachable stream target). */
  readonly flowId: string | undefined;
  readonly bytes: Uint8Array;
  readonly outcome: LoopOutcome;
  /** True for `sendKeepAlive` CRLFs. */
  readonly keepAlive: boolean;
}

/** A Transport on the loop network, plus knobs that act on what *this* transport sends. */
export interface LoopTransport extends Transport {
  /** The next `count` packets this transport sends vanish (their sends still resolve ok). On TCP/TLS this models a peer that never reads them. */
  dropNext(count?: number): void;
  /**
   * Packets this transport sends from now on arrive `ms` later on the network's clock (0: on a microtask).
   * Needs the network's `clock`. Packets sent under different delays may overtake each other.
   */
  delay(ms: number): void;
  /** The next send resolves `{ ok: false }` with `code` (default SEND_FAILED) and puts nothing on the wire. */
  failNextSend(code?: TransportErrorCode): void;
  /** Breaks one TCP/TLS connection as a network failure would: both ends see `flowClosed`. */
  closeFlow(flowId: string): void;
}

export interface LoopNetwork {
  /** A transport bound to host:port; throws ADDRESS_IN_USE when that protocol, host and port are taken. */
  transport(options: LoopTransportOptions, events: TransportEvents): LoopTransport;
  /** Every send on the network so far, in order. */
  readonly sent: readonly LoopPacket[];
  /** Calls `listener` for each future send; returns the function that stops it. */
  onSend(listener: (packet: LoopPacket) => void): () => void;
}

const FIRST_EPHEMERAL_PORT = 49152;
const PING = '\r\n\r\n';
const PONG = '\r\n';

interface Endpoint {
  readonly transport: LoopTransportImpl;
  readonly flow: Flow;
}

/** A simulated TCP/TLS connection: one flow per end, messages delivered whole (no framing needed). */
interface LoopConnection {
  readonly ends: readonly [Endpoint, Endpoint];
  open: boolean;
}

/**
 * Creates an empty loop network. Packets go to the transport bound to exactly the target's protocol, host
 * and port; they are delivered asynchronously (a microtask, or a clock timer under `delay`), never inside `send`.
 * Knobs are per sending transport, so a test can lose the UA's requests but not the server's answers.
 */
export function createLoopNetwork(options: LoopNetworkOptions = {}): LoopNetwork {
  return new LoopNetworkImpl(options.clock);
}

class LoopNetworkImpl implements LoopNetwork {
  readonly clock: Clock | undefined;
  readonly sent: LoopPacket[] = [];
  readonly #listeners = new Set<(packet: LoopPacket) => void>();
  readonly #bound = new Map<string, LoopTransportImpl>();
  /** Open connections by the flow id of either end. */
  readonly #connections = new Map<string, LoopConnection>();
  #nextPort = FIRST_EPHEMERAL_PORT;

  constructor(clock: Clock | undefined) {
    this.clock = clock;
  }

  transport(options: LoopTransportOptions, events: TransportEvents): LoopTransport {
    const port = options.port === 0 ? this.#freePort(options.protocol, options.host) : options.port;
    const local: Address = { host: options.host, port };
    const key = bindingKey(options.protocol, local);
    if (this.#bound.has(key)) throw new DoorbellError('ADDRESS_IN_USE', `loop ${options.protocol} ${formatAddress(local)} is already bound`);
    const transport = new LoopTransportImpl(this, options.protocol, local, events);
    this.#bound.set(key, transport);
    return transport;
  }

  onSend(listener: (packet: LoopPacket) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  record(packet: LoopPacket): void {
    this.sent.push(packet);
    for (const listener of [...this.#listeners]) listener(packet);
  }

  bound(protocol: TransportProtocol, address: Address): LoopTransportImpl | undefined {
    return this.#bound.get(bindingKey(protocol, address));
  }

  unbind(transport: LoopTransportImpl): void {
    this.#bound.delete(bindingKey(transport.protocol, transport.local));
  }

  connection(flowId: string): LoopConnection | undefined {
    const connection = this.#connections.get(flowId);
    return connection?.open === true ? connection : undefined;
  }

  /** An open connection between the two addresses, opened by either side. */
  connectionBetween(from: LoopTransportImpl, to: Address): LoopConnection | undefined {
    return this.connection(makeFlow(from.protocol, from.local, to).id);
  }

  connect(from: LoopTransportImpl, to: LoopTransportImpl): LoopConnection {
    const connection: LoopConnection = {
      ends: [
        { transport: from, flow: makeFlow(from.protocol, from.local, to.local) },
        { transport: to, flow: makeFlow(to.protocol, to.local, from.local) },
      ],
      open: true,
    };
    for (const end of connection.ends) this.#connections.set(end.flow.id, connection);
    return connection;
  }

  disconnect(connection: LoopConnection): void {
    if (!connection.open) return;
    connection.open = false;
    for (const end of connection.ends) {
      this.#connections.delete(end.flow.id);
      queueMicrotask(() => end.transport.events.flowClosed?.(end.flow));
    }
  }

  connectionsOf(transport: LoopTransportImpl): LoopConnection[] {
    return [...new Set(this.#connections.values())].filter((c) => c.ends.some((end) => end.transport === transport));
  }

  schedule(delayMs: number, deliver: () => void): void {
    if (delayMs <= 0) queueMicrotask(deliver);
    else this.clock!.setTimer(delayMs, deliver);
  }

  #freePort(protocol: TransportProtocol, host: string): number {
    while (this.#bound.has(bindingKey(protocol, { host, port: this.#nextPort }))) this.#nextPort++;
    return this.#nextPort++;
  }
}

class LoopTransportImpl implements LoopTransport {
  readonly protocol: TransportProtocol;
  readonly reliable: boolean;
  readonly local: Address;
  readonly events: TransportEvents;
  readonly #network: LoopNetworkImpl;
  #dropCount = 0;
  #delayMs = 0;
  #failures: TransportErrorCode[] = [];
  #closed = false;

  constructor(network: LoopNetworkImpl, protocol: TransportProtocol, local: Address, events: TransportEvents) {
    this.#network = network;
    this.protocol = protocol;
    this.reliable = protocol !== 'udp';
    this.local = local;
    this.events = events;
  }

  get closed(): boolean {
    return this.#closed;
  }

  dropNext(count = 1): void {
    this.#dropCount += count;
  }

  delay(ms: number): void {
    if (ms > 0 && this.#network.clock === undefined) {
      throw new DoorbellError('LOOP_NEEDS_CLOCK', 'delay() needs createLoopNetwork({ clock })');
    }
    this.#delayMs = Math.max(0, ms);
  }

  failNextSend(code: TransportErrorCode = 'SEND_FAILED'): void {
    this.#failures.push(code);
  }

  closeFlow(flowId: string): void {
    const connection = this.#network.connection(flowId);
    if (connection !== undefined) this.#network.disconnect(connection);
  }

  /** Loop transports are bound to a real address of the loop network: that is what they advertise. */
  localAddressFor(): Promise<Address | undefined> {
    return Promise.resolve(this.#closed ? undefined : this.local);
  }

  async send(bytes: Uint8Array, target: Target, flowId?: string): Promise<SendResult> {
    if (this.#closed) return sendFailed('TRANSPORT_CLOSED', `loop ${this.protocol} ${formatAddress(this.local)} is closed`);
    const to: Address = { host: target.host, port: target.port };
    const copy = bytes.slice();
    const failure = this.#failures.shift();
    if (failure !== undefined) {
      this.#record(to, undefined, copy, 'failed', false);
      return sendFailed(failure, `loop: failNextSend(${failure})`);
    }
    if (target.protocol !== this.protocol) return sendFailed('SEND_FAILED', `a ${target.protocol} target cannot be reached over ${this.protocol}`);
    if (this.protocol === 'udp') return this.#sendDatagram(copy, to);
    return this.#sendOnStream(copy, to, flowId);
  }

  async sendKeepAlive(flowId: string, bytes: Uint8Array): Promise<SendResult> {
    if (this.#closed) return sendFailed('TRANSPORT_CLOSED', `loop ${this.protocol} ${formatAddress(this.local)} is closed`);
    const connection = this.#network.connection(flowId);
    const mine = connection?.ends.find((end) => end.transport === this && end.flow.id === flowId);
    if (connection === undefined || mine === undefined) return sendFailed('FLOW_GONE', `no open loop connection ${flowId}`);
    const text = new TextDecoder().decode(bytes);
    if (text !== PING && text !== PONG) return sendFailed('SEND_FAILED', 'loop keep-alives are CRLFCRLF (ping) or CRLF (pong)');
    const peer = connection.ends[0] === mine ? connection.ends[1] : connection.ends[0];
    if (this.#takeDrop()) {
      this.#record(peer.flow.local, flowId, bytes.slice(), 'dropped', true);
      return { ok: true, flow: mine.flow };
    }
    this.#record(peer.flow.local, flowId, bytes.slice(), 'delivered', true);
    this.#network.schedule(this.#delayMs, () => {
      if (!connection.open) return;
      if (text === PONG) {
        peer.transport.events.keepAlive?.(peer.flow, 'pong');
        return;
      }
      // RFC 5626 §4.4.1: the peer's driver answers a ping with a pong by itself.
      peer.transport.events.keepAlive?.(peer.flow, 'ping');
      this.#network.schedule(0, () => {
        if (connection.open) this.events.keepAlive?.(mine.flow, 'pong');
      });
    });
    return { ok: true, flow: mine.flow };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#network.unbind(this);
    for (const connection of this.#network.connectionsOf(this)) this.#network.disconnect(connection);
  }

  #sendDatagram(bytes: Uint8Array, to: Address): SendResult {
    if (bytes.length > MAX_UDP_PAYLOAD) {
      return sendFailed('MESSAGE_TOO_LARGE', `${bytes.length} bytes exceed the UDP limit of ${MAX_UDP_PAYLOAD}`);
    }
    const flow = makeFlow('udp', this.local, to);
    const receiver = this.#network.bound('udp', to);
    if (this.#takeDrop()) {
      this.#record(to, flow.id, bytes, 'dropped', false);
    } else if (receiver === undefined) {
      this.#record(to, flow.id, bytes, 'unreachable', false);
    } else {
      this.#record(to, flow.id, bytes, 'delivered', false);
      this.#network.schedule(this.#delayMs, () => {
        if (receiver.closed) return;
        receiver.events.message({ bytes, source: this.local, flow: makeFlow('udp', receiver.local, this.local) });
      });
    }
    return { ok: true, flow };
  }

  #sendOnStream(bytes: Uint8Array, to: Address, flowId: string | undefined): SendResult {
    const byFlow = flowId === undefined ? undefined : this.#network.connection(flowId);
    let connection = byFlow?.ends.some((end) => end.transport === this) === true ? byFlow : this.#network.connectionBetween(this, to);
    if (connection === undefined) {
      const peer = this.#network.bound(this.protocol, to);
      if (peer === undefined) {
        this.#record(to, undefined, bytes, 'unreachable', false);
        return sendFailed('CONNECT_FAILED', `loop: nothing listens on ${this.protocol} ${formatAddress(to)}`);
      }
      connection = this.#network.connect(this, peer);
    }
    const [mine, peer] = connection.ends[0].transport === this ? connection.ends : [connection.ends[1], connection.ends[0]];
    if (this.#takeDrop()) {
      this.#record(peer.flow.local, mine.flow.id, bytes, 'dropped', false);
      return { ok: true, flow: mine.flow };
    }
    this.#record(peer.flow.local, mine.flow.id, bytes, 'delivered', false);
    const open = connection;
    this.#network.schedule(this.#delayMs, () => {
      if (!open.open) return;
      peer.transport.events.message({ bytes, source: this.local, flow: peer.flow });
    });
    return { ok: true, flow: mine.flow };
  }

  #takeDrop(): boolean {
    if (this.#dropCount === 0) return false;
    this.#dropCount--;
    return true;
  }

  #record(to: Address, flowId: string | undefined, bytes: Uint8Array, outcome: LoopOutcome, keepAlive: boolean): void {
    this.#network.record({ protocol: this.protocol, from: this.local, to, flowId, bytes, outcome, keepAlive });
  }
}

function bindingKey(protocol: TransportProtocol, address: Address): string {
  return `${protocol} ${formatAddress(address)}`;
}
