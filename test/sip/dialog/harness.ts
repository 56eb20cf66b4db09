// Scenario harness for the dialog layer: the device (TransportLayer + TransactionLayer + DialogLayer on a loop
// transport) and a scripted peer (a bare loop transport whose messages the test answers by hand), on a FakeClock.
import { FakeClock } from '../../../firmware-app/platform/FakeClock.ts';
import { DialogLayer } from '../../../firmware-app/sip/dialog/DialogLayer.ts';
import type {
  Call, IncomingCall, OutgoingCallOptions, SessionBody, SessionDescriptionHandler,
} from '../../../firmware-app/sip/dialog/types.ts';
import { type SipMessage, buildResponse, parseMessage, serializeMessage } from '../../../firmware-app/sip/message/index.ts';
import { InviteServerTransaction, type SipContext, TransactionLayer, newBranch } from '../../../firmware-app/sip/transaction/index.ts';
import { FakeDns } from '../../../firmware-app/sip/transport/FakeDns.ts';
import { type LoopNetwork, type LoopTransport, createLoopNetwork } from '../../../firmware-app/sip/transport/loop.ts';
import { createResolver } from '../../../firmware-app/sip/transport/resolver.ts';
import { TransportLayer } from '../../../firmware-app/sip/transport/TransportLayer.ts';
import type { Address, TransportProtocol } from '../../../firmware-app/sip/transport/types.ts';
import { memoryLogger } from '../transport/helpers.ts';

export const DEVICE: Address = { host: '192.0.2.10', port: 5060 };
export const PEER: Address = { host: '198.51.100.7', port: 5070 };
export const DEVICE_CONTACT = '<sip:door@192.0.2.10:5060>';
export const PEER_CONTACT = '<sip:flat@198.51.100.7:5070>';
/** A Record-Route entry that leads back to the peer itself, so that routed requests still reach it. */
export const PEER_PROXY = '<sip:198.51.100.7:5070;lr>';
export const T1 = 500;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function text(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/** A tiny SDP offer or answer. */
export function sdp(host: string, direction = 'sendrecv', version = 1): string {
  return `v=0\r\no=- 1 ${version} IN IP4 ${host}\r\ns=-\r\nc=IN IP4 ${host}\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\na=${direction}\r\n`;
}

export function sdpBody(host: string, direction = 'sendrecv', version = 1): SessionBody {
  return { contentType: 'application/sdp', bytes: encoder.encode(sdp(host, direction, version)) };
}

/** A session description handler that answers at once with a tiny SDP and records what it was given. */
export class FakeSdh implements SessionDescriptionHandler {
  readonly offersReceived: string[] = [];
  readonly answersReceived: string[] = [];
  offersMade = 0;
  closed = 0;
  failCreateAnswer = false;
  /** The `code` of the error createAnswer fails with (SESSION_RESOURCES: no ports left). */
  failCode: string | undefined;
  failSetAnswer = false;
  version = 1;

  createOffer(): Promise<SessionBody> {
    this.offersMade++;
    return Promise.resolve(sdpBody(DEVICE.host, 'sendrecv', this.version));
  }

  createAnswer(offer: SessionBody): Promise<SessionBody> {
    this.offersReceived.push(text(offer.bytes));
    if (this.failCreateAnswer) return Promise.reject(Object.assign(new Error('no common codec'), this.failCode === undefined ? {} : { code: this.failCode }));
    return Promise.resolve(sdpBody(DEVICE.host, 'sendrecv', this.version++));
  }

  setAnswer(answer: SessionBody): Promise<void> {
    this.answersReceived.push(text(answer.bytes));
    return this.failSetAnswer ? Promise.reject(new Error('bad answer')) : Promise.resolve();
  }

  close(): void {
    this.closed++;
  }

  /** SDPs of 18x responses (early media), and 180s without one (local ringback). */
  readonly earlyAnswers: string[] = [];
  alerted = 0;

  earlyAnswer(answer: SessionBody): void {
    this.earlyAnswers.push(text(answer.bytes));
  }

  alerting(): void {
    this.alerted++;
  }
}

/** What a call reported, as short strings in order: `ringing 180 early`, `established`, `ended rejected 486` … */
export function record(call: Call): string[] {
  const log: string[] = [];
  call.events.on('ringing', (i) => log.push(`ringing ${i.status}${i.early ? ' early' : ''}`));
  call.events.on('established', () => log.push('established'));
  call.events.on('ended', (i) => log.push(`ended ${i.reason}${i.status !== undefined ? ` ${i.status}` : ''}`));
  call.events.on('dtmfReceived', (i) => log.push(`dtmf ${i.digit}${i.durationMs !== undefined ? ` ${i.durationMs}` : ''}`));
  call.events.on('holdChanged', (i) => log.push(`hold ${i.held}`));
  return log;
}

/** Lets deliveries (microtasks) and promise chains run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

export interface ResponseOptions {
  readonly toTag?: string;
  readonly reason?: string;
  readonly headers?: ReadonlyArray<readonly [string, string]>;
  readonly body?: string;
}

export interface RequestOptions {
  readonly requestUri: string;
  readonly callId: string;
  /** The peer's From (with its tag). */
  readonly from: string;
  /** The device's To (with the device's tag for in-dialog requests). */
  readonly to: string;
  readonly cseq: number;
  readonly headers?: ReadonlyArray<readonly [string, string]>;
  readonly body?: string;
  readonly contentType?: string;
  readonly branch?: string;
}

