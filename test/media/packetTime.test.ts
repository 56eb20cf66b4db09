// The packet time we send with (RFC 3264 §6: a=ptime is what the peer wants to receive): 20, 40 or 60 ms as asked,
// 20 ms for anything that is not a whole number of our 20 ms microphone frames.
import { describe, expect, it } from 'vitest';
import { PCMU } from '../../firmware-app/media/codecs/g711Codecs.ts';
import { DoorAudio } from '../../firmware-app/media/DoorAudio.ts';
import { RtpStream, sendPacketMs } from '../../firmware-app/media/RtpStream.ts';
import type { NegotiatedAudio } from '../../firmware-app/media/sdp/negotiated.ts';
import { FakeClock } from '../../firmware-app/platform/FakeClock.ts';
import { FakeMicrophone } from '../../hal/fake/FakeMicrophone.ts';
import { FakeSpeaker } from '../../hal/fake/FakeSpeaker.ts';
import { FakeSocketPair } from './support/fakeMediaPorts.ts';
import { collectingLogger, negotiatedAudio, rtpOf, run, scriptedRandom, zeroCrossingHz } from './support/mediaRig.ts';

function negotiated(sendPtime: number): NegotiatedAudio {
  return negotiatedAudio({ address: '192.0.2.20', port: 50000 }, undefined, { sendPtime });
}

/** Sends for `ms` with the peer asking for `ptime`; returns the RTP packets the stream sent. */
function sent(ptime: number, ms: number) {
  const clock = new FakeClock();
  const audio = new DoorAudio({ clock, microphone: new FakeMicrophone({ clock }), speaker: new FakeSpeaker(), logger: collectingLogger() });
  const pair = new FakeSocketPair('192.0.2.10', 40000, { rtp: () => {}, rtcp: () => {} }, undefined, () => {});
  const stream = new RtpStream({
    clock,
    random: scriptedRandom(7),
    wallClockMs: () => clock.now(),
    cname: 'door@192.0.2.10',
    audio: negotiated(ptime),
    encoder: PCMU,
    decoder: PCMU,
    sockets: pair,
    claimAudio: () => audio.claim({}, 8000),
    timeoutMs: 0,
    digit: () => {},
    inactive: () => {},
  });
  stream.start();
  run(clock, ms, 20);
  stream.stop();
  return pair.rtp.map((d) => rtpOf(d.bytes));
}

describe('the packet time we send with', () => {
  it.each([[20, 20], [40, 40], [60, 60], [10, 20], [30, 20], [50, 20], [80, 20]])('a peer asking for %i ms gets %i ms packets', (ptime, expected) => {
    expect(sendPacketMs(negotiated(ptime))).toBe(expected);
  });

  it('40 ms: one packet per 40 ms, 320 bytes of PCMU each, timestamps 320 apart, the microphone\'s tone intact', () => {
    const packets = sent(40, 4000);
    expect(packets.length).toBeGreaterThanOrEqual(99);
    expect(packets.length).toBeLessThanOrEqual(101);
    for (const [i, packet] of packets.entries()) {
      expect(packet.payload.length).toBe(320);
      if (i > 0) expect((packet.timestamp - packets[i - 1]!.timestamp) >>> 0).toBe(320);
    }
    // The fake microphone's 440 Hz tone, decoded from the middle packets (the first may hold silence).
    const pcm = new Int16Array(320 * 50);
    packets.slice(20, 70).forEach((packet, i) => PCMU.decode(packet.payload, pcm.subarray(i * 320, (i + 1) * 320)));
    const hz = zeroCrossingHz(pcm, 8000);
    expect(hz).toBeGreaterThan(430);
    expect(hz).toBeLessThan(450);
  });

  it('30 ms (not a whole number of our frames): 20 ms packets, 160 timestamp units apart', () => {
    const packets = sent(30, 1000);
    expect(packets.length).toBeGreaterThanOrEqual(49);
    expect(packets.every((p) => p.payload.length === 160)).toBe(true);
    expect((packets[1]!.timestamp - packets[0]!.timestamp) >>> 0).toBe(160);
  });
});
