// The transport layer of RFC 3261 §18: parses what the drivers deliver, applies the Via rules, routes responses.

import { errorMessage } from '../../errors.ts';
import { Emitter } from '../../platform/Emitter.ts';
import type { Logger } from '../../platform/Logger.ts';
import { type SipMessage, SipParseError, buildResponse, parseMessage } from '../message/index.ts';
import { bareHost, defaultPort, formatAddress, sendFailed } from './flows.ts';
import { isAdvertisable } from './localAddress.ts';
import type {
  Address, Flow, Inbound, SendResult, Target, Transport, TransportErrorCode, TransportEvents, TransportProtocol,
} from './types.ts';

/** What the transaction layer hears from the transport layer. */
export interface TransportLayerUser {
  request(request: SipMessage, inbound: Inbound): void;
  response(response: SipMessage, inbound: Inbound): void;
  /** Whether a source may be answered at all (asked for malformed input); false: drop it without a word. */
  screenSource?(inbound: Inbound, method?: string): boolean;
}

/** A type alias (not an interface) so that it fits Emitter's EventMap. */
export type FlowEvents = {
  /** A TCP/TLS connection closed (by the peer, an idle timeout, an error, or closeFlow). */
  flowClosed(flow: Flow): void;
  /** A CRLF keep-alive arrived on a stream: `ping` (already answered by the driver) or `pong`. */
  keepAlive(flow: Flow, kind: 'ping' | 'pong'): void;
};

/** Counters exposed for diagnostics (and for the web page's status). */
export interface TransportCounters {
  received: number;
  malformed: number;
  answeredMalformed: number;
  strayResponses: number;
}

function protocolOfVia(transport: string): TransportProtocol | undefined {
  const t = transport.toLowerCase();
  return t === 'udp' || t === 'tcp' || t === 'tls' ? t : undefined;
}

/** How many recent sent-bys are remembered; a door station uses a few (one per protocol and route). */
const MAX_ADVERTISED = 64;

/** Send failures of an open connection (not of a connect), after which a new connection is worth one try. */
const BROKEN_FLOW: ReadonlySet<TransportErrorCode> = new Set(['SEND_FAILED', 'CONNECTION_CLOSED', 'FLOW_GONE']);

/**
 * Owns the drivers. Inbound: bytes → parseMessage → request or response to the user, with bad
 * input answered (400/505 when the request can be answered and its source may be) or dropped.
 * Outbound: requests to resolved targets; responses routed per §18.2.2 and RFC 3581.
 */
export class TransportLayer {
  readonly counters: TransportCounters = { received: 0, malformed: 0, answeredMalformed: 0, strayResponses: 0 };
  /** Driver events: pass this object to every driver factory. */
  readonly events: TransportEvents;
  readonly #transports = new Map<TransportProtocol, Transport>();
  readonly #logger: Logger;
  #user: TransportLayerUser | undefined;
  /** Sent-bys we put in Vias lately (`host:port`, least recently used first): a response naming another is not ours. */
  readonly #advertised = new Map<string, true>();

  /** RFC 5626 flow events of the drivers (a connection closed, a CRLF ping or pong on it), for the layers above. */
  readonly flowEvents: Emitter<FlowEvents>;

  constructor(logger: Logger) {
    this.#logger = logger;
    this.flowEvents = new Emitter<FlowEvents>((event, error) => logger.error('listenerFailed', { event, error: errorMessage(error) }));
    this.events = {
      message: (inbound) => this.receive(inbound),
      // The driver already logged it (a warning once the peer had spoken SIP; else counted in its summary line).
      streamError: (flow, error) => this.#logger.debug('streamGarbled', { flow: flow.id, code: error.code }),
      flowClosed: (flow) => this.flowEvents.emit('flowClosed', flow),
      keepAlive: (flow, kind) => this.flowEvents.emit('keepAlive', flow, kind),
    };
  }

