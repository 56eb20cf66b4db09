// RtpStream: one call's running stream on a fake clock and a fake socket pair: pacing over ten minutes, RFC 4733 in
// and out, the symmetric-RTP latch, inactivity and hold, playout through the jitter buffer, stop.

import { describe, expect, it } from 'vitest';
import { PCMU } from '../../firmware-app/media/codecs/g711Codecs.ts';
import { DoorAudio } from '../../firmware-app/media/DoorAudio.ts';
import type { ReceivedDigit } from '../../firmware-app/media/rtp/DtmfReceiver.ts';
import { buildRtp } from '../../firmware-app/media/rtp/packet.ts';
import type { Random } from '../../firmware-app/media/rtp/random.ts';
import type { Endpoint } from '../../firmware-app/media/rtp/RtpLatch.ts';
import { encodeTelephoneEvent } from '../../firmware-app/media/rtp/telephoneEvent.ts';
import { RtpStream } from '../../firmware-app/media/RtpStream.ts';
import type { NegotiatedAudio } from '../../firmware-app/media/sdp/negotiated.ts';
import { FakeClock } from '../../firmware-app/platform/FakeClock.ts';
import { FakeMicrophone } from '../../hal/fake/FakeMicrophone.ts';
import { FakeSpeaker } from '../../hal/fake/FakeSpeaker.ts';
import { FakeSocketPair } from './support/fakeMediaPorts.ts';
import { collectingLogger, lastPlayed, negotiatedAudio, rtcpTypes, rtpOf, run, scriptedRandom, zeroCrossingHz } from './support/mediaRig.ts';

const PEER: Endpoint = { address: '192.0.2.20', port: 50000 };
const NAT: Endpoint = { address: '203.0.113.7', port: 61000 };
/** The peer's telephone-event number (what we send with) differs from ours (what we receive with). */
const TE_SEND = 96;
const TE_RECEIVE = 101;

function negotiated(overrides: Partial<NegotiatedAudio> = {}): NegotiatedAudio {
  return negotiatedAudio(PEER, { send: TE_SEND, receive: TE_RECEIVE }, overrides);
}

function rig(options: { audio?: NegotiatedAudio; timeoutMs?: number; random?: Random } = {}) {
  const clock = new FakeClock();
  const mic = new FakeMicrophone({ clock });
  const speaker = new FakeSpeaker();
  const doorAudio = new DoorAudio({ clock, microphone: mic, speaker, logger: collectingLogger() });
  const digits: ReceivedDigit[] = [];
  const inactive: number[] = [];
  const owner = {};
  const receivers = { rtp: (b: Uint8Array, f: Endpoint) => stream.rtpIn(b, f), rtcp: (b: Uint8Array, f: Endpoint) => stream.rtcpIn(b, f) };
  const pair = new FakeSocketPair('192.0.2.10', 40000, receivers, undefined, () => {});
  const stream: RtpStream = new RtpStream({
    clock,
    random: options.random ?? scriptedRandom(3),
    wallClockMs: () => 1_750_000_000_000 + clock.now(),
    cname: 'door@192.0.2.10',
    audio: options.audio ?? negotiated(),
    encoder: PCMU,
    decoder: PCMU,
    sockets: pair,
    claimAudio: () => doorAudio.claim(owner, 8000),
    timeoutMs: options.timeoutMs ?? 30_000,
    digit: (d) => digits.push(d),
    inactive: (ms) => inactive.push(ms),
  });
  /** The peer's RTP stream: `send` builds and injects its next packet (20 ms of a 1 kHz tone by default). */
  let seq = 1000;
  let ts = 80_000;
  let ssrc = 0x5eed;
  const tone = new Int16Array(160).map((_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 1000 * i) / 8000)));
  const peer = {
    packet: (fields: { pt?: number; seq?: number; ts?: number; ssrc?: number; marker?: boolean; payload?: Uint8Array }) =>
      buildRtp({ payloadType: fields.pt ?? 0, sequenceNumber: fields.seq ?? seq, timestamp: fields.ts ?? ts, ssrc: fields.ssrc ?? ssrc, marker: fields.marker ?? false }, fields.payload ?? encodeFrame(tone)),
    send(from: Endpoint = PEER, fields: { ssrc?: number } = {}) {
      pair.injectRtp(this.packet({ ...fields, seq, ts }), from);
      seq = (seq + 1) & 0xffff;
      ts = (ts + 160) >>> 0;
    },
    /** A packet the network loses. */
    skip() {
      seq = (seq + 1) & 0xffff;
      ts = (ts + 160) >>> 0;
    },
    /** The source restarts: a new SSRC, its sequence numbers `seqOffset` away from where the old ones were. */
    restart(newSsrc: number, seqOffset: number) {
      ssrc = newSsrc;
      seq = (seq + seqOffset) & 0xffff;
      ts = (ts + 123_456) >>> 0;
    },
    /** Sends one packet every 20 ms for `ms`, the clock advancing with it. */
    talk(ms: number, from: Endpoint = PEER) {
      for (let t = 0; t < ms; t += 20) {
        this.send(from);
        clock.advance(20);
      }
    },
  };
  return { clock, mic, speaker, doorAudio, pair, stream, digits, inactive, peer };
}

