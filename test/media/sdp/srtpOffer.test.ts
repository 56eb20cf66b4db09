// Offering SDES-SRTP and reading the answer (RFC 4568 §7.1.2, §7.1.3): RTP/SAVP when required, RTP/AVP with a=crypto
// when optional, the answer's tag choosing one of our lines, answers that refuse or garble SRTP, our own bad lines,
// and whole exchanges between two SdpNegotiations with srtp's real key choice, both suites and both policies.
import { describe, expect, it } from 'vitest';
import { acceptAnswer } from '../../../firmware-app/media/sdp/acceptAnswer.ts';
import type { CryptoAttribute } from '../../../firmware-app/media/sdp/attributes.ts';
import type { LocalSrtp } from '../../../firmware-app/media/sdp/local.ts';
import { buildOffer } from '../../../firmware-app/media/sdp/offer.ts';
import { serializeSdp } from '../../../firmware-app/media/sdp/serialize.ts';
import { SdpNegotiation } from '../../../firmware-app/media/sdp/SdpNegotiation.ts';
import { acceptCryptoLine } from '../../../firmware-app/media/srtp/sdesNegotiation.ts';
import { crlf } from './realSdps.ts';
import { crypto, DOOR_KEY_A, DOOR_KEY_B, fakeSrtp, PEER_KEY_C, realSrtp, SHA1_32, SHA1_80 } from './srtpSupport.ts';
import { LOCAL, sdp, unwrap } from './support.ts';

const HEAD = ['v=0', 'o=peer 9 9 IN IP4 192.0.2.7', 's=-', 'c=IN IP4 192.0.2.7', 't=0 0'];

function ourOffer(srtp?: LocalSrtp) {
  return unwrap(buildOffer(srtp === undefined ? { ...LOCAL, codecs: ['PCMA'] } : { ...LOCAL, codecs: ['PCMA'], srtp }));
}

function answer(proto: string, ...lines: string[]) {
  return sdp(crlf([...HEAD, `m=audio 5000 ${proto} 8`, ...lines]));
}

describe('our offer with an SRTP policy', () => {
  it('required: RTP/SAVP with our lines in our order, before ptime and direction', () => {
    expect(serializeSdp(ourOffer(fakeSrtp('required')))).toBe(
      crlf([
        'v=0',
        'o=sip-doorbell 0 0 IN IP4 192.168.1.10',
        's=sip-doorbell',
        'c=IN IP4 192.168.1.10',
        't=0 0',
        'm=audio 40000 RTP/SAVP 8 101',
        'a=rtpmap:8 PCMA/8000',
        'a=rtpmap:101 telephone-event/8000',
        'a=fmtp:101 0-15',
        `a=crypto:1 ${SHA1_80} ${DOOR_KEY_A}`,
        `a=crypto:2 ${SHA1_32} ${DOOR_KEY_B}`,
        'a=ptime:20',
        'a=sendrecv',
      ]),
    );
  });

  it('optional: RTP/AVP with the same lines (best effort); off: RTP/AVP without any', () => {
    const optional = serializeSdp(ourOffer(fakeSrtp('optional')));
    expect(optional).toContain('m=audio 40000 RTP/AVP 8 101\r\n');
    expect(optional).toContain(`a=crypto:1 ${SHA1_80} ${DOOR_KEY_A}\r\na=crypto:2 ${SHA1_32} ${DOOR_KEY_B}\r\n`);
    expect(serializeSdp(ourOffer())).not.toContain('a=crypto');
  });

  it('writes session parameters after the key', () => {
    const text = serializeSdp(ourOffer(fakeSrtp('required', [crypto(3, SHA1_80, `${DOOR_KEY_A}|2^31`, 'KDR=0', 'WSH=128')])));
    expect(text).toContain(`a=crypto:3 ${SHA1_80} ${DOOR_KEY_A}|2^31 KDR=0 WSH=128\r\n`);
  });

  it.each<[string, readonly CryptoAttribute[]]>([
    ['no line at all', []],
    ['two lines under one tag', [crypto(1, SHA1_80, DOOR_KEY_A), crypto(1, SHA1_32, DOOR_KEY_B)]],
    ['key params with a space', [crypto(1, SHA1_80, `${DOOR_KEY_A} x`)]],
    ['a key method other than inline', [crypto(1, SHA1_80, 'uri:https://example.com/key')]],
    ['a negative tag', [crypto(-1, SHA1_80, DOOR_KEY_A)]],
    ['a suite with a dash', [crypto(1, 'AES-CM', DOOR_KEY_A)]],
    ['an empty session parameter', [crypto(1, SHA1_80, DOOR_KEY_A, '')]],
  ])('refuses to offer (our bug, nothing sent) with %s', (_name, lines) => {
    for (const policy of ['optional', 'required'] as const) {
      const result = buildOffer({ ...LOCAL, srtp: fakeSrtp(policy, lines) });
      expect(!result.ok && result.error.code).toBe('SDP_BAD_LOCAL_ADDRESS');
    }
  });
});