  /** Registers a driver (one per protocol). */
  add(transport: Transport): void {
    this.#transports.set(transport.protocol, transport);
  }

  /** Sets who receives parsed messages (the transaction layer). */
  setUser(user: TransportLayerUser): void {
    this.#user = user;
  }

  transport(protocol: TransportProtocol): Transport | undefined {
    return this.#transports.get(protocol);
  }

  isReliable(protocol: TransportProtocol): boolean {
    return protocol !== 'udp';
  }

  /**
   * The address a driver is bound to (`0.0.0.0:5060` …), for diagnostics and tests. Never put on the wire: a
   * wildcard means nothing to a peer; `localAddress` says what our messages carry.
   */
  boundAddress(protocol: TransportProtocol): Address | undefined {
    return this.#transports.get(protocol)?.local;
  }

  /**
   * The address our Via sent-by and Contact carry for a message to `target` (over `flowId` when given): the local
   * address the kernel uses toward it, never a wildcard or port 0. Undefined when no transport, route or
   * connection leads there.
   */
  async localAddress(target: Target, flowId?: string): Promise<Address | undefined> {
    const transport = this.#transports.get(target.protocol);
    const address = await transport?.localAddressFor(target, flowId);
    if (address === undefined || !isAdvertisable(address)) return undefined;
    const key = `${target.protocol} ${formatAddress({ host: bareHost(address.host), port: address.port })}`;
    this.#advertised.delete(key);
    if (this.#advertised.size >= MAX_ADVERTISED) this.#advertised.delete(this.#advertised.keys().next().value!);
    this.#advertised.set(key, true);
    return address;
  }

  async send(bytes: Uint8Array, target: Target, flowId?: string): Promise<SendResult> {
    const transport = this.#transports.get(target.protocol);
    if (transport === undefined) return sendFailed('TRANSPORT_CLOSED', `no ${target.protocol} transport`);
    return transport.send(bytes, target, flowId);
  }

  /** An RFC 5626 CRLF keep-alive on an open flow; FLOW_GONE when it is closed (never a new connection). */
  sendKeepAlive(protocol: TransportProtocol, flowId: string, bytes: Uint8Array): Promise<SendResult> {
    const transport = this.#transports.get(protocol);
    if (transport?.sendKeepAlive === undefined) return Promise.resolve(sendFailed('FLOW_GONE', `no ${protocol} flow ${flowId}`));
    return transport.sendKeepAlive(flowId, bytes);
  }

  /** Closes one TCP/TLS connection we found dead (RFC 5626 §4.4.1: no pong), so nothing is sent on it again. */
  closeFlow(protocol: TransportProtocol, flowId: string): void {
    this.#transports.get(protocol)?.closeFlow?.(flowId);
  }

  /** Trusts a connection a peer opened (see Transport.trustFlow): a request on it passed the incoming policy. */
  trustFlow(protocol: TransportProtocol, flowId: string): void {
    this.#transports.get(protocol)?.trustFlow?.(flowId);
  }

  /** received/rport for the Via of our responses to `request` (§18.2.1, RFC 3581 §4). */
  responseVia(request: SipMessage, inbound: Inbound): { received?: string; rport?: number } {
    const via = request.topVia;
    const rport = via.rport === true ? inbound.source.port : undefined;
    const differs = bareHost(via.host) !== bareHost(inbound.source.host);
    return differs || rport !== undefined ? { received: inbound.source.host, ...(rport !== undefined ? { rport } : {}) } : {};
  }

  /**
   * Sends a response to `request` the way §18.2.2 says: back over the connection it came on when
   * reliable (or a new one to the source and sent-by port); over UDP to the source address and,
   * with rport, the source port, else the sent-by port.
   */
  async sendResponse(bytes: Uint8Array, request: SipMessage, inbound: Inbound): Promise<SendResult> {
    const protocol = inbound.flow.protocol;
    const via = request.topVia;
    const sentByPort = via.port ?? defaultPort(protocol);
    if (protocol === 'udp') {
      const port = via.rport !== undefined ? inbound.source.port : sentByPort;
      return this.send(bytes, { protocol, host: inbound.source.host, port });
    }
    // The target is the received address and the sent-by port, not the source port: drivers use the flow while it
    // is open and otherwise connect to the target, and a client's source port is an ephemeral one nobody listens on.
    const target: Target = { protocol, host: inbound.source.host, port: sentByPort };
    const result = await this.send(bytes, target, inbound.flow.id);
    if (result.ok || !BROKEN_FLOW.has(result.error.code)) return result;
    // The connection broke under the write: one new connection to the same place.
    return this.send(bytes, target);
  }

  /** Entry point for every framed inbound message. Never throws. */
  receive(inbound: Inbound): void {
    this.counters.received++;
    let message: SipMessage;
    try {
      message = parseMessage(inbound.bytes);
    } catch (err) {
      this.#malformed(err, inbound);
      return;
    }
    if (message.isRequest) {
      this.#dispatch(() => this.#user?.request(message, inbound), inbound);
      return;
    }
    // §18.1.2: a response whose top Via we did not write is discarded. (Its received/rport are left to the
    // client transaction's user: only our registrar's answers may teach us our public address.)
    const via = message.topVia;
    const protocol = protocolOfVia(via.transport);
    if (protocol === undefined || !this.#isOurSentBy(protocol, { host: via.host, port: via.port ?? defaultPort(protocol) })) {
      this.counters.strayResponses++;
      this.#logger.debug('responseNotOurs', { source: `${inbound.source.host}:${inbound.source.port}`, status: message.status });
      return;
    }
    this.#dispatch(() => this.#user?.response(message, inbound), inbound);
  }

  /** Is this the sent-by of a Via we write: our bound address when it is a real one, or one `localAddress` handed out? */
  #isOurSentBy(protocol: TransportProtocol, sentBy: Address): boolean {
    const bound = this.#transports.get(protocol)?.local;
    if (bound !== undefined && isAdvertisable(bound) && bareHost(bound.host) === bareHost(sentBy.host) && bound.port === sentBy.port) return true;
    return this.#advertised.has(`${protocol} ${formatAddress({ host: bareHost(sentBy.host), port: sentBy.port })}`);
  }

