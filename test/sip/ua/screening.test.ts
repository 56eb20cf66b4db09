// The UA's screening of new requests over the loop network: strangers get no answer of any kind (no 400 for a
// malformed request, no 481 for a forged in-dialog one), a call's own requests are never rate-limited, and
// refusals are logged as one summary line per interval.
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../firmware-app/platform/FakeClock.ts';
import { DialogLayer } from '../../../firmware-app/sip/dialog/DialogLayer.ts';
import type { SipMessage } from '../../../firmware-app/sip/message/index.ts';
import { type SipContext, TransactionLayer } from '../../../firmware-app/sip/transaction/index.ts';
import { FakeDns } from '../../../firmware-app/sip/transport/FakeDns.ts';
import { createLoopNetwork, type LoopNetwork } from '../../../firmware-app/sip/transport/loop.ts';
import { createResolver } from '../../../firmware-app/sip/transport/resolver.ts';
import { TransportLayer } from '../../../firmware-app/sip/transport/TransportLayer.ts';
import type { Address } from '../../../firmware-app/sip/transport/types.ts';
import { UserAgent } from '../../../firmware-app/sip/ua/UserAgent.ts';
import { DEVICE, DEVICE_CONTACT, FakeSdh, PEER, PEER_CONTACT, Peer, record, sdp, settle } from '../dialog/harness.ts';
import { memoryLogger } from '../transport/helpers.ts';

const STRANGER: Address = { host: '203.0.113.66', port: 5060 };
const encoder = new TextEncoder();

interface Setup {
  readonly clock: FakeClock;
  readonly network: LoopNetwork;
  readonly logger: ReturnType<typeof memoryLogger>;
  readonly transport: TransportLayer;
  readonly dialogs: DialogLayer;
  readonly ua: UserAgent;
  /** The indoor phone: on the allow-list, so a source the policy trusts. */
  readonly phone: Peer;
  /** What the device sent to the stranger (nothing, ever). */
  readonly toStranger: () => number;
  /** Hands `bytes` to the device as if they came from `source` over UDP (no driver in between: floods stay fast). */
  receiveFrom(source: Address, bytes: Uint8Array): void;
}

function setup(): Setup {
  const clock = new FakeClock();
  const network = createLoopNetwork({ clock });
  const logger = memoryLogger();
  const transport = new TransportLayer(logger);
  const device = network.transport({ ...DEVICE, protocol: 'udp' }, transport.events);
  transport.add(device);
  const transactions = new TransactionLayer({ clock, transport, logger });
  transport.setUser(transactions);
  const ctx: SipContext = {
    clock,
    logger,
    transactions,
    transport,
    resolver: createResolver({ dns: new FakeDns(), clock }),
    hasher: { hex: () => '', equal: (a, b) => a === b },
    random: () => 0.5,
  };
  const dialogs = new DialogLayer(ctx);
  const ua = new UserAgent(ctx, { contactUser: 'door', domain: DEVICE.host, allowList: [PEER.host] }, {
    dialogs,
    media: () => new FakeSdh(),
  });
  const phone = new Peer(network, 'udp');
  network.transport({ ...STRANGER, protocol: 'udp' }, { message: () => {} });
  const toStranger = (): number => network.sent.filter((p) => p.to.host === STRANGER.host).length;
  const receiveFrom = (source: Address, bytes: Uint8Array): void => {
    transport.receive({ bytes, source, flow: { id: `udp:${DEVICE.host}:${DEVICE.port}>${source.host}:${source.port}`, protocol: 'udp', local: DEVICE, remote: source } });
  };
  return { clock, network, logger, transport, dialogs, ua, phone, toStranger, receiveFrom };
}

let branches = 0;

