// One dialog's offer/answer state: offers and answers in turn, o= versions across them, glare and stray answers
// refused, and a failed exchange leaving the running session in place (RFC 3264 §8).
import { describe, expect, it } from 'vitest';
import { SdpNegotiation } from '../../../firmware-app/media/sdp/SdpNegotiation.ts';
import { ASTERISK_HOLD, ASTERISK_OFFER, crlf } from './realSdps.ts';
import { LOCAL, unwrap } from './support.ts';

const decoder = new TextDecoder();
const originOf = (bytes: Uint8Array) => /^o=(.*)\r$/m.exec(decoder.decode(bytes))![1];
const PEER_ANSWER = crlf(['v=0', 'o=peer 9 9 IN IP4 192.0.2.7', 's=-', 'c=IN IP4 192.0.2.7', 't=0 0', 'm=audio 5000 RTP/AVP 8 101', 'a=rtpmap:101 telephone-event/8000']);

describe('SdpNegotiation', () => {
  it('we call: offer, answer, then a hold re-offer with version + 1', () => {
    const n = new SdpNegotiation('1000');
    const offer = unwrap(n.createOffer(LOCAL));
    expect(originOf(offer)).toBe('sip-doorbell 1000 0 IN IP4 192.168.1.10');
    expect(n.state.kind).toBe('offerSent');
    expect(unwrap(n.setAnswer(PEER_ANSWER))).toMatchObject({ codec: { name: 'PCMA' }, direction: 'sendrecv' });
    expect(n.state.kind).toBe('stable');
    const hold = unwrap(n.createOffer({ ...LOCAL, direction: 'sendonly' }));
    expect(originOf(hold)).toBe('sip-doorbell 1000 1 IN IP4 192.168.1.10');
    expect(unwrap(n.setAnswer(PEER_ANSWER.replace('m=audio 5000 RTP/AVP 8 101', 'm=audio 5000 RTP/AVP 8 101\r\na=recvonly'))).direction).toBe('sendonly');
  });

  it('the peer calls: answer, then its hold re-offer keeps our version when our answer is unchanged in content', () => {
    const n = new SdpNegotiation('77');
    const first = unwrap(n.createAnswer(ASTERISK_OFFER, LOCAL));
    expect(first.audio).toMatchObject({ codec: { name: 'PCMU' }, direction: 'sendrecv' });
    const held = unwrap(n.createAnswer(ASTERISK_HOLD, LOCAL));
    expect(held.audio).toMatchObject({ direction: 'recvonly', remoteHold: true });
    expect(n.current?.remoteHold).toBe(true);
    // Our answer changed (a=recvonly), so our version went up.
    expect([originOf(first.body), originOf(held.body)]).toEqual(['sip-doorbell 77 0 IN IP4 192.168.1.10', 'sip-doorbell 77 1 IN IP4 192.168.1.10']);
    const refresh = unwrap(n.createAnswer(ASTERISK_HOLD, LOCAL));
    expect(originOf(refresh.body)).toBe('sip-doorbell 77 1 IN IP4 192.168.1.10');
  });

  it('a re-offer we cannot use is refused and the running session stays', () => {
    const n = new SdpNegotiation('5');
    const running = unwrap(n.createAnswer(ASTERISK_OFFER, LOCAL)).audio;
    const videoOnly = crlf(['v=0', 'o=- 1 2 IN IP4 10.0.0.5', 's=-', 'c=IN IP4 10.0.0.5', 't=0 0', 'm=video 5000 RTP/AVP 96', 'a=rtpmap:96 VP8/90000']);
    const result = n.createAnswer(videoOnly, LOCAL);
    expect(!result.ok && result.error.code).toBe('SDP_NOT_ACCEPTABLE');
    expect(n.current).toBe(running);
    const garbage = n.createAnswer(new Uint8Array([0xff, 0x00, 0x41]), LOCAL);
    expect(!garbage.ok && garbage.error.code).toBe('SDP_MALFORMED');
    expect(n.current).toBe(running);
  });

  it('refuses an offer while ours awaits its answer (glare), and an answer with no offer out', () => {
    const n = new SdpNegotiation('5');
    const stray = n.setAnswer(PEER_ANSWER);
    expect(!stray.ok && stray.error.code).toBe('SDP_OUT_OF_ORDER');
    unwrap(n.createOffer(LOCAL));
    const glare = n.createAnswer(ASTERISK_OFFER, LOCAL);
    expect(!glare.ok && glare.error.code).toBe('SDP_OUT_OF_ORDER');
    const second = n.createOffer(LOCAL);
    expect(!second.ok && second.error.code).toBe('SDP_OUT_OF_ORDER');
    n.cancelOffer();
    expect(n.state.kind).toBe('stable');
    expect(unwrap(n.createAnswer(ASTERISK_OFFER, LOCAL)).audio?.codec.name).toBe('PCMU');
  });

  it('a bad answer ends the offer and keeps the running session', () => {
    const n = new SdpNegotiation('5');
    unwrap(n.createOffer(LOCAL));
    const running = unwrap(n.setAnswer(PEER_ANSWER));
    unwrap(n.createOffer({ ...LOCAL, direction: 'sendonly' }));
    const bad = n.setAnswer(PEER_ANSWER.replace('RTP/AVP 8 101', 'RTP/AVP 18'));
    expect(!bad.ok && bad.error.code).toBe('SDP_ANSWER_MISMATCH');
    expect(n.state.kind).toBe('stable');
    expect(n.current).toBe(running);
  });

  it('never offers an unusable address of ours, and stays stable', () => {
    const n = new SdpNegotiation('5');
    const result = n.createOffer({ address: '::', port: 40000 });
    expect(!result.ok && result.error.code).toBe('SDP_BAD_LOCAL_ADDRESS');
    expect(n.state.kind).toBe('stable');
  });
});
