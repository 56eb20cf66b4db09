// TransportLayer over the loop network: inbound dispatch and stray responses (RFC 3261 §18.1.2), received/rport
// (§18.2.1, RFC 3581), response routing (§18.2.2), malformed input (400/505 or dropped).
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../firmware-app/platform/FakeClock.ts';
import { type SipMessage, buildResponse, parseMessage } from '../../../firmware-app/sip/message/index.ts';
import { TransactionLayer } from '../../../firmware-app/sip/transaction/index.ts';
import { makeFlow } from '../../../firmware-app/sip/transport/flows.ts';
import { createLoopNetwork, type LoopNetwork, type LoopTransport } from '../../../firmware-app/sip/transport/loop.ts';
import { TransportLayer } from '../../../firmware-app/sip/transport/TransportLayer.ts';
import type { Address, Inbound, TransportProtocol } from '../../../firmware-app/sip/transport/types.ts';
import { makeRequest, makeResponse } from '../../support/sipMessages.ts';
import { type Recorder, flush, memoryLogger, recorder, seeded, text } from './helpers.ts';

const DEVICE: Address = { host: '192.0.2.10', port: 5060 };
const PEER: Address = { host: '198.51.100.7', port: 5070 };
const encoder = new TextEncoder();

/** What the layer hands up, in order. */
interface RecordingUser {
  readonly requests: Array<{ request: SipMessage; inbound: Inbound }>;
  readonly responses: Array<{ response: SipMessage; inbound: Inbound }>;
  request(request: SipMessage, inbound: Inbound): void;
  response(response: SipMessage, inbound: Inbound): void;
}

function recordingUser(): RecordingUser {
  const requests: RecordingUser['requests'] = [];
  const responses: RecordingUser['responses'] = [];
  return {
    requests,
    responses,
    request: (request, inbound) => requests.push({ request, inbound }),
    response: (response, inbound) => responses.push({ response, inbound }),
  };
}

interface Setup {
  readonly clock: FakeClock;
  readonly network: LoopNetwork;
  readonly logger: ReturnType<typeof memoryLogger>;
  readonly layer: TransportLayer;
  readonly device: LoopTransport;
  readonly peer: LoopTransport;
  /** What reached the peer. */
  readonly atPeer: Recorder;
  readonly user: RecordingUser;
}

/** "device": the TransportLayer on a loop transport at DEVICE; "peer": a bare loop transport at PEER. */
function setup(protocol: TransportProtocol = 'udp'): Setup {
  const clock = new FakeClock();
  const network = createLoopNetwork({ clock });
  const logger = memoryLogger();
  const layer = new TransportLayer(logger);
  const device = network.transport({ ...DEVICE, protocol }, layer.events);
  layer.add(device);
  const atPeer = recorder();
  const peer = network.transport({ ...PEER, protocol }, atPeer.events);
  const user = recordingUser();
  layer.setUser(user);
  return { clock, network, logger, layer, device, peer, atPeer, user };
}

/** The peer sends `bytes` to the device and the loop delivers them. */
async function fromPeer(s: Setup, bytes: Uint8Array): Promise<void> {
  await s.peer.send(bytes, { ...DEVICE, protocol: s.peer.protocol });
  await flush();
}

/** How `bytes` arrive at the device from PEER over UDP, for calling `receive` directly. */
function inboundFromPeer(bytes: Uint8Array, source: Address = PEER): Inbound {
  return { bytes, source, flow: makeFlow('udp', DEVICE, source) };
}

