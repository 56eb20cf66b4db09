// Caps on the TCP connections peers open to us (per source address and in all), the first-message timeout for
// accepted connections, and the one summary line they are logged in; our own connections are never counted.
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../firmware-app/platform/FakeClock.ts';
import { type CappedConnection, admit } from '../../../firmware-app/sip/transport/connectionCaps.ts';
import { createTcpTransport, type TcpTransportOptions } from '../../../firmware-app/sip/transport/tcp.ts';
import type { Transport } from '../../../firmware-app/sip/transport/types.ts';
import { memoryLogger, recorder, sipRequest, waitFor, type Recorder } from './helpers.ts';

interface Opened {
  readonly transport: Transport;
  readonly rec: Recorder;
  readonly logger: ReturnType<typeof memoryLogger>;
}

interface RawPeer {
  readonly socket: Socket;
  readonly closed: () => boolean;
}

const transports: Transport[] = [];
const sockets: Socket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(transports.splice(0).map((t) => t.close()));
});

async function open(options: Partial<TcpTransportOptions> & { clock: FakeClock }): Promise<Opened> {
  const rec = recorder();
  const logger = memoryLogger();
  const transport = await createTcpTransport({ host: '127.0.0.1', port: 0, listen: true, logger, ...options }, rec.events);
  transports.push(transport);
  return { transport, rec, logger };
}

/** A raw client socket from `localAddress` (any 127/8 address works on loopback). */
async function rawPeer(port: number, localAddress = '127.0.0.1'): Promise<RawPeer> {
  const socket = connect({ host: '127.0.0.1', port, localAddress, noDelay: true });
  sockets.push(socket);
  let closed = false;
  socket.on('data', () => {}); // read, or the end of the stream would never be seen
  socket.on('error', () => {});
  socket.on('close', () => (closed = true));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return { socket, closed: () => closed };
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
    const server = await open({ clock, maxConnectionsPerSource: 2 });
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
    // A line for each connection that carried SIP, none for the one refused.
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
    expect(loud(server)).toEqual([
      'info connectionsDropped protocol=tcp interval=60s overSourceCap=1 sources=1 topSource=127.0.0.1 topSourceCount=1',
      expect.stringMatching(/^info transportClosed /),
    ]);
  });

  it('closes a connection over the total cap when every place is held by a connection that spoke SIP', async () => {
    const clock = new FakeClock();
    const server = await open({ clock, maxInboundConnections: 2 });
    const port = server.transport.local.port;
    for (const [i, peer] of [await rawPeer(port), await rawPeer(port, '127.0.0.2')].entries()) peer.socket.write(sipRequest(`held-${i}`));
    await waitFor('both requests', () => server.rec.messages.length === 2);
    const late = await rawPeer(port, '127.0.0.3');
    await waitFor('the connection over the cap to be closed', () => late.closed());
    clock.advance(60_000);
    expect(loud(server).at(-1)).toBe('info connectionsDropped protocol=tcp interval=60s overTotalCap=1 sources=1 topSource=127.0.0.3 topSourceCount=1');
  });

  it('when full, makes room by closing the connection silent the longest: a phone that reconnects gets in', async () => {
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

  it('never counts nor refuses the connections we open (the RFC 5626 flow to the registrar)', async () => {
    const clock = new FakeClock();
    const registrar = await open({ clock });
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
    clock.advance(10 * 60_000); // silent for 10 min: our flow is idle only after 5 min without traffic either way
    await waitFor('the idle flow to close', () => door.rec.closed.some((f) => f.id === flow.flow.id));
    expect(door.logger.lines.some((l) => l.startsWith('info connectionClosed') && l.includes(flow.flow.id) && l.includes('reason=idle'))).toBe(true);
  });
});