describe('reading the answer to our SRTP offer', () => {
  it.each([
    [1, SHA1_80, DOOR_KEY_A],
    [2, SHA1_32, DOOR_KEY_B],
  ])('the answer tag %i picks our %s line', (tag, suite, ourKey) => {
    for (const policy of ['optional', 'required'] as const) {
      const proto = policy === 'required' ? 'RTP/SAVP' : 'RTP/AVP';
      const audio = unwrap(acceptAnswer(ourOffer(fakeSrtp(policy)), answer(proto, `a=crypto:${tag} ${suite} ${PEER_KEY_C}`)));
      expect(audio.proto).toBe(proto);
      expect(audio.srtp).toEqual({ local: crypto(tag, suite, ourKey), remote: crypto(tag, suite, PEER_KEY_C) });
    }
  });

  it('accepts the suite in another case and keeps the peer line as written', () => {
    const audio = unwrap(acceptAnswer(ourOffer(fakeSrtp('required')), answer('RTP/SAVP', `a=crypto:2 aes_cm_128_hmac_sha1_32 ${PEER_KEY_C} KDR=0`)));
    expect(audio.srtp).toEqual({ local: crypto(2, SHA1_32, DOOR_KEY_B), remote: crypto(2, 'aes_cm_128_hmac_sha1_32', PEER_KEY_C, 'KDR=0') });
  });

  it.each([
    ['a tag we never offered', `a=crypto:3 ${SHA1_80} ${PEER_KEY_C}`],
    ['another suite under our tag', `a=crypto:1 ${SHA1_32} ${PEER_KEY_C}`],
  ])('fails an answer whose a=crypto has %s, with either policy', (_name, line) => {
    for (const policy of ['optional', 'required'] as const) {
      const result = acceptAnswer(ourOffer(fakeSrtp(policy)), answer('RTP/SAVP', line));
      expect(!result.ok && result.error.code).toBe('SDP_ANSWER_MISMATCH');
    }
  });

  it('takes the first answer line that fits when a sloppy peer answers with several', () => {
    const audio = unwrap(acceptAnswer(ourOffer(fakeSrtp('required')), answer('RTP/SAVP', `a=crypto:7 ${SHA1_80} ${DOOR_KEY_A}`, `a=crypto:2 ${SHA1_32} ${PEER_KEY_C}`)));
    expect(audio.srtp?.remote).toEqual(crypto(2, SHA1_32, PEER_KEY_C));
  });

  it('required: an answer without a=crypto fails as not acceptable', () => {
    const result = acceptAnswer(ourOffer(fakeSrtp('required')), answer('RTP/SAVP'));
    expect(!result.ok && result.error.code).toBe('SDP_NOT_ACCEPTABLE');
  });

  it('optional: an answer without a=crypto is plain RTP', () => {
    const audio = unwrap(acceptAnswer(ourOffer(fakeSrtp('optional')), answer('RTP/AVP')));
    expect(audio.srtp).toBeUndefined();
    expect(audio.proto).toBe('RTP/AVP');
  });

  it('off: crypto lines in the answer to our plain offer are reported, never agreed', () => {
    const audio = unwrap(acceptAnswer(ourOffer(), answer('RTP/AVP', `a=crypto:1 ${SHA1_80} ${PEER_KEY_C}`)));
    expect(audio.srtp).toBeUndefined();
    expect(audio.remoteCrypto).toEqual([crypto(1, SHA1_80, PEER_KEY_C)]);
  });

  it('a failed SRTP answer leaves the running session as it was (RFC 3264 §8)', () => {
    const n = new SdpNegotiation('8');
    const local = { ...LOCAL, srtp: fakeSrtp('required') };
    unwrap(n.createOffer(local));
    const call = unwrap(n.setAnswer(crlf([...HEAD, 'm=audio 5000 RTP/SAVP 0', `a=crypto:1 ${SHA1_80} ${PEER_KEY_C}`])));
    unwrap(n.createOffer({ ...local, direction: 'sendonly' }));
    const refused = n.setAnswer(crlf([...HEAD, 'm=audio 5000 RTP/SAVP 0', 'a=recvonly']));
    expect(!refused.ok && refused.error.code).toBe('SDP_NOT_ACCEPTABLE');
    expect(n.current).toBe(call);
  });
});

