// MediaSession: two sessions (the door and a phone) talking through fake ports on a fake clock: offer/answer, audio
// end to end for each codec, SRTP, hold and resume, early media and ringback, close, and hostile SDP.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PCMU } from '../../firmware-app/media/codecs/g711Codecs.ts';
import { MediaNegotiationError } from '../../firmware-app/media/MediaSession.ts';
import type { CodecName } from '../../firmware-app/media/sdp/codecs.ts';
import { FakeClock } from '../../firmware-app/platform/FakeClock.ts';
import { FakeNetwork } from './support/fakeMediaPorts.ts';
import { connect, lastPlayed, makeSide, rms, rtcpTypes, rtpOf, run, sdpBody, sdpText, settle, type Side, type SideOptions, zeroCrossingHz } from './support/mediaRig.ts';

const DOOR = '192.0.2.10';
const PHONE = '192.0.2.20';

/** The door (440 Hz microphone) and a phone (1000 Hz microphone) on one fake network. */
function call(options: { door?: Partial<SideOptions>; phone?: Partial<SideOptions> } = {}) {
  const clock = new FakeClock();
  const network = new FakeNetwork();
  const door = makeSide(clock, { address: DOOR, network, seed: 11, firstPort: 40000, ...options.door });
  const phone = makeSide(clock, { address: PHONE, network, seed: 22, firstPort: 50000, sound: { kind: 'tone', frequencyHz: 1000 }, ...options.phone });
  return { clock, network, door, phone };
}

function heard(side: Side, seconds = 1): { hz: number; level: number; sampleRate: number } {
  const { samples, sampleRate } = lastPlayed(side.speaker, seconds);
  return { hz: zeroCrossingHz(samples, sampleRate), level: rms(samples), sampleRate };
}

