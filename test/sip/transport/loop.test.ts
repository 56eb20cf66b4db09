// Loop network: in-memory delivery with flows, and the drop / delay / fail knobs tests rely on.
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../firmware-app/platform/FakeClock.ts';
import { createLoopNetwork, type LoopPacket } from '../../../firmware-app/sip/transport/loop.ts';
import { flush, recorder, sipRequest, sipResponse, text } from './helpers.ts';

const udp = (host: string, port: number) => ({ protocol: 'udp', host, port }) as const;
const tcp = (host: string, port: number) => ({ protocol: 'tcp', host, port }) as const;

describe('loop network', () => {
  it('delivers UDP datagrams by address, asynchronously, with UDP flows both ways', async () => {
    const network = createLoopNetwork();
    const door = recorder();
    const pbx = recorder();
    const a = network.transport({ host: '10.0.0.2', port: 5060, protocol: 'udp' }, door.events);
    const b = network.transport({ host: '10.0.0.1', port: 5060, protocol: 'udp' }, pbx.events);
    expect(a).toMatchObject({ protocol: 'udp', reliable: false, local: { host: '10.0.0.2', port: 5060 } });

    const sending = a.send(sipRequest('loop-1'), udp('10.0.0.1', 5060));
    expect(pbx.messages).toHaveLength(0); // never inside send
    expect(await sending).toMatchObject({ ok: true, flow: { id: 'udp:10.0.0.2:5060>10.0.0.1:5060' } });
    await flush();
    expect(pbx.messages).toHaveLength(1);
    expect(pbx.messages[0]).toMatchObject({ source: { host: '10.0.0.2', port: 5060 }, flow: { id: 'udp:10.0.0.1:5060>10.0.0.2:5060' } });
    expect(text(pbx.messages[0]!.bytes)).toBe(text(sipRequest('loop-1')));

    await b.send(sipResponse('loop-1'), udp('10.0.0.2', 5060));
    await flush();
    expect(text(door.messages[0]!.bytes)).toBe(text(sipResponse('loop-1')));
  });

  it('logs every send with its bytes and outcome, and taps it through onSend', async () => {
    const network = createLoopNetwork();
    const a = network.transport({ host: '10.0.0.2', port: 0, protocol: 'udp' }, recorder().events);
    network.transport({ host: '10.0.0.1', port: 5060, protocol: 'udp' }, recorder().events);
    expect(a.local.port).toBe(49152);
    const tapped: LoopPacket[] = [];
    const stop = network.onSend((packet) => tapped.push(packet));
    const bytes = sipRequest('wire');
    await a.send(bytes, udp('10.0.0.1', 5060));
    bytes[0] = 0; // the log keeps a copy
    await a.send(sipRequest('nobody'), udp('10.0.0.9', 5060));
    stop();
    await a.send(sipRequest('untapped'), udp('10.0.0.1', 5060));
    expect(network.sent.map((p) => p.outcome)).toEqual(['delivered', 'unreachable', 'delivered']);
    expect(tapped).toHaveLength(2);
    expect(text(network.sent[0]!.bytes)).toBe(text(sipRequest('wire')));
    expect(network.sent[0]).toMatchObject({ protocol: 'udp', from: { host: '10.0.0.2', port: 49152 }, to: { host: '10.0.0.1', port: 5060 } });
  });

  it('dropNext(n) loses exactly the next n packets of that transport, reporting success', async () => {
    const network = createLoopNetwork();
    const door = recorder();
    const pbx = recorder();
    const a = network.transport({ host: '10.0.0.2', port: 5060, protocol: 'udp' }, door.events);
    const b = network.transport({ host: '10.0.0.1', port: 5060, protocol: 'udp' }, pbx.events);
    a.dropNext(2);
    for (const id of ['1', '2', '3']) expect((await a.send(sipRequest(id), udp('10.0.0.1', 5060))).ok).toBe(true);
    await b.send(sipResponse('x'), udp('10.0.0.2', 5060)); // the knob is per sender
    await flush();
    expect(pbx.messages.map((m) => text(m.bytes).match(/Call-ID: (\S+)/)![1])).toEqual(['3']);
    expect(door.messages).toHaveLength(1);
    expect(network.sent.map((p) => p.outcome)).toEqual(['dropped', 'dropped', 'delivered', 'delivered']);
  });

  it('delay(ms) delivers after ms on the network clock', async () => {
    const clock = new FakeClock();
    const network = createLoopNetwork({ clock });
    const pbx = recorder();
    const a = network.transport({ host: '10.0.0.2', port: 5060, protocol: 'udp' }, recorder().events);
    network.transport({ host: '10.0.0.1', port: 5060, protocol: 'udp' }, pbx.events);
    a.delay(250);
    await a.send(sipRequest('slow'), udp('10.0.0.1', 5060));
    await flush();
    clock.advance(249);
    expect(pbx.messages).toHaveLength(0);
    clock.advance(1);
    expect(pbx.messages).toHaveLength(1);
    a.delay(0);
    await a.send(sipRequest('fast'), udp('10.0.0.1', 5060));
    await flush();
    expect(pbx.messages).toHaveLength(2);
  });

  it('refuses delay without a clock', () => {
    const a = createLoopNetwork().transport({ host: '10.0.0.2', port: 5060, protocol: 'udp' }, recorder().events);
    expect(() => a.delay(10)).toThrow(expect.objectContaining({ code: 'LOOP_NEEDS_CLOCK' }));
  });

  it('failNextSend(code) fails exactly the next send with that code and puts nothing on the wire', async () => {
    const network = createLoopNetwork();
    const pbx = recorder();
    const a = network.transport({ host: '10.0.0.2', port: 5060, protocol: 'tcp' }, recorder().events);
    network.transport({ host: '10.0.0.1', port: 5060, protocol: 'tcp' }, pbx.events);
    a.failNextSend('CONNECT_TIMEOUT');
    a.failNextSend();
    expect(await a.send(sipRequest('1'), tcp('10.0.0.1', 5060))).toMatchObject({ ok: false, error: { code: 'CONNECT_TIMEOUT' } });
    expect(await a.send(sipRequest('2'), tcp('10.0.0.1', 5060))).toMatchObject({ ok: false, error: { code: 'SEND_FAILED' } });
    expect((await a.send(sipRequest('3'), tcp('10.0.0.1', 5060))).ok).toBe(true);
    await flush();
    expect(pbx.messages).toHaveLength(1);
    expect(network.sent.map((p) => p.outcome)).toEqual(['failed', 'failed', 'delivered']);
  });

  it('gives TCP one connection per pair, reused both ways, with flowClosed on both ends when it breaks', async () => {
    const network = createLoopNetwork();
    const door = recorder();
    const pbx = recorder();
    const a = network.transport({ host: '10.0.0.2', port: 5060, protocol: 'tcp' }, door.events);
    const b = network.transport({ host: '10.0.0.1', port: 5060, protocol: 'tcp' }, pbx.events);
    expect(a.reliable).toBe(true);
    const sent = await a.send(sipRequest('t'), tcp('10.0.0.1', 5060));
    if (!sent.ok) throw sent.error;
    await flush();
    const inbound = pbx.messages[0]!;
    expect(inbound.flow.id).toBe('tcp:10.0.0.1:5060>10.0.0.2:5060');
    expect(await b.send(sipResponse('t'), tcp('10.0.0.9', 1), inbound.flow.id)).toMatchObject({ ok: true, flow: { id: inbound.flow.id } });
    await flush();
    expect(door.messages[0]!.flow.id).toBe(sent.flow.id);

    b.closeFlow(inbound.flow.id);
    await flush();
    expect(door.closed.map((f) => f.id)).toEqual([sent.flow.id]);
    expect(pbx.closed.map((f) => f.id)).toEqual([inbound.flow.id]);
    expect(await b.sendKeepAlive!(inbound.flow.id, new Uint8Array([13, 10]))).toMatchObject({ ok: false, error: { code: 'FLOW_GONE' } });
  });

  it('answers a CRLFCRLF keep-alive ping with a pong on loop streams', async () => {
    const network = createLoopNetwork();
    const door = recorder();
    const pbx = recorder();
    const a = network.transport({ host: '10.0.0.2', port: 5060, protocol: 'tls' }, door.events);
    network.transport({ host: '10.0.0.1', port: 5061, protocol: 'tls' }, pbx.events);
    const sent = await a.send(sipRequest('k'), { protocol: 'tls', host: '10.0.0.1', port: 5061, serverName: 'pbx.test' });
    if (!sent.ok) throw sent.error;
    expect((await a.sendKeepAlive!(sent.flow.id, new TextEncoder().encode('\r\n\r\n'))).ok).toBe(true);
    await flush();
    expect(pbx.keepAlives.map((k) => k.kind)).toEqual(['ping']);
    expect(door.keepAlives).toMatchObject([{ kind: 'pong', flow: { id: sent.flow.id } }]);
  });

  it('refuses streams to nobody, oversize datagrams, taken addresses and sends after close', async () => {
    const network = createLoopNetwork();
    const door = recorder();
    const t = network.transport({ host: '10.0.0.2', port: 5060, protocol: 'tcp' }, door.events);
    const u = network.transport({ host: '10.0.0.2', port: 5060, protocol: 'udp' }, recorder().events);
    const pbx = network.transport({ host: '10.0.0.1', port: 5060, protocol: 'tcp' }, recorder().events);
    expect(await t.send(sipRequest('x'), tcp('10.0.0.9', 5060))).toMatchObject({ ok: false, error: { code: 'CONNECT_FAILED' } });
    expect(await u.send(new Uint8Array(65508), udp('10.0.0.1', 5060))).toMatchObject({ ok: false, error: { code: 'MESSAGE_TOO_LARGE' } });
    expect(() => network.transport({ host: '10.0.0.2', port: 5060, protocol: 'udp' }, recorder().events)).toThrow(
      expect.objectContaining({ code: 'ADDRESS_IN_USE' }),
    );
    expect((await t.send(sipRequest('y'), tcp('10.0.0.1', 5060))).ok).toBe(true);
    await pbx.close();
    await flush();
    expect(door.closed).toHaveLength(1); // the peer closing breaks the connection
    await t.close();
    expect(await t.send(sipRequest('z'), tcp('10.0.0.1', 5060))).toMatchObject({ ok: false, error: { code: 'TRANSPORT_CLOSED' } });
  });
});
