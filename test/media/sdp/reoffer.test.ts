// Re-offers across a dialog (RFC 3264 §8): our o= version goes up on every change and stays on a repeat; hold and
// resume both ways; a new address or port; the running codec kept.
import { describe, expect, it } from 'vitest';
import { acceptAnswer } from '../../../firmware-app/media/sdp/acceptAnswer.ts';
import { answerOffer } from '../../../firmware-app/media/sdp/answer.ts';
import { buildOffer } from '../../../firmware-app/media/sdp/offer.ts';
import { startOrigin, stampOrigin } from '../../../firmware-app/media/sdp/origin.ts';
import { ASTERISK_HOLD, ASTERISK_OFFER, crlf } from './realSdps.ts';
import { LOCAL, sdp, unwrap } from './support.ts';

describe('our o= line across re-offers', () => {
  it('keeps the session id, raises the version by one on a change, keeps it on a repeat', () => {
    let origin = startOrigin('3891234567');
    const versions: string[] = [];
    for (const direction of ['sendrecv', 'sendrecv', 'sendonly', 'sendrecv'] as const) {
      const stamped = stampOrigin(origin, unwrap(buildOffer({ ...LOCAL, direction })));
      origin = stamped.state;
      const o = /^o=(.*)$/m.exec(stamped.text)![1]!;
      versions.push(o);
    }
    expect(versions).toEqual([
      'sip-doorbell 3891234567 0 IN IP4 192.168.1.10',
      'sip-doorbell 3891234567 0 IN IP4 192.168.1.10',
      'sip-doorbell 3891234567 1 IN IP4 192.168.1.10',
      'sip-doorbell 3891234567 2 IN IP4 192.168.1.10',
    ]);
  });

  it('shares one counter between our offers and our answers, and a new port is a change', () => {
    let origin = startOrigin('42', 5);
    const first = stampOrigin(origin, unwrap(answerOffer(sdp(ASTERISK_OFFER), LOCAL)).answer);
    origin = first.state;
    const moved = stampOrigin(origin, unwrap(buildOffer({ ...LOCAL, port: 40002 })));
    expect(first.description.origin.sessionVersion).toBe('5');
    expect(moved.description.origin.sessionVersion).toBe('6');
    expect(moved.text).toContain('m=audio 40002 RTP/AVP');
  });

  it('refuses a session id that is not digits (our bug, not peer input)', () => {
    expect(() => startOrigin('abc')).toThrow(RangeError);
  });
});

describe('hold and resume', () => {
  it('the peer holds us (a=sendonly) and resumes: we stop and start sending, the codec stays', () => {
    const call = unwrap(answerOffer(sdp(ASTERISK_OFFER), LOCAL)).audio;
    expect(call.codec.name).toBe('PCMU');
    const held = unwrap(answerOffer(sdp(ASTERISK_HOLD), LOCAL, call)).audio;
    expect(held).toMatchObject({ direction: 'recvonly', remoteHold: true, codec: call.codec });
    const resumed = unwrap(answerOffer(sdp(ASTERISK_OFFER.replace('1707138895', '1707138897')), LOCAL, held)).audio;
    expect(resumed).toMatchObject({ direction: 'sendrecv', remoteHold: false, codec: call.codec });
  });

  it('keeps a running codec through a re-offer that still has it, even if our order prefers another', () => {
    const g722 = unwrap(answerOffer(sdp(ASTERISK_OFFER), { ...LOCAL, codecs: ['G722', 'PCMU'] })).audio;
    expect(g722.codec.name).toBe('G722');
    const reoffer = unwrap(answerOffer(sdp(ASTERISK_HOLD), { ...LOCAL, codecs: ['PCMU', 'G722'] }, g722)).audio;
    expect(reoffer.codec.name).toBe('G722');
  });

  it('we hold the peer (sendonly) and resume (sendrecv)', () => {
    const peer = (direction: string) => sdp(crlf(['v=0', 'o=p 1 1 IN IP4 192.0.2.7', 's=-', 'c=IN IP4 192.0.2.7', 't=0 0', 'm=audio 5000 RTP/AVP 0', `a=${direction}`]));
    const hold = unwrap(buildOffer({ ...LOCAL, direction: 'sendonly' }));
    expect(unwrap(acceptAnswer(hold, peer('recvonly')))).toMatchObject({ direction: 'sendonly', remoteHold: false });
    const resume = unwrap(buildOffer(LOCAL));
    expect(unwrap(acceptAnswer(resume, peer('sendrecv')))).toMatchObject({ direction: 'sendrecv', remoteHold: false });
  });

  it('the peer moves its media to a new address and port in a re-offer', () => {
    const moved = ASTERISK_OFFER.replaceAll('10.0.0.5', '10.0.0.6').replace('m=audio 14562', 'm=audio 16000');
    const audio = unwrap(answerOffer(sdp(moved), LOCAL)).audio;
    expect(audio).toMatchObject({ remoteAddress: '10.0.0.6', remotePort: 16000, remoteRtcpPort: 16001 });
  });

  it('the peer holds the RFC 2543 way (c=0.0.0.0) and resumes with its real address', () => {
    const held = ASTERISK_OFFER.replace('c=IN IP4 10.0.0.5', 'c=IN IP4 0.0.0.0');
    expect(unwrap(answerOffer(sdp(held), LOCAL)).audio).toMatchObject({ direction: 'recvonly', remoteHold: true });
    expect(unwrap(answerOffer(sdp(ASTERISK_OFFER), LOCAL)).audio).toMatchObject({ direction: 'sendrecv', remoteHold: false });
  });
});