describe('MediaSession: two sessions talking', () => {
  it.each<[CodecName, number]>([['PCMU', 8000], ['PCMA', 8000], ['G722', 16000]])('%s: RTP both ways, each microphone tone arrives at the other speaker at %i Hz', async (codec, rate) => {
    const settings = { codecs: [codec] };
    const { clock, door, phone } = call({ door: { settings }, phone: { settings } });
    await connect(door, phone);
    run(clock, 3000);
    expect(door.events.starts).toEqual([expect.objectContaining({ codec, srtp: 'no', dtmf: 'rfc4733', audio: 'yes' })]);
    expect(phone.events.starts).toEqual([expect.objectContaining({ codec, remote: `${DOOR}:40000`, localPort: 50000 })]);
    // 3 s at 50 packets a second, each way.
    expect(door.ports.pair.rtp.length).toBeGreaterThanOrEqual(149);
    expect(phone.ports.pair.rtp.length).toBeGreaterThanOrEqual(149);
    expect(door.ports.pair.rtp[0]!.to).toEqual({ address: PHONE, port: 50000 });
    const atPhone = heard(phone);
    const atDoor = heard(door);
    expect(atPhone.sampleRate).toBe(rate);
    expect(atDoor.sampleRate).toBe(rate);
    expect(atPhone.hz).toBeGreaterThan(425);
    expect(atPhone.hz).toBeLessThan(455);
    expect(atDoor.hz).toBeGreaterThan(970);
    expect(atDoor.hz).toBeLessThan(1030);
    // Half scale in, about 0.35 of full scale RMS out; far from silence or concealment.
    expect(atPhone.level).toBeGreaterThan(8000);
    expect(door.session.stats?.lost).toBe(0);
    expect(phone.session.stats?.concealed).toBe(0);
  });

  it('SRTP required: RTP/SAVP with a=crypto, nothing plain on the wire, the audio still arrives', async () => {
    const settings = { codecs: ['PCMU' as const], srtp: 'required' as const };
    const { clock, door, phone } = call({ door: { settings }, phone: { settings, sound: { kind: 'silence' } } });
    const { offer, answer } = await connect(door, phone);
    expect(sdpText(offer)).toMatch(/^m=audio 40000 RTP\/SAVP /m);
    expect(sdpText(offer)).toMatch(/^a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:/m);
    expect(sdpText(answer)).toMatch(/^a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:/m);
    run(clock, 2000);
    expect(door.events.starts[0]).toMatchObject({ srtp: 'yes' });
    expect(phone.events.starts[0]).toMatchObject({ srtp: 'yes' });
    // The phone's microphone is silent: plain PCMU would carry 160 × encode(0); SRTP carries ciphertext and a tag.
    const plainSilence = new Uint8Array(160);
    PCMU.encode(new Int16Array(160), plainSilence);
    const wire = phone.ports.pair.rtp.slice(5, 50);
    expect(wire.length).toBe(45);
    for (const datagram of wire) {
      expect(datagram.bytes.length).toBe(12 + 160 + 10);
      expect(Buffer.from(datagram.bytes.subarray(12, 172)).equals(Buffer.from(plainSilence))).toBe(false);
    }
    expect(heard(phone).hz).toBeGreaterThan(425);
    expect(heard(phone).hz).toBeLessThan(455);
    // A plain RTP packet injected into the SRTP stream is not played: it fails authentication and is counted.
    const dropped = phone.session.stats!.dropped;
    phone.ports.pair.injectRtp(door.ports.pair.rtp[0]!.bytes.subarray(0, 172), { address: DOOR, port: 40000 });
    expect(phone.session.stats!.dropped).toBe(dropped + 1);
  });

  it('SRTP optional: a=crypto in the offer only when signalling is secure; the answer takes SRTP when offered', async () => {
    const optional = { codecs: ['PCMU' as const], srtp: 'optional' as const };
    const insecure = call({ door: { settings: optional } });
    const plain = sdpText(await insecure.door.session.createOffer());
    expect(plain).toMatch(/^m=audio 40000 RTP\/AVP /m);
    expect(plain).not.toMatch(/a=crypto/);
    const secure = call({ door: { settings: optional, secureSignalling: true }, phone: { settings: optional } });
    const { offer } = await connect(secure.door, secure.phone);
    expect(sdpText(offer)).toMatch(/^m=audio 40000 RTP\/AVP /m);
    expect(sdpText(offer).match(/^a=crypto:/gm)).toHaveLength(2);
    await settle();
    expect(secure.phone.events.starts[0]).toMatchObject({ srtp: 'yes' });
    expect(secure.door.events.starts[0]).toMatchObject({ srtp: 'yes' });
  });

  it('DTMF end to end: digits sent by one session arrive as dtmf events at the other, once each, in order', async () => {
    const { clock, door, phone } = call();
    await connect(door, phone);
    run(clock, 500);
    expect(phone.session.sendDigits('1x9#')).toBe(true);
    run(clock, 3000);
    expect(door.events.dtmfs.map((d) => d.digit)).toEqual(['1', '9', '#']);
    expect(door.events.dtmfs.every((d) => d.durationMs >= 40)).toBe(true);
  });

  it('sendDigits is false before media runs', () => {
    const { door } = call();
    expect(door.session.sendDigits('1')).toBe(false);
  });
});

describe('MediaSession: hold, inactivity', () => {
  it('a sendonly re-offer is answered recvonly: we stop sending, no timeout while held; resume sends again', async () => {
    const { clock, network, door, phone } = call();
    await connect(door, phone);
    run(clock, 1000);
    const hold = sdpBody(sdpText(await phone.session.createOffer()).replace('a=sendrecv', 'a=sendonly'));
    const held = await door.session.createAnswer(hold);
    expect(sdpText(held)).toMatch(/^a=recvonly\r?$/m);
    await phone.session.setAnswer(held);
    await settle();
    // The phone goes quiet while it holds the door (no music on hold, no RTCP).
    network.blocked.add(PHONE);
    const sentBefore = door.ports.pair.rtp.length;
    run(clock, 120_000);
    expect(door.ports.pair.rtp.length).toBe(sentBefore);
    expect(door.events.failures).toEqual([]);
    network.blocked.delete(PHONE);
    const resumed = await door.session.createAnswer(await phone.session.createOffer());
    expect(sdpText(resumed)).toMatch(/^a=sendrecv\r?$/m);
    await phone.session.setAnswer(resumed);
    await settle();
    run(clock, 1000);
    expect(door.ports.pair.rtp.length).toBeGreaterThanOrEqual(sentBefore + 50);
    // The same stream throughout: no restart, sequence numbers go on, timestamps followed the 120 s of silence.
    expect(door.events.starts).toHaveLength(1);
    expect(door.events.stops).toEqual([]);
    const last = rtpOf(door.ports.pair.rtp[sentBefore - 1]!.bytes);
    const next = rtpOf(door.ports.pair.rtp[sentBefore]!.bytes);
    expect(next.ssrc).toBe(last.ssrc);
    expect(next.sequenceNumber).toBe((last.sequenceNumber + 1) & 0xffff);
    const jump = (next.timestamp - last.timestamp) >>> 0;
    expect(jump % 160).toBe(0);
    expect(jump).toBeGreaterThanOrEqual(160 * 6000);
    expect(heard(phone).hz).toBeGreaterThan(425);
  });

  it('no RTP nor RTCP for rtpTimeoutMs while not held: failed is reported once, at the timeout', async () => {
    const { clock, network, door, phone } = call({ door: { settings: { rtpTimeoutMs: 30_000 } } });
    await connect(door, phone);
    run(clock, 1000);
    network.blocked.add(PHONE);
    run(clock, 29_900);
    expect(door.events.failures).toEqual([]);
    run(clock, 200);
    expect(door.events.failures).toEqual(['no RTP for 30 s']);
    run(clock, 120_000);
    expect(door.events.failures).toHaveLength(1);
  });
});

