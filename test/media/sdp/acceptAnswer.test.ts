// Reading the answer to our offer (RFC 3264 §7): codec one we offered, direction within our offer, refused audio and
// answers that do not fit our offer as typed failures.
import { describe, expect, it } from 'vitest';
import { acceptAnswer } from '../../../firmware-app/media/sdp/acceptAnswer.ts';
import { buildOffer } from '../../../firmware-app/media/sdp/offer.ts';
import type { LocalMedia } from '../../../firmware-app/media/sdp/local.ts';
import { crlf } from './realSdps.ts';
import { LOCAL, sdp, unwrap } from './support.ts';

const HEAD = ['v=0', 'o=peer 7 7 IN IP4 192.0.2.7', 's=-', 'c=IN IP4 192.0.2.7', 't=0 0'];

function accept(answerMedia: readonly string[], local: LocalMedia = LOCAL) {
  return acceptAnswer(unwrap(buildOffer(local)), sdp(crlf([...HEAD, ...answerMedia])));
}

describe('acceptAnswer', () => {
  it('takes the codec and telephone-event the peer chose from our offer', () => {
    const audio = unwrap(accept(['m=audio 5000 RTP/AVP 8 101', 'a=rtpmap:8 PCMA/8000', 'a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-15', 'a=ptime:20']));
    expect(audio).toMatchObject({
      mediaIndex: 0,
      remoteAddress: '192.0.2.7',
      remotePort: 5000,
      remoteRtcpPort: 5001,
      codec: { name: 'PCMA', payloadType: 8 },
      receivePayloadType: 8,
      telephoneEvent: { payloadType: 101, clockRate: 8000, receivePayloadType: 101 },
      sendPtime: 20,
      direction: 'sendrecv',
      remoteHold: false,
    });
  });

  it('takes the answerer first codec when it lists several (its order counts, not ours)', () => {
    expect(unwrap(accept(['m=audio 5000 RTP/AVP 9 0 8'])).codec.name).toBe('G722');
  });

  it('sends with the peer dynamic payload type numbers and receives with ours', () => {
    const audio = unwrap(accept(['m=audio 5000 RTP/AVP 0 96', 'a=rtpmap:96 telephone-event/8000']));
    expect(audio.telephoneEvent).toMatchObject({ payloadType: 96, receivePayloadType: 101 });
  });

  it('pairs G.722 with telephone-event/16000 when that is what the peer answered', () => {
    const audio = unwrap(accept(['m=audio 5000 RTP/AVP 9 102', 'a=rtpmap:102 telephone-event/16000']));
    expect(audio.codec).toMatchObject({ name: 'G722', rtpClockRate: 8000, sampleRate: 16000 });
    expect(audio.telephoneEvent).toMatchObject({ payloadType: 102, clockRate: 16000, receivePayloadType: 102 });
  });

  it('refuses an answer whose codec we never offered (SDP_ANSWER_MISMATCH)', () => {
    const result = accept(['m=audio 5000 RTP/AVP 18']);
    expect(!result.ok && result.error.code).toBe('SDP_ANSWER_MISMATCH');
    const g722NotOffered = accept(['m=audio 5000 RTP/AVP 9'], { ...LOCAL, codecs: ['PCMU'] });
    expect(!g722NotOffered.ok && g722NotOffered.error.code).toBe('SDP_ANSWER_MISMATCH');
  });

  it('refuses an answer with another number of m-lines, or another media type in our audio place', () => {
    const extra = accept(['m=audio 5000 RTP/AVP 0', 'm=video 0 RTP/AVP 96']);
    expect(!extra.ok && extra.error.code).toBe('SDP_ANSWER_MISMATCH');
    const video = accept(['m=video 5000 RTP/AVP 0']);
    expect(!video.ok && video.error.code).toBe('SDP_ANSWER_MISMATCH');
  });

  it('says SDP_NOT_ACCEPTABLE when the answer refuses the audio stream (port 0)', () => {
    const result = accept(['m=audio 0 RTP/AVP 0']);
    expect(!result.ok && result.error.code).toBe('SDP_NOT_ACCEPTABLE');
  });

  it('understands an answer with c=0.0.0.0 as "do not send to me"', () => {
    const held = acceptAnswer(
      unwrap(buildOffer(LOCAL)),
      sdp(crlf(['v=0', 'o=peer 7 7 IN IP4 192.0.2.7', 's=-', 'c=IN IP4 0.0.0.0', 't=0 0', 'm=audio 5000 RTP/AVP 0'])),
    );
    expect(unwrap(held)).toMatchObject({ remoteAddress: '0.0.0.0', direction: 'recvonly', remoteHold: true });
  });

  it.each([
    ['sendrecv', 'sendrecv', 'sendrecv', false],
    ['sendrecv', 'recvonly', 'sendonly', false],
    ['sendrecv', 'sendonly', 'recvonly', true],
    ['sendrecv', 'inactive', 'inactive', true],
    ['sendonly', 'recvonly', 'sendonly', false],
    ['sendonly', 'inactive', 'inactive', true],
    // A peer that answers our hold with sendrecv gets no more than our offer allowed.
    ['sendonly', 'sendrecv', 'sendonly', false],
    ['inactive', 'sendrecv', 'inactive', false],
  ] as const)('our %s answered %s gives us %s', (ours, theirs, result, remoteHold) => {
    const audio = unwrap(accept(['m=audio 5000 RTP/AVP 0', `a=${theirs}`], { ...LOCAL, direction: ours }));
    expect(audio.direction).toBe(result);
    expect(audio.remoteHold).toBe(remoteHold);
  });
});
