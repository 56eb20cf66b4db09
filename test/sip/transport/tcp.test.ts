// TCP transport over real loopback sockets: flows and reuse, framing, keep-alives, garbled streams, idle close.
import { connect, createServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../firmware-app/platform/FakeClock.ts';
import { createTcpTransport, type TcpTransportOptions } from '../../../firmware-app/sip/transport/tcp.ts';
import type { Inbound, Target, Transport } from '../../../firmware-app/sip/transport/types.ts';
import { concat, memoryLogger, recorder, sipRequest, sipResponse, text, waitFor, withPolicy, type Recorder } from './helpers.ts';

interface Opened {
  readonly transport: Transport;
  readonly rec: Recorder;
  readonly logger: ReturnType<typeof memoryLogger>;
}

const transports: Transport[] = [];
const sockets: Socket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(transports.splice(0).map((t) => t.close()));
});

/**
 * A TCP transport; `passes` stands in for the UA's incoming policy: a request it lets pass trusts the connection it
 * came on (default: every request passes; `() => false` makes every peer a stranger).
 */
async function open(options: Partial<TcpTransportOptions> & { clock: FakeClock; passes?: (inbound: Inbound) => boolean }): Promise<Opened> {
  const { passes = () => true, ...rest } = options;
  const rec = recorder();
  const logger = memoryLogger();
  // Read once messages arrive, after the driver exists.
  const events = withPolicy(rec.events, passes, () => transport);
  const transport = await createTcpTransport({ host: '127.0.0.1', port: 0, listen: true, logger, ...rest }, events);
  transports.push(transport);
  return { transport, rec, logger };
}

function target(transport: Transport, host = '127.0.0.1'): Target {
  return { protocol: 'tcp', host, port: transport.local.port };
}

/** A raw socket as the peer, collecting what it receives and whether it was closed. */
async function rawPeer(port: number, host = '127.0.0.1'): Promise<{ socket: Socket; received: () => string; closed: () => boolean }> {
  const socket = connect({ host, port, noDelay: true });
  sockets.push(socket);
  let received = '';
  let closed = false;
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
  socket.on('error', () => {}); // resets are expected when the server drops a garbled stream
  socket.on('close', () => (closed = true));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return { socket, received: () => received, closed: () => closed };
}

/** Writes one chunk and lets it leave as its own segment (the raw peer has Nagle off). */
async function writeAndYield(socket: Socket, chunk: Uint8Array): Promise<void> {
  await new Promise<void>((resolve) => socket.write(chunk, () => resolve()));
  await new Promise((resolve) => setTimeout(resolve, 1));
}