describe('MediaSession: early media and ringback', () => {
  it('earlyAnswer starts the stream before the answer; setAnswer keeps the same stream, no restart', async () => {
    const { clock, door, phone } = call();
    const offer = await door.session.createOffer();
    const answer = await phone.session.createAnswer(offer);
    door.session.earlyAnswer(answer);
    await settle();
    expect(door.events.starts).toHaveLength(1);
    run(clock, 1000);
    const early = door.ports.pair.rtp.length;
    expect(early).toBeGreaterThanOrEqual(50);
    expect(heard(door, 0.5).hz).toBeGreaterThan(970);
    await door.session.setAnswer(answer);
    await settle();
    run(clock, 1000);
    expect(door.events.starts).toHaveLength(1);
    expect(door.events.stops).toEqual([]);
    const packets = door.ports.pair.rtp.map((d) => rtpOf(d.bytes));
    expect(packets.length).toBeGreaterThanOrEqual(early + 50);
    expect(new Set(packets.map((p) => p.ssrc)).size).toBe(1);
    for (let i = 1; i < packets.length; i++) expect(packets[i]!.sequenceNumber).toBe((packets[i - 1]!.sequenceNumber + 1) & 0xffff);
  });

  it('alerting plays ringback alone until the answer; setAnswer stops it and the call audio takes the speaker', async () => {
    const { clock, door, phone } = call();
    const offer = await door.session.createOffer();
    door.session.alerting();
    expect(door.audio.tone).toBe('ringback');
    run(clock, 900);
    expect(door.speaker.played?.sampleRate).toBe(8000);
    const ring = heard(door, 0.5);
    expect(ring.hz).toBeGreaterThan(410);
    expect(ring.hz).toBeLessThan(440);
    await door.session.setAnswer(await phone.session.createAnswer(offer));
    expect(door.audio.tone).toBeUndefined();
    await settle();
    run(clock, 2000);
    expect(door.audio.holder).toBe(door.session);
    expect(heard(door).hz).toBeGreaterThan(970);
    door.session.alerting(); // a late 180 once media runs: no tone over the call
    expect(door.audio.tone).toBeUndefined();
  });

  it('an early answer stops the ringback once its first packet arrives (RFC 3960), not before', async () => {
    const { clock, door, phone } = call();
    const offer = await door.session.createOffer();
    door.session.alerting();
    door.session.earlyAnswer(await phone.session.createAnswer(offer));
    expect(door.audio.tone).toBe('ringback');
    // A 183 with SDP and no RTP (a PBX's Progress()): nothing heard, the ringback goes on, and no timeout while ringing.
    phone.session.close();
    clock.advance(40_000);
    expect(door.audio.tone).toBe('ringback');
    expect(door.events.failures).toEqual([]);
  });

  it('early audio that does arrive stops the ringback', async () => {
    const { clock, door, phone } = call();
    const offer = await door.session.createOffer();
    door.session.alerting();
    door.session.earlyAnswer(await phone.session.createAnswer(offer));
    clock.advance(200);
    expect(door.audio.tone).toBeUndefined();
  });
});