describe('accepted connections that never send a SIP message', () => {
  it('are closed after 30 s on the clock, pings or not, and summed up instead of logged one by one', async () => {
    const clock = new FakeClock();
    const server = await open({ clock });
    const peer = await rawPeer(server.transport.local.port);
    await waitFor('the connection taken over', () => adopted(server) === 1);
    for (let t = 0; t < 29_000; t += 10_000) {
      peer.socket.write('\r\n\r\n'); // a ping buys nothing before a first message
      await waitFor('the ping', () => server.rec.keepAlives.length > t / 10_000);
      clock.advance(Math.min(10_000, 29_999 - t));
    }
    await pause();
    expect(peer.closed()).toBe(false);
    clock.advance(1);
    await waitFor('the silent connection to close', () => peer.closed());
    await waitFor('flowClosed', () => server.rec.closed[0]);
    expect(loud(server)).toEqual([]);
    expect(server.logger.lines.some((l) => l.startsWith('debug connectionClosed') && l.includes('reason=noMessage'))).toBe(true);
    clock.advance(60_000); // a minute after the drop
    expect(loud(server)).toEqual(['info connectionsDropped protocol=tcp interval=60s noMessage=1 sources=1 topSource=127.0.0.1 topSourceCount=1']);
  });

  it('once a message came, only the idle timeout applies', async () => {
    const clock = new FakeClock();
    const server = await open({ clock });
    const peer = await rawPeer(server.transport.local.port);
    peer.socket.write(sipRequest('hello'));
    await waitFor('the request', () => server.rec.messages[0]);
    expect(loud(server)).toEqual([`info connectionOpened flow=${server.rec.messages[0]!.flow.id} direction=in`]);
    clock.advance(5 * 60_000 - 1);
    await pause();
    expect(peer.closed()).toBe(false);
    clock.advance(1);
    await waitFor('the idle connection to close', () => peer.closed());
    expect(server.logger.lines.some((l) => l.startsWith('info connectionClosed') && l.includes('reason=idle'))).toBe(true);
  });

  it('firstMessageTimeoutMs 0 leaves them to the idle timeout alone', async () => {
    const clock = new FakeClock();
    const server = await open({ clock, firstMessageTimeoutMs: 0, idleTimeoutMs: 0 });
    await rawPeer(server.transport.local.port);
    await waitFor('the connection taken over', () => adopted(server) === 1);
    expect(clock.pending).toBe(0);
  });
});

describe('admit (the caps alone)', () => {
  const conn = (remoteHost: string, more: Partial<CappedConnection> = {}): CappedConnection =>
    ({ direction: 'in', remoteHost, openedAt: 0, proven: true, closed: false, socket: { destroyed: false }, ...more });
  const caps = { maxConnectionsPerSource: 2, maxInboundConnections: 3 };

  it('counts only live connections peers opened', () => {
    const table = [
      conn('192.0.2.1'), conn('192.0.2.1', { direction: 'out' }), conn('192.0.2.1', { closed: true }),
      conn('192.0.2.1', { socket: { destroyed: true } }),
    ];
    expect(admit('192.0.2.1', table, caps)).toEqual({});
    expect(admit('192.0.2.1', [...table, conn('192.0.2.1')], caps)).toEqual({ refusal: 'overSourceCap' });
  });

  it('when full, names the oldest silent connection to make room, else refuses', () => {
    const older = conn('192.0.2.2', { proven: false, openedAt: 5 });
    const oldest = conn('192.0.2.3', { proven: false, openedAt: 1 });
    expect(admit('192.0.2.9', [conn('192.0.2.1'), older, oldest], caps)).toEqual({ evict: oldest });
    expect(admit('192.0.2.9', [conn('192.0.2.1'), conn('192.0.2.2'), conn('192.0.2.3')], caps)).toEqual({ refusal: 'overTotalCap' });
    // The per-source cap comes first: a source at its cap cannot push anyone out.
    expect(admit('192.0.2.2', [conn('192.0.2.2'), conn('192.0.2.2'), oldest], caps)).toEqual({ refusal: 'overSourceCap' });
  });
});