/** An OPTIONS request as wire text, with `overrides` replacing lines by their start (`Via:`, `CSeq:`, the request line …). */
function rawRequest(overrides: Readonly<Record<string, string>> = {}, method = 'OPTIONS'): Uint8Array {
  const lines: Array<[string, string]> = [
    ['request', `${method} sip:door@192.0.2.10 SIP/2.0`],
    ['Via:', `Via: SIP/2.0/UDP ${PEER.host}:${PEER.port};rport;branch=z9hG4bK-raw1`],
    ['Max-Forwards:', 'Max-Forwards: 70'],
    ['From:', 'From: <sip:pbx@example.com>;tag=f1'],
    ['To:', 'To: <sip:door@192.0.2.10>'],
    ['Call-ID:', 'Call-ID: raw-1@example.com'],
    ['CSeq:', `CSeq: 7 ${method}`],
    ['Content-Length:', 'Content-Length: 0'],
  ];
  const out = lines.map(([key, line]) => overrides[key] ?? line);
  return encoder.encode(`${out.join('\r\n')}\r\n\r\n`);
}

/** The one message that reached the peer, parsed. */
function onlyAtPeer(s: Setup): SipMessage {
  expect(s.atPeer.messages).toHaveLength(1);
  return parseMessage(s.atPeer.messages[0]!.bytes);
}

/** The raw value of the top Via header line of a message (all its via-parms). */
function topViaLine(message: SipMessage): string {
  return message.header('via')!;
}

describe('inbound dispatch (RFC 3261 §18.1.2, §18.2.1)', () => {
  it('hands a valid request to the user with the Inbound it came with', async () => {
    const s = setup();
    const request = makeRequest({ method: 'OPTIONS', sentBy: `${PEER.host}:${PEER.port}` });
    await fromPeer(s, request.bytes);
    expect(s.user.requests).toHaveLength(1);
    const { request: got, inbound } = s.user.requests[0]!;
    expect(got.method).toBe('OPTIONS');
    expect(got.topVia.branch).toBe(request.topVia.branch);
    expect(inbound.source).toEqual(PEER);
    expect(inbound.flow).toMatchObject({ id: 'udp:192.0.2.10:5060>198.51.100.7:5070', protocol: 'udp', local: DEVICE, remote: PEER });
    expect(text(inbound.bytes)).toBe(text(request.bytes));
    expect(s.layer.counters).toEqual({ received: 1, malformed: 0, answeredMalformed: 0, strayResponses: 0 });
  });

  it('hands a response whose top Via sent-by is ours to the user', async () => {
    const s = setup();
    const ours = makeRequest({ method: 'OPTIONS', sentBy: '192.0.2.10:5060' });
    await fromPeer(s, makeResponse(ours, 200, { toTag: 't1' }).bytes);
    // A sent-by without port means 5060 (§18.2.2), which is ours too; the host compares case-insensitively.
    const portless = makeRequest({ method: 'OPTIONS', sentBy: '192.0.2.10' });
    await fromPeer(s, makeResponse(portless, 180).bytes);
    expect(s.user.responses.map((r) => r.response.status)).toEqual([200, 180]);
    expect(s.user.responses[0]!.inbound.source).toEqual(PEER);
    expect(s.layer.counters.strayResponses).toBe(0);
  });

  it('drops and counts a response whose top Via sent-by is someone else\'s, without passing it on', async () => {
    const s = setup();
    for (const sentBy of ['192.0.2.99:5060', '192.0.2.10:5080', '192.0.2.10:5061']) {
      await fromPeer(s, makeResponse(makeRequest({ method: 'OPTIONS', sentBy }), 200).bytes);
    }
    // Our address, but a transport we do not run.
    await fromPeer(s, makeResponse(makeRequest({ method: 'OPTIONS', sentBy: '192.0.2.10:5060', transport: 'TLS' }), 200).bytes);
    expect(s.user.responses).toHaveLength(0);
    expect(s.user.requests).toHaveLength(0);
    expect(s.layer.counters).toMatchObject({ received: 4, strayResponses: 4, malformed: 0 });
    expect(s.atPeer.messages).toHaveLength(0);
  });
});

