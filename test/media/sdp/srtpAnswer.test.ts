// Answering offers with SDES-SRTP (RFC 4568 §7.1.1): the policy matrix (off / optional / required × AVP / SAVP and
// their feedback variants × with / without a usable a=crypto), the echoed tag and suite, both suites, peers' lines
// we cannot use, hostile crypto lines, and re-offers that keep or change the key.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { answerOffer } from '../../../firmware-app/media/sdp/answer.ts';
import type { CryptoAttribute } from '../../../firmware-app/media/sdp/attributes.ts';
import type { LocalSrtp } from '../../../firmware-app/media/sdp/local.ts';
import { serializeSdp } from '../../../firmware-app/media/sdp/serialize.ts';
import { SdpNegotiation } from '../../../firmware-app/media/sdp/SdpNegotiation.ts';
import { crlf } from './realSdps.ts';
import { crypto, DOOR_KEY_A, DOOR_KEY_B, fakeSrtp, PEER_KEY_C, PEER_KEY_D, SHA1_32, SHA1_80 } from './srtpSupport.ts';
import { LOCAL, sdp, unwrap } from './support.ts';

const HEAD = ['v=0', 'o=peer 7 7 IN IP4 192.0.2.7', 's=-', 'c=IN IP4 192.0.2.7', 't=0 0'];
const LINE_80 = `a=crypto:1 ${SHA1_80} ${PEER_KEY_C}`;
const LINE_32 = `a=crypto:2 ${SHA1_32} ${PEER_KEY_D}`;

function offer(...mediaLines: string[]): string {
  return crlf([...HEAD, ...mediaLines]);
}

function answerWith(text: string, srtp?: LocalSrtp) {
  return answerOffer(sdp(text), srtp === undefined ? LOCAL : { ...LOCAL, srtp });
}

type Outcome = 'plain' | 'srtp' | '488';

function outcome(text: string, srtp?: LocalSrtp): Outcome {
  const result = answerWith(text, srtp);
  if (!result.ok) {
    expect(result.error.code).toBe('SDP_NOT_ACCEPTABLE');
    return '488';
  }
  const { answer, audio } = result.value;
  const ours = answer.media[audio.mediaIndex]!;
  // The answer keeps the offered profile; a=crypto is in it exactly when SRTP was agreed.
  expect(ours.proto).toBe(audio.proto);
  expect(ours.attributes.filter((a) => a.name === 'crypto')).toHaveLength(audio.srtp === undefined ? 0 : 1);
  return audio.srtp === undefined ? 'plain' : 'srtp';
}

describe('answering with an SRTP policy: the matrix', () => {
  const policies = { off: undefined, optional: 'optional', required: 'required' } as const;
  // [policy, proto, crypto lines of the offer, expected]
  const cases: [keyof typeof policies, string, 'usable' | 'unusable' | 'none', Outcome][] = [];
  const expected: Record<keyof typeof policies, Record<'AVP' | 'SAVP', Record<'usable' | 'unusable' | 'none', Outcome>>> = {
    off: { AVP: { usable: 'plain', unusable: 'plain', none: 'plain' }, SAVP: { usable: '488', unusable: '488', none: '488' } },
    optional: { AVP: { usable: 'srtp', unusable: 'plain', none: 'plain' }, SAVP: { usable: 'srtp', unusable: '488', none: '488' } },
    required: { AVP: { usable: 'srtp', unusable: '488', none: '488' }, SAVP: { usable: 'srtp', unusable: '488', none: '488' } },
  };
  for (const policy of ['off', 'optional', 'required'] as const) {
    for (const proto of ['RTP/AVP', 'RTP/AVPF', 'RTP/SAVP', 'RTP/SAVPF']) {
      for (const lines of ['usable', 'unusable', 'none'] as const) {
        cases.push([policy, proto, lines, expected[policy][proto.includes('SAVP') ? 'SAVP' : 'AVP'][lines]]);
      }
    }
  }
  const cryptoLines = { usable: [LINE_80], unusable: [`a=crypto:1 AES_256_CM_HMAC_SHA1_80 ${PEER_KEY_C}`, `a=crypto:2 ${SHA1_80} inline:c2hvcnQ=`], none: [] };

  it.each(cases)('policy %s, %s offer with %s crypto lines → %s', (policy, proto, lines, want) => {
    const srtpPolicy = policies[policy];
    const text = offer(`m=audio 5000 ${proto} 0 8`, ...cryptoLines[lines]);
    expect(outcome(text, srtpPolicy === undefined ? undefined : fakeSrtp(srtpPolicy))).toBe(want);
  });

  it('never asks the media layer for a key when the policy is off or the offer has no crypto line', () => {
    const srtp = fakeSrtp('optional');
    unwrap(answerWith(offer('m=audio 5000 RTP/AVP 0'), srtp));
    unwrap(answerWith(offer('m=audio 5000 RTP/AVP 0', LINE_80)));
    expect(srtp.asked).toEqual([]);
  });

  it('with the policy off, crypto lines in an RTP/AVP offer are reported but not answered', () => {
    const { answer, audio } = unwrap(answerWith(offer('m=audio 5000 RTP/AVP 0', LINE_80)));
    expect(audio.srtp).toBeUndefined();
    expect(audio.remoteCrypto).toEqual([crypto(1, SHA1_80, PEER_KEY_C)]);
    expect(serializeSdp(answer)).not.toContain('a=crypto');
  });
});

