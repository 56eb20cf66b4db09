// The spare pair the RTP/RTCP driver keeps bound ahead, on real UDP sockets, loopback only: a call takes it at once and
// hears only what arrives after, a new spare follows, the spare counts toward the range, and it never leaks: calls
// that come and go keep at most one, and close() frees every port of the range, a spare still being bound included.

import { afterEach, describe, expect, it } from 'vitest';
import type { MediaReceivers, MediaSocketPair } from '../../firmware-app/media/ports.ts';
import { type UdpMediaPorts, createUdpMediaPorts } from '../../firmware-app/platform/udpMediaPorts.ts';
import { collectingLogger } from '../media/support/mediaRig.ts';
import { evenRange, HOST, sleep, udpRig, until } from './support/udpRig.ts';

const rig = udpRig();
afterEach(() => rig.cleanup());
const { bindPlain } = rig;

/** `pairs` free pairs in a row on loopback, starting on an even port; a driver over them with its spare. */
async function driver(pairs: number): Promise<{ media: UdpMediaPorts; ports: number[] }> {
  const { min, max } = await evenRange(pairs * 2);
  const media = rig.track(createUdpMediaPorts({ min, max, listenHost: HOST, logger: collectingLogger() }));
  return { media, ports: Array.from({ length: pairs * 2 }, (_, i) => min + i) };
}

/** Receivers that keep the text of each datagram in order. */
function inbox(): MediaReceivers & { readonly texts: string[] } {
  const texts: string[] = [];
  const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
  return { texts, rtp: (bytes) => void texts.push(`rtp ${text(bytes)}`), rtcp: (bytes) => void texts.push(`rtcp ${text(bytes)}`) };
}

const open = (media: UdpMediaPorts, receivers: MediaReceivers = inbox()): Promise<MediaSocketPair> => rig.open(media, receivers);

/** Whether every port is free now (each bound and let go again). */
async function allFree(ports: readonly number[]): Promise<boolean> {
  for (const port of ports) {
    const socket = await bindPlain(port).catch(() => undefined);
    if (socket === undefined) return false;
    rig.letGo(socket);
  }
  return true;
}

describe('createUdpMediaPorts: the spare pair', () => {
  it('is bound ahead; a call takes it at once, hears only what arrives after, and a new spare follows', async () => {
    const { media } = await driver(3);
    await until(() => media.sparePort !== undefined, 'a spare bound');
    const spare = media.sparePort!;
    await expect(bindPlain(spare)).rejects.toMatchObject({ code: 'EADDRINUSE' });
    await expect(bindPlain(spare + 1)).rejects.toMatchObject({ code: 'EADDRINUSE' });
    expect(media.inUse).toBe(0);

    // A datagram to the spare before any call took it belongs to nobody: dropped.
    const far = await bindPlain();
    const witness = await bindPlain();
    const witnessed = new Promise<void>((resolve) => witness.once('message', () => resolve()));
    far.send('early', spare, HOST);
    far.send('ping', witness.address().port, HOST);
    await witnessed;

    const receivers = inbox();
    const pair = await open(media, receivers);
    expect(pair.port).toBe(spare);
    expect(media.inUse).toBe(1);
    far.send('late', spare, HOST);
    far.send('report', spare + 1, HOST);
    await until(() => receivers.texts.length === 2, 'both datagrams delivered');
    expect(receivers.texts).toEqual(['rtp late', 'rtcp report']);

    await until(() => media.sparePort !== undefined, 'the next spare bound');
    expect(media.sparePort).not.toBe(spare);
  });

  it('never leaks: calls that come and go keep one spare at most, and close() frees every port of the range', async () => {
    const { media, ports } = await driver(3);
    for (let call = 0; call < 12; call++) {
      const pair = await open(media);
      expect(media.inUse).toBe(1);
      pair.close();
      expect(media.inUse).toBe(0);
      // Two calls at once: the spare and one bound on demand, or two on demand while the spare is being bound.
      if (call % 4 === 3) {
        const both = await Promise.all([open(media), open(media)]);
        expect(new Set(both.map((p) => p.port)).size).toBe(2);
        for (const p of both) p.close();
      }
    }
    await until(() => media.sparePort !== undefined, 'a spare bound');
    // Every port but the spare's pair is free: nothing else is held.
    const spare = media.sparePort!;
    expect(await allFree(ports.filter((p) => p !== spare && p !== spare + 1))).toBe(true);
    await media.close();
    expect(media.sparePort).toBeUndefined();
    expect(await allFree(ports)).toBe(true);
    // After close a call still gets a pair (bound on demand), and its end binds no new spare.
    const late = await open(media);
    late.close();
    await sleep(20);
    expect(media.sparePort).toBeUndefined();
    expect(await allFree(ports)).toBe(true);
  });

  it('close() while the spare is being bound waits for it: the pair is closed as it lands, no socket is left behind', async () => {
    const { min } = await evenRange(4);
    let closing: Promise<void> | undefined;
    // The driver asks `random` where to start its search as the spare's bind begins: close it right then.
    const media: UdpMediaPorts = rig.track(createUdpMediaPorts({ min, max: min + 3, listenHost: HOST, logger: collectingLogger(), random: () => {
      closing ??= media.close();
      return 0;
    } }));
    await until(() => closing !== undefined, 'the spare\'s bind begun');
    await closing; // resolves once the pair that was being bound has landed and been closed
    const ports = [min, min + 1, min + 2, min + 3];
    expect(await allFree(ports)).toBe(true);
    await sleep(20);
    expect(media.sparePort).toBeUndefined();
    expect(await allFree(ports)).toBe(true);
  });

  it('counts toward the range: with one pair, one call gets it; the next is refused until it is released', async () => {
    const { media, ports } = await driver(1);
    // Asked before the spare is bound, and asked while it is being bound: both get the range's only pair.
    const first = await open(media);
    expect(first.port).toBe(ports[0]);
    await expect(media.open(HOST, inbox())).rejects.toMatchObject({ code: 'RTP_PORTS_EXHAUSTED' });
    first.close();
    const pending = new Promise((resolve) => setImmediate(resolve)).then(() => open(media));
    const second = await pending;
    expect(second.port).toBe(ports[0]);
    second.close();
    await until(() => media.sparePort === ports[0], 'the spare bound again');
    expect((await open(media)).port).toBe(ports[0]);
    expect(media.sparePort).toBeUndefined();
  });
});