  /** Last line of defence: a bug above must cost one message, never the process. */
  #dispatch(deliver: () => void, inbound: Inbound): void {
    try {
      deliver();
    } catch (err) {
      this.#logger.error('handlerFailed', { source: `${inbound.source.host}:${inbound.source.port}`, error: String(err) });
    }
  }

  #malformed(err: unknown, inbound: Inbound): void {
    this.counters.malformed++;
    const source = `${inbound.source.host}:${inbound.source.port}`;
    if (!(err instanceof SipParseError)) {
      this.#logger.error('parserBug', { source, error: String(err) });
      return;
    }
    const request = err.request;
    // A source the policy refuses learns nothing, not even a 400, and costs no line of its own: the policy counts
    // it in its summary. Garbage that could not be answered anyway is screened too, for the same log budget.
    if (this.#user?.screenSource?.(inbound, request?.method) === false) return;
    if (request === undefined || request.method === 'ACK') {
      this.#logger.info('malformedDropped', { source, protocol: inbound.flow.protocol, code: err.code });
      return;
    }
    this.counters.answeredMalformed++;
    this.#logger.info('malformedAnswered', { source, protocol: inbound.flow.protocol, code: err.code, status: err.status });
    const reason = err.status === 505 ? 'Version Not Supported' : err.status === 513 ? 'Message Too Large' : 'Bad Request';
    const bytes = buildResponse(request, { status: err.status, reason, topVia: this.responseVia(request, inbound), headers: [['Warning', `399 - "${err.code}"`]] });
    void this.sendResponse(bytes, request, inbound);
  }
}