function encodeFrame(pcm: Int16Array): Uint8Array {
  const out = new Uint8Array(160);
  PCMU.encode(pcm, out);
  return out;
}

describe('RtpStream: pacing', () => {
  it('over 10 simulated minutes: 30 000 packets, timestamps +160 each with no drift, sequence numbers consecutive', () => {
    // SSRC, then a sequence number and a timestamp just below their wrap, so both wrap during the call.
    const { clock, pair, stream, inactive } = rig({ random: scriptedRandom(7, 0.25, 0.99995, 0.9999), timeoutMs: 0 });
    stream.start();
    run(clock, 600_000);
    const packets = pair.rtp.map((d) => rtpOf(d.bytes));
    expect(Math.abs(packets.length - 30_000)).toBeLessThanOrEqual(1);
    const first = packets[0]!;
    const last = packets.at(-1)!;
    expect(first.sequenceNumber).toBeGreaterThan(65_000);
    for (let i = 1; i < packets.length; i++) {
      const p = packets[i]!;
      const q = packets[i - 1]!;
      if (p.sequenceNumber !== ((q.sequenceNumber + 1) & 0xffff) || p.timestamp !== ((q.timestamp + 160) >>> 0) || p.marker) {
        throw new Error(`packet ${i}: seq ${q.sequenceNumber} → ${p.sequenceNumber}, ts ${q.timestamp} → ${p.timestamp}, marker ${p.marker}`);
      }
    }
    expect((last.timestamp - first.timestamp) >>> 0).toBe((160 * (packets.length - 1)) % 2 ** 32);
    expect(last.timestamp).toBeLessThan(first.timestamp); // it wrapped
    expect(first.marker).toBe(true);
    expect(new Set(packets.map((p) => p.ssrc)).size).toBe(1);
    expect(pair.rtp.every((d) => d.bytes.length === 172 && d.to.address === PEER.address && d.to.port === PEER.port)).toBe(true);
    // The microphone's 440 Hz tone is what goes out, not silence.
    const pcm = new Int16Array(160);
    PCMU.decode(packets[1000]!.payload, pcm);
    expect(zeroCrossingHz(pcm, 8000)).toBeGreaterThan(300);
    expect(stream.stats.sent).toBe(packets.length);
    expect(inactive).toEqual([]); // timeout 0: never
    // RTCP went to the RTP port + 1, about every 2.5–7.5 s.
    expect(pair.rtcp.length).toBeGreaterThan(600_000 / 7500);
    expect(pair.rtcp.length).toBeLessThan(600_000 / 2500 + 2);
    expect(pair.rtcp.every((d) => d.to.port === PEER.port + 1)).toBe(true);
  });
});

