// Fakes for the transaction-layer tests (RFC 3261 §17): a recording transport, a collecting logger, recording TUs.
import { FakeClock } from '../../../firmware-app/platform/FakeClock.ts';
import type { LogFields, Logger, LogLevel } from '../../../firmware-app/platform/Logger.ts';
import { type SipMessage, parseMessage } from '../../../firmware-app/sip/message/index.ts';
import {
  type ClientTransactionUser, type ServerTransaction, type TimerBase, TransactionLayer, type TransactionLayerUser,
  type TransactionTransport,
} from '../../../firmware-app/sip/transaction/index.ts';
import { makeFlow } from '../../../firmware-app/sip/transport/flows.ts';
import {
  type Address, type Flow, type Inbound, type SendResult, type Target, TransportError, type TransportProtocol,
} from '../../../firmware-app/sip/transport/types.ts';
import { text } from '../../support/sipMessages.ts';

/** One message handed to the fake transport. */
export interface Sent {
  /** Clock time of the send call. */
  readonly at: number;
  readonly bytes: Uint8Array;
  /** The bytes parsed back: what a peer would see. */
  readonly message: SipMessage;
  readonly text: string;
  /** `send` (requests, ACK) or `sendResponse` (responses of server transactions). */
  readonly via: 'send' | 'sendResponse';
  readonly target?: Target;
  readonly flowId?: string;
  readonly inbound?: Inbound;
}

export const LOCAL: Address = { host: '192.0.2.1', port: 5060 };
export const PEER: Address = { host: '198.51.100.7', port: 5060 };

/** The flow between LOCAL and `remote`, named as the drivers name it. */
export function flowOf(protocol: TransportProtocol, remote: Address = PEER): Flow {
  return makeFlow(protocol, LOCAL, remote);
}

export function targetOf(protocol: TransportProtocol, remote: Address = PEER): Target {
  return { ...remote, protocol };
}

/** How `message` arrived: its bytes, from `source`, over a flow of `protocol`. */
export function inboundOf(message: SipMessage, protocol: TransportProtocol = 'udp', source: Address = PEER): Inbound {
  return { bytes: message.bytes, source, flow: flowOf(protocol, source) };
}

/**
 * A TransactionTransport that records every buffer with the clock time, answers `responseVia`
 * with fixed received/rport values, and fails sends on request.
 */
export class RecordingTransport implements TransactionTransport {
  readonly sent: Sent[] = [];
  /** What `responseVia` returns (RFC 3261 §18.2.1, RFC 3581). */
  via: { received?: string; rport?: number } = {};
  /** When set, every send fails with this error (and is still recorded). */
  failWith: TransportError | undefined;
  readonly #clock: FakeClock;

  constructor(clock: FakeClock) {
    this.#clock = clock;
  }