/** A port nothing listens on. */
function closedTcpPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('TCP transport', () => {
  it('carries a request to the server and the response back on the same connection', async () => {
    const clock = new FakeClock();
    const server = await open({ clock });
    const client = await open({ clock, listen: false });
    expect(server.transport).toMatchObject({ protocol: 'tcp', reliable: true });

    const sent = await client.transport.send(sipRequest('tcp-1'), target(server.transport));
    if (!sent.ok) throw sent.error;
    const request = await waitFor('the request', () => server.rec.messages[0]);
    expect(text(request.bytes)).toBe(text(sipRequest('tcp-1')));
    expect(request.flow.local).toEqual(sent.flow.remote);
    expect(request.flow.remote).toEqual(sent.flow.local);
    expect(request.source).toEqual(sent.flow.local);
    expect(request.flow.id).toBe(`tcp:127.0.0.1:${server.transport.local.port}>127.0.0.1:${sent.flow.local.port}`);

    // RFC 3261 §18.2.2: the response goes back over the connection the request came on.
    const answered = await server.transport.send(sipResponse('tcp-1'), { protocol: 'tcp', ...request.source }, request.flow.id);
    expect(answered).toMatchObject({ ok: true, flow: { id: request.flow.id } });
    const response = await waitFor('the response', () => client.rec.messages[0]);
    expect(text(response.bytes)).toBe(text(sipResponse('tcp-1')));
    expect(response.flow.id).toBe(sent.flow.id);

    // The next request reuses the open connection.
    const again = await client.transport.send(sipRequest('tcp-2'), target(server.transport));
    expect(again).toMatchObject({ ok: true, flow: { id: sent.flow.id } });
    await waitFor('the second request', () => server.rec.messages[1]);
    expect(server.rec.messages[1]!.flow.id).toBe(request.flow.id);
  });

  it('reuses a connection the peer opened when sending to its address without a flow id', async () => {
    const clock = new FakeClock();
    const server = await open({ clock });
    const client = await open({ clock });
    const sent = await client.transport.send(sipRequest('in'), target(server.transport));
    if (!sent.ok) throw sent.error;
    const request = await waitFor('the request', () => server.rec.messages[0]);
    const back = await server.transport.send(sipRequest('out'), { protocol: 'tcp', ...request.source });
    expect(back).toMatchObject({ ok: true, flow: { id: request.flow.id } });
    expect((await waitFor('the request back', () => client.rec.messages[0])).flow.id).toBe(sent.flow.id);
  });

  it('falls back to a new connection when the given flow is gone, and shares one connect between concurrent sends', async () => {
    const clock = new FakeClock();
    const server = await open({ clock });
    const client = await open({ clock, listen: false });
    const [first, second] = await Promise.all([
      client.transport.send(sipRequest('c-1'), target(server.transport), 'tcp:127.0.0.1:1>127.0.0.1:2'),
      client.transport.send(sipRequest('c-2'), target(server.transport)),
    ]);
    if (!first.ok || !second.ok) throw new Error('sends failed');
    expect(first.flow.id).toBe(second.flow.id);
    await waitFor('both requests', () => server.rec.messages.length === 2);
    expect(new Set(server.rec.messages.map((m) => m.flow.id)).size).toBe(1);
  });

  it('frames two messages from one write and one message split over many writes', async () => {
    const clock = new FakeClock();
    const server = await open({ clock });
    const peer = await rawPeer(server.transport.local.port);
    const one = sipRequest('one', 'v=0\r\n');
    const two = sipRequest('two');
    peer.socket.write(concat(one, two));
    await waitFor('two messages', () => server.rec.messages.length === 2);
    expect(server.rec.messages.map((m) => text(m.bytes))).toEqual([text(one), text(two)]);

    const three = sipRequest('three', 'v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\n');
    for (let at = 0; at < three.length; at += 7) await writeAndYield(peer.socket, three.subarray(at, at + 7));
    await waitFor('the split message', () => server.rec.messages[2]);
    expect(text(server.rec.messages[2]!.bytes)).toBe(text(three));
    expect(server.rec.messages.every((m) => m.flow.id === server.rec.messages[0]!.flow.id)).toBe(true);
  });

  it('answers a CRLFCRLF ping on a trusted connection with exactly one CRLF and reports it', async () => {
    const clock = new FakeClock();
    const server = await open({ clock });
    const peer = await rawPeer(server.transport.local.port);
    peer.socket.write(sipRequest('before-ping'));
    await waitFor('the request that makes it trusted', () => server.rec.messages[0]);
    peer.socket.write('\r\n\r\n');
    await waitFor('the ping answer', () => peer.received().length >= 2);
    await waitFor('the keep-alive event', () => server.rec.keepAlives[0]);
    peer.socket.write(sipRequest('after-ping'));
    await waitFor('the request after the ping', () => server.rec.messages[1]);
    expect(peer.received()).toBe('\r\n');
    expect(server.rec.keepAlives.map((k) => k.kind)).toEqual(['ping']);
    expect(server.rec.keepAlives[0]!.flow.id).toBe(server.rec.messages[0]!.flow.id);
    expect(text(server.rec.messages[1]!.bytes)).toBe(text(sipRequest('after-ping')));
  });

  it('gives a stranger no pong: neither before its first request nor after one the policy refused', async () => {
    const clock = new FakeClock();
    const server = await open({ clock, passes: () => false });
    const peer = await rawPeer(server.transport.local.port);
    peer.socket.write('\r\n\r\n');
    peer.socket.write(sipRequest('refused'));
    await waitFor('the refused request', () => server.rec.messages[0]);
    peer.socket.write('\r\n\r\n');
    peer.socket.write(sipRequest('refused-again'));
    await waitFor('the second refused request, behind the ping', () => server.rec.messages[1]);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(peer.received()).toBe('');
    expect(server.rec.keepAlives).toEqual([]);
    expect(peer.closed()).toBe(false);
  });

  it('trusts a connection the peer opened once we pick it for a request of ours to that peer (pongs from then on), not for a response', async () => {
    const clock = new FakeClock();
    const server = await open({ clock, passes: () => false });
    const peer = await rawPeer(server.transport.local.port);
    peer.socket.write(sipRequest('refused'));
    const flow = (await waitFor('the refused request', () => server.rec.messages[0])).flow;
    const back = { protocol: 'tcp' as const, host: flow.remote.host, port: flow.remote.port };
    expect((await server.transport.send(sipResponse('an answer'), back)).ok).toBe(true);
    peer.socket.write('\r\n\r\n');
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(peer.received()).toBe(text(sipResponse('an answer'))); // no pong: answering it trusted nothing
    expect(server.rec.keepAlives).toEqual([]);
    const sent = await server.transport.send(sipRequest('ours'), back);
    expect(sent.ok && sent.flow.id).toBe(flow.id);
    peer.socket.write('\r\n\r\n');
    await waitFor('the ping, answered now', () => server.rec.keepAlives[0]);
    expect(server.rec.keepAlives.map((k) => k.kind)).toEqual(['ping']);
    await waitFor('the pong', () => peer.received().endsWith('\r\n') && peer.received().length > text(sipResponse('an answer')).length + text(sipRequest('ours')).length);
  });

  it('closes a garbled stream (no end of headers within 65535 bytes) with streamError and keeps serving', async () => {
    const clock = new FakeClock();
    const server = await open({ clock });
    const peer = await rawPeer(server.transport.local.port);
    peer.socket.write('INVITE sip:x SIP/2.0\r\n' + 'X'.repeat(70_000));
    await waitFor('the connection to close', () => peer.closed());
    await waitFor('flowClosed', () => server.rec.closed[0]);
    expect(server.rec.streamErrors).toHaveLength(1);
    expect(server.rec.streamErrors[0]!.error.code).toBe('FRAME_TOO_LARGE');
    expect(server.rec.closed[0]!.id).toBe(server.rec.streamErrors[0]!.flow.id);
    // It never sent one SIP message: no warning of its own, a line in the minute's summary instead.
    expect(server.logger.lines.filter((l) => l.startsWith('warn ') || l.startsWith('info '))).toEqual([expect.stringMatching(/^info listening /)]);
    expect(server.logger.lines.some((l) => l.includes('debug connectionClosed') && l.includes('reason="garbled FRAME_TOO_LARGE"'))).toBe(true);
    clock.advance(60_000);
    expect(server.logger.lines.at(-1)).toMatch(/^info connectionsDropped protocol=tcp interval=60s garbled=1 sources=1 topSource=127\.0\.0\.1 /);

    const fresh = await rawPeer(server.transport.local.port);
    fresh.socket.write(sipRequest('after'));
    expect(text((await waitFor('a message on a new connection', () => server.rec.messages[0])).bytes)).toContain('Call-ID: after');
  });

  it('warns once when a peer that sent a SIP message garbles its stream', async () => {
    const clock = new FakeClock();
    const server = await open({ clock });
    const peer = await rawPeer(server.transport.local.port);
    peer.socket.write(sipRequest('first'));
    await waitFor('the request', () => server.rec.messages[0]);
    peer.socket.write('OPTIONS sip:x SIP/2.0\r\nContent-Length: ten\r\n\r\n');
    await waitFor('the connection to close', () => peer.closed());
    await waitFor('flowClosed', () => server.rec.closed[0]);
    expect(server.logger.lines.filter((l) => l.startsWith('warn streamGarbled'))).toHaveLength(1);
    expect(server.logger.lines.some((l) => l.startsWith('info connectionClosed') && l.includes('reason="garbled BAD_CONTENT_LENGTH"'))).toBe(true);
  });

  it('closes a stream with a bad Content-Length', async () => {
    const clock = new FakeClock();
    const server = await open({ clock });
    const peer = await rawPeer(server.transport.local.port);
    peer.socket.write('OPTIONS sip:x SIP/2.0\r\nContent-Length: ten\r\n\r\n');
    await waitFor('the connection to close', () => peer.closed());
    expect(server.rec.streamErrors.map((e) => e.error.code)).toEqual(['BAD_CONTENT_LENGTH']);
  });

  it('closes a connection after idleTimeoutMs without traffic, measured on the injected clock', async () => {
    const clock = new FakeClock();
    const server = await open({ clock, idleTimeoutMs: 1000 });
    const peer = await rawPeer(server.transport.local.port);
    peer.socket.write(sipRequest('idle'));
    await waitFor('the request', () => server.rec.messages[0]);
    clock.advance(999);
    peer.socket.write('\r\n\r\n'); // traffic at t=999 restarts the idle period
    await waitFor('the ping', () => server.rec.keepAlives[0]);
    clock.advance(999);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(peer.closed()).toBe(false);
    expect(server.rec.closed).toHaveLength(0);
    clock.advance(1);
    await waitFor('the idle connection to close', () => peer.closed());
    await waitFor('flowClosed', () => server.rec.closed[0]);
    expect(server.rec.closed[0]!.id).toBe(server.rec.messages[0]!.flow.id);
    expect(server.logger.lines.some((l) => l.includes('connectionClosed') && l.includes('reason=idle'))).toBe(true);
  });

  it('keeps connections forever with idleTimeoutMs 0', async () => {
    const clock = new FakeClock();
    const server = await open({ clock, idleTimeoutMs: 0 });
    const peer = await rawPeer(server.transport.local.port);
    peer.socket.write(sipRequest('forever'));
    await waitFor('the request', () => server.rec.messages[0]);
    expect(clock.pending).toBe(0);
  });

  it('returns CONNECT_FAILED for a closed port', async () => {
    const clock = new FakeClock();
    const client = await open({ clock, listen: false });
    const result = await client.transport.send(sipRequest('x'), { protocol: 'tcp', host: '127.0.0.1', port: await closedTcpPort() });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe('CONNECT_FAILED');
      expect(result.error.message).toContain('ECONNREFUSED');
    }
  });

  it('writes keep-alives on an open flow and reports FLOW_GONE for an unknown one', async () => {
    const clock = new FakeClock();
    const server = await open({ clock });
    const client = await open({ clock, listen: false });
    const sent = await client.transport.send(sipRequest('ka'), target(server.transport));
    if (!sent.ok) throw sent.error;
    const ping = await client.transport.sendKeepAlive!(sent.flow.id, new TextEncoder().encode('\r\n\r\n'));
    expect(ping.ok).toBe(true);
    await waitFor('the pong back at the client', () => client.rec.keepAlives[0]);
    expect(client.rec.keepAlives[0]).toMatchObject({ kind: 'pong', flow: { id: sent.flow.id } });
    expect(server.rec.keepAlives[0]?.kind).toBe('ping');
    const gone = await client.transport.sendKeepAlive!('tcp:127.0.0.1:1>127.0.0.1:2', new Uint8Array([13, 10]));
    expect(gone).toMatchObject({ ok: false, error: { code: 'FLOW_GONE' } });
  });

  it('close() closes the listener and every connection, reporting flowClosed on both ends', async () => {
    const clock = new FakeClock();
    const server = await open({ clock });
    const client = await open({ clock, listen: false });
    const sent = await client.transport.send(sipRequest('bye'), target(server.transport));
    if (!sent.ok) throw sent.error;
    await waitFor('the request', () => server.rec.messages[0]);
    await server.transport.close();
    expect(server.rec.closed.map((f) => f.id)).toEqual([server.rec.messages[0]!.flow.id]);
    await waitFor('the client to see the close', () => client.rec.closed[0]);
    expect(client.rec.closed[0]!.id).toBe(sent.flow.id);
    const refused = await client.transport.send(sipRequest('again'), target(server.transport));
    expect(refused).toMatchObject({ ok: false, error: { code: 'CONNECT_FAILED' } });
    expect(await server.transport.send(sipRequest('x'), target(client.transport))).toMatchObject({ ok: false, error: { code: 'TRANSPORT_CLOSED' } });
  });

  it('rejects creation with BIND_FAILED when the port is taken', async () => {
    const clock = new FakeClock();
    const server = await open({ clock });
    await expect(open({ clock, port: server.transport.local.port })).rejects.toMatchObject({ code: 'BIND_FAILED' });
  });
});
