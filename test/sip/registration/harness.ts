// Scenario harness for the registration client: the real transaction and transport layers on the device, a loop
// network, FakeDns + resolver, a FakeClock, and scripted registrar peers the test answers with buildResponse.
import type { AuthAnswer, DigestClientApi } from '../../../firmware-app/sip/auth/types.ts';
import type { Clock, TimerHandle } from '../../../firmware-app/platform/Clock.ts';
import { FakeClock } from '../../../firmware-app/platform/FakeClock.ts';
import { createNodeHasher } from '../../../firmware-app/platform/hash.ts';
import { type SipMessage, buildResponse, parseMessage } from '../../../firmware-app/sip/message/index.ts';
import { RegistrationClient } from '../../../firmware-app/sip/registration/RegistrationClient.ts';
import type { RegistrationConfig, RegistrationEvents } from '../../../firmware-app/sip/registration/types.ts';
import { type SipContext, TransactionLayer } from '../../../firmware-app/sip/transaction/index.ts';
import { FakeDns } from '../../../firmware-app/sip/transport/FakeDns.ts';
import { type LoopNetwork, type LoopTransport, createLoopNetwork } from '../../../firmware-app/sip/transport/loop.ts';
import { createResolver } from '../../../firmware-app/sip/transport/resolver.ts';
import { TransportLayer } from '../../../firmware-app/sip/transport/TransportLayer.ts';
import type { Address, Inbound, TransportProtocol } from '../../../firmware-app/sip/transport/types.ts';
import { memoryLogger } from '../transport/helpers.ts';

/**
 * A FakeClock that knows when its next timer is due, so `advance` can stop at every timer and let the network
 * deliver in between: an answer is then handled at the time it was sent, not at the end of a step.
 */
/**
 * Moves `clock` on by `ms` one due timer at a time, letting promises (`settle`) run after each: what timers start
 * while others fire still fires within the span, in order.
 */
export async function advanceSettling(clock: SteppingClock, ms: number, settle: () => Promise<void>): Promise<void> {
  const end = clock.now() + ms;
  await settle();
  for (;;) {
    const next = clock.nextDue();
    const to = next !== undefined && next <= end ? next : end;
    clock.advance(to - clock.now());
    await settle();
    if (to >= end && (clock.nextDue() ?? Infinity) > end) return;
  }
}

export class SteppingClock implements Clock {
  readonly #fake = new FakeClock();
  readonly #due = new Set<{ readonly at: number }>();

  now(): number {
    return this.#fake.now();
  }

  setTimer(ms: number, fn: () => void): TimerHandle {
    const entry = { at: this.now() + Math.max(0, ms) };
    this.#due.add(entry);
    const handle = this.#fake.setTimer(ms, () => {
      this.#due.delete(entry);
      fn();
    });
    return {
      cancel: () => {
        this.#due.delete(entry);
        handle.cancel();
      },
    };
  }

  /** When the next pending timer fires, if any. */
  nextDue(): number | undefined {
    let next: number | undefined;
    for (const { at } of this.#due) if (next === undefined || at < next) next = at;
    return next;
  }

  advance(ms: number): void {
    this.#fake.advance(ms);
  }
}

export const DEVICE: Address = { host: '192.0.2.10', port: 5060 };
export const REGISTRAR: Address = { host: '198.51.100.20', port: 5060 };
export const PASSWORD = 'S3cret-Pa55word';
export const INSTANCE = 'urn:uuid:6b0e3c1a-7d2f-4c1e-9a51-0c2d3e4f5a6b';
export const CONTACT_USER = 'door-x7f3k9';

const decoder = new TextDecoder();

/** What a scripted registrar does with one request: answer it, or let it vanish. */
export type Reply =
  | { readonly status: number; readonly reason?: string; readonly headers?: ReadonlyArray<readonly [string, string]>; readonly via?: { received?: string; rport?: number } }
  | 'drop';

export interface Received {
  /** Fake time when the device sent it (delivery itself waits for the end of an `advance` step). */
  readonly at: number;
  readonly request: SipMessage;
  readonly inbound: Inbound;
}

/**
 * A registrar peer on the loop network. By default it behaves like a plain registrar: a REGISTER without
 * Authorization gets a 401 with a fresh nonce, one with credentials a 200 listing our Contact with the requested
 * expiry; OPTIONS get a 200. `policy` overrides that per request; `nat` makes every answer's Via claim that the
 * device was seen at another address (received/rport).
 */
export class ScriptedRegistrar {
  readonly received: Received[] = [];
  /** Times of CRLF keep-alives that arrived: raw bytes through `send` (the ping that opens a flow, UDP), or pings on a flow. */
  readonly pings: number[] = [];
  transport: LoopTransport;
  policy: ((request: SipMessage, inbound: Inbound) => Reply | undefined) | undefined;
  nat: { received: string; rport: number } | undefined;
  #nonce = 0;
  readonly #sentAt: (bytes: Uint8Array) => number;