describe('RtpStream: DTMF', () => {
  it('received RFC 4733 events give one digit each, in order: redundant end packets, a start without marker', () => {
    const { clock, pair, stream, digits } = rig();
    stream.start();
    let seq = 7;
    const event = (ts: number, code: number, duration: number, end: boolean, marker = false) => {
      const payload = encodeTelephoneEvent({ event: code, end, volume: 10, duration });
      pair.injectRtp(buildRtp({ payloadType: TE_RECEIVE, sequenceNumber: seq++, timestamp: ts, ssrc: 0x77, marker }, payload), PEER);
      clock.advance(20);
    };
    const press = (ts: number, code: number, marker: boolean) => {
      event(ts, code, 160, false, marker);
      event(ts, code, 400, false);
      event(ts, code, 800, true);
      event(ts, code, 800, true);
      event(ts, code, 800, true);
      clock.advance(100);
    };
    press(16_000, 1, true);
    press(24_000, 11, false); // '#', the PBX did not set the marker
    press(32_000, 1, true); // the same key again is a new press
    event(24_000, 11, 800, true); // a late copy of an old end packet
    clock.advance(1000);
    expect(digits).toEqual([{ digit: '1', durationMs: 100 }, { digit: '#', durationMs: 100 }, { digit: '1', durationMs: 100 }]);
    // Events are not audio: nothing of them reaches the jitter buffer.
    expect(stream.stats.received).toBe(0);
  });

  it('sendDigits: telephone-event packets with the peer\'s payload type, and no audio packet while a digit plays', () => {
    const { clock, pair, stream } = rig();
    stream.start();
    run(clock, 200);
    expect(stream.sendDigits(['4', '2'])).toBe(true);
    run(clock, 1000);
    const packets = pair.rtp.map((d) => rtpOf(d.bytes));
    const events = packets.filter((p) => p.payloadType === TE_SEND);
    expect(packets.every((p) => p.payloadType === 0 || p.payloadType === TE_SEND)).toBe(true);
    const byTimestamp = new Map<number, typeof events>();
    for (const e of events) byTimestamp.set(e.timestamp, [...(byTimestamp.get(e.timestamp) ?? []), e]);
    expect([...byTimestamp.values()].map((list) => list[0]!.payload[0])).toEqual([4, 2]);
    for (const list of byTimestamp.values()) {
      expect(list.map((e) => e.marker)).toEqual(list.map((_, i) => i === 0));
      expect(list.slice(-3).every((e) => (e.payload[1]! & 0x80) !== 0)).toBe(true);
      // Between the first and the last packet of an event, only packets of that event.
      const from = packets.indexOf(list[0]!);
      const to = packets.indexOf(list.at(-1)!);
      expect(packets.slice(from, to + 1).every((p) => p.payloadType === TE_SEND)).toBe(true);
    }
    // One sequence space for audio and events.
    for (let i = 1; i < packets.length; i++) expect(packets[i]!.sequenceNumber).toBe((packets[i - 1]!.sequenceNumber + 1) & 0xffff);
    // Audio came back after the digits.
    expect(packets.at(-1)!.payloadType).toBe(0);
  });

  it('sendDigits is false without a negotiated telephone-event', () => {
    const { stream } = rig({ audio: negotiated({ telephoneEvent: undefined }) });
    stream.start();
    expect(stream.sendDigits(['1'])).toBe(false);
  });
});