/** A request as wire text from `source`, with `lines` replacing the defaults by their start (`CSeq:` …). */
function wire(method: string, source: Address, lines: Readonly<Record<string, string>> = {}): Uint8Array {
  const all: Array<[string, string]> = [
    ['request', `${method} sip:door@${DEVICE.host} SIP/2.0`],
    ['Via:', `Via: SIP/2.0/UDP ${source.host}:${source.port};rport;branch=z9hG4bK-s${++branches}`],
    ['Max-Forwards:', 'Max-Forwards: 70'],
    ['From:', 'From: <sip:100@example.com>;tag=f1'],
    ['To:', `To: <sip:door@${DEVICE.host}>`],
    ['Call-ID:', `Call-ID: scan-${branches}@example.com`],
    ['CSeq:', `CSeq: 1 ${method}`],
    ['Content-Length:', 'Content-Length: 0'],
  ];
  return encoder.encode(`${all.map(([key, line]) => lines[key] ?? line).join('\r\n')}\r\n\r\n`);
}

/** Lines other than debug ones. */
function loud(s: Setup): string[] {
  return s.logger.lines.filter((line) => !line.startsWith('debug '));
}

/** The device calls the phone, which answers: an established dialog, and the tags the phone's requests carry. */
async function establishedCall(s: Setup): Promise<{ log: string[]; callId: string; from: string; to: string }> {
  const call = s.dialogs.invite({
    uri: `sip:flat@${PEER.host}:${PEER.port}`,
    target: { ...PEER, protocol: 'udp' },
    from: { uri: `sip:door@${DEVICE.host}` },
    to: { uri: `sip:flat@${PEER.host}:${PEER.port}` },
    contact: DEVICE_CONTACT,
    sdh: new FakeSdh(),
  });
  const log = record(call);
  await settle();
  const invite: SipMessage = s.phone.last('INVITE');
  await s.phone.respond(invite, 200, { toTag: 'phone-tag', headers: [['Contact', PEER_CONTACT]], body: sdp(PEER.host) });
  await settle();
  expect(log).toEqual(['established']);
  expect(s.phone.requests('ACK')).toHaveLength(1);
  return { log, callId: invite.callId, from: `<sip:flat@${PEER.host}>;tag=phone-tag`, to: `<sip:door@${DEVICE.host}>;tag=${invite.from.tag!}` };
}

describe('requests from sources the policy refuses get no answer of any kind', () => {
  it('a malformed request from a stranger gets no 400 (and no log line of its own); from the phone it does', async () => {
    const s = setup();
    s.receiveFrom(STRANGER, wire('OPTIONS', STRANGER, { 'CSeq:': 'CSeq: seven OPTIONS' }));
    s.receiveFrom(STRANGER, wire('INVITE', STRANGER, { request: 'INVITE sip:door@192.0.2.10 SIP/7.0' }));
    s.receiveFrom(STRANGER, encoder.encode('GET / HTTP/1.1\r\nHost: door\r\n\r\n'));
    await settle();
    expect(s.toStranger()).toBe(0);
    expect(loud(s)).toEqual([]);
    expect(s.ua.refusals.notAllowed).toBe(3);

    // From the phone's host (another port, where nothing listens), read off the wire: the 400 copies the broken CSeq.
    const phone2: Address = { host: PEER.host, port: 5071 };
    s.receiveFrom(phone2, wire('OPTIONS', phone2, { 'CSeq:': 'CSeq: seven OPTIONS' }));
    await settle();
    const toPhone = s.network.sent.filter((p) => p.to.port === phone2.port).map((p) => new TextDecoder().decode(p.bytes).split('\r\n')[0]);
    expect(toPhone).toEqual(['SIP/2.0 400 Bad Request']);
  });

  it('a forged in-dialog request from a stranger gets no 481; from the phone it does', async () => {
    const s = setup();
    for (const method of ['BYE', 'INFO', 'INVITE', 'OPTIONS']) s.receiveFrom(STRANGER, wire(method, STRANGER, { 'To:': `To: <sip:door@${DEVICE.host}>;tag=guess` }));
    await settle();
    expect(s.toStranger()).toBe(0);
    expect(loud(s)).toEqual([]);

    await s.phone.send(wire('BYE', PEER, { 'To:': `To: <sip:door@${DEVICE.host}>;tag=guess` }));
    expect(s.phone.responses().map((r) => r.status)).toEqual([481]);
  });

  it('a forged BYE from a stranger that names a live call\'s Call-ID but not its tags is dropped too', async () => {
    const s = setup();
    const call = await establishedCall(s);
    s.receiveFrom(STRANGER, wire('BYE', STRANGER, { 'Call-ID:': `Call-ID: ${call.callId}`, 'To:': `To: <sip:door@${DEVICE.host}>;tag=guess` }));
    await settle();
    expect(s.toStranger()).toBe(0);
    expect(call.log).toEqual(['established']);
  });
});

