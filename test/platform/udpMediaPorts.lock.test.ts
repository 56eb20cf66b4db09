// The RTP socket tied to the latched far end (lockRtp), on real UDP sockets, loopback only: the kernel drops strangers'
// RTP once connected, sends reach the peer, a send elsewhere or lockRtp(undefined) frees it, RTCP is never tied.

import { afterEach, describe, expect, it } from 'vitest';
import type { MediaReceivers, MediaSocketPair } from '../../firmware-app/media/ports.ts';
import type { Endpoint } from '../../firmware-app/media/rtp/RtpLatch.ts';
import { createUdpMediaPorts } from '../../firmware-app/platform/udpMediaPorts.ts';
import { collectingLogger } from '../media/support/mediaRig.ts';
import { evenRange, HOST, sleep, udpRig, until } from './support/udpRig.ts';

const rig = udpRig();
afterEach(() => rig.cleanup());

const text = (tag: string): Uint8Array => new TextEncoder().encode(tag);

interface Arrival {
  readonly kind: 'rtp' | 'rtcp';
  readonly tag: string;
  readonly from: Endpoint;
}

/** The pair under test and what reached its receivers, each datagram as the text it carries. */
async function openPair(): Promise<{ pair: MediaSocketPair; arrived: Arrival[]; logger: ReturnType<typeof collectingLogger> }> {
  const { min } = await evenRange(2);
  const logger = collectingLogger();
  const media = createUdpMediaPorts({ min, max: min + 1, listenHost: HOST, logger, random: () => 0, spare: false });
  const arrived: Arrival[] = [];
  const decode = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
  const receivers: MediaReceivers = {
    rtp: (bytes, from) => void arrived.push({ kind: 'rtp', tag: decode(bytes), from }),
    rtcp: (bytes, from) => void arrived.push({ kind: 'rtcp', tag: decode(bytes), from }),
  };
  const pair = await rig.open(media, receivers);
  return { pair, arrived, logger };
}

/** A plain loopback socket (the far end, or a stranger) that keeps what it receives and from which port. */
interface Far {
  readonly endpoint: Endpoint;
  readonly inbox: { readonly tag: string; readonly fromPort: number }[];
  send(tag: string, port: number): void;
  got(tag: string): boolean;
}

async function far(): Promise<Far> {
  const socket = await rig.bindPlain();
  const inbox: Far['inbox'][number][] = [];
  socket.on('message', (bytes, info) => inbox.push({ tag: new TextDecoder().decode(bytes), fromPort: info.port }));
  return {
    endpoint: { address: HOST, port: socket.address().port },
    inbox,
    send: (tag, port) => socket.send(text(tag), port, HOST),
    got: (tag) => inbox.some((m) => m.tag === tag),
  };
}

const rtpTags = (arrived: Arrival[]): string[] => arrived.filter((a) => a.kind === 'rtp').map((a) => a.tag);

/**
 * Waits until the lock's connect is done: while connecting the driver drops RTP to the peer, so the first probe that
 * reaches the peer shows the socket is connected (or was never locked: the tests check filtering separately).
 */
async function connected(pair: MediaSocketPair, peer: Far): Promise<void> {
  let probes = 0;
  await until(() => {
    if (peer.inbox.some((m) => m.tag.startsWith('probe-'))) return true;
    pair.sendRtp(text(`probe-${probes++}`), peer.endpoint);
    return false;
  }, 'the lock connected');
}

/**
 * `stranger` sends `tag` to the RTP port, then `witness` (whose RTP the socket accepts) sends a marker after it; once
 * the marker arrived, the stranger's datagram had its chance (loopback delivers one sender's datagrams in order into
 * the receiver's queue before the next send returns). True when the stranger's datagram was delivered.
 */
async function strangerDelivered(pair: MediaSocketPair, arrived: Arrival[], stranger: Far, witness: Far, tag: string): Promise<boolean> {
  stranger.send(tag, pair.port);
  const marker = `${tag}-marker`;
  witness.send(marker, pair.port);
  await until(() => rtpTags(arrived).includes(marker), `the marker after ${tag}`);
  await sleep(5);
  return rtpTags(arrived).includes(tag);
}

