// The bodies the dialog layer reads itself: INFO DTMF and the hold direction of an SDP offer; Session-Expires.
import { describe, expect, it } from 'vitest';
import { dtmfOfInfo, offerHolds } from '../../../firmware-app/sip/dialog/content.ts';
import { parseSessionExpires } from '../../../firmware-app/sip/dialog/sessionTimer.ts';
import { parseMessage, serializeMessage } from '../../../firmware-app/sip/message/index.ts';

const encoder = new TextEncoder();
const body = (contentType: string, text: string) => ({ contentType, bytes: encoder.encode(text) });

describe('dtmfOfInfo', () => {
  it('reads application/dtmf-relay Signal and Duration', () => {
    expect(dtmfOfInfo(body('application/dtmf-relay', 'Signal=5\r\nDuration=160\r\n'))).toEqual({ digit: '5', durationMs: 160 });
    expect(dtmfOfInfo(body('Application/DTMF-Relay; charset=x', 'signal = *\nduration=100'))).toEqual({ digit: '*', durationMs: 100 });
    expect(dtmfOfInfo(body('application/dtmf-relay', 'Signal=11'))).toEqual({ digit: '#' });
    expect(dtmfOfInfo(body('application/dtmf-relay', 'Signal=a'))).toEqual({ digit: 'A' });
  });

  it('reads application/dtmf', () => {
    expect(dtmfOfInfo(body('application/dtmf', '7'))).toEqual({ digit: '7' });
    expect(dtmfOfInfo(body('application/dtmf', '10\r\n'))).toEqual({ digit: '*' });
  });

  it('tells malformed and foreign bodies apart', () => {
    expect(dtmfOfInfo(body('application/dtmf-relay', 'Duration=160'))).toBe('malformed');
    expect(dtmfOfInfo(body('application/dtmf', 'xy'))).toBe('malformed');
    expect(dtmfOfInfo(body('application/dtmf-relay', 'Signal=99'))).toBe('malformed');
    expect(dtmfOfInfo(body('text/plain', '5'))).toBeUndefined();
  });
});

describe('offerHolds', () => {
  const sdp = (lines: string[]) => body('application/sdp', `v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\n${lines.join('\r\n')}\r\n`);

  it('is true for sendonly or inactive, media level over session level', () => {
    expect(offerHolds(sdp(['c=IN IP4 10.0.0.1', 'm=audio 4000 RTP/AVP 0', 'a=sendonly']))).toBe(true);
    expect(offerHolds(sdp(['a=inactive', 'c=IN IP4 10.0.0.1', 'm=audio 4000 RTP/AVP 0']))).toBe(true);
    expect(offerHolds(sdp(['a=sendonly', 'c=IN IP4 10.0.0.1', 'm=audio 4000 RTP/AVP 0', 'a=sendrecv']))).toBe(false);
    expect(offerHolds(sdp(['c=IN IP4 10.0.0.1', 'm=audio 4000 RTP/AVP 0']))).toBe(false);
    expect(offerHolds(sdp(['c=IN IP4 10.0.0.1', 'm=audio 4000 RTP/AVP 0', 'a=recvonly']))).toBe(false);
  });

  it('is true for the RFC 2543 hold address 0.0.0.0', () => {
    expect(offerHolds(sdp(['c=IN IP4 0.0.0.0', 'm=audio 4000 RTP/AVP 0']))).toBe(true);
    expect(offerHolds(sdp(['c=IN IP4 10.0.0.1', 'm=audio 4000 RTP/AVP 0', 'c=IN IP4 0.0.0.0']))).toBe(true);
  });

  it('looks at the audio stream and gives undefined without one or for another body type', () => {
    expect(offerHolds(sdp(['c=IN IP4 10.0.0.1', 'm=video 5000 RTP/AVP 96', 'a=inactive', 'm=audio 4000 RTP/AVP 0']))).toBe(false);
    expect(offerHolds(sdp(['c=IN IP4 10.0.0.1']))).toBeUndefined();
    expect(offerHolds(body('application/dtmf', '5'))).toBeUndefined();
  });
});

describe('parseSessionExpires', () => {
  const withHeader = (value: string) => parseMessage(serializeMessage({
    isRequest: true, method: 'UPDATE', requestUri: 'sip:a@example.com',
    headers: [['Via', 'SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1'], ['From', '<sip:b@example.com>;tag=1'], ['To', '<sip:a@example.com>;tag=2'], ['Call-ID', 'c'], ['CSeq', '2 UPDATE'], ['x', value]],
  }));

  it('reads the delta and the refresher, compact form included', () => {
    expect(parseSessionExpires(withHeader('1800;refresher=uas'))).toEqual({ delta: 1800, refresher: 'uas' });
    expect(parseSessionExpires(withHeader('90 ; Refresher = UAC'))).toEqual({ delta: 90, refresher: 'uac' });
    expect(parseSessionExpires(withHeader('90;refresher=both'))).toEqual({ delta: 90, refresher: undefined });
    expect(parseSessionExpires(withHeader('soon'))).toBeUndefined();
  });
});