describe('a call\'s own requests are never rate-limited', () => {
  it('the phone hangs up at once during a flood from its own address, and the flood is still limited', async () => {
    const s = setup();
    const call = await establishedCall(s);
    const before = s.phone.responses().length;
    // 40 requests from the phone's address that belong to no dialog: out of dialog, and with a To tag.
    for (let i = 0; i < 20; i++) {
      s.receiveFrom(PEER, wire('OPTIONS', PEER));
      s.receiveFrom(PEER, wire('INFO', PEER, { 'To:': `To: <sip:door@${DEVICE.host}>;tag=stale` }));
    }
    await settle();
    expect(s.phone.responses().length - before).toBe(20); // the burst; the other 20 are dropped
    expect(s.ua.refusals.rateLimited).toBe(20);

    await s.phone.request('INFO', { requestUri: `sip:door@${DEVICE.host}`, callId: call.callId, from: call.from, to: call.to, cseq: 2, body: 'Signal=1\r\nDuration=100\r\n', contentType: 'application/dtmf-relay' });
    await s.phone.request('BYE', { requestUri: `sip:door@${DEVICE.host}`, callId: call.callId, from: call.from, to: call.to, cseq: 3 });
    const answers = s.phone.responses().slice(-2);
    expect(answers.map((r) => `${r.status} ${r.cseq.method}`)).toEqual(['200 INFO', '200 BYE']);
    expect(call.log.at(-1)).toMatch(/^ended /);
    expect(s.ua.refusals.rateLimited).toBe(20);
  });
});

describe('refusal log', () => {
  it('a 10 s flood of 5,000 requests from a stranger writes one summary line, on the clock, and no line per packet', async () => {
    const s = setup();
    for (let i = 0; i < 5000; i++) {
      const forged: Record<string, string> = i % 2 === 0 ? {} : { 'To:': `To: <sip:door@${DEVICE.host}>;tag=t${i}` };
      s.receiveFrom(STRANGER, wire(i % 4 === 3 ? 'BYE' : 'INVITE', STRANGER, forged));
      if (i % 500 === 499) s.clock.advance(1000);
    }
    await settle();
    expect(s.toStranger()).toBe(0);
    expect(loud(s)).toEqual([]);
    expect(s.logger.lines).toHaveLength(1); // the first refusal of a new source, at debug level
    expect(s.logger.lines[0]).toMatch(/^debug requestRefused source=203\.0\.113\.66 reason=notAllowed method=INVITE /);
    s.clock.advance(50_000);
    expect(loud(s)).toEqual([
      'info requestsRefused interval=60s notAllowed=2565 rateLimited=2435 sources=1 topSource=203.0.113.66 topSourceCount=5000',
    ]);
    // Out of dialog the rate limit comes first (20 + 9·5 of 2,500 reach the source rules); forged in-dialog
    // requests are refused for their source alone.
    expect(s.ua.refusals).toMatchObject({ notAllowed: 65 + 2500, rateLimited: 2500 - 65 });
  });
});

describe('refusal log at stop', () => {
  it('stop() writes the summary of the unfinished interval', async () => {
    const s = setup();
    s.receiveFrom(STRANGER, wire('INVITE', STRANGER));
    await s.ua.stop();
    expect(loud(s)).toEqual(['info requestsRefused interval=60s notAllowed=1 sources=1 topSource=203.0.113.66 topSourceCount=1']);
    expect(s.clock.pending).toBe(0);
  });
});