describe('the a=crypto line of our answer', () => {
  it('answers an RTP/SAVP offer with our key under the tag and suite of the line taken, on RTP/SAVP', () => {
    const { answer, audio } = unwrap(answerWith(offer('m=audio 5000 RTP/SAVP 0 101', 'a=rtpmap:101 telephone-event/8000', LINE_80, LINE_32), fakeSrtp('required')));
    expect(audio.proto).toBe('RTP/SAVP');
    expect(audio.srtp).toEqual({ local: crypto(1, SHA1_80, DOOR_KEY_A), remote: crypto(1, SHA1_80, PEER_KEY_C) });
    expect(serializeSdp(answer)).toBe(
      crlf([
        'v=0',
        'o=sip-doorbell 0 0 IN IP4 192.168.1.10',
        's=sip-doorbell',
        'c=IN IP4 192.168.1.10',
        't=0 0',
        'm=audio 40000 RTP/SAVP 0 101',
        'a=rtpmap:0 PCMU/8000',
        'a=rtpmap:101 telephone-event/8000',
        'a=fmtp:101 0-15',
        `a=crypto:1 ${SHA1_80} ${DOOR_KEY_A}`,
        'a=ptime:20',
        'a=sendrecv',
      ]),
    );
  });

  it('takes the 32-bit suite when it is the one the media layer can use, and echoes its tag', () => {
    const text = offer('m=audio 5000 RTP/SAVP 8', `a=crypto:7 AES_256_CM_HMAC_SHA1_80 ${PEER_KEY_C}`, `a=crypto:9 ${SHA1_32} ${PEER_KEY_D}`);
    const { answer, audio } = unwrap(answerWith(text, fakeSrtp('required')));
    expect(audio.srtp).toEqual({ local: crypto(9, SHA1_32, DOOR_KEY_A), remote: crypto(9, SHA1_32, PEER_KEY_D) });
    expect(serializeSdp(answer)).toContain(`\r\na=crypto:9 ${SHA1_32} ${DOOR_KEY_A}\r\n`);
  });

  it('keeps RTP/AVP (and AVPF) as offered when it answers best-effort crypto', () => {
    for (const proto of ['RTP/AVP', 'RTP/AVPF']) {
      const { answer, audio } = unwrap(answerWith(offer(`m=audio 5000 ${proto} 0`, LINE_32), fakeSrtp('optional')));
      expect(audio.proto).toBe(proto);
      expect(audio.srtp?.remote).toEqual(crypto(2, SHA1_32, PEER_KEY_D));
      expect(serializeSdp(answer)).toContain(`m=audio 40000 ${proto} 0\r\n`);
    }
  });

  it('hands the media layer the lines of the audio stream it answers, and nothing of the others', () => {
    const srtp = fakeSrtp('required');
    const text = offer('m=video 6000 RTP/SAVP 96', 'a=rtpmap:96 VP8/90000', `a=crypto:5 ${SHA1_80} ${PEER_KEY_D}`, 'm=audio 5000 RTP/SAVP 0', LINE_80);
    const { answer, audio } = unwrap(answerWith(text, srtp));
    expect(srtp.asked).toEqual([[crypto(1, SHA1_80, PEER_KEY_C)]]);
    expect(audio.mediaIndex).toBe(1);
    expect(answer.media[0]).toMatchObject({ port: 0, proto: 'RTP/SAVP', attributes: [] });
  });

  it('falls through to a later audio stream when an RTP/SAVP one has no usable line (a SAVP + AVP pair)', () => {
    const text = offer('m=audio 5000 RTP/SAVP 0', `a=crypto:1 F8_128_HMAC_SHA1_80 ${PEER_KEY_C}`, 'm=audio 5002 RTP/AVP 0');
    const { answer, audio } = unwrap(answerWith(text, fakeSrtp('optional')));
    expect(audio).toMatchObject({ mediaIndex: 1, proto: 'RTP/AVP', remotePort: 5002 });
    expect(audio.srtp).toBeUndefined();
    expect(answer.media.map((m) => `${m.port} ${m.proto}`)).toEqual(['0 RTP/SAVP', '40000 RTP/AVP']);
  });

  it('does not answer DTLS-SRTP (UDP/TLS/RTP/SAVP), whatever the policy', () => {
    const result = answerWith(offer('m=audio 5000 UDP/TLS/RTP/SAVP 0', 'a=fingerprint:sha-256 AA:BB'), fakeSrtp('optional'));
    expect(!result.ok && result.error.code).toBe('SDP_NOT_ACCEPTABLE');
  });
});

