// RtpStream and the socket's tie to the far end (MediaSocketPair.lockRtp): locked once, to what symmetric RTP latched
// (the SDP's address or a proven NAT source), freed by a new SDP address and by stop; our RTP always goes to the lock.

import { describe, expect, it } from 'vitest';
import { PCMU } from '../../firmware-app/media/codecs/g711Codecs.ts';
import { buildRtp } from '../../firmware-app/media/rtp/packet.ts';
import type { Endpoint } from '../../firmware-app/media/rtp/RtpLatch.ts';
import { RtpStream } from '../../firmware-app/media/RtpStream.ts';
import type { NegotiatedAudio } from '../../firmware-app/media/sdp/negotiated.ts';
import { FakeClock } from '../../firmware-app/platform/FakeClock.ts';
import { FakeSocketPair } from './support/fakeMediaPorts.ts';
import { negotiatedAudio, run, scriptedRandom } from './support/mediaRig.ts';

const PEER: Endpoint = { address: '192.0.2.20', port: 50000 };
const NAT: Endpoint = { address: '203.0.113.7', port: 61000 };
const MOVED: Endpoint = { address: '192.0.2.30', port: 52000 };
const TE = 101;

function negotiated(overrides: Partial<NegotiatedAudio> = {}): NegotiatedAudio {
  return negotiatedAudio(PEER, { send: TE, receive: TE }, overrides);
}

/** A started stream on a fake clock and a fake pair (no devices: the stream sends silence, which is enough here). */
function rig(audio: NegotiatedAudio = negotiated()) {
  const clock = new FakeClock();
  const receivers = { rtp: (b: Uint8Array, f: Endpoint) => stream.rtpIn(b, f), rtcp: (b: Uint8Array, f: Endpoint) => stream.rtcpIn(b, f) };
  const pair = new FakeSocketPair('192.0.2.10', 40000, receivers, undefined, () => {});
  const stream: RtpStream = new RtpStream({
    clock,
    random: scriptedRandom(5),
    wallClockMs: () => 1_750_000_000_000 + clock.now(),
    cname: 'door@192.0.2.10',
    audio,
    encoder: PCMU,
    decoder: PCMU,
    sockets: pair,
    claimAudio: () => undefined,
    timeoutMs: 30_000,
    digit: () => {},
    inactive: () => {},
  });
  stream.start();
  /** The far end's packets: one stream (SSRC, consecutive numbers), sent from wherever the test says. */
  let seq = 500;
  const send = (from: Endpoint, fields: { pt?: number; ssrc?: number } = {}): void => {
    const header = { payloadType: fields.pt ?? 0, sequenceNumber: seq, timestamp: seq * 160, ssrc: fields.ssrc ?? 0xabc, marker: false };
    pair.injectRtp(buildRtp(header, new Uint8Array(160).fill(0xff)), from);
    seq = (seq + 1) & 0xffff;
  };
  /** Packets every 20 ms for `ms` from `from`, the clock moving with them. */
  const talk = (ms: number, from: Endpoint): void => {
    for (let t = 0; t < ms; t += 20) {
      send(from);
      clock.advance(20);
    }
  };
  return { clock, pair, stream, send, talk };
}

/** Our RTP sent since datagram `from` went to `peer`, and there was some. */
function allSentTo(pair: FakeSocketPair, from: number, peer: Endpoint): boolean {
  const sent = pair.rtp.slice(from);
  return sent.length > 0 && sent.every((d) => d.to.address === peer.address && d.to.port === peer.port);
}

