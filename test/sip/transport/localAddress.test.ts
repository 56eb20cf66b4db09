// The address we advertise (ARCHITECTURE.md "Addresses"): never 0.0.0.0, :: or port 0; the kernel's source address
// toward each destination when bound to a wildcard, cached; responses recognised by the sent-bys we handed out.
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../firmware-app/platform/FakeClock.ts';
import { createSystemClock } from '../../../firmware-app/platform/Clock.ts';
import { kernelSourceAddress } from '../../../firmware-app/sip/transport/kernelRoute.ts';
import { LocalAddresses, NO_ROUTE_CACHE_MS, ROUTE_CACHE_MS, isAdvertisable, isWildcardHost } from '../../../firmware-app/sip/transport/localAddress.ts';
import { createTcpTransport } from '../../../firmware-app/sip/transport/tcp.ts';
import { TransportLayer } from '../../../firmware-app/sip/transport/TransportLayer.ts';
import type { Inbound, Transport } from '../../../firmware-app/sip/transport/types.ts';
import { createUdpTransport } from '../../../firmware-app/sip/transport/udp.ts';
import type { SipMessage } from '../../../firmware-app/sip/message/index.ts';
import { makeRequest, makeResponse } from '../../support/sipMessages.ts';
import { memoryLogger, recorder, waitFor } from './helpers.ts';

const opened: Transport[] = [];
afterEach(async () => {
  while (opened.length > 0) await opened.pop()!.close();
});

describe('isWildcardHost / isAdvertisable', () => {
  it('knows every spelling of the wildcard and refuses port 0', () => {
    for (const host of ['0.0.0.0', '::', '[::]', '0:0:0:0:0:0:0:0', '::0', '']) expect(isWildcardHost(host), host).toBe(true);
    for (const host of ['127.0.0.1', '192.168.1.20', '::1', '[2001:db8::1]', 'fe80::1']) expect(isWildcardHost(host), host).toBe(false);
    expect(isAdvertisable({ host: '192.168.1.20', port: 5060 })).toBe(true);
    expect(isAdvertisable({ host: '192.168.1.20', port: 0 })).toBe(false);
    expect(isAdvertisable({ host: '0.0.0.0', port: 5060 })).toBe(false);
  });
});

describe('LocalAddresses', () => {
  it('advertises a specific bound address as it is, without asking the kernel', async () => {
    const asked: string[] = [];
    const addresses = new LocalAddresses({ host: '192.0.2.10', port: 5060 }, (host) => {
      asked.push(host);
      return Promise.resolve('198.51.100.1');
    }, new FakeClock());
    expect(await addresses.toward('203.0.113.5')).toEqual({ host: '192.0.2.10', port: 5060 });
    expect(asked).toEqual([]);
  });

  it('bound to 0.0.0.0: asks the kernel per destination, caches the answer for a minute, then asks again', async () => {
    const clock = new FakeClock();
    const asked: string[] = [];
    let answer = '192.168.1.20';
    const addresses = new LocalAddresses({ host: '0.0.0.0', port: 5060 }, (host) => {
      asked.push(host);
      return Promise.resolve(host.startsWith('10.') ? '10.8.0.2' : answer);
    }, clock);
    expect(await addresses.toward('192.168.1.30')).toEqual({ host: '192.168.1.20', port: 5060 });
    expect(await addresses.toward('10.1.2.3')).toEqual({ host: '10.8.0.2', port: 5060 });
    answer = '192.168.1.99'; // DHCP gave us another address
    expect(await addresses.toward('192.168.1.30')).toEqual({ host: '192.168.1.20', port: 5060 });
    expect(asked).toEqual(['192.168.1.30', '10.1.2.3']);
    clock.advance(ROUTE_CACHE_MS);
    expect(await addresses.toward('192.168.1.30')).toEqual({ host: '192.168.1.99', port: 5060 });
    expect(asked).toEqual(['192.168.1.30', '10.1.2.3', '192.168.1.30']);
  });

  it('remembers "no route" for a second only: an address that comes up later (DHCP after boot) is used at once', async () => {
    const clock = new FakeClock();
    const kernel: { answer?: string } = {};
    const addresses = new LocalAddresses({ host: '0.0.0.0', port: 5060 }, () => Promise.resolve(kernel.answer), clock);
    expect(await addresses.toward('192.168.1.1')).toBeUndefined();
    kernel.answer = '192.168.1.20';
    expect(await addresses.toward('192.168.1.1')).toBeUndefined();
    clock.advance(NO_ROUTE_CACHE_MS);
    expect(await addresses.toward('192.168.1.1')).toEqual({ host: '192.168.1.20', port: 5060 });
  });

  it('has no address when the kernel has no route, answers a wildcard or fails, or the port is 0', async () => {
    const clock = new FakeClock();
    expect(await new LocalAddresses({ host: '0.0.0.0', port: 5060 }, () => Promise.resolve(undefined), clock).toward('192.0.2.1')).toBeUndefined();
    expect(await new LocalAddresses({ host: '::', port: 5060 }, () => Promise.resolve('::'), clock).toward('2001:db8::1')).toBeUndefined();
    expect(await new LocalAddresses({ host: '0.0.0.0', port: 5060 }, () => Promise.reject(new Error('ENETUNREACH')), clock).toward('192.0.2.1')).toBeUndefined();
    expect(await new LocalAddresses({ host: '192.0.2.10', port: 0 }, () => Promise.resolve('192.0.2.10'), clock).toward('192.0.2.1')).toBeUndefined();
  });
});

