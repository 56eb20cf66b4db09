// UDP transport over real loopback sockets: both directions on IPv4 and IPv6, size limit, unreachable peers.
import { createSocket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_UDP_PAYLOAD } from '../../../firmware-app/sip/transport/flows.ts';
import { createUdpTransport } from '../../../firmware-app/sip/transport/udp.ts';
import type { Transport } from '../../../firmware-app/sip/transport/types.ts';
import { memoryLogger, recorder, sipRequest, sipResponse, text, waitFor, type Recorder } from './helpers.ts';

/** Can a UDP socket be bound on `host`? (Containers often have no ::1.) */
function canBind(host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    socket.once('error', () => {
      socket.close();
      resolve(false);
    });
    socket.bind(0, host, () => socket.close(() => resolve(true)));
  });
}

/** A port nothing listens on: bound, read, released. */
function closedUdpPort(): Promise<number> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.bind(0, '127.0.0.1', () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}

const hasIpv6 = await canBind('::1');

const opened: Transport[] = [];

afterEach(async () => {
  await Promise.all(opened.splice(0).map((t) => t.close()));
});

async function open(host: string): Promise<{ transport: Transport; rec: Recorder }> {
  const rec = recorder();
  const transport = await createUdpTransport({ host, port: 0, logger: memoryLogger() }, rec.events);
  opened.push(transport);
  return { transport, rec };
}

function exchangesBothWays(host: string, bracketed: string): () => Promise<void> {
  return async () => {
    const a = await open(host);
    const b = await open(host);
    expect(a.transport).toMatchObject({ protocol: 'udp', reliable: false, local: { host } });
    expect(a.transport.local.port).toBeGreaterThan(0);

    const sent = await a.transport.send(sipRequest('udp-1'), { protocol: 'udp', host, port: b.transport.local.port });
    expect(sent).toEqual({
      ok: true,
      flow: {
        id: `udp:${bracketed}:${a.transport.local.port}>${bracketed}:${b.transport.local.port}`,
        protocol: 'udp',
        local: a.transport.local,
        remote: { host, port: b.transport.local.port },
      },
    });
    const request = await waitFor('the request at b', () => b.rec.messages[0]);
    expect(text(request.bytes)).toBe(text(sipRequest('udp-1')));
    expect(request.source).toEqual(a.transport.local);
    expect(request.flow.id).toBe(`udp:${bracketed}:${b.transport.local.port}>${bracketed}:${a.transport.local.port}`);

    const answered = await b.transport.send(sipResponse('udp-1'), { protocol: 'udp', ...request.source }, request.flow.id);
    expect(answered.ok).toBe(true);
    const response = await waitFor('the response at a', () => a.rec.messages[0]);
    expect(text(response.bytes)).toBe(text(sipResponse('udp-1')));
    expect(response.source).toEqual(b.transport.local);
  };
}

describe('UDP transport', () => {
  it('exchanges a message both ways over IPv4', exchangesBothWays('127.0.0.1', '127.0.0.1'));

  it.skipIf(!hasIpv6)('exchanges a message both ways over IPv6 (skipped when ::1 cannot be bound here)', exchangesBothWays('::1', '[::1]'));

  it('delivers a datagram bigger than an Ethernet MTU whole, as a plain Uint8Array', async () => {
    const a = await open('127.0.0.1');
    const b = await open('127.0.0.1');
    const body = 'x'.repeat(8000);
    expect((await a.transport.send(sipRequest('big', body), { protocol: 'udp', host: '127.0.0.1', port: b.transport.local.port })).ok).toBe(true);
    const got = await waitFor('the datagram', () => b.rec.messages[0]);
    expect(got.bytes.length).toBe(sipRequest('big', body).length);
    expect(Object.getPrototypeOf(got.bytes)).toBe(Uint8Array.prototype);
  });

  it('fails a send over 65507 bytes as a MESSAGE_TOO_LARGE result', async () => {
    const a = await open('127.0.0.1');
    const result = await a.transport.send(new Uint8Array(MAX_UDP_PAYLOAD + 1), { protocol: 'udp', host: '127.0.0.1', port: 9 });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('MESSAGE_TOO_LARGE');
  });

  it('sends to a closed port without throwing and keeps working', async () => {
    const a = await open('127.0.0.1');
    const b = await open('127.0.0.1');
    const closedPort = await closedUdpPort();
    // Unconnected UDP cannot know the port is closed: the send succeeds and the ICMP error is ignored.
    expect((await a.transport.send(sipRequest('lost'), { protocol: 'udp', host: '127.0.0.1', port: closedPort })).ok).toBe(true);
    expect((await a.transport.send(sipRequest('lost-2'), { protocol: 'udp', host: '127.0.0.1', port: closedPort })).ok).toBe(true);
    await a.transport.send(sipRequest('after'), { protocol: 'udp', host: '127.0.0.1', port: b.transport.local.port });
    expect(text((await waitFor('the later datagram', () => b.rec.messages[0])).bytes)).toContain('Call-ID: after');
  });

  it('turns a send that Node rejects synchronously (bad port) into a SEND_FAILED result', async () => {
    const a = await open('127.0.0.1');
    const result = await a.transport.send(sipRequest('x'), { protocol: 'udp', host: '127.0.0.1', port: 70000 });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('SEND_FAILED');
  });

  it('ignores datagrams made only of CRLF keep-alives', async () => {
    const a = await open('127.0.0.1');
    const b = await open('127.0.0.1');
    const target = { protocol: 'udp', host: '127.0.0.1', port: b.transport.local.port } as const;
    await a.transport.send(new TextEncoder().encode('\r\n\r\n'), target);
    await a.transport.send(sipRequest('real'), target);
    await waitFor('the real datagram', () => b.rec.messages[0]);
    expect(b.rec.messages).toHaveLength(1);
    expect(text(b.rec.messages[0]!.bytes)).toContain('Call-ID: real');
  });

  it('rejects creation with BIND_FAILED when the port is taken, and sends fail after close', async () => {
    const a = await open('127.0.0.1');
    await expect(createUdpTransport({ host: '127.0.0.1', port: a.transport.local.port, logger: memoryLogger() }, recorder().events)).rejects.toMatchObject({
      code: 'BIND_FAILED',
    });
    await a.transport.close();
    const result = await a.transport.send(sipRequest('x'), { protocol: 'udp', host: '127.0.0.1', port: 9 });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('TRANSPORT_CLOSED');
    await a.transport.close(); // idempotent
  });
});