  send(bytes: Uint8Array, target: Target, flowId?: string): Promise<SendResult> {
    this.#record({ bytes, via: 'send', target, ...(flowId === undefined ? {} : { flowId }) });
    return Promise.resolve(this.#result(flowOf(target.protocol, target)));
  }

  sendResponse(bytes: Uint8Array, _request: SipMessage, inbound: Inbound): Promise<SendResult> {
    this.#record({ bytes, via: 'sendResponse', inbound });
    return Promise.resolve(this.#result(inbound.flow));
  }

  responseVia(_request: SipMessage, _inbound: Inbound): { received?: string; rport?: number } {
    return this.via;
  }

  isReliable(protocol: TransportProtocol): boolean {
    return protocol !== 'udp';
  }

  /** Send times of every message whose start line begins with `startLine` (e.g. `INVITE`, `SIP/2.0 486`). */
  times(startLine: string): number[] {
    return this.matching(startLine).map((s) => s.at);
  }

  matching(startLine: string): Sent[] {
    return this.sent.filter((s) => s.text.startsWith(startLine));
  }

  /** Everything sent from index `from` on. */
  since(from: number): Sent[] {
    return this.sent.slice(from);
  }

  get last(): Sent {
    const last = this.sent.at(-1);
    if (last === undefined) throw new Error('nothing was sent');
    return last;
  }

  #record(entry: { bytes: Uint8Array; via: 'send' | 'sendResponse'; target?: Target; flowId?: string; inbound?: Inbound }): void {
    const copy = entry.bytes.slice();
    this.sent.push({ ...entry, at: this.#clock.now(), bytes: copy, message: parseMessage(copy), text: text(copy) });
  }

  #result(flow: Flow): SendResult {
    return this.failWith === undefined ? { ok: true, flow } : { ok: false, error: this.failWith };
  }
}

export function sendFailed(): TransportError {
  return new TransportError('SEND_FAILED', 'network unreachable');
}

/** A Logger that keeps every line. */
export class CollectingLogger implements Logger {
  readonly lines: Array<{ level: LogLevel; event: string; fields?: LogFields }> = [];
  debug(event: string, fields?: LogFields): void {
    this.lines.push({ level: 'debug', event, ...(fields ? { fields } : {}) });
  }
  info(event: string, fields?: LogFields): void {
    this.lines.push({ level: 'info', event, ...(fields ? { fields } : {}) });
  }
  warn(event: string, fields?: LogFields): void {
    this.lines.push({ level: 'warn', event, ...(fields ? { fields } : {}) });
  }
  error(event: string, fields?: LogFields): void {
    this.lines.push({ level: 'error', event, ...(fields ? { fields } : {}) });
  }
}

/** A client TU that records what reaches it, each with the clock time. */
export class RecordingClientUser implements ClientTransactionUser {
  readonly responses: SipMessage[] = [];
  readonly timeouts: number[] = [];
  readonly transportErrors: TransportError[] = [];
  readonly #clock: FakeClock;

  constructor(clock: FakeClock) {
    this.#clock = clock;
  }

  response(response: SipMessage): void {
    this.responses.push(response);
  }

  timeout(): void {
    this.timeouts.push(this.#clock.now());
  }

  transportError(error: TransportError): void {
    this.transportErrors.push(error);
  }

  get statuses(): number[] {
    return this.responses.map((r) => r.status);
  }
}

/** The UA core above the layer: records new server transactions, 2xx ACKs and stray responses. */
export class RecordingLayerUser implements TransactionLayerUser {
  readonly requests: ServerTransaction[] = [];
  readonly acks: SipMessage[] = [];
  readonly strays: SipMessage[] = [];

  request(transaction: ServerTransaction): void {
    this.requests.push(transaction);
  }

  ack(ack: SipMessage): void {
    this.acks.push(ack);
  }

  strayResponse(response: SipMessage): void {
    this.strays.push(response);
  }
}

/** Lets the transaction machines see the results of the sends started so far (they are promises). */
export async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

/** Advances the fake clock, then lets the send promises settle. */
export async function advance(clock: FakeClock, ms: number): Promise<void> {
  clock.advance(ms);
  await flush();
}

export interface Harness {
  readonly clock: FakeClock;
  readonly transport: RecordingTransport;
  readonly logger: CollectingLogger;
  readonly layer: TransactionLayer;
  readonly user: RecordingLayerUser;
  readonly tu: RecordingClientUser;
}

/** A layer on a fake clock at t=0 with a recording transport, logger, UA core and client TU. */
export function harness(timers?: TimerBase): Harness {
  const clock = new FakeClock();
  const transport = new RecordingTransport(clock);
  const logger = new CollectingLogger();
  const layer = new TransactionLayer({ clock, transport, logger, ...(timers ? { timers } : {}) });
  const user = new RecordingLayerUser();
  layer.setUser(user);
  return { clock, transport, logger, layer, user, tu: new RecordingClientUser(clock) };
}

/** The one element of `items` (throws otherwise): e.g. the one server transaction the UA core got. */
export function only<T>(items: readonly T[]): T {
  if (items.length !== 1) throw new Error(`expected exactly one, got ${items.length}`);
  return items[0]!;
}
