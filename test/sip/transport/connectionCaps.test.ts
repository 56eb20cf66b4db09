// Caps on the TCP connections peers open to us (per source address and in all), the untrusted timeout for
// accepted connections no request passed the policy on, and the one summary line they are logged in; our own
// connections and the ones the policy trusts are never evicted, answer pings, and only the idle timeout closes them.
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../firmware-app/platform/FakeClock.ts';
import { type CappedConnection, admit } from '../../../firmware-app/sip/transport/connectionCaps.ts';
import { createTcpTransport, type TcpTransportOptions } from '../../../firmware-app/sip/transport/tcp.ts';
import type { Inbound, Transport } from '../../../firmware-app/sip/transport/types.ts';
import { memoryLogger, recorder, sipRequest, text, waitFor, withPolicy, type Recorder } from './helpers.ts';

interface Opened {
  readonly transport: Transport;
  readonly rec: Recorder;
  readonly logger: ReturnType<typeof memoryLogger>;
}

interface RawPeer {
  readonly socket: Socket;
  readonly closed: () => boolean;
  /** What the server wrote to it (a pong is `\r\n`). */
  readonly received: () => string;
}

const transports: Transport[] = [];
const sockets: Socket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(transports.splice(0).map((t) => t.close()));
});

/** The UA's policy stand-ins: it refuses every request (a stranger), or lets every one pass. */
const nobody = (): boolean => false;
const everyone = (): boolean => true;

/** A TCP listener whose connections are trusted as the UA trusts them: when a request on one `passes` (default: none does). */
async function open(options: Partial<TcpTransportOptions> & { clock: FakeClock; passes?: (inbound: Inbound) => boolean }): Promise<Opened> {
  const { passes = nobody, ...rest } = options;
  const rec = recorder();
  const logger = memoryLogger();
  // Read once messages arrive, after the driver exists.
  const events = withPolicy(rec.events, passes, () => transport);
  const transport = await createTcpTransport({ host: '127.0.0.1', port: 0, listen: true, logger, ...rest }, events);
  transports.push(transport);
  return { transport, rec, logger };
}

/** A raw client socket from `localAddress` (any 127/8 address works on loopback). */
async function rawPeer(port: number, localAddress = '127.0.0.1'): Promise<RawPeer> {
  const socket = connect({ host: '127.0.0.1', port, localAddress, noDelay: true });
  sockets.push(socket);
  let closed = false;
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1'))); // read, or the end of the stream would never be seen
  socket.on('error', () => {});
  socket.on('close', () => (closed = true));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return { socket, closed: () => closed, received: () => received };
}

/** Connections the server took over so far (each gets one debug line). */
function adopted(server: Opened): number {
  return server.logger.lines.filter((l) => l.startsWith('debug connectionAccepted')).length;
}

/** Lines above debug level, but for the listener's own. */
function loud(server: Opened): string[] {
  return server.logger.lines.filter((l) => !l.startsWith('debug ') && !l.startsWith('info listening'));
}

/** Lets pending socket events run (for asserting that something did NOT happen). */
const pause = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 30));