describe('received and rport (RFC 3261 §18.2.1, RFC 3581 §4)', () => {
  const viaOf = (sentBy: string, params = '') => makeRequest({ method: 'OPTIONS', sentBy, viaParams: params });

  it('adds received when the sent-by host differs from the source address, and nothing when it matches', () => {
    const { layer } = setup();
    expect(layer.responseVia(viaOf('pbx.example.com:5070'), inboundFromPeer(new Uint8Array()))).toEqual({ received: PEER.host });
    expect(layer.responseVia(viaOf('198.51.100.8:5070'), inboundFromPeer(new Uint8Array()))).toEqual({ received: PEER.host });
    expect(layer.responseVia(viaOf('198.51.100.7:5070'), inboundFromPeer(new Uint8Array()))).toEqual({});
    // The sent-by port plays no part in received (only the host does).
    expect(layer.responseVia(viaOf('198.51.100.7:5999'), inboundFromPeer(new Uint8Array()))).toEqual({});
  });

  it('with rport requested, gives received (even for a matching host) and rport = the source port', () => {
    const { layer } = setup();
    const nat: Address = { host: '203.0.113.50', port: 40123 };
    expect(layer.responseVia(viaOf('10.0.0.5:5060', ';rport'), inboundFromPeer(new Uint8Array(), nat)))
      .toEqual({ received: '203.0.113.50', rport: 40123 });
    expect(layer.responseVia(viaOf('198.51.100.7:5060', ';rport'), inboundFromPeer(new Uint8Array())))
      .toEqual({ received: PEER.host, rport: PEER.port });
  });

  it('compares IPv6 sent-by hosts without brackets and case', () => {
    const { layer } = setup();
    const v6: Address = { host: '2001:db8::7', port: 5070 };
    expect(layer.responseVia(viaOf('[2001:DB8::7]:5070'), inboundFromPeer(new Uint8Array(), v6))).toEqual({});
  });

  it('the transaction layer\'s response carries ;received=…;rport=… in the first via-parm of the top Via only', async () => {
    const s = setup();
    const transactions = new TransactionLayer({ clock: s.clock, transport: s.layer, logger: s.logger });
    s.layer.setUser(transactions);
    transactions.setUser({ request: (tx) => void tx.respond({ status: 200, reason: 'OK' }), ack: () => undefined });
    const bytes = rawRequest({
      'Via:': 'Via: SIP/2.0/UDP pbx.example.com:5080;rport;branch=z9hG4bK-top , SIP/2.0/UDP 10.0.0.1:5060;rport;branch=z9hG4bK-low',
    });
    await fromPeer(s, bytes);
    const response = onlyAtPeer(s);
    expect(response.status).toBe(200);
    expect(topViaLine(response)).toBe(
      'SIP/2.0/UDP pbx.example.com:5080;rport=5070;branch=z9hG4bK-top;received=198.51.100.7 , SIP/2.0/UDP 10.0.0.1:5060;rport;branch=z9hG4bK-low',
    );
    expect(response.topVia).toMatchObject({ received: '198.51.100.7', rport: 5070, branch: 'z9hG4bK-top' });
    // With rport the response went to the source address and port, not to the sent-by.
    expect(s.network.sent.at(-1)).toMatchObject({ from: DEVICE, to: PEER, outcome: 'delivered' });
  });

  it('buildResponse with responseVia leaves lower Via header lines untouched', () => {
    const { layer } = setup();
    const request = makeRequest({
      method: 'OPTIONS', sentBy: 'pbx.example.com', viaParams: ';rport', lowerVias: ['SIP/2.0/UDP 10.0.0.1;rport;branch=z9hG4bK-l'],
    });
    const inbound = inboundFromPeer(request.bytes);
    const response = parseMessage(buildResponse(request, { status: 200, reason: 'OK', topVia: layer.responseVia(request, inbound) }));
    const vias = response.headers('via');
    expect(vias[0]).toBe(`SIP/2.0/UDP pbx.example.com;rport=5070;branch=${request.topVia.branch!};received=198.51.100.7`);
    expect(vias[1]).toBe('SIP/2.0/UDP 10.0.0.1;rport;branch=z9hG4bK-l');
  });
});