describe('MediaSession: parallel forks of one door', () => {
  it('the fork that answers gets the door\'s devices once the fork with early media is closed', async () => {
    // OutgoingCall runs setAnswer, then establish; CallGroup then hangs up the other forks. So the answering fork's
    // stream starts while the early-media fork still holds the devices ("busy") and must take them when they free.
    const { clock, network, door, phone } = call();
    const door2 = makeSide(clock, { address: DOOR, network, seed: 33, firstPort: 42000, devices: door });
    const phone2 = makeSide(clock, { address: PHONE, network, seed: 44, firstPort: 52000, sound: { kind: 'tone', frequencyHz: 700 } });
    const offer1 = await door.session.createOffer();
    const offer2 = await door2.session.createOffer();
    door.session.earlyAnswer(await phone.session.createAnswer(offer1));
    await settle();
    expect(door.audio.holder).toBe(door.session);
    await door2.session.setAnswer(await phone2.session.createAnswer(offer2));
    door.session.close(); // "call completed elsewhere"
    await settle();
    expect(door2.events.starts[0]).toMatchObject({ audio: 'busy' });
    run(clock, 2000);
    expect(door.audio.holder).toBe(door2.session);
    expect(door.mic.state).toBe('running');
    expect(heard(door).hz).toBeGreaterThan(680);
    expect(heard(door).hz).toBeLessThan(720);
  });
});

describe('MediaSession: close', () => {
  it('closes the pair, releases microphone and speaker, reports stopped once, says RTCP BYE, sends nothing after', async () => {
    const { clock, door, phone } = call();
    await connect(door, phone);
    run(clock, 1000);
    expect(door.mic.state).toBe('running');
    door.session.close();
    door.session.close();
    expect(door.mic.state).toBe('idle');
    expect(door.speaker.running).toBe(false);
    expect(door.audio.holder).toBeUndefined();
    await settle(); // the pair is closed once its promise's callbacks ran
    expect(door.ports.pair.closed).toBe(true);
    expect(door.ports.inUse).toBe(0);
    expect(door.events.stops).toHaveLength(1);
    expect(door.events.stops[0]!.sent).toBeGreaterThanOrEqual(50);
    expect(rtcpTypes(door.ports.pair.rtcp.at(-1)!.bytes)).toContain(203);
    run(clock, 10_000);
    expect(door.ports.pair.sentAfterClose).toBe(0);
    expect(door.events.stops).toHaveLength(1);
    await expect(door.session.createOffer()).rejects.toMatchObject({ code: 'CALL_ENDED' });
  });

  it('close while ports.open is pending: the pair is closed once bound, the offer fails, no stream starts', async () => {
    const { door } = call();
    door.ports.pause();
    const offer = door.session.createOffer();
    door.session.close();
    door.ports.resume();
    await expect(offer).rejects.toBeInstanceOf(MediaNegotiationError);
    await settle();
    expect(door.ports.pair.closed).toBe(true);
    expect(door.ports.inUse).toBe(0);
    expect(door.events.starts).toEqual([]);
    expect(door.audio.holder).toBeUndefined();
  });
});