describe('connection caps', () => {
  it('closes a connection over the per-source cap at once, while other sources still get in', async () => {
    const clock = new FakeClock();
    const server = await open({ clock, maxConnectionsPerSource: 2, passes: everyone });
    const port = server.transport.local.port;
    const first = await rawPeer(port);
    const second = await rawPeer(port);
    first.socket.write(sipRequest('first'));
    second.socket.write(sipRequest('second'));
    await waitFor('two requests', () => server.rec.messages.length === 2);
    const third = await rawPeer(port);
    await waitFor('the third connection to be closed', () => third.closed());
    const other = await rawPeer(port, '127.0.0.2');
    await waitFor('the connection from another source taken over', () => adopted(server) === 3);
    other.socket.write(sipRequest('other'));
    await waitFor('its request', () => server.rec.messages[2]);
    await pause();
    expect(first.closed() || second.closed() || other.closed()).toBe(false);
    // A line for each connection a request passed the policy on, none for the one refused.
    expect(loud(server).map((l) => l.split(' flow=')[0])).toEqual(Array(3).fill('info connectionOpened'));
    expect(loud(server).every((l) => l.endsWith('direction=in'))).toBe(true);
    clock.advance(60_000);
    expect(loud(server).slice(3)).toEqual(['info connectionsDropped protocol=tcp interval=60s overSourceCap=1 sources=1 topSource=127.0.0.1 topSourceCount=1']);
  });

  it('close() writes the summary of the unfinished interval', async () => {
    const clock = new FakeClock();
    const server = await open({ clock, maxConnectionsPerSource: 1 });
    await rawPeer(server.transport.local.port);
    await waitFor('the first connection taken over', () => adopted(server) === 1);
    const over = await rawPeer(server.transport.local.port);
    await waitFor('the connection over the cap to be closed', () => over.closed());
    await server.transport.close();
    // The untrusted connection our own close ends is not counted: that is no drop.
    expect(loud(server)).toEqual([
      'info connectionsDropped protocol=tcp interval=60s overSourceCap=1 sources=1 topSource=127.0.0.1 topSourceCount=1',
      expect.stringMatching(/^info transportClosed /),
    ]);
  });

  it('closes a connection over the total cap when every place is held by a trusted connection', async () => {
    const clock = new FakeClock();
    const server = await open({ clock, maxInboundConnections: 2, passes: everyone });
    const port = server.transport.local.port;
    for (const [i, peer] of [await rawPeer(port), await rawPeer(port, '127.0.0.2')].entries()) peer.socket.write(sipRequest(`held-${i}`));
    await waitFor('both requests', () => server.rec.messages.length === 2);
    const late = await rawPeer(port, '127.0.0.3');
    await waitFor('the connection over the cap to be closed', () => late.closed());
    clock.advance(60_000);
    expect(loud(server).at(-1)).toBe('info connectionsDropped protocol=tcp interval=60s overTotalCap=1 sources=1 topSource=127.0.0.3 topSourceCount=1');
  });

  it('when full, makes room by closing the oldest untrusted connection: a phone that reconnects gets in', async () => {
    const clock = new FakeClock();
    const server = await open({ clock, maxInboundConnections: 2 });
    const port = server.transport.local.port;
    const oldest = await rawPeer(port, '127.0.0.5');
    await waitFor('the first silent connection', () => adopted(server) === 1);
    clock.advance(1000);
    const younger = await rawPeer(port, '127.0.0.6');
    await waitFor('the second silent connection', () => adopted(server) === 2);
    const phone = await rawPeer(port, '127.0.0.7');
    phone.socket.write(sipRequest('register'));
    await waitFor('the phone\'s request', () => server.rec.messages[0]);
    await waitFor('the oldest silent connection to be closed', () => oldest.closed());
    await pause();
    expect(younger.closed()).toBe(false);
    expect(phone.closed()).toBe(false);
  });

  it('a request the policy refuses does not protect a connection from eviction; one that passed does', async () => {
    const clock = new FakeClock();
    const server = await open({ clock, maxInboundConnections: 2, passes: (inbound) => text(inbound.bytes).includes('Call-ID: phone') });
    const port = server.transport.local.port;
    const stranger = await rawPeer(port, '127.0.0.5');
    stranger.socket.write(sipRequest('scan')); // OPTIONS sip:100@… from a scanner: refused
    await waitFor('the stranger\'s request', () => server.rec.messages[0]);
    clock.advance(1000);
    const phone = await rawPeer(port, '127.0.0.6');
    phone.socket.write(sipRequest('phone-1'));
    await waitFor('the phone\'s request', () => server.rec.messages[1]);
    // The places are taken by the stranger (older, it spoke SIP) and the phone: the stranger gives way.
    const roamed = await rawPeer(port, '127.0.0.7');
    await waitFor('the stranger to be evicted', () => stranger.closed());
    roamed.socket.write(sipRequest('phone-2'));
    await waitFor('the roamed phone\'s request', () => server.rec.messages[2]);
    // Both places are trusted now: a newcomer is refused, nobody is evicted.
    const late = await rawPeer(port, '127.0.0.8');
    await waitFor('the newcomer to be refused', () => late.closed());
    await pause();
    expect(phone.closed() || roamed.closed()).toBe(false);
    clock.advance(60_000);
    expect(loud(server).at(-1)).toMatch(/^info connectionsDropped protocol=tcp interval=60s overTotalCap=1 evicted=1 sources=2 /);
  });

  it('never counts nor refuses the connections we open (the RFC 5626 flow to the registrar)', async () => {
    const clock = new FakeClock();
    const registrar = await open({ clock, passes: everyone });
    const door = await open({ clock, maxConnectionsPerSource: 1, maxInboundConnections: 1 });
    const flow = await door.transport.send(sipRequest('register'), { protocol: 'tcp', host: '127.0.0.1', port: registrar.transport.local.port });
    if (!flow.ok) throw flow.error;
    await waitFor('the REGISTER at the registrar', () => registrar.rec.messages[0]);
    // One peer of 127.0.0.1 may connect to the door although the door's own connection also has 127.0.0.1 at the far end.
    const phone = await rawPeer(door.transport.local.port);
    await waitFor('the phone\'s connection taken over', () => adopted(door) === 1);
    const extra = await rawPeer(door.transport.local.port);
    await waitFor('the connection over the cap to be closed', () => extra.closed());
    expect(phone.closed()).toBe(false);
    // The flow to the registrar was never touched and still carries requests.
    expect(await door.transport.send(sipRequest('refresh'), { protocol: 'tcp', host: '127.0.0.1', port: registrar.transport.local.port }, flow.flow.id))
      .toMatchObject({ ok: true, flow: { id: flow.flow.id } });
    await waitFor('the refresh at the registrar', () => registrar.rec.messages[1]);
    // RFC 5626 §4.4.1 on our own flow: the registrar (which trusts it) answers our ping.
    expect(await door.transport.sendKeepAlive!(flow.flow.id, new TextEncoder().encode('\r\n\r\n'))).toMatchObject({ ok: true });
    await waitFor('the pong on our flow', () => door.rec.keepAlives.find((k) => k.kind === 'pong' && k.flow.id === flow.flow.id));
    clock.advance(10 * 60_000); // silent for 10 min: our flow is idle only after 5 min without traffic either way
    await waitFor('the idle flow to close', () => door.rec.closed.some((f) => f.id === flow.flow.id));
    expect(door.logger.lines.some((l) => l.startsWith('info connectionClosed') && l.includes(flow.flow.id) && l.includes('reason=idle'))).toBe(true);
  });
});