describe('response routing (RFC 3261 §18.2.2, RFC 3581 §4)', () => {
  /** Receives `bytes` as sent by the peer, then answers it through `sendResponse`; returns the packet on the wire. */
  async function answer(s: Setup, request: SipMessage) {
    await fromPeer(s, request.bytes);
    const { request: got, inbound } = s.user.requests.at(-1)!;
    const bytes = buildResponse(got, { status: 200, reason: 'OK', topVia: s.layer.responseVia(got, inbound) });
    const result = await s.layer.sendResponse(bytes, got, inbound);
    await flush();
    return { result, packet: s.network.sent.at(-1)!, inbound };
  }

  it('UDP with rport: to the source address and the source port', async () => {
    const s = setup();
    const { packet } = await answer(s, makeRequest({ method: 'OPTIONS', sentBy: '10.0.0.5:5099', viaParams: ';rport' }));
    expect(packet).toMatchObject({ protocol: 'udp', to: PEER, outcome: 'delivered' });
    expect(s.atPeer.messages).toHaveLength(1);
  });

  it('UDP without rport: to the source address and the sent-by port', async () => {
    const s = setup();
    const { packet } = await answer(s, makeRequest({ method: 'OPTIONS', sentBy: 'pbx.example.com:5099' }));
    expect(packet).toMatchObject({ protocol: 'udp', to: { host: PEER.host, port: 5099 } });
    expect(s.atPeer.messages).toHaveLength(0); // nobody listens there: the source port is not used
  });

  it('UDP without rport and without a sent-by port: to the source address on 5060', async () => {
    const s = setup();
    const { packet } = await answer(s, makeRequest({ method: 'OPTIONS', sentBy: 'pbx.example.com' }));
    expect(packet).toMatchObject({ protocol: 'udp', to: { host: PEER.host, port: 5060 } });
  });

  it('TCP: back over the connection the request came on', async () => {
    const s = setup('tcp');
    const { result, packet, inbound } = await answer(s, makeRequest({ method: 'OPTIONS', transport: 'TCP', sentBy: `${PEER.host}:5090` }));
    expect(result).toMatchObject({ ok: true, flow: { id: inbound.flow.id } });
    expect(packet).toMatchObject({ protocol: 'tcp', flowId: inbound.flow.id, to: PEER, outcome: 'delivered' });
    expect(s.atPeer.messages).toHaveLength(1);
    expect(s.atPeer.messages[0]!.flow.remote).toEqual(DEVICE);
  });

  it('TCP with the connection gone: a new connection to the source address and the sent-by port', async () => {
    const s = setup('tcp');
    const atSentBy = recorder();
    s.network.transport({ host: PEER.host, port: 5090, protocol: 'tcp' }, atSentBy.events);
    const request = makeRequest({ method: 'OPTIONS', transport: 'TCP', sentBy: `pbx.example.com:5090` });
    await fromPeer(s, request.bytes);
    const { request: got, inbound } = s.user.requests[0]!;
    s.peer.closeFlow(s.network.sent.at(-1)!.flowId!);
    await flush();
    const bytes = buildResponse(got, { status: 200, reason: 'OK', topVia: s.layer.responseVia(got, inbound) });
    const result = await s.layer.sendResponse(bytes, got, inbound);
    await flush();
    expect(result.ok).toBe(true);
    expect(result.ok && result.flow.id).not.toBe(inbound.flow.id);
    expect(s.network.sent.at(-1)).toMatchObject({ protocol: 'tcp', to: { host: PEER.host, port: 5090 }, outcome: 'delivered' });
    expect(atSentBy.messages).toHaveLength(1);
    expect(parseMessage(atSentBy.messages[0]!.bytes).status).toBe(200);
    expect(s.atPeer.messages).toHaveLength(0);
  });

  it('TCP with the connection gone and no sent-by port: a new connection to the source address on 5060', async () => {
    const s = setup('tcp');
    const atDefault = recorder();
    s.network.transport({ host: PEER.host, port: 5060, protocol: 'tcp' }, atDefault.events);
    await fromPeer(s, makeRequest({ method: 'OPTIONS', transport: 'TCP', sentBy: PEER.host }).bytes);
    const { request, inbound } = s.user.requests[0]!;
    s.device.closeFlow(inbound.flow.id);
    await flush();
    await s.layer.sendResponse(buildResponse(request, { status: 200, reason: 'OK' }), request, inbound);
    await flush();
    expect(atDefault.messages).toHaveLength(1);
  });
});

