// The RTP/RTCP socket driver on real UDP sockets, loopback only, binding on demand: even/odd pairs inside the range,
// taken ports skipped, exhaustion, release on close, datagrams both ways on the right socket, send errors that never
// throw. The spare pair kept bound ahead: udpMediaPorts.spare.test.ts.

import { afterEach, describe, expect, it } from 'vitest';
import { DoorbellError } from '../../firmware-app/errors.ts';
import type { MediaReceivers, MediaSocketPair } from '../../firmware-app/media/ports.ts';
import type { Endpoint } from '../../firmware-app/media/rtp/RtpLatch.ts';
import { createUdpMediaPorts } from '../../firmware-app/platform/udpMediaPorts.ts';
import { collectingLogger } from '../media/support/mediaRig.ts';
import { evenRange, HOST, udpRig } from './support/udpRig.ts';

const rig = udpRig();
afterEach(() => rig.cleanup());
const { bindPlain } = rig;

/** Ports bound on demand (no spare ahead): which pair a call gets is then up to `random` alone. */
function ports(r: { min: number; max: number }, random: () => number = () => 0) {
  const logger = collectingLogger();
  return { logger, media: createUdpMediaPorts({ ...r, listenHost: HOST, logger, random, spare: false }) };
}

interface Arrival {
  readonly kind: 'rtp' | 'rtcp';
  readonly bytes: Uint8Array;
  readonly from: Endpoint;
}

/** Receivers that collect arrivals; `next()` resolves with the next one or rejects after 2 s. */
function collector(): MediaReceivers & { next(): Promise<Arrival> } {
  const arrived: Arrival[] = [];
  const waiting: ((a: Arrival) => void)[] = [];
  const push = (a: Arrival) => {
    const w = waiting.shift();
    if (w !== undefined) w(a);
    else arrived.push(a);
  };
  return {
    rtp: (bytes, from) => push({ kind: 'rtp', bytes, from }),
    rtcp: (bytes, from) => push({ kind: 'rtcp', bytes, from }),
    next: () => {
      const ready = arrived.shift();
      if (ready !== undefined) return Promise.resolve(ready);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no datagram within 2 s')), 2000);
        waiting.push((a) => {
          clearTimeout(timer);
          resolve(a);
        });
      });
    },
  };
}

const open = (media: ReturnType<typeof ports>['media'], receivers: MediaReceivers = collector()): Promise<MediaSocketPair> => rig.open(media, receivers);