/** The scripted far end: everything the device sends it is kept; the test answers by hand. */
export class Peer {
  readonly received: SipMessage[] = [];
  readonly transport: LoopTransport;
  readonly protocol: TransportProtocol;
  readonly address: Address;

  /** `address`: where it listens (PEER unless told; a second server of a failover list elsewhere). */
  constructor(network: LoopNetwork, protocol: TransportProtocol, address: Address = PEER) {
    this.protocol = protocol;
    this.address = address;
    this.transport = network.transport({ ...address, protocol }, { message: (inbound) => this.received.push(parseMessage(inbound.bytes)) });
  }

  /** Requests of `method` received so far. */
  requests(method: string): SipMessage[] {
    return this.received.filter((m) => m.isRequest && m.method === method);
  }

  responses(status?: number): SipMessage[] {
    return this.received.filter((m) => !m.isRequest && (status === undefined || m.status === status));
  }

  last(method: string): SipMessage {
    const found = this.requests(method).at(-1);
    if (found === undefined) throw new Error(`the peer got no ${method}; it got: ${this.received.map((m) => m.isRequest ? m.method : m.status).join(', ')}`);
    return found;
  }

  lastResponse(status?: number): SipMessage {
    const found = this.responses(status).at(-1);
    if (found === undefined) throw new Error(`the peer got no response ${status ?? ''}`);
    return found;
  }

  async send(bytes: Uint8Array): Promise<void> {
    await this.transport.send(bytes, { ...DEVICE, protocol: this.protocol });
    await settle();
  }

  /** Answers a request the device sent. */
  async respond(request: SipMessage, status: number, options: ResponseOptions = {}): Promise<SipMessage> {
    const body = options.body === undefined ? undefined : encoder.encode(options.body);
    const headers: Array<readonly [string, string]> = [...(options.headers ?? [])];
    if (body !== undefined) headers.push(['Content-Type', 'application/sdp']);
    const bytes = buildResponse(request, {
      status,
      reason: options.reason ?? 'Whatever',
      ...(options.toTag !== undefined ? { toTag: options.toTag } : {}),
      headers,
      ...(body !== undefined ? { body } : {}),
    });
    await this.send(bytes);
    return parseMessage(bytes);
  }

  /** Sends a request to the device and returns it. */
  async request(method: string, options: RequestOptions): Promise<SipMessage> {
    const headers: Array<readonly [string, string]> = [
      ['Via', `SIP/2.0/${this.protocol.toUpperCase()} ${this.address.host}:${this.address.port};rport;branch=${options.branch ?? newBranch()}`],
      ['Max-Forwards', '70'],
      ['From', options.from],
      ['To', options.to],
      ['Call-ID', options.callId],
      ['CSeq', `${options.cseq} ${method}`],
      ...(options.headers ?? []),
    ];
    const body = options.body === undefined ? undefined : encoder.encode(options.body);
    if (body !== undefined) headers.push(['Content-Type', options.contentType ?? 'application/sdp']);
    const bytes = serializeMessage({ isRequest: true, method, requestUri: options.requestUri, headers, ...(body !== undefined ? { body } : {}) });
    await this.send(bytes);
    return parseMessage(bytes);
  }
}