const HOSTILE: readonly string[] = [
  '',
  'hello',
  '\u0000\u0001\u0002 binary \uffff',
  'v=0\r\n',
  'v=0\r\no=- 1 1 IN IP4 192.0.2.20\r\ns=-\r\nc=IN IP4 192.0.2.20\r\nt=0 0\r\nm=video 5000 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n',
  'v=0\r\no=- 1 1 IN IP4 192.0.2.20\r\ns=-\r\nc=IN IP4 192.0.2.20\r\nt=0 0\r\nm=audio 0 RTP/AVP 0\r\n',
  'v=0\r\no=- 1 1 IN IP4 192.0.2.20\r\ns=-\r\nc=IN IP4 phone.example\r\nt=0 0\r\nm=audio 5000 RTP/AVP 0\r\n',
  'v=0\r\no=- 1 1 IN IP4 192.0.2.20\r\ns=-\r\nc=IN IP4 192.0.2.20\r\nt=0 0\r\nm=audio 5000 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:AAAA\r\n',
  'v=0\r\no=- 1 1 IN IP4 192.0.2.20\r\ns=-\r\nc=IN IP4 192.0.2.20\r\nt=0 0\r\nm=audio 5000 RTP/AVP 18\r\na=rtpmap:18 G729/8000\r\n',
  'v=0\r\no=- 1 1 IN IP4 192.0.2.20\r\ns=-\r\nc=IN IP4 192.0.2.20\r\nt=0 0\r\nm=audio 99999 RTP/AVP 0\r\n',
  'v=0\r\no=- 1 1 IN IP4 192.0.2.20\r\ns=-\r\nc=IN IP4 192.0.2.20\r\nt=0 0\r\nm=audio 5000 RTP/AVP 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52 53 54 55 56 57 58 59 60 61 62 63 64 65 66 67 68 69 70 71 72 73 74 75 76 77 78 79 80 81 82 83 84 85 86 87 88 89 90 91 92 93 94 95 96 97 98 99 100 101 102 103 104 105 106 107 108 109 110 111 112 113 114 115 116 117 118 119 120 121 122 123 124 125 126 127 128 129\r\n',
  `v=0\r\no=- 1 1 IN IP4 192.0.2.20\r\ns=-\r\nc=IN IP4 192.0.2.20\r\nt=0 0\r\n${'m=audio 5000 RTP/AVP 0\r\n'.repeat(2000)}`,
  `v=0\r\no=- 1 1 IN IP4 192.0.2.20\r\ns=-\r\nc=IN IP4 192.0.2.20\r\nt=0 0\r\nm=audio 5000 RTP/AVP 0\r\na=x:${'y'.repeat(1 << 20)}\r\n`,
];

const GOOD_OFFER = 'v=0\r\no=- 1 1 IN IP4 192.0.2.20\r\ns=-\r\nc=IN IP4 192.0.2.20\r\nt=0 0\r\nm=audio 5000 RTP/AVP 8 0\r\na=sendrecv\r\n';

describe('MediaSession: bad offers and answers', () => {
  it('every hostile offer rejects with MediaNegotiationError, never a synchronous throw; a good offer is answered after them', async () => {
    const { door } = call();
    for (const text of HOSTILE) {
      let answered: Promise<unknown> | undefined;
      expect(() => void (answered = door.session.createAnswer(sdpBody(text)))).not.toThrow();
      await expect(answered, JSON.stringify(text.slice(0, 80))).rejects.toBeInstanceOf(MediaNegotiationError);
    }
    const answer = await door.session.createAnswer(sdpBody(GOOD_OFFER));
    expect(sdpText(answer)).toMatch(/^m=audio 40000 RTP\/AVP 0\r?$/m);
    expect(door.ports.pairs).toHaveLength(1);
  });

  it('random bytes and line soups: an answer or a MediaNegotiationError, nothing else', async () => {
    const line = fc.oneof(fc.string(), fc.constantFrom('v=0', 'm=audio 5000 RTP/AVP 0', 'c=IN IP4 192.0.2.20', 'a=rtpmap:0 PCMU/8000', 'a=crypto:1 X inline:', 't=0 0', 'a=sendonly'));
    await fc.assert(fc.asyncProperty(fc.oneof(fc.uint8Array({ maxLength: 300 }).map((b) => b), fc.array(line, { maxLength: 12 }).map((l) => new TextEncoder().encode(l.join('\r\n')))), async (bytes) => {
      const { door } = call();
      const outcome = await door.session.createAnswer({ contentType: 'application/sdp', bytes }).then(() => 'answered', (error: unknown) => error);
      expect(outcome === 'answered' || outcome instanceof MediaNegotiationError).toBe(true);
    }), { numRuns: 150 });
  });

  it('a body that is not SDP is refused; a content type with parameters and capitals is still SDP', async () => {
    const { door } = call();
    await expect(door.session.createAnswer(sdpBody(GOOD_OFFER, 'text/plain'))).rejects.toMatchObject({ code: 'SDP_NOT_ACCEPTABLE' });
    await expect(door.session.createAnswer(sdpBody(GOOD_OFFER, 'Application/SDP ; charset=utf-8'))).resolves.toMatchObject({ contentType: 'application/sdp' });
  });

  it('a non-SDP answer fails and drops our offer, so the next offer can go out', async () => {
    const { door } = call();
    await door.session.createOffer();
    await expect(door.session.setAnswer(sdpBody(GOOD_OFFER, 'application/json'))).rejects.toBeInstanceOf(MediaNegotiationError);
    await expect(door.session.createOffer()).resolves.toMatchObject({ contentType: 'application/sdp' });
  });
});
