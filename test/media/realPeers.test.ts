// What real peers send that our own MediaSession never would: a 183 and a 200 read in one go (TCP/TLS), a session
// refresh answered with a new o= version, G722 written as G722/16000, tiny packets, SRTP kept across a re-offer.
import { describe, expect, it } from 'vitest';
import { DoorAudio } from '../../firmware-app/media/DoorAudio.ts';
import { MediaSession } from '../../firmware-app/media/MediaSession.ts';
import { Pacer } from '../../firmware-app/media/rtp/Pacer.ts';
import { createNodeSrtpCrypto } from '../../firmware-app/platform/srtpCrypto.ts';
import { FakeMicrophone } from '../../hal/fake/FakeMicrophone.ts';
import { FakeSpeaker } from '../../hal/fake/FakeSpeaker.ts';
import { FakeClock } from '../../firmware-app/platform/FakeClock.ts';
import { FakeMediaPorts, FakeNetwork } from './support/fakeMediaPorts.ts';
import { collectingLogger, makeSide, recordEvents, rtpOf, run, scriptedRandom, sdpBody, sdpText, settle, type SideOptions } from './support/mediaRig.ts';

const DOOR = '192.0.2.10';
const PHONE = '192.0.2.20';

function call(door: Partial<SideOptions> = {}) {
  const clock = new FakeClock();
  const network = new FakeNetwork();
  return {
    clock,
    door: makeSide(clock, { address: DOOR, network, seed: 11, firstPort: 40000, ...door }),
    phone: makeSide(clock, { address: PHONE, network, seed: 22, firstPort: 50000, sound: { kind: 'tone', frequencyHz: 1000 } }),
  };
}

/** A phone's answer to the door's offer, by hand. */
function answer(lines: { readonly version?: number; readonly host?: string; readonly port?: number; readonly codec?: string; readonly extra?: readonly string[] } = {}) {
  const codec = lines.codec ?? '0 PCMU/8000';
  return sdpBody([
    'v=0', `o=phone 7 ${lines.version ?? 1} IN IP4 ${lines.host ?? PHONE}`, 's=-', `c=IN IP4 ${lines.host ?? PHONE}`, 't=0 0',
    `m=audio ${lines.port ?? 50000} RTP/AVP ${codec.split(' ')[0]}`, `a=rtpmap:${codec}`, ...(lines.extra ?? []), '',
  ].join('\r\n'));
}

