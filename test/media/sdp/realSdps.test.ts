// Offers as Linphone, baresip, Twinkle, Asterisk and a FRITZ!Box send them: each parses, survives a round trip, and
// gets the answer our default preference (PCMU, PCMA, G722) and a G.722-first preference give.
import { describe, expect, it } from 'vitest';
import { answerOffer } from '../../../firmware-app/media/sdp/answer.ts';
import { parseSdp } from '../../../firmware-app/media/sdp/parse.ts';
import { serializeSdp } from '../../../firmware-app/media/sdp/serialize.ts';
import { ASTERISK_HOLD, ASTERISK_OFFER, BARESIP_OFFER, FRITZBOX_OFFER, LINPHONE_OFFER, LINPHONE_SRTP_OFFER, RFC2543_HOLD, TWINKLE_OFFER } from './realSdps.ts';
import { LOCAL, sdp, unwrap } from './support.ts';

const OFFERS = {
  linphone: LINPHONE_OFFER,
  baresip: BARESIP_OFFER,
  twinkle: TWINKLE_OFFER,
  asterisk: ASTERISK_OFFER,
  asteriskHold: ASTERISK_HOLD,
  fritzbox: FRITZBOX_OFFER,
  rfc2543Hold: RFC2543_HOLD,
  linphoneSrtp: LINPHONE_SRTP_OFFER,
};

describe('real offers', () => {
  it.each(Object.entries(OFFERS))('%s: parse → serialize → parse gives the same description, CRLF only', (_name, text) => {
    const first = sdp(text);
    const written = serializeSdp(first);
    expect(written.replaceAll('\r\n', '')).not.toMatch(/[\r\n]/);
    expect(unwrap(parseSdp(written))).toEqual(first);
  });

  it.each(Object.entries(OFFERS).filter(([name]) => name !== 'twinkle'))('%s: serializes back to the same text', (_name, text) => {
    expect(serializeSdp(sdp(text))).toBe(text);
  });

  it.each([
    ['linphone', LINPHONE_OFFER, 'PCMU', 0, 100, 8000, 2],
    ['baresip', BARESIP_OFFER, 'PCMU', 0, 101, 8000, 1],
    ['twinkle', TWINKLE_OFFER, 'PCMU', 0, 101, 8000, 1],
    ['asterisk', ASTERISK_OFFER, 'PCMU', 0, 101, 8000, 1],
    ['fritzbox', FRITZBOX_OFFER, 'PCMU', 0, 101, 8000, 1],
  ])('%s: answered with our first codec it has and its telephone-event/8000', (_name, text, codec, pt, tePt, teRate, lines) => {
    const { answer, audio } = unwrap(answerOffer(sdp(text), LOCAL));
    expect(audio.codec).toMatchObject({ name: codec, payloadType: pt });
    expect(audio.telephoneEvent).toMatchObject({ payloadType: tePt, clockRate: teRate });
    expect(answer.media).toHaveLength(lines);
    expect(audio.direction).toBe('sendrecv');
  });

  it('linphone: its video stream is refused with port 0 after our audio answer', () => {
    const { answer } = unwrap(answerOffer(sdp(LINPHONE_OFFER), LOCAL));
    expect(answer.media.map((m) => [m.media, m.port])).toEqual([
      ['audio', 40000],
      ['video', 0],
    ]);
  });

  it.each([
    ['baresip', BARESIP_OFFER],
    ['asterisk', ASTERISK_OFFER],
    ['fritzbox', FRITZBOX_OFFER],
  ])('%s with G.722 preferred: G722 pt 9, telephone-event/8000 (RTP clock 8000), 16 kHz audio', (_name, text) => {
    const { audio } = unwrap(answerOffer(sdp(text), { ...LOCAL, codecs: ['G722', 'PCMA', 'PCMU'] }));
    expect(audio.codec).toEqual({ name: 'G722', payloadType: 9, rtpClockRate: 8000, sampleRate: 16000 });
    expect(audio.telephoneEvent).toMatchObject({ clockRate: 8000 });
  });

  it('linphone with G.722 preferred: it offers no G.722, so PCMU; its telephone-event/8000 of three', () => {
    const { audio } = unwrap(answerOffer(sdp(LINPHONE_OFFER), { ...LOCAL, codecs: ['G722', 'PCMU'] }));
    expect(audio.codec.name).toBe('PCMU');
    expect(audio.telephoneEvent?.payloadType).toBe(100);
  });

  it('fritzbox: RTCP port from a=rtcp; asterisk: sendPtime 20 within maxptime 150', () => {
    expect(unwrap(answerOffer(sdp(FRITZBOX_OFFER), LOCAL)).audio.remoteRtcpPort).toBe(7079);
    expect(unwrap(answerOffer(sdp(ASTERISK_OFFER), LOCAL)).audio.sendPtime).toBe(20);
  });

  it('asterisk hold and an RFC 2543 hold are answered recvonly', () => {
    expect(unwrap(answerOffer(sdp(ASTERISK_HOLD), LOCAL)).audio).toMatchObject({ direction: 'recvonly', remoteHold: true });
    expect(unwrap(answerOffer(sdp(RFC2543_HOLD), LOCAL)).audio).toMatchObject({ direction: 'recvonly', remoteHold: true });
  });

  it('linphone with mandatory SRTP: SDP_NOT_ACCEPTABLE (488) until the SRTP layer exists', () => {
    const result = answerOffer(sdp(LINPHONE_SRTP_OFFER), LOCAL);
    expect(!result.ok && result.error.code).toBe('SDP_NOT_ACCEPTABLE');
  });
});