export interface Scenario {
  readonly clock: FakeClock;
  /** The device's context (its resolver answers from `dns`). */
  readonly ctx: SipContext;
  readonly dns: FakeDns;
  readonly network: LoopNetwork;
  readonly logger: ReturnType<typeof memoryLogger>;
  readonly transactions: TransactionLayer;
  readonly layer: DialogLayer;
  readonly peer: Peer;
  /** Incoming calls the device's UA core created, with their handlers. */
  readonly incoming: Array<{ call: IncomingCall; sdh: FakeSdh; log: string[] }>;
  /** Send times (clock ms) of what the device put on the wire, with the first line. */
  readonly wire: Array<{ at: number; line: string }>;
  /** Advances the fake clock in steps, letting deliveries and promises run between them. */
  advance(ms: number, step?: number): Promise<void>;
  /** Places a call to the peer. */
  call(overrides?: Partial<OutgoingCallOptions>): { call: Call; sdh: FakeSdh; log: string[] };
  /** Another scripted far end, at `address`, on the scenario's protocol. */
  peerAt(address: Address): Peer;
}

/** The device and the peer, both on `protocol` (UDP by default). */
export function scenario(protocol: TransportProtocol = 'udp'): Scenario {
  const clock = new FakeClock();
  const network = createLoopNetwork({ clock });
  const logger = memoryLogger();
  const transport = new TransportLayer(logger);
  transport.add(network.transport({ ...DEVICE, protocol }, transport.events));
  const transactions = new TransactionLayer({ clock, transport, logger });
  transport.setUser(transactions);
  const dns = new FakeDns();
  const ctx: SipContext = {
    clock,
    logger,
    transactions,
    transport,
    resolver: createResolver({ dns, clock, supported: [protocol] }),
    hasher: { hex: () => '', equal: (a, b) => a === b },
    random: () => 0.5,
  };
  const layer = new DialogLayer(ctx);
  const incoming: Scenario['incoming'] = [];
  transactions.setUser({
    request: (tx) => {
      if (layer.request(tx)) return;
      if (tx instanceof InviteServerTransaction) {
        const sdh = new FakeSdh();
        const call = layer.incoming(tx, { contact: DEVICE_CONTACT, sdh });
        incoming.push({ call, sdh, log: record(call) });
      } else {
        tx.respond({ status: 481, reason: 'Call/Transaction Does Not Exist' });
      }
    },
    ack: (ack) => layer.ack(ack),
    strayResponse: (response) => layer.strayResponse(response),
  });
  const wire: Scenario['wire'] = [];
  network.onSend((packet) => {
    if (packet.from.port === DEVICE.port && packet.from.host === DEVICE.host) wire.push({ at: clock.now(), line: text(packet.bytes).split('\r\n')[0]! });
  });
  const peer = new Peer(network, protocol);
  return {
    clock, ctx, dns, network, logger, transactions, layer, peer, incoming, wire,
    async advance(ms, step = 100) {
      for (let done = 0; done < ms; done += step) {
        clock.advance(Math.min(step, ms - done));
        await settle();
      }
    },
    call(overrides = {}) {
      const sdh = new FakeSdh();
      const call = layer.invite({
        uri: 'sip:flat@198.51.100.7:5070',
        target: { ...PEER, protocol },
        from: { uri: 'sip:door@192.0.2.10', displayName: 'Door' },
        to: { uri: 'sip:flat@198.51.100.7:5070' },
        contact: DEVICE_CONTACT,
        sdh,
        ...overrides,
      });
      return { call, sdh, log: record(call) };
    },
    peerAt: (address) => new Peer(network, protocol, address),
  };
}
