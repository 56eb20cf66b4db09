// Answering a peer's offer (RFC 3264 §6): our codec preference, the G.722 clock-rate quirk, telephone-event by clock
// rate, directions per §6.1, refused streams with port 0 in the offer's order, and the 488 case.
import { describe, expect, it } from 'vitest';
import { answerOffer } from '../../../firmware-app/media/sdp/answer.ts';
import { serializeSdp } from '../../../firmware-app/media/sdp/serialize.ts';
import { declaredDirection } from '../../../firmware-app/media/sdp/direction.ts';
import type { Direction } from '../../../firmware-app/media/sdp/types.ts';
import { crlf } from './realSdps.ts';
import { LOCAL, sdp, unwrap } from './support.ts';

const HEAD = ['v=0', 'o=peer 7 7 IN IP4 192.0.2.7', 's=-', 'c=IN IP4 192.0.2.7', 't=0 0'];

function offer(...mediaLines: string[]): string {
  return crlf([...HEAD, ...mediaLines]);
}

describe('answerOffer', () => {
  it('takes the first codec of OUR order that the offer has, with the offer payload type numbers', () => {
    const { answer, audio } = unwrap(answerOffer(sdp(offer('m=audio 5000 RTP/AVP 9 8 0 101', 'a=rtpmap:101 telephone-event/8000')), LOCAL));
    expect(audio.codec).toEqual({ name: 'PCMU', payloadType: 0, rtpClockRate: 8000, sampleRate: 8000 });
    expect(audio.telephoneEvent).toMatchObject({ payloadType: 101, clockRate: 8000, receivePayloadType: 101 });
    expect(audio).toMatchObject({ remoteAddress: '192.0.2.7', remotePort: 5000, remoteRtcpPort: 5001, direction: 'sendrecv', remoteHold: false });
    expect(serializeSdp(answer)).toBe(
      crlf([
        'v=0',
        'o=sip-doorbell 0 0 IN IP4 192.168.1.10',
        's=sip-doorbell',
        'c=IN IP4 192.168.1.10',
        't=0 0',
        'm=audio 40000 RTP/AVP 0 101',
        'a=rtpmap:0 PCMU/8000',
        'a=rtpmap:101 telephone-event/8000',
        'a=fmtp:101 0-15',
        'a=ptime:20',
        'a=sendrecv',
      ]),
    );
  });

  it('matches codec names case-insensitively and dynamic payload types by rtpmap', () => {
    const { audio } = unwrap(answerOffer(sdp(offer('m=audio 5000 RTP/AVP 96 97', 'a=rtpmap:96 opus/48000/2', 'a=rtpmap:97 pcma/8000')), LOCAL));
    expect(audio.codec).toMatchObject({ name: 'PCMA', payloadType: 97 });
  });

  it('understands rtpmap G722/8000 as 16 kHz audio with an 8000 Hz RTP clock (RFC 3551 quirk)', () => {
    const { audio } = unwrap(answerOffer(sdp(offer('m=audio 5000 RTP/AVP 9')), { ...LOCAL, codecs: ['G722', 'PCMU'] }));
    expect(audio.codec).toEqual({ name: 'G722', payloadType: 9, rtpClockRate: 8000, sampleRate: 16000 });
  });

  it('also takes a peer that wrote G722/16000, keeping its clock rate for the timestamps', () => {
    const { audio, answer } = unwrap(answerOffer(sdp(offer('m=audio 5000 RTP/AVP 9', 'a=rtpmap:9 G722/16000')), { ...LOCAL, codecs: ['G722'] }));
    expect(audio.codec).toMatchObject({ name: 'G722', rtpClockRate: 16000, sampleRate: 16000 });
    expect(answer.media[0]!.attributes).toContainEqual({ name: 'rtpmap', value: '9 G722/16000' });
  });

  it('picks the telephone-event whose clock rate matches the codec (8000 for G.722, 16000 as a fall-back)', () => {
    const both = offer('m=audio 5000 RTP/AVP 9 100 101', 'a=rtpmap:100 telephone-event/16000', 'a=rtpmap:101 telephone-event/8000');
    expect(unwrap(answerOffer(sdp(both), { ...LOCAL, codecs: ['G722'] })).audio.telephoneEvent?.payloadType).toBe(101);
    const wide = offer('m=audio 5000 RTP/AVP 9 100', 'a=rtpmap:100 telephone-event/16000');
    expect(unwrap(answerOffer(sdp(wide), { ...LOCAL, codecs: ['G722'] })).audio.telephoneEvent).toMatchObject({ payloadType: 100, clockRate: 16000 });
    const only48k = offer('m=audio 5000 RTP/AVP 0 101', 'a=rtpmap:101 telephone-event/48000');
    const { answer, audio } = unwrap(answerOffer(sdp(only48k), LOCAL));
    expect(audio.telephoneEvent).toBeUndefined();
    expect(answer.media[0]!.formats).toEqual(['0']);
  });

  it('takes telephone-event with events 0-16 (Asterisk), and not one that lacks the DTMF digits', () => {
    const asterisk = offer('m=audio 5000 RTP/AVP 0 101', 'a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-16');
    expect(unwrap(answerOffer(sdp(asterisk), LOCAL)).audio.telephoneEvent?.events.has(16)).toBe(true);
    const flashOnly = offer('m=audio 5000 RTP/AVP 0 101', 'a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 16');
    expect(unwrap(answerOffer(sdp(flashOnly), LOCAL)).audio.telephoneEvent).toBeUndefined();
  });

  it.each<[Direction, Direction, boolean]>([
    ['sendrecv', 'sendrecv', false],
    ['sendonly', 'recvonly', true],
    ['recvonly', 'sendonly', false],
    ['inactive', 'inactive', true],
  ])('answers %s with %s (RFC 3264 §6.1)', (offered, answered, remoteHold) => {
    const { answer, audio } = unwrap(answerOffer(sdp(offer('m=audio 5000 RTP/AVP 0', `a=${offered}`)), LOCAL));
    expect(declaredDirection(answer, answer.media[0]!)).toBe(answered);
    expect(audio.direction).toBe(answered);
    expect(audio.remoteHold).toBe(remoteHold);
  });

  it('limits the answer by what we want: while we hold (sendonly) a sendrecv offer is answered sendonly', () => {
    const { audio } = unwrap(answerOffer(sdp(offer('m=audio 5000 RTP/AVP 0')), { ...LOCAL, direction: 'sendonly' }));
    expect(audio.direction).toBe('sendonly');
    const both = unwrap(answerOffer(sdp(offer('m=audio 5000 RTP/AVP 0', 'a=sendonly')), { ...LOCAL, direction: 'sendonly' }));
    expect(both.audio.direction).toBe('inactive');
  });

  it('answers a c=0.0.0.0 offer (RFC 2543 hold) recvonly and does not send', () => {
    const held = crlf(['v=0', 'o=peer 7 8 IN IP4 192.0.2.7', 's=-', 'c=IN IP4 0.0.0.0', 't=0 0', 'm=audio 5000 RTP/AVP 0']);
    const { audio } = unwrap(answerOffer(sdp(held), LOCAL));
    expect(audio).toMatchObject({ remoteAddress: '0.0.0.0', direction: 'recvonly', remoteHold: true });
  });

  it('refuses video, a second audio stream and unusable streams with port 0, in the offer order', () => {
    const text = offer(
      'm=video 6000 RTP/AVP 96',
      'a=rtpmap:96 VP8/90000',
      'm=audio 5002 RTP/AVP 96',
      'a=rtpmap:96 opus/48000/2',
      'm=audio 5004 RTP/AVP 8',
      'm=audio 5006 RTP/AVP 0',
      'm=image 7000 udptl t38',
    );
    const { answer, audio } = unwrap(answerOffer(sdp(text), LOCAL));
    expect(audio.mediaIndex).toBe(2);
    expect(answer.media.map((m) => `${m.media} ${m.port} ${m.proto} ${m.formats.join(' ')}`)).toEqual([
      'video 0 RTP/AVP 96',
      'audio 0 RTP/AVP 96',
      'audio 40000 RTP/AVP 8',
      'audio 0 RTP/AVP 0',
      'image 0 udptl t38',
    ]);
  });

  it.each([
    ['only codecs we lack', offer('m=audio 5000 RTP/AVP 3 18 96', 'a=rtpmap:96 opus/48000/2')],
    ['only a refused audio stream', offer('m=audio 0 RTP/AVP 0')],
    ['only video', offer('m=video 6000 RTP/AVP 96', 'a=rtpmap:96 VP8/90000')],
    ['no m-line at all', crlf(HEAD)],
    ['a dynamic payload type without rtpmap', offer('m=audio 5000 RTP/AVP 97')],
    ['SRTP (RTP/SAVP) with no SRTP policy', offer('m=audio 5000 RTP/SAVP 0')],
    ['an address of the other IP family', crlf(['v=0', 'o=p 1 1 IN IP6 2001:db8::7', 's=-', 'c=IN IP6 2001:db8::7', 't=0 0', 'm=audio 5000 RTP/AVP 0'])],
    ['a host name instead of an address', crlf(['v=0', 'o=p 1 1 IN IP4 pbx.example', 's=-', 'c=IN IP4 pbx.example', 't=0 0', 'm=audio 5000 RTP/AVP 0'])],
    ['a stereo PCMU', offer('m=audio 5000 RTP/AVP 96', 'a=rtpmap:96 PCMU/8000/2')],
  ])('says SDP_NOT_ACCEPTABLE (the caller answers 488) for %s', (_name, text) => {
    const result = answerOffer(sdp(text), LOCAL);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error.code).toBe('SDP_NOT_ACCEPTABLE');
  });

  it('never answers with an unusable address of ours', () => {
    const result = answerOffer(sdp(offer('m=audio 5000 RTP/AVP 0')), { address: '0.0.0.0', port: 40000 });
    expect(!result.ok && result.error.code).toBe('SDP_BAD_LOCAL_ADDRESS');
  });

  it('sends with the peer ptime when it asks for one we can do, else ours', () => {
    expect(unwrap(answerOffer(sdp(offer('m=audio 5000 RTP/AVP 0', 'a=ptime:30')), LOCAL)).audio.sendPtime).toBe(30);
    expect(unwrap(answerOffer(sdp(offer('m=audio 5000 RTP/AVP 0', 'a=ptime:25')), LOCAL)).audio.sendPtime).toBe(20);
    expect(unwrap(answerOffer(sdp(offer('m=audio 5000 RTP/AVP 0', 'a=maxptime:10')), LOCAL)).audio.sendPtime).toBe(10);
  });

  it('reports the peer RTCP port from a=rtcp and its crypto lines', () => {
    const text = offer('m=audio 5000 RTP/AVP 0', 'a=rtcp:6001', 'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0NTY3');
    const { audio } = unwrap(answerOffer(sdp(text), LOCAL));
    expect(audio.remoteRtcpPort).toBe(6001);
    expect(audio.remoteCrypto).toEqual([{ tag: 1, suite: 'AES_CM_128_HMAC_SHA1_80', keyParams: 'inline:QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0NTY3', sessionParams: [] }]);
  });
});