describe('the real drivers bound to wildcards', () => {
  it('kernelSourceAddress names the loopback address toward loopback, and nothing for a non-address', async () => {
    expect(await kernelSourceAddress('127.0.0.1')).toBe('127.0.0.1');
    expect(await kernelSourceAddress('127.0.0.7')).toBe('127.0.0.1');
    expect(await kernelSourceAddress('::1')).toBe('::1');
    expect(await kernelSourceAddress('not-an-address')).toBeUndefined();
  });

  it('UDP on 0.0.0.0: the address toward a loopback peer is 127.0.0.1 and the bound port', async () => {
    const udp = await createUdpTransport({ host: '0.0.0.0', port: 0, logger: memoryLogger() }, recorder().events);
    opened.push(udp);
    expect(udp.local.host).toBe('0.0.0.0');
    expect(await udp.localAddressFor({ protocol: 'udp', host: '127.0.0.1', port: 5060 })).toEqual({ host: '127.0.0.1', port: udp.local.port });
  });

  it('TCP: a listener on 0.0.0.0 names the connection\'s local host and the listening port; a client-only one its own port', async () => {
    const clock = createSystemClock();
    const server = await createTcpTransport({ host: '127.0.0.1', port: 0, listen: true, clock, logger: memoryLogger() }, recorder().events);
    opened.push(server);
    const target = { protocol: 'tcp' as const, host: '127.0.0.1', port: server.local.port };
    const listening = await createTcpTransport({ host: '0.0.0.0', port: 0, listen: true, clock, logger: memoryLogger() }, recorder().events);
    opened.push(listening);
    expect(await listening.localAddressFor(target)).toEqual({ host: '127.0.0.1', port: listening.local.port });
    const client = await createTcpTransport({ host: '0.0.0.0', port: 0, listen: false, clock, logger: memoryLogger() }, recorder().events);
    opened.push(client);
    const address = await client.localAddressFor(target);
    expect(address?.host).toBe('127.0.0.1');
    expect(address?.port).toBeGreaterThan(0);
    // The same connection carries the message afterwards: its flow has that local address.
    const sent = await client.send(new TextEncoder().encode('\r\n\r\n'), target);
    expect(sent.ok && sent.flow.local).toEqual(address);
    // Nobody listening: no connection, no address.
    expect(await client.localAddressFor({ protocol: 'tcp', host: '127.0.0.1', port: 1 })).toBeUndefined();
  });
});

describe('TransportLayer on 0.0.0.0', () => {
  async function layerOnWildcard(): Promise<{ layer: TransportLayer; udp: Transport; responses: SipMessage[] }> {
    const layer = new TransportLayer(memoryLogger());
    const udp = await createUdpTransport({ host: '0.0.0.0', port: 0, logger: memoryLogger() }, layer.events);
    opened.push(udp);
    layer.add(udp);
    const responses: SipMessage[] = [];
    layer.setUser({ request: () => undefined, response: (response: SipMessage, _inbound: Inbound) => responses.push(response) });
    return { layer, udp, responses };
  }

  it('hands out the real address, and takes a response as ours only when its Via names one we handed out', async () => {
    const { layer, udp, responses } = await layerOnWildcard();
    const peer = await createUdpTransport({ host: '127.0.0.1', port: 0, logger: memoryLogger() }, recorder().events);
    opened.push(peer);
    const toUs = { protocol: 'udp' as const, host: '127.0.0.1', port: udp.local.port };
    const wildcard = makeRequest({ method: 'OPTIONS', sentBy: `0.0.0.0:${udp.local.port}` });
    await peer.send(makeResponse(wildcard, 200).bytes, toUs);
    const local = await layer.localAddress({ protocol: 'udp', host: '127.0.0.1', port: peer.local.port });
    expect(local).toEqual({ host: '127.0.0.1', port: udp.local.port });
    const ours = makeRequest({ method: 'OPTIONS', sentBy: `127.0.0.1:${udp.local.port}` });
    await peer.send(makeResponse(ours, 180).bytes, toUs);
    await waitFor('the response', () => responses.length > 0);
    expect(responses.map((r) => r.status)).toEqual([180]);
    expect(layer.counters.strayResponses).toBe(1);
  });

  it('has no address for a protocol it does not run', async () => {
    const { layer } = await layerOnWildcard();
    expect(await layer.localAddress({ protocol: 'tls', host: '127.0.0.1', port: 5061 })).toBeUndefined();
  });
});