describe('malformed input: answered once, or dropped; one log line each; never thrown', () => {
  /** Feeds `bytes` to the layer as if from PEER over UDP; the layer must not throw. */
  async function receive(s: Setup, bytes: Uint8Array): Promise<void> {
    expect(() => s.layer.receive(inboundFromPeer(bytes))).not.toThrow();
    await flush();
  }

  const answerable: ReadonlyArray<[what: string, bytes: Uint8Array, code: string]> = [
    ['a non-numeric Content-Length', rawRequest({ 'Content-Length:': 'Content-Length: many' }), 'BAD_CONTENT_LENGTH'],
    ['a Content-Length past the datagram', rawRequest({ 'Content-Length:': 'Content-Length: 500' }), 'CONTENT_LENGTH_MISMATCH'],
    ['a bad From', rawRequest({ 'From:': 'From: <sip:pbx@example.com;tag=f1' }), 'BAD_FROM'],
    ['a bad Request-URI', rawRequest({ request: 'OPTIONS sip:door@192.0.2.10?Subject=hi SIP/2.0' }), 'BAD_REQUEST_URI'],
    ['white space in the Request-URI', rawRequest({ request: 'OPTIONS sip:door@192.0.2.10; lr SIP/2.0' }), 'BAD_START_LINE'],
    ['a bad CSeq', rawRequest({ 'CSeq:': 'CSeq: seven OPTIONS' }), 'BAD_CSEQ'],
    ['a CSeq method not matching', rawRequest({ 'CSeq:': 'CSeq: 7 INFO' }), 'CSEQ_METHOD_MISMATCH'],
  ];

  for (const [what, bytes, code] of answerable) {
    it(`a request with ${what} gets exactly one 400 with a Warning naming ${code}`, async () => {
      const s = setup();
      await receive(s, bytes);
      expect(s.atPeer.messages).toHaveLength(1);
      // Read as text: the 400 copies From, To, Call-ID and CSeq as they came, broken ones included (§8.2.6.2).
      const wire = text(s.atPeer.messages[0]!.bytes);
      expect(wire.startsWith('SIP/2.0 400 Bad Request\r\n')).toBe(true);
      expect(wire).toContain(`\r\nWarning: 399 - "${code}"\r\n`);
      expect(wire).toContain(`\r\nVia: SIP/2.0/UDP ${PEER.host}:${PEER.port};rport=${PEER.port};branch=z9hG4bK-raw1;received=${PEER.host}\r\n`);
      expect(wire).toContain('\r\nCall-ID: raw-1@example.com\r\n');
      expect(s.network.sent.at(-1)).toMatchObject({ to: PEER });
      expect(s.user.requests).toHaveLength(0);
      expect(s.logger.lines).toHaveLength(1);
      expect(s.logger.lines[0]).toMatch(/^info malformedAnswered /);
      expect(s.logger.lines[0]).toContain(`code=${code}`);
      expect(s.layer.counters).toMatchObject({ received: 1, malformed: 1, answeredMalformed: 1 });
    });
  }

  it('a request in SIP/7.0 gets 505 Version Not Supported', async () => {
    const s = setup();
    await receive(s, rawRequest({ request: 'OPTIONS sip:door@192.0.2.10 SIP/7.0' }));
    const response = onlyAtPeer(s);
    expect(response.status).toBe(505);
    expect(response.reason).toBe('Version Not Supported');
    expect(response.header('warning')).toBe('399 - "VERSION_NOT_SUPPORTED"');
    expect(s.logger.lines).toHaveLength(1);
    expect(s.layer.counters).toMatchObject({ malformed: 1, answeredMalformed: 1 });
  });

  it('a malformed ACK is never answered', async () => {
    const s = setup();
    await receive(s, rawRequest({ 'Content-Length:': 'Content-Length: many' }, 'ACK'));
    await receive(s, rawRequest({ request: 'ACK sip:door@192.0.2.10 SIP/7.0' }, 'ACK'));
    expect(s.atPeer.messages).toHaveLength(0);
    expect(s.network.sent).toHaveLength(0);
    expect(s.logger.lines).toHaveLength(2);
    expect(s.logger.lines.every((line) => line.includes('malformedDropped'))).toBe(true);
    expect(s.layer.counters).toMatchObject({ received: 2, malformed: 2, answeredMalformed: 0 });
  });

  it('a malformed response is dropped, not answered', async () => {
    const s = setup();
    const response = 'SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-1\r\nFrom: <sip:a@b>;tag=1\r\n'
      + 'To: <sip:c@d>\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\nContent-Length: 99\r\n\r\n';
    await receive(s, encoder.encode(response));
    expect(s.network.sent).toHaveLength(0);
    expect(s.user.responses).toHaveLength(0);
    expect(s.logger.lines).toHaveLength(1);
    expect(s.layer.counters).toMatchObject({ malformed: 1, answeredMalformed: 0 });
  });

  const garbage: ReadonlyArray<[what: string, bytes: Uint8Array]> = [
    ['an empty datagram', new Uint8Array(0)],
    ['only CRLFs', encoder.encode('\r\n\r\n')],
    ['a request with an unreadable Via', rawRequest({ 'Via:': 'Via: garbage here' })],
    ['a request without Via', rawRequest({ 'Via:': 'Subject: no via' })],
    ['a request with a bad second via-parm', rawRequest({ 'Via:': `Via: SIP/2.0/UDP ${PEER.host};branch=z9hG4bK-1, nonsense` })],
    ['a request without Call-ID', rawRequest({ 'Call-ID:': 'Subject: none' })],
    ['a request line without version', encoder.encode('OPTIONS sip:door@192.0.2.10\r\n\r\n')],
    ['text that is not SIP', encoder.encode('GET / HTTP/1.1\r\nHost: door\r\n\r\n')],
  ];

  for (const [what, bytes] of garbage) {
    it(`${what} gets no answer and one log line`, async () => {
      const s = setup();
      await receive(s, bytes);
      expect(s.network.sent).toHaveLength(0);
      expect(s.user.requests).toHaveLength(0);
      expect(s.logger.lines).toHaveLength(1);
      expect(s.logger.lines[0]).toMatch(/^info malformedDropped /);
      expect(s.layer.counters).toMatchObject({ received: 1, malformed: 1, answeredMalformed: 0 });
    });
  }

  it('random bytes get no answer, one log line each, and never throw', async () => {
    const s = setup();
    const random = seeded(3261);
    const count = 200;
    for (let i = 0; i < count; i++) {
      const bytes = Uint8Array.from({ length: 1 + Math.floor(random() * 400) }, () => Math.floor(random() * 256));
      await receive(s, bytes);
    }
    expect(s.network.sent).toHaveLength(0);
    expect(s.logger.lines).toHaveLength(count);
    expect(s.logger.lines.every((line) => line.startsWith('info malformedDropped '))).toBe(true);
    expect(s.layer.counters).toMatchObject({ received: count, malformed: count, answeredMalformed: 0 });
  });

  it('the same holds for what arrives through the driver', async () => {
    const s = setup();
    await fromPeer(s, rawRequest({ 'CSeq:': 'CSeq: seven OPTIONS' }));
    await fromPeer(s, encoder.encode('\x00\x01garbage'));
    expect(s.atPeer.messages.map((m) => text(m.bytes).slice(0, 12))).toEqual(['SIP/2.0 400 ']);
    expect(s.logger.lines).toHaveLength(2);
    expect(s.layer.counters).toMatchObject({ received: 2, malformed: 2, answeredMalformed: 1 });
  });
});