describe('crypto lines we cannot trust', () => {
  it('leaves out lines whose tag another line shares (RFC 4568 §9.1: the answer could not say which)', () => {
    const srtp = fakeSrtp('required');
    const text = offer('m=audio 5000 RTP/SAVP 0', LINE_80, `a=crypto:1 ${SHA1_32} ${PEER_KEY_D}`, `a=crypto:3 ${SHA1_32} ${PEER_KEY_D}`);
    expect(unwrap(answerWith(text, srtp)).audio.srtp?.remote).toEqual(crypto(3, SHA1_32, PEER_KEY_D));
    expect(srtp.asked).toEqual([[crypto(3, SHA1_32, PEER_KEY_D)]]);
    const only = answerWith(offer('m=audio 5000 RTP/SAVP 0', LINE_80, LINE_80), fakeSrtp('required'));
    expect(!only.ok && only.error.code).toBe('SDP_NOT_ACCEPTABLE');
  });

  it.each<[string, CryptoAttribute]>([
    ['a tag the peer never offered', crypto(4, SHA1_80, DOOR_KEY_A)],
    ['another suite under the tag', crypto(1, SHA1_32, DOOR_KEY_A)],
    ['key params we could not write', crypto(1, SHA1_80, `${DOOR_KEY_A} extra`)],
    ['a tag that is not a whole number', crypto(1.5, SHA1_80, DOOR_KEY_A)],
  ])('does not answer with a line of the media layer that has %s', (_name, line) => {
    const srtp: LocalSrtp = { policy: 'required', offer: [], answer: () => line };
    const result = answerWith(offer('m=audio 5000 RTP/SAVP 0', LINE_80), srtp);
    expect(!result.ok && result.error.code).toBe('SDP_NOT_ACCEPTABLE');
  });

  it('echoes the suite as the media layer writes it even when the peer wrote it in lower case', () => {
    const srtp: LocalSrtp = { policy: 'required', offer: [], answer: (remote) => crypto(remote[0]!.tag, SHA1_80, DOOR_KEY_B) };
    const { audio } = unwrap(answerWith(offer('m=audio 5000 RTP/SAVP 0', `a=crypto:1 aes_cm_128_hmac_sha1_80 ${PEER_KEY_C}`), srtp));
    expect(audio.srtp).toEqual({ local: crypto(1, SHA1_80, DOOR_KEY_B), remote: crypto(1, 'aes_cm_128_hmac_sha1_80', PEER_KEY_C) });
  });

  it.each([
    ['no inline key', 'a=crypto:1 AES_CM_128_HMAC_SHA1_80 key'],
    ['no key at all', 'a=crypto:1 AES_CM_128_HMAC_SHA1_80'],
    ['a ten-digit tag', `a=crypto:1234567890 ${SHA1_80} ${PEER_KEY_C}`],
    ['a suite with a dash', `a=crypto:1 AES-CM ${PEER_KEY_C}`],
    ['no value', 'a=crypto'],
  ])('refuses an RTP/SAVP offer whose only a=crypto has %s as not acceptable (a 488), never a throw', (_name, line) => {
    const result = new SdpNegotiation('1').createAnswer(offer('m=audio 5000 RTP/SAVP 0', line), { ...LOCAL, srtp: fakeSrtp('optional') });
    expect(!result.ok && result.error.code).toBe('SDP_NOT_ACCEPTABLE');
  });

  it('any run of well-formed crypto lines gives a typed result, and an agreement only on one offered tag and suite', () => {
    const line = fc.record({
      tag: fc.integer({ min: 0, max: 12 }),
      suite: fc.constantFrom(SHA1_80, SHA1_32, 'aes_cm_128_hmac_sha1_32', 'NULL_HMAC_SHA1_80', 'X'),
      key: fc.constantFrom(PEER_KEY_C, PEER_KEY_D, 'inline:QQ==', 'INLINE:x|2^20|1:4', `${PEER_KEY_C};${PEER_KEY_D}`),
      params: fc.constantFrom('', ' KDR=0', ' UNENCRYPTED_SRTP', ' WSH=64 FEC_ORDER=FEC_SRTP'),
    });
    fc.assert(
      fc.property(fc.constantFrom('RTP/AVP', 'RTP/SAVP'), fc.constantFrom('optional' as const, 'required' as const), fc.array(line, { maxLength: 20 }), (proto, policy, lines) => {
        const text = offer(`m=audio 5000 ${proto} 0`, ...lines.map((l) => `a=crypto:${l.tag} ${l.suite} ${l.key}${l.params}`));
        const result = answerWith(text, fakeSrtp(policy));
        if (!result.ok) {
          expect(result.error.code).toBe('SDP_NOT_ACCEPTABLE');
          return;
        }
        const { srtp, remoteCrypto } = result.value.audio;
        if (srtp === undefined) {
          expect(policy === 'optional' && proto === 'RTP/AVP').toBe(true);
          return;
        }
        expect(srtp.local.tag).toBe(srtp.remote.tag);
        expect(srtp.local.suite.toUpperCase()).toBe(srtp.remote.suite.toUpperCase());
        expect(remoteCrypto.filter((l) => l.tag === srtp.remote.tag)).toEqual([srtp.remote]);
      }),
    );
  });

  it('five hundred crypto lines cost one call of the media layer and a bounded answer', () => {
    const srtp = fakeSrtp('required');
    const lines = Array.from({ length: 500 }, (_, i) => `a=crypto:${i} ${SHA1_80} ${i === 499 ? PEER_KEY_C : 'inline:QQ=='}`);
    const { audio } = unwrap(answerWith(offer('m=audio 5000 RTP/SAVP 0', ...lines), srtp));
    expect(srtp.asked).toHaveLength(1);
    expect(audio.srtp?.remote.tag).toBe(499);
  });
});