describe('whole SDES exchanges between two of us, with srtp choosing and making the keys', () => {
  const decoder = new TextDecoder();

  it.each([
    ['required', 'required', ['AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32'], 'RTP/SAVP', SHA1_80, 1],
    // The answerer's preference decides (80 first): tag 2 of this offer.
    ['required', 'optional', ['AES_CM_128_HMAC_SHA1_32', 'AES_CM_128_HMAC_SHA1_80'], 'RTP/SAVP', SHA1_80, 2],
    ['optional', 'required', ['AES_CM_128_HMAC_SHA1_80'], 'RTP/AVP', SHA1_80, 1],
    ['optional', 'optional', ['AES_CM_128_HMAC_SHA1_32'], 'RTP/AVP', SHA1_32, 1],
  ] as const)('offerer %s, answerer %s, offered suites %j → %s with %s, tag %i', (offerPolicy, answerPolicy, preference, proto, suite, tag) => {
    const door = new SdpNegotiation('100');
    const phone = new SdpNegotiation('200');
    const offer = unwrap(door.createOffer({ ...LOCAL, srtp: realSrtp(offerPolicy, preference) }));
    const answered = unwrap(phone.createAnswer(offer, { address: '192.0.2.7', port: 5000, srtp: realSrtp(answerPolicy) }));
    const agreed = unwrap(door.setAnswer(answered.body));
    expect(decoder.decode(answered.body)).toContain(`m=audio 5000 ${proto} `);
    expect(agreed.proto).toBe(proto);
    // Each side receives with the key the other sends with, under one tag and suite.
    expect(agreed.srtp?.local).toEqual(answered.audio?.srtp?.remote);
    expect(agreed.srtp?.remote).toEqual(answered.audio?.srtp?.local);
    expect(agreed.srtp?.local).toMatchObject({ tag, suite });
    expect(agreed.srtp?.local.keyParams).not.toBe(agreed.srtp?.remote.keyParams);
    for (const line of [agreed.srtp!.local, agreed.srtp!.remote]) expect(acceptCryptoLine(line)?.suite.name).toBe(suite);
  });

  it('an optional offer to a peer without SRTP is plain RTP both ways; a required one is refused', () => {
    const phone = new SdpNegotiation('300');
    const optional = new SdpNegotiation('301');
    const plain = unwrap(phone.createAnswer(unwrap(optional.createOffer({ ...LOCAL, srtp: realSrtp('optional') })), { address: '192.0.2.7', port: 5000 }));
    expect(decoder.decode(plain.body)).not.toContain('a=crypto');
    expect(unwrap(optional.setAnswer(plain.body)).srtp).toBeUndefined();
    const required = unwrap(new SdpNegotiation('302').createOffer({ ...LOCAL, srtp: realSrtp('required') }));
    const refused = new SdpNegotiation('303').createAnswer(required, { address: '192.0.2.7', port: 5000 });
    expect(!refused.ok && refused.error.code).toBe('SDP_NOT_ACCEPTABLE');
  });
});