describe('connections no request passed the policy on', () => {
  it('ten from one source, each with a refused OPTIONS and a ping: 8 let in, no pong, no line above debug, one summary', async () => {
    const clock = new FakeClock();
    const server = await open({ clock });
    const peers: RawPeer[] = [];
    for (let i = 0; i < 10; i++) {
      const peer = await rawPeer(server.transport.local.port);
      peer.socket.write(`${text(sipRequest(`scan-${i}`))}\r\n\r\n`);
      peers.push(peer);
    }
    await waitFor('the 8 requests let in', () => server.rec.messages.length === 8);
    await waitFor('the two over the cap to be closed', () => peers.filter((p) => p.closed()).length === 2);
    await pause();
    expect(peers.map((p) => p.received())).toEqual(Array(10).fill(''));
    expect(server.rec.keepAlives).toEqual([]);
    for (const peer of peers) peer.socket.destroy(); // the scanner moves on
    await waitFor('the 8 closes', () => server.rec.closed.length === 8);
    expect(loud(server)).toEqual([]);
    clock.advance(60_000);
    expect(loud(server)).toEqual([
      'info connectionsDropped protocol=tcp interval=60s overSourceCap=2 untrustedClosed=8 sources=1 topSource=127.0.0.1 topSourceCount=10',
    ]);
  });

  it('are closed 30 s after they opened: refused requests and pings buy no time, and they are summed up', async () => {
    const clock = new FakeClock();
    const server = await open({ clock });
    const peer = await rawPeer(server.transport.local.port);
    await waitFor('the connection taken over', () => adopted(server) === 1);
    for (let t = 0; t < 29_000; t += 10_000) {
      peer.socket.write(sipRequest(`refused-${t}`));
      await waitFor('the request', () => server.rec.messages.length > t / 10_000);
      peer.socket.write('\r\n\r\n');
      clock.advance(Math.min(10_000, 29_999 - t));
    }
    await pause();
    expect(peer.closed()).toBe(false);
    expect(peer.received()).toBe('');
    clock.advance(1);
    await waitFor('the untrusted connection to close', () => peer.closed());
    await waitFor('flowClosed', () => server.rec.closed[0]);
    expect(loud(server)).toEqual([]);
    expect(server.logger.lines.some((l) => l.startsWith('debug connectionClosed') && l.includes('reason=untrustedTimeout'))).toBe(true);
    clock.advance(60_000); // a minute after the drop
    expect(loud(server)).toEqual(['info connectionsDropped protocol=tcp interval=60s untrustedTimeout=1 sources=1 topSource=127.0.0.1 topSourceCount=1']);
  });

  it('once a request passed, pings are answered and only the idle timeout applies', async () => {
    const clock = new FakeClock();
    const server = await open({ clock, passes: (inbound) => text(inbound.bytes).includes('Call-ID: authorized') });
    const peer = await rawPeer(server.transport.local.port);
    peer.socket.write(sipRequest('challenged')); // a REGISTER that gets its 401: not trusted yet
    await waitFor('the first request', () => server.rec.messages[0]);
    clock.advance(20_000);
    peer.socket.write(sipRequest('authorized'));
    await waitFor('the second request', () => server.rec.messages[1]);
    const flow = server.rec.messages[1]!.flow.id;
    expect(loud(server)).toEqual([`info connectionOpened flow=${flow} direction=in`]);
    clock.advance(20_000); // 40 s after it opened: past the untrusted timeout
    peer.socket.write('\r\n\r\n');
    await waitFor('the pong', () => peer.received() === '\r\n');
    expect(server.rec.keepAlives).toMatchObject([{ kind: 'ping', flow: { id: flow } }]);
    clock.advance(5 * 60_000 - 1); // idle since the ping
    await pause();
    expect(peer.closed()).toBe(false);
    clock.advance(1);
    await waitFor('the idle connection to close', () => peer.closed());
    expect(server.logger.lines.some((l) => l.startsWith('info connectionClosed') && l.includes('reason=idle'))).toBe(true);
  });

  it('untrustedTimeoutMs 0 leaves them to the idle timeout alone', async () => {
    const clock = new FakeClock();
    const server = await open({ clock, untrustedTimeoutMs: 0, idleTimeoutMs: 0 });
    await rawPeer(server.transport.local.port);
    await waitFor('the connection taken over', () => adopted(server) === 1);
    expect(clock.pending).toBe(0);
  });
});