describe('re-offers with SRTP', () => {
  const INITIAL = offer('m=audio 5000 RTP/SAVP 0', LINE_80, LINE_32, 'a=sendrecv');

  it('keeps our key when the peer repeats its line (hold and resume), without asking the media layer again', () => {
    const srtp = fakeSrtp('required', [], [DOOR_KEY_A, DOOR_KEY_B]);
    const n = new SdpNegotiation('5');
    const first = unwrap(n.createAnswer(INITIAL.replace('o=peer 7 7', 'o=peer 7 8'), { ...LOCAL, srtp }));
    const held = unwrap(n.createAnswer(INITIAL.replace('o=peer 7 7', 'o=peer 7 9').replace('a=sendrecv', 'a=sendonly'), { ...LOCAL, srtp }));
    expect(held.audio).toMatchObject({ direction: 'recvonly', srtp: first.audio?.srtp });
    expect(srtp.asked).toHaveLength(1);
    const repeated = unwrap(n.createAnswer(INITIAL, { ...LOCAL, srtp }));
    expect(new TextDecoder().decode(repeated.body)).toContain(`a=crypto:1 ${SHA1_80} ${DOOR_KEY_A}`);
  });

  it('answers a new key of the peer with a new key of ours', () => {
    const srtp = fakeSrtp('required', [], [DOOR_KEY_A, DOOR_KEY_B]);
    const call = unwrap(answerWith(INITIAL, srtp)).audio;
    const rekeyed = unwrap(answerOffer(sdp(INITIAL.replace(PEER_KEY_C, PEER_KEY_D)), { ...LOCAL, srtp }, call)).audio;
    expect(rekeyed.srtp).toEqual({ local: crypto(1, SHA1_80, DOOR_KEY_B), remote: crypto(1, SHA1_80, PEER_KEY_D) });
  });

  it('with SRTP required, a plain re-offer fails and the running SRTP session stays', () => {
    const n = new SdpNegotiation('6');
    const local = { ...LOCAL, srtp: fakeSrtp('required') };
    const call = unwrap(n.createAnswer(INITIAL, local)).audio;
    const plain = n.createAnswer(offer('m=audio 5000 RTP/AVP 0'), local);
    expect(!plain.ok && plain.error.code).toBe('SDP_NOT_ACCEPTABLE');
    expect(n.current).toBe(call);
  });

  it('with SRTP optional, a plain re-offer goes on as plain RTP', () => {
    const srtp = fakeSrtp('optional');
    const call = unwrap(answerWith(offer('m=audio 5000 RTP/AVP 0', LINE_80), srtp)).audio;
    expect(call.srtp).toBeDefined();
    const plain = unwrap(answerOffer(sdp(offer('m=audio 5000 RTP/AVP 0')), { ...LOCAL, srtp }, call)).audio;
    expect(plain.srtp).toBeUndefined();
  });
});