describe('MediaSession against what real peers send', () => {
  it('a 183 (PCMA) and a 200 (PCMU elsewhere) applied in one tick: the stream follows the 200', async () => {
    const { door } = call();
    await door.session.createOffer();
    door.session.earlyAnswer(answer({ codec: '8 PCMA/8000', host: '192.0.2.98' }));
    await door.session.setAnswer(answer({ host: '192.0.2.99' }));
    expect(door.events.starts.at(-1)).toMatchObject({ codec: 'PCMU', remote: '192.0.2.99:50000' });
    expect(door.events.starts).toHaveLength(2);
    expect(door.events.stops).toHaveLength(1);
  });

  it('a session refresh (our last SDP sent again) answered with a bumped o= version is accepted, not a reason to hang up', async () => {
    const { door } = call();
    await door.session.createOffer();
    await door.session.setAnswer(answer({ version: 1 }));
    await expect(door.session.setAnswer(answer({ version: 2 }))).resolves.toBeUndefined();
    expect(door.events.starts).toHaveLength(1);
    // An answer that does not fit our SDP is still refused.
    await expect(door.session.setAnswer(answer({ version: 3, codec: '18 G729/8000' }))).rejects.toThrow();
  });

  it('G722/16000 (a peer writing the sampling rate): our timestamps step by 320 per 20 ms, as its clock says', async () => {
    const { clock, door } = call({ settings: { codecs: ['G722'] } });
    await door.session.createOffer();
    await door.session.setAnswer(answer({ codec: '9 G722/16000' }));
    run(clock, 200, 20);
    const sent = door.ports.pair.rtp.map((d) => rtpOf(d.bytes));
    expect(sent.length).toBeGreaterThan(5);
    expect((sent[2]!.timestamp - sent[1]!.timestamp) >>> 0).toBe(320);
    expect(sent[1]!.payload.length).toBe(160);
  });

  it('1 ms packets from the far end leave the speaker short, never the call without audio: sending goes on', async () => {
    const { clock, door } = call();
    await door.session.createOffer();
    await door.session.setAnswer(answer());
    const pair = door.ports.pair;
    for (let i = 0; i < 50; i++) {
      const header = [0x80, 0, (i >> 8) & 0xff, i & 0xff, 0, 0, 0, i * 8, 0, 0, 0, 9];
      pair.injectRtp(new Uint8Array([...header, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), { address: PHONE, port: 50000 });
      clock.advance(20);
    }
    const before = pair.rtp.length;
    run(clock, 1000, 20);
    expect(pair.rtp.length - before).toBeGreaterThanOrEqual(49);
  });

  it('a re-offer that removes the audio (port 0, RFC 3264 §8.2) is answered with port 0 and stops RTP; a later offer brings it back', async () => {
    const { clock, door } = call();
    const running = await door.session.createAnswer(answer());
    expect(sdpText(running)).toMatch(/^m=audio [1-9]\d* RTP\/AVP 0/m);
    run(clock, 200, 20);
    const removed = await door.session.createAnswer(answer({ version: 2, port: 0 }));
    expect(sdpText(removed)).toMatch(/^m=audio 0 RTP\/AVP 0/m);
    expect(door.events.stops).toHaveLength(1);
    const sent = door.ports.pair.rtp.length;
    run(clock, 1000, 20);
    expect(door.ports.pair.rtp.length).toBe(sent);
    await door.session.createAnswer(answer({ version: 3 }));
    run(clock, 200, 20);
    expect(door.events.starts).toHaveLength(2);
    expect(door.ports.pair.rtp.length).toBeGreaterThan(sent);
  });

  it('a re-offer keeps SRTP that the call runs, even when signalling is not TLS (policy optional)', async () => {
    const { door, phone } = call({ settings: { srtp: 'optional' } });
    const first = await door.session.createOffer();
    expect(sdpText(first)).not.toContain('a=crypto');
    // The phone offers SRTP itself (RTP/AVP with a=crypto) in a re-INVITE: we answer with keys, then re-offer.
    await door.session.setAnswer(await phone.session.createAnswer(first));
    await settle();
    const theirs = sdpText(await makeSide(new FakeClock(), { address: PHONE, seed: 5, settings: { srtp: 'required' }, secureSignalling: true }).session.createOffer())
      .replace('RTP/SAVP', 'RTP/AVP');
    const ours = await door.session.createAnswer(sdpBody(theirs));
    expect(sdpText(ours)).toContain('a=crypto:');
    expect(sdpText(await door.session.createOffer())).toContain('a=crypto:');
  });
});

describe('MediaSession without RTP ports', () => {
  it('every pair taken: the offer fails with SESSION_RESOURCES (the SIP layer answers 503, not 488), and a later one tries again', async () => {
    const clock = new FakeClock();
    const ports = new FakeMediaPorts({ capacity: 0 });
    const session = new MediaSession({
      address: DOOR,
      clock,
      random: scriptedRandom(1),
      wallClockMs: () => clock.now(),
      ports,
      audio: new DoorAudio({ clock, microphone: new FakeMicrophone({ clock }), speaker: new FakeSpeaker(), logger: collectingLogger() }),
      crypto: createNodeSrtpCrypto(),
      settings: { codecs: ['PCMU'], srtp: 'off', rtpTimeoutMs: 30_000 },
      events: recordEvents(),
    });
    await expect(session.createAnswer(answer())).rejects.toMatchObject({ code: 'SESSION_RESOURCES' });
    await expect(session.createOffer()).rejects.toMatchObject({ code: 'SESSION_RESOURCES' });
    expect(ports.requested).toHaveLength(2);
  });
});

describe('Pacer', () => {
  it('a send that throws costs its slot, never the schedule', () => {
    const clock = new FakeClock();
    const sent: number[] = [];
    const pacer = new Pacer({
      clock,
      send: (index) => {
        if (index === 3) throw new Error('a bug in one slot');
        sent.push(index);
      },
    });
    pacer.start();
    for (let i = 0; i < 10; i++) {
      try {
        clock.advance(20);
      } catch {
        // the clock reports the throw, as the system clock's onError would
      }
    }
    expect(sent).toEqual([0, 1, 2, 4, 5, 6, 7, 8, 9, 10]);
  });
});