describe('createUdpMediaPorts', () => {
  it('hands out even RTP ports with RTCP on the odd one above, inside the range, each pair bound', async () => {
    const r = await evenRange(8);
    const { media } = ports(r, Math.random);
    const pairs = [await open(media), await open(media), await open(media), await open(media)];
    const numbers = pairs.map((p) => p.port).sort((a, b) => a - b);
    expect(numbers).toEqual([r.min, r.min + 2, r.min + 4, r.min + 6]);
    expect(media.inUse).toBe(4);
    // Both sockets of a pair are really bound: binding either port again fails.
    await expect(bindPlain(pairs[0]!.port)).rejects.toMatchObject({ code: 'EADDRINUSE' });
    await expect(bindPlain(pairs[0]!.port + 1)).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });

  it('an odd minimum starts at the next even port; a range too small for one pair has none', async () => {
    const r = await evenRange(6);
    const odd = ports({ min: r.min + 1, max: r.min + 5 });
    expect((await open(odd.media)).port).toBe(r.min + 2);
    const none = ports({ min: r.min, max: r.min });
    await expect(none.media.open(HOST, collector())).rejects.toMatchObject({ code: 'RTP_PORTS_EXHAUSTED' });
  });

  it('skips a pair whose RTP or RTCP port another program holds', async () => {
    const r = await evenRange(6);
    await bindPlain(r.min + 1); // the first pair's RTCP port
    const { media } = ports(r);
    expect((await open(media)).port).toBe(r.min + 2);
    await bindPlain(r.min + 4); // the third pair's RTP port
    await expect(open(media)).rejects.toMatchObject({ code: 'RTP_PORTS_EXHAUSTED' });
    expect(media.inUse).toBe(1);
  });

  it('exhausting the range rejects with RTP_PORTS_EXHAUSTED; close releases a pair, which can be opened again', async () => {
    const r = await evenRange(4);
    const { media } = ports(r);
    const first = await open(media);
    await open(media);
    const refused = await media.open(HOST, collector()).then(() => undefined, (error: unknown) => error);
    expect(refused).toBeInstanceOf(DoorbellError);
    expect(refused).toMatchObject({ code: 'RTP_PORTS_EXHAUSTED' });
    first.close();
    first.close(); // twice is harmless
    expect(media.inUse).toBe(1);
    const again = await open(media);
    expect(again.port).toBe(first.port);
    expect(media.inUse).toBe(2);
  });

  it('datagrams to the RTP port reach rtp(), to the RTCP port rtcp(), with the sender\'s address; sends reach the target', async () => {
    const r = await evenRange(2);
    const { media } = ports(r);
    const receivers = collector();
    const pair = await open(media, receivers);
    const peer = await bindPlain();
    const peerPort = peer.address().port;
    peer.send(Uint8Array.of(0x80, 0, 0, 1), pair.port, HOST);
    const rtp = await receivers.next();
    expect(rtp).toMatchObject({ kind: 'rtp', from: { address: HOST, port: peerPort } });
    expect(Array.from(rtp.bytes)).toEqual([0x80, 0, 0, 1]);
    peer.send(Uint8Array.of(0x81, 201, 0, 0), pair.port + 1, HOST);
    expect(await receivers.next()).toMatchObject({ kind: 'rtcp', from: { address: HOST, port: peerPort } });
    const got = new Promise<{ bytes: Buffer; port: number }>((resolve) => peer.once('message', (bytes, info) => resolve({ bytes, port: info.port })));
    pair.sendRtcp(Uint8Array.of(9, 8, 7), { address: HOST, port: peerPort });
    const back = await got;
    expect([...back.bytes]).toEqual([9, 8, 7]);
    expect(back.port).toBe(pair.port + 1);
    const gotRtp = new Promise<number>((resolve) => peer.once('message', (_bytes, info) => resolve(info.port)));
    pair.sendRtp(Uint8Array.of(1), { address: HOST, port: peerPort });
    expect(await gotRtp).toBe(pair.port);
  });

  it('a receiver that throws costs its datagram, never the process: logged once, later ones counted at close', async () => {
    const r = await evenRange(2);
    const { media, logger } = ports(r);
    const good = collector();
    let calls = 0;
    const pair = await open(media, {
      rtp: (bytes, from) => {
        calls++;
        if (calls <= 3) throw new Error('a bug in the media path');
        good.rtp(bytes, from);
      },
      rtcp: good.rtcp,
    });
    const peer = await bindPlain();
    for (let i = 0; i < 4; i++) peer.send(Uint8Array.of(0x80, 0, 0, i), pair.port, HOST);
    expect(Array.from((await good.next()).bytes)).toEqual([0x80, 0, 0, 3]);
    expect(logger.lines.filter((l) => l.event === 'rtpReceiveFailed')).toHaveLength(1);
    pair.close();
    expect(logger.lines.filter((l) => l.event === 'rtpReceiveFailures').map((l) => l.fields.count)).toEqual([3]);
  });

  it('send errors never throw: bad port, unresolvable name, wrong family, after close; logged once, counted at close', async () => {
    const r = await evenRange(2);
    const { media, logger } = ports(r);
    const pair = await open(media);
    expect(() => pair.sendRtp(Uint8Array.of(1), { address: HOST, port: 0 })).not.toThrow();
    expect(() => pair.sendRtp(Uint8Array.of(1), { address: HOST, port: 70_000 })).not.toThrow();
    expect(() => pair.sendRtcp(Uint8Array.of(1), { address: '::1', port: 9 })).not.toThrow();
    expect(() => pair.sendRtp(Uint8Array.of(1), { address: 'no-such-host.invalid', port: 9 })).not.toThrow();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(logger.lines.filter((l) => l.event === 'rtpSocketError')).toHaveLength(1);
    pair.close();
    expect(() => pair.sendRtp(Uint8Array.of(1), { address: HOST, port: 9 })).not.toThrow();
    expect(logger.lines.find((l) => l.event === 'rtpSocketErrors')?.fields.count).toBeGreaterThanOrEqual(2);
  });
});