describe('admit (the caps alone)', () => {
  const conn = (remoteHost: string, more: Partial<CappedConnection> = {}): CappedConnection =>
    ({ direction: 'in', remoteHost, openedAt: 0, trusted: true, closed: false, socket: { destroyed: false }, ...more });
  const caps = { maxConnectionsPerSource: 2, maxInboundConnections: 3 };

  it('counts only live connections peers opened', () => {
    const table = [
      conn('192.0.2.1'), conn('192.0.2.1', { direction: 'out' }), conn('192.0.2.1', { closed: true }),
      conn('192.0.2.1', { socket: { destroyed: true } }),
    ];
    expect(admit('192.0.2.1', table, caps)).toEqual({});
    expect(admit('192.0.2.1', [...table, conn('192.0.2.1')], caps)).toEqual({ refusal: 'overSourceCap' });
  });

  it('when full, names the oldest untrusted connection to make room, else refuses', () => {
    const older = conn('192.0.2.2', { trusted: false, openedAt: 5 });
    const oldest = conn('192.0.2.3', { trusted: false, openedAt: 1 });
    expect(admit('192.0.2.9', [conn('192.0.2.1'), older, oldest], caps)).toEqual({ evict: oldest });
    expect(admit('192.0.2.9', [conn('192.0.2.1'), conn('192.0.2.2'), conn('192.0.2.3')], caps)).toEqual({ refusal: 'overTotalCap' });
    // The per-source cap comes first: a source at its cap cannot push anyone out.
    expect(admit('192.0.2.2', [conn('192.0.2.2'), conn('192.0.2.2'), oldest], caps)).toEqual({ refusal: 'overSourceCap' });
  });
});