describe('udpMediaPorts: lockRtp ties the RTP socket to the far end', () => {
  it('once connected, strangers\' RTP is dropped by the kernel and the peer\'s delivered; sendRtp reaches the peer from the RTP port', async () => {
    const { pair, arrived } = await openPair();
    const peer = await far();
    const stranger = await far();
    // Before the lock a stranger's RTP is delivered (what the lock is to change).
    expect(await strangerDelivered(pair, arrived, stranger, peer, 'before')).toBe(true);
    pair.lockRtp(peer.endpoint);
    await connected(pair, peer);
    expect(await strangerDelivered(pair, arrived, stranger, peer, 'locked-1')).toBe(false);
    expect(await strangerDelivered(pair, arrived, stranger, peer, 'locked-2')).toBe(false);
    expect(arrived.filter((a) => a.tag === 'locked-1-marker')).toEqual([{ kind: 'rtp', tag: 'locked-1-marker', from: peer.endpoint }]);
    pair.sendRtp(text('to-peer'), peer.endpoint);
    await until(() => peer.got('to-peer'), 'the RTP to the peer');
    expect(peer.inbox.find((m) => m.tag === 'to-peer')?.fromPort).toBe(pair.port);
    expect(stranger.inbox).toEqual([]);
  });

  it('while the connect is pending an RTP packet to the peer is dropped (one frame), later ones go out', async () => {
    const { pair } = await openPair();
    const peer = await far();
    pair.lockRtp(peer.endpoint);
    pair.sendRtp(text('while-connecting'), peer.endpoint);
    await connected(pair, peer);
    pair.sendRtp(text('after'), peer.endpoint);
    await until(() => peer.got('after'), 'the RTP after the connect');
    expect(peer.got('while-connecting')).toBe(false);
  });

  it('sendRtp to another endpoint unlocks and arrives there; strangers are delivered again', async () => {
    const { pair, arrived } = await openPair();
    const peer = await far();
    const other = await far();
    const stranger = await far();
    pair.lockRtp(peer.endpoint);
    await connected(pair, peer);
    expect(await strangerDelivered(pair, arrived, stranger, peer, 'locked')).toBe(false);
    pair.sendRtp(text('to-other'), other.endpoint);
    await until(() => other.got('to-other'), 'the RTP to the other endpoint');
    expect(other.inbox).toEqual([{ tag: 'to-other', fromPort: pair.port }]);
    expect(await strangerDelivered(pair, arrived, stranger, peer, 'unlocked')).toBe(true);
    expect(arrived.find((a) => a.tag === 'unlocked')?.from).toEqual(stranger.endpoint);
    // Unlocked, sends to the old peer go out at once (no connect, nothing dropped).
    pair.sendRtp(text('to-peer-again'), peer.endpoint);
    await until(() => peer.got('to-peer-again'), 'the RTP to the old peer');
  });

  it('lockRtp(undefined) unlocks: strangers delivered, sends to any endpoint go out at once', async () => {
    const { pair, arrived } = await openPair();
    const peer = await far();
    const stranger = await far();
    pair.lockRtp(peer.endpoint);
    await connected(pair, peer);
    expect(await strangerDelivered(pair, arrived, stranger, peer, 'locked')).toBe(false);
    pair.lockRtp(undefined);
    pair.lockRtp(undefined); // twice is harmless
    pair.sendRtp(text('peer-unlocked'), peer.endpoint);
    pair.sendRtp(text('stranger-unlocked'), stranger.endpoint);
    expect(await strangerDelivered(pair, arrived, stranger, peer, 'unlocked')).toBe(true);
    await until(() => peer.got('peer-unlocked') && stranger.got('stranger-unlocked'), 'the RTP after the unlock');
  });

  it('locking the same peer again is a no-op: no reconnect (the next send is not dropped), strangers still dropped', async () => {
    const { pair, arrived } = await openPair();
    const peer = await far();
    const stranger = await far();
    pair.lockRtp(peer.endpoint);
    await connected(pair, peer);
    pair.lockRtp({ address: peer.endpoint.address, port: peer.endpoint.port }); // an equal endpoint, another object
    pair.sendRtp(text('right-after'), peer.endpoint);
    await until(() => peer.got('right-after'), 'the RTP right after the second lock');
    expect(await strangerDelivered(pair, arrived, stranger, peer, 'still-locked')).toBe(false);
  });

  it('locking another peer while connected moves the tie: the old peer becomes a stranger', async () => {
    const { pair, arrived } = await openPair();
    const first = await far();
    const second = await far();
    pair.lockRtp(first.endpoint);
    await connected(pair, first);
    pair.lockRtp(second.endpoint);
    await connected(pair, second);
    expect(await strangerDelivered(pair, arrived, first, second, 'old-peer')).toBe(false);
    second.send('new-peer', pair.port);
    await until(() => rtpTags(arrived).includes('new-peer'), 'the new peer\'s RTP');
  });

  it('the RTCP socket is never tied: strangers\' RTCP is delivered while RTP is locked, and sendRtcp to them does not unlock RTP', async () => {
    const { pair, arrived } = await openPair();
    const peer = await far();
    const stranger = await far();
    pair.lockRtp(peer.endpoint);
    await connected(pair, peer);
    stranger.send('stranger-rtcp', pair.port + 1);
    await until(() => arrived.some((a) => a.tag === 'stranger-rtcp'), 'the stranger\'s RTCP');
    expect(arrived.find((a) => a.tag === 'stranger-rtcp')).toEqual({ kind: 'rtcp', tag: 'stranger-rtcp', from: stranger.endpoint });
    pair.sendRtcp(text('rtcp-to-stranger'), stranger.endpoint);
    await until(() => stranger.got('rtcp-to-stranger'), 'the RTCP to the stranger');
    expect(stranger.inbox).toEqual([{ tag: 'rtcp-to-stranger', fromPort: pair.port + 1 }]);
    expect(await strangerDelivered(pair, arrived, stranger, peer, 'rtp-still-locked')).toBe(false);
  });

  it('close() while the connect is pending does not throw, and nothing is sent after close', async () => {
    const { pair } = await openPair();
    const peer = await far();
    const witness = await far();
    pair.lockRtp(peer.endpoint);
    expect(() => pair.close()).not.toThrow();
    expect(() => {
      pair.sendRtp(text('rtp-after-close'), peer.endpoint);
      pair.sendRtcp(text('rtcp-after-close'), peer.endpoint);
      pair.lockRtp(peer.endpoint);
      pair.lockRtp(undefined);
      pair.close();
    }).not.toThrow();
    // Give the pending connect's callback its turn (an exception there would fail the run), then check the peer.
    await sleep(20);
    witness.send('witness', peer.endpoint.port);
    await until(() => peer.got('witness'), 'the witness datagram');
    expect(peer.inbox.map((m) => m.tag)).toEqual(['witness']);
  });

  it('close() while connected does not throw and sends nothing more', async () => {
    const { pair } = await openPair();
    const peer = await far();
    pair.lockRtp(peer.endpoint);
    await connected(pair, peer);
    const before = peer.inbox.length;
    expect(() => pair.close()).not.toThrow();
    expect(() => pair.sendRtp(text('after-close'), peer.endpoint)).not.toThrow();
    expect(() => pair.lockRtp(undefined)).not.toThrow();
    await sleep(20);
    expect(peer.inbox.length).toBe(before);
  });

  // Node's dgram keeps a socket "connecting" until the address lookup's next tick and cannot disconnect until then:
  // requests made meanwhile are settled when the connect completes.
  it('locking another peer while the first connect is still pending neither throws nor loses the RTP', async () => {
    const { pair } = await openPair();
    const first = await far();
    const second = await far();
    expect(() => {
      pair.lockRtp(first.endpoint);
      pair.lockRtp(second.endpoint);
    }).not.toThrow();
    await connected(pair, second);
  });

  // The same bug by the other ways to unlock inside the connect's tick: lockRtp(undefined), or a send elsewhere.
  it('unlocking and locking again while the connect is pending neither throws nor loses the RTP', async () => {
    const { pair } = await openPair();
    const peer = await far();
    const other = await far();
    expect(() => {
      pair.lockRtp(peer.endpoint);
      pair.sendRtp(text('elsewhere'), other.endpoint);
      pair.lockRtp(peer.endpoint);
    }).not.toThrow();
    await connected(pair, peer);
  });
});