describe('RtpStream: locking the RTP socket to the latched far end', () => {
  it('the first packet from the SDP address locks to it, once; sending alone never locks; our RTP goes to the lock', () => {
    const { clock, pair, send, talk } = rig();
    run(clock, 200);
    expect(pair.rtp.length).toBeGreaterThan(5);
    expect(pair.locks).toEqual([]);
    send(PEER);
    expect(pair.locks).toEqual([PEER]);
    const sentBefore = pair.rtp.length;
    talk(2000, PEER);
    expect(pair.locks).toEqual([PEER]);
    expect(allSentTo(pair, sentBefore, PEER)).toBe(true);
  });

  it('packets refused before the latch never lock: a foreign payload type, garbage, a NAT source one packet short, while we only send', () => {
    const { pair, send, stream } = rig();
    send(PEER, { pt: 8 }); // PCMA was not negotiated
    pair.injectRtp(Uint8Array.of(1, 2, 3), PEER);
    send(NAT);
    send(NAT);
    send(NAT);
    expect(pair.locks).toEqual([]);
    expect(stream.stats.dropped).toBe(5);
    // We are sendonly (the far end holds us): nothing it sends is taken, nor locks.
    stream.update(negotiated({ direction: 'sendonly' }));
    send(PEER);
    expect(pair.locks).toEqual([]);
    stream.update(negotiated());
    send(PEER);
    expect(pair.locks).toEqual([PEER]);
  });

  it('a NAT source locks at its 4th consecutive packet; the SDP address, now a stranger, changes nothing; RTP and digits go to the lock', () => {
    const { clock, pair, send, stream, talk } = rig();
    send(NAT);
    send(NAT);
    send(NAT);
    clock.advance(20);
    expect(pair.rtp.at(-1)?.to).toEqual(PEER);
    expect(pair.locks).toEqual([]);
    send(NAT);
    expect(pair.locks).toEqual([NAT]);
    const sentBefore = pair.rtp.length;
    talk(200, PEER);
    talk(200, NAT);
    expect(stream.sendDigits(['5', '#'])).toBe(true);
    run(clock, 1500);
    expect(pair.locks).toEqual([NAT]);
    // Every send after the lock names the locked peer, so the driver never unlocks by a send elsewhere.
    expect(allSentTo(pair, sentBefore, NAT)).toBe(true);
    expect(pair.rtp.slice(sentBefore).some((d) => d.bytes[1]! === TE || d.bytes[1]! === (TE | 0x80))).toBe(true);
  });

  it('update() with a new remote address unlocks; RTP goes to the new address unlocked; its first packet locks it', () => {
    const { clock, pair, send, stream } = rig();
    send(PEER);
    expect(pair.locks).toEqual([PEER]);
    stream.update(negotiated({ remoteAddress: MOVED.address, remotePort: MOVED.port, remoteRtcpPort: MOVED.port + 1 }));
    expect(pair.locks).toEqual([PEER, undefined]);
    const sentBefore = pair.rtp.length;
    run(clock, 200);
    expect(allSentTo(pair, sentBefore, MOVED)).toBe(true);
    // The old address is a stranger for the new latch: a packet or two of it neither locks nor diverts.
    send(PEER);
    expect(pair.locks).toEqual([PEER, undefined]);
    send(MOVED);
    expect(pair.locks).toEqual([PEER, undefined, MOVED]);
    const lockedAt = pair.rtp.length;
    run(clock, 200);
    expect(allSentTo(pair, lockedAt, MOVED)).toBe(true);
  });

  it('update() that keeps the address leaves the lock alone (hold, a new RTCP port); a resume learns the source again', () => {
    const { pair, send, stream } = rig();
    send(PEER);
    stream.update(negotiated({ direction: 'recvonly', remoteHold: true }));
    stream.update(negotiated({ direction: 'recvonly', remoteHold: true, remoteRtcpPort: PEER.port + 7 }));
    expect(pair.locks).toEqual([PEER]);
    // A phone behind NAT may come back from a long hold on a new public port: the resume unlocks, its packets relock.
    stream.update(negotiated());
    expect(pair.locks).toEqual([PEER, undefined]);
    send(PEER);
    expect(pair.locks).toEqual([PEER, undefined, PEER]);
  });

  it('update() moving only the port unlocks too, and the new port locks', () => {
    const { pair, send, stream } = rig();
    send(PEER);
    const movedPort = { address: PEER.address, port: PEER.port + 2 };
    stream.update(negotiated({ remotePort: movedPort.port, remoteRtcpPort: movedPort.port + 1 }));
    send(movedPort);
    expect(pair.locks).toEqual([PEER, undefined, movedPort]);
  });

  it('stop() unlocks once; packets after stop lock nothing', () => {
    const { pair, send, stream } = rig();
    send(PEER);
    stream.stop();
    expect(pair.locks).toEqual([PEER, undefined]);
    stream.stop();
    send(PEER);
    expect(pair.locks).toEqual([PEER, undefined]);
  });

  it('stop() of a stream that never locked, or whose lock a new address already freed, calls nothing more', () => {
    const never = rig();
    never.stream.stop();
    expect(never.pair.locks).toEqual([]);
    const moved = rig();
    moved.send(PEER);
    moved.stream.update(negotiated({ remoteAddress: MOVED.address, remotePort: MOVED.port }));
    moved.stream.stop();
    expect(moved.pair.locks).toEqual([PEER, undefined]);
  });
});