  readonly #bind: () => LoopTransport;

  constructor(network: LoopNetwork, sentAt: (bytes: Uint8Array) => number, address: Address, protocol: TransportProtocol) {
    this.#sentAt = sentAt;
    this.#bind = () => network.transport({ ...address, protocol }, {
      message: (inbound) => this.#receive(inbound),
      // RFC 5626 pings on a TCP/TLS flow (the loop answers each with a pong by itself).
      keepAlive: (_flow, kind) => {
        if (kind === 'ping') this.pings.push(this.#sentAt(new Uint8Array(0)));
      },
    });
    this.transport = this.#bind();
  }

  /** A restart: every connection to it closes (the device sees flowClosed) and it listens again at once. */
  restart(): void {
    void this.transport.close();
    this.transport = this.#bind();
  }

  get registers(): Received[] {
    return this.received.filter((r) => r.request.method === 'REGISTER');
  }

  get options(): Received[] {
    return this.received.filter((r) => r.request.method === 'OPTIONS');
  }

  #receive(inbound: Inbound): void {
    const text = decoder.decode(inbound.bytes);
    if (/^(\r\n)+$/.test(text)) {
      this.pings.push(this.#sentAt(inbound.bytes));
      return;
    }
    const request = parseMessage(inbound.bytes);
    if (!request.isRequest) return;
    // A retransmission is the same transaction: record it once, answer it like the original.
    if (!this.received.some((r) => r.request.topVia.branch === request.topVia.branch)) {
      this.received.push({ at: this.#sentAt(inbound.bytes), request, inbound });
    }
    const reply = this.policy?.(request, inbound) ?? this.defaultReply(request);
    if (reply === 'drop') return;
    this.answer(request, inbound, reply);
  }

  defaultReply(request: SipMessage): Reply {
    if (request.method !== 'REGISTER') return { status: 200 };
    if (request.header('authorization') === undefined) return this.challenge();
    return this.ok(request);
  }

  /** A 401 with a fresh nonce. */
  challenge(nonce = `n${++this.#nonce}`): Reply {
    return { status: 401, headers: [['WWW-Authenticate', `Digest realm="example.org", nonce="${nonce}", qop="auth", algorithm=MD5`]] };
  }

  /** A 200 that lists the request's Contacts with `expires` (default: what was asked). */
  ok(request: SipMessage, expires?: number, extra: ReadonlyArray<readonly [string, string]> = []): Reply {
    const asked = expires ?? request.expires ?? 3600;
    const contacts = request.contact === '*' ? [] : request.contact.filter((c) => c.params.get('expires') !== '0');
    return {
      status: 200,
      headers: [...contacts.map((c): [string, string] => ['Contact', `<${c.uri}>;expires=${asked}`]), ['Expires', String(asked)], ...extra],
    };
  }

  answer(request: SipMessage, inbound: Inbound, reply: Exclude<Reply, 'drop'>): void {
    const via = reply.via ?? this.nat ?? { received: inbound.source.host, rport: inbound.source.port };
    const bytes = buildResponse(request, {
      status: reply.status,
      reason: reply.reason ?? reasonOf(reply.status),
      toTag: request.to.tag === undefined ? 'reg1' : undefined,
      topVia: via,
      headers: reply.headers ?? [],
    });
    void this.transport.send(bytes, { protocol: inbound.flow.protocol, host: inbound.source.host, port: inbound.source.port }, inbound.flow.id);
  }
}

function reasonOf(status: number): string {
  const reasons: Record<number, string> = {
    200: 'OK', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 407: 'Proxy Authentication Required',
    423: 'Interval Too Brief', 500: 'Server Internal Error', 503: 'Service Unavailable',
  };
  return reasons[status] ?? 'Whatever';
}

/**
 * A DigestClientApi by its contract: answers the first challenge; `wrong-credentials` when the request already
 * carried our credentials and the challenge is not stale (what the real client does).
 */
export class FakeDigest implements DigestClientApi {
  resets = 0;
  answers = 0;

  answer(response: SipMessage, request: SipMessage): AuthAnswer {
    const proxy = response.status === 407;
    const challenge = (proxy ? response.proxyAuthenticate : response.wwwAuthenticate)[0];
    if (challenge === undefined) return { ok: false, reason: 'no-supported-challenge' };
    const header = proxy ? 'Proxy-Authorization' : 'Authorization';
    if (request.header(header) !== undefined && !challenge.stale) return { ok: false, reason: 'wrong-credentials' };
    this.answers++;
    return {
      ok: true,
      header,
      value: `Digest username="door", realm="${challenge.realm ?? ''}", nonce="${challenge.nonce ?? ''}", uri="${request.requestUri}", response="6629fae49393a05397450978507c4ef1", qop=auth, nc=00000001, cnonce="0a4f113b"`,
    };
  }

  reset(): void {
    this.resets++;
  }
}

export type EventName = keyof RegistrationEvents;

export interface RecordedEvent {
  readonly at: number;
  readonly event: EventName;
  readonly info: unknown;
}

export interface ScenarioOptions {
  readonly protocol?: TransportProtocol;
  readonly config?: Partial<RegistrationConfig>;
  /** Registrar peers to create (default one at REGISTRAR over `protocol`). */
  readonly peers?: readonly Address[];
  readonly dns?: (dns: FakeDns) => void;
  readonly digest?: DigestClientApi;
}

export interface Scenario {
  readonly clock: SteppingClock;
  readonly network: LoopNetwork;
  readonly logger: ReturnType<typeof memoryLogger>;
  readonly device: LoopTransport;
  readonly transport: TransportLayer;
  readonly transactions: TransactionLayer;
  readonly ctx: SipContext;
  readonly dns: FakeDns;
  readonly digest: DigestClientApi;
  readonly client: RegistrationClient;
  readonly registrars: ScriptedRegistrar[];
  readonly registrar: ScriptedRegistrar;
  readonly events: RecordedEvent[];
  /** Values ctx.random returns, in order; 0.5 when empty. */
  readonly random: number[];
  /** Replaces the random source (for a whole phase of a test). */
  setRandom(source: () => number): void;
  /** Lets the loop network, the fake DNS and the client's promises run. */
  settle(): Promise<void>;
  /** Advances the fake clock by `ms`, stopping at every timer on the way and settling after each. */
  advance(ms: number): Promise<void>;
  /** Events of one kind, in order. */
  eventsOf(event: EventName): RecordedEvent[];
  /** How many packets the device sent, keep-alive pings included. */
  deviceSends(): number;
}

export function createScenario(options: ScenarioOptions = {}): Scenario {
  const protocol = options.protocol ?? 'udp';
  const clock = new SteppingClock();
  const network = createLoopNetwork({ clock });
  const logger = memoryLogger();
  const transport = new TransportLayer(logger);
  const device = network.transport({ ...DEVICE, protocol }, transport.events);
  transport.add(device);
  const transactions = new TransactionLayer({ clock, transport, logger });
  transport.setUser(transactions);
  transactions.setUser({ request: () => {}, ack: () => {} });
  const dns = new FakeDns();
  options.dns?.(dns);
  const random: number[] = [];
  let source = (): number => random.shift() ?? 0.5;
  const ctx: SipContext = {
    clock,
    logger,
    transactions,
    transport,
    // SRV order must not eat the client's scripted randoms: the resolver gets its own.
    resolver: createResolver({ dns, clock, logger, supported: [protocol], random: () => 0 }),
    hasher: createNodeHasher(),
    random: () => source(),
  };
  // The loop hands a packet's bytes to the receiver as they were recorded: their identity gives the send time.
  const sendTimes = new WeakMap<Uint8Array, number>();
  network.onSend((packet) => sendTimes.set(packet.bytes, clock.now()));
  const sentAt = (bytes: Uint8Array): number => sendTimes.get(bytes) ?? clock.now();
  const registrars = (options.peers ?? [REGISTRAR]).map((address) => new ScriptedRegistrar(network, sentAt, address, protocol));
  const digest = options.digest ?? new FakeDigest();
  const config: RegistrationConfig = {
    registrar: `sip:${REGISTRAR.host}`,
    aor: 'sip:door@example.org',
    displayName: 'Front Door',
    contactUser: CONTACT_USER,
    instanceId: INSTANCE,
    credentials: { username: 'door', password: PASSWORD },
    expires: 600,
    ...(protocol !== 'udp' ? { protocol } : {}),
    ...options.config,
  };
  const client = new RegistrationClient(ctx, config, digest);
  const events: RecordedEvent[] = [];
  for (const event of ['registering', 'registered', 'registrationFailed', 'unregistered'] as const) {
    client.events.on(event, (info?: unknown) => events.push({ at: clock.now(), event, info }));
  }
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
  };
  return {
    clock, network, logger, device, transport, transactions, ctx, dns, digest, client, registrars,
    registrar: registrars[0]!,
    events,
    random,
    setRandom: (next) => {
      source = next;
    },
    settle,
    advance: (ms) => advanceSettling(clock, ms, settle),
    eventsOf: (event) => events.filter((e) => e.event === event),
    deviceSends: () => network.sent.filter((p) => p.from.host === DEVICE.host).length,
  };
}

/** The Contact header value of a request (all of it). */
export function contactOf(request: SipMessage): string {
  return request.headers('contact').join(', ');
}