describe('send', () => {
  it('to a protocol with no driver resolves { ok: false } with TRANSPORT_CLOSED', async () => {
    const s = setup();
    const result = await s.layer.send(encoder.encode('x'), { protocol: 'tls', host: PEER.host, port: 5061 });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error.code).toBe('TRANSPORT_CLOSED');
    expect(s.network.sent).toHaveLength(0);
  });

  it('to a protocol with a driver hands the bytes to it', async () => {
    const s = setup();
    const bytes = makeRequest({ method: 'OPTIONS', sentBy: '192.0.2.10:5060' }).bytes;
    expect(await s.layer.send(bytes, { ...PEER, protocol: 'udp' })).toMatchObject({ ok: true });
    await flush();
    expect(text(s.atPeer.messages[0]!.bytes)).toBe(text(bytes));
  });
});

describe('a user above the transport layer that throws', () => {
  it('costs one message and one log line, never the process', () => {
    const lines: string[] = [];
    const log = (level: string) => (event: string) => void lines.push(`${level} ${event}`);
    const layer = new TransportLayer({ debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') });
    layer.setUser({
      request: () => {
        throw new TypeError('bug');
      },
      response: () => {},
    });
    const bytes = encoder.encode(
      'OPTIONS sip:door@192.0.2.1 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.9:5060;branch=z9hG4bKx1\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:door@192.0.2.1>\r\nCall-ID: c1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n',
    );
    const flow = { id: 'udp:x', protocol: 'udp' as const, local: { host: '192.0.2.1', port: 5060 }, remote: { host: '192.0.2.9', port: 5060 } };
    expect(() => layer.receive({ bytes, source: { host: '192.0.2.9', port: 5060 }, flow })).not.toThrow();
    expect(lines).toEqual(['error handlerFailed']);
  });
});

describe('malformed input from a source the user refuses (screenSource)', () => {
  /** A user whose screenSource answers `allow` and records what it was asked. */
  function screened(s: Setup, allow: boolean): Array<{ source: string; method: string | undefined }> {
    const asked: Array<{ source: string; method: string | undefined }> = [];
    s.layer.setUser({ ...s.user, screenSource: (inbound, method) => (asked.push({ source: inbound.source.host, method }), allow) });
    return asked;
  }

  it('gets no 400, no 505 and no log line: the user counts it', async () => {
    const s = setup();
    const asked = screened(s, false);
    s.layer.receive(inboundFromPeer(rawRequest({ 'CSeq:': 'CSeq: seven OPTIONS' })));
    s.layer.receive(inboundFromPeer(rawRequest({ request: 'OPTIONS sip:door@192.0.2.10 SIP/7.0' })));
    s.layer.receive(inboundFromPeer(encoder.encode('GET / HTTP/1.1\r\nHost: door\r\n\r\n')));
    await flush();
    expect(s.network.sent).toHaveLength(0);
    expect(s.logger.lines).toEqual([]);
    expect(asked).toEqual([
      { source: PEER.host, method: 'OPTIONS' },
      { source: PEER.host, method: 'OPTIONS' },
      { source: PEER.host, method: undefined },
    ]);
    expect(s.layer.counters).toMatchObject({ received: 3, malformed: 3, answeredMalformed: 0 });
  });

  it('from a source the user allows, is answered as before', async () => {
    const s = setup();
    screened(s, true);
    s.layer.receive(inboundFromPeer(rawRequest({ 'CSeq:': 'CSeq: seven OPTIONS' })));
    await flush();
    expect(text(s.atPeer.messages[0]!.bytes).startsWith('SIP/2.0 400 Bad Request\r\n')).toBe(true);
    expect(s.layer.counters).toMatchObject({ malformed: 1, answeredMalformed: 1 });
  });
});