describe('RtpStream: symmetric RTP', () => {
  it('drops a foreign source until 4 consecutive packets of one SSRC, then sends our RTP there', () => {
    const { clock, pair, stream, peer } = rig();
    stream.start();
    const target = () => pair.rtp.at(-1)!.to;
    peer.send(NAT);
    peer.send(NAT);
    peer.send(NAT);
    clock.advance(20);
    expect(target()).toEqual(PEER);
    expect(stream.stats.received).toBe(0);
    // Another stream from the same address breaks the run: learning starts over.
    peer.send(NAT, { ssrc: 0xbad });
    peer.send(NAT);
    peer.send(NAT);
    peer.send(NAT);
    clock.advance(20);
    expect(target()).toEqual(PEER);
    expect(stream.stats.received).toBe(0);
    peer.send(NAT);
    clock.advance(20);
    expect(target()).toEqual(NAT);
    expect(stream.stats.received).toBe(1);
    // Latched: the SDP's own address is now a stranger too.
    peer.send(PEER);
    expect(stream.stats.received).toBe(1);
  });

  it('a packet the latch refuses is counted once in stats.dropped', () => {
    // The latch counts what it refuses; the stream must not count it again.
    const { stream, peer } = rig();
    stream.start();
    peer.send(NAT);
    expect(stream.stats.dropped).toBe(1);
  });

  it('the SDP\'s own address latches at its first packet; RTCP counts only from the latched address', () => {
    const { clock, pair, stream, peer } = rig();
    stream.start();
    peer.talk(100);
    expect(stream.stats.received).toBe(5);
    const receiverReport = new Uint8Array([0x80, 201, 0, 1, 0, 0, 0, 9]);
    pair.injectRtcp(receiverReport, NAT);
    expect(stream.stats.dropped).toBe(1);
    pair.injectRtcp(receiverReport, { address: PEER.address, port: PEER.port + 1 });
    expect(stream.stats.dropped).toBe(1);
    clock.advance(20);
    expect(pair.rtp.at(-1)!.to).toEqual(PEER);
  });
});

describe('RtpStream: inactivity and hold', () => {
  it('no RTP for timeoutMs: inactive once; RTP keeps it quiet; on hold it never fires; resume gives a full timeout', () => {
    const { clock, stream, inactive, peer } = rig({ timeoutMs: 30_000 });
    stream.start();
    peer.talk(60_000);
    expect(inactive).toEqual([]);
    run(clock, 29_000);
    expect(inactive).toEqual([]);
    run(clock, 2000);
    expect(inactive).toEqual([30_000]);
    run(clock, 100_000);
    expect(inactive).toHaveLength(1);
  });

  it('held by the peer (recvonly for us): nothing sent, no timeout; resumed: sending again, timeout armed again', () => {
    const { clock, pair, stream, inactive, peer } = rig({ timeoutMs: 30_000 });
    stream.start();
    peer.talk(1000);
    stream.update(negotiated({ direction: 'recvonly', remoteHold: true }));
    const sent = pair.rtp.length;
    run(clock, 300_000);
    expect(pair.rtp.length).toBe(sent);
    expect(inactive).toEqual([]);
    stream.update(negotiated());
    run(clock, 1000);
    expect(pair.rtp.length).toBeGreaterThanOrEqual(sent + 50);
    run(clock, 28_500);
    expect(inactive).toEqual([]);
    run(clock, 1000);
    expect(inactive).toHaveLength(1);
  });
});

describe('RtpStream: hold, open questions', () => {
  it('held (recvonly for us), sendDigits refuses and sends nothing', () => {
    const { clock, pair, stream } = rig({ audio: negotiated({ direction: 'recvonly', remoteHold: true }) });
    stream.start();
    run(clock, 500);
    expect(stream.sendDigits(['1', '2'])).toBe(false);
    run(clock, 2000);
    expect(pair.rtp).toEqual([]);
  });

  it('two digits carry two timestamps, each on a 20 ms slot of the audio timeline', () => {
    const { clock, pair, stream } = rig();
    stream.start();
    run(clock, 200, 20);
    expect(stream.sendDigits(['1', '2'])).toBe(true);
    run(clock, 2000, 20);
    const events = pair.rtp.map((d) => rtpOf(d.bytes)).filter((p) => p.payloadType === TE_SEND);
    const stamps = [...new Set(events.map((p) => p.timestamp))];
    expect(stamps).toHaveLength(2);
    const audio = pair.rtp.map((d) => rtpOf(d.bytes)).filter((p) => p.payloadType === 0);
    const first = audio[0]!.timestamp;
    // Each event starts on a 20 ms slot of the audio's timeline.
    for (const stamp of stamps) expect(((stamp - first) >>> 0) % 160).toBe(0);
  });

  it('a hold with nothing received counts no frame as concealed', () => {
    // Nothing arrives on hold, rightly: those empty playout ticks are not losses.
    const { clock, stream, peer } = rig();
    stream.start();
    peer.talk(1000);
    stream.update(negotiated({ direction: 'recvonly', remoteHold: true }));
    run(clock, 60_000);
    expect(stream.stats.concealed).toBeLessThan(10);
  });
});

describe('RtpStream: playout and stop', () => {
  it('the peer\'s audio plays on the speaker, one frame per 20 ms; a missing packet is concealed and counted lost', () => {
    const { clock, speaker, stream, peer } = rig();
    stream.start();
    peer.talk(1000);
    peer.skip();
    peer.talk(1000);
    clock.advance(500);
    expect(stream.stats).toMatchObject({ received: 100, lost: 1, late: 0, dropped: 0 });
    expect(stream.stats.concealed).toBeGreaterThanOrEqual(1);
    const played = speaker.played!;
    expect(played.samples.length).toBe(126 * 160);
    const hz = zeroCrossingHz(played.samples.subarray(8000 * 0.3, 8000 * 1.9), 8000);
    expect(hz).toBeGreaterThan(970);
    expect(hz).toBeLessThan(1030);
  });

  it('a new SSRC whose sequence numbers lie behind the old stream\'s is played, not dropped as late', () => {
    // A PBX that switches sources (early media → the answering phone, a transfer) starts a new SSRC with a new
    // random sequence number. Without a jitter buffer reset on the new SSRC, a new stream less than 3000 numbers
    // behind the old one would be "late" for up to a minute: silence at the door.
    const { stream, speaker, peer } = rig();
    stream.start();
    peer.talk(1000);
    peer.restart(0x07e4, -600);
    peer.talk(1000);
    expect(stream.stats.late).toBe(0);
    const hz = zeroCrossingHz(lastPlayed(speaker, 0.5).samples, 8000);
    expect(hz).toBeGreaterThan(970);
  });

  it('30 ms packets from the peer play as much audio as real time, not 4/3 of it', () => {
    // Were one packet played per 20 ms slot whatever its length, 30 ms packets every 30 ms would give
    // 30 + 30 + 20 ms (a "concealed" stall) per 60 ms, so the speaker's backlog (aplay's latency) grows without end.
    const { clock, speaker, stream, pair } = rig();
    stream.start();
    const thirty = new Uint8Array(240).fill(0x80);
    for (let i = 0; i < 200; i++) {
      pair.injectRtp(buildRtp({ payloadType: 0, sequenceNumber: i, timestamp: i * 240, ssrc: 9 }, thirty), PEER);
      clock.advance(30);
    }
    expect(stream.stats.concealed).toBeLessThan(5);
    expect(speaker.played!.samples.length / 8).toBeLessThan(6000 * 1.05);
  });

  it('stop: the devices are released, BYE is sent, nothing more goes out, packets after it are ignored', () => {
    const { clock, mic, speaker, doorAudio, pair, stream, peer } = rig();
    stream.start();
    peer.talk(500);
    expect(stream.hasAudio).toBe(true);
    const stats = stream.stop();
    expect(stats.received).toBe(25);
    expect(mic.state).toBe('idle');
    expect(speaker.running).toBe(false);
    expect(doorAudio.holder).toBeUndefined();
    expect(rtcpTypes(pair.rtcp.at(-1)!.bytes)).toEqual([200, 202, 203]);
    const sent = pair.sent.length;
    peer.talk(500);
    run(clock, 10_000);
    expect(pair.sent.length).toBe(sent);
    expect(stream.stop().received).toBe(25);
  });
});
