// SDP parser (RFC 8866 §5): the lines we read, the levels c= and a= live at, and the typed failures for bad input.
import { describe, expect, it } from 'vitest';
import { parseSdp } from '../../../firmware-app/media/sdp/parse.ts';
import { serializeSdp } from '../../../firmware-app/media/sdp/serialize.ts';
import { attributeValues, parseCrypto, parseRtcp, parseRtpmap, ptimeOf } from '../../../firmware-app/media/sdp/attributes.ts';
import { declaredDirection, effectiveDirection } from '../../../firmware-app/media/sdp/direction.ts';
import type { SessionDescription } from '../../../firmware-app/media/sdp/types.ts';
import { BARESIP_OFFER, crlf, LINPHONE_SRTP_OFFER, RFC2543_HOLD, TWINKLE_OFFER } from './realSdps.ts';

function parsed(text: string | Uint8Array): SessionDescription {
  const result = parseSdp(text);
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.detail}`);
  return result.value;
}

function errorCode(text: string | Uint8Array): string | undefined {
  const result = parseSdp(text);
  return result.ok ? undefined : result.error.code;
}

const MINIMAL = ['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 'c=IN IP4 192.0.2.1', 't=0 0', 'm=audio 4000 RTP/AVP 0'];

describe('parseSdp', () => {
  it('reads v/o/s/c/t/m and the attributes of a baresip offer', () => {
    const sdp = parsed(BARESIP_OFFER);
    expect(sdp.origin).toEqual({
      username: '-',
      sessionId: '1407553412',
      sessionVersion: '2092436743',
      netType: 'IN',
      addrType: 'IP4',
      address: '192.168.1.50',
    });
    expect(sdp.sessionName).toBe('-');
    expect(sdp.connection).toEqual({ netType: 'IN', addrType: 'IP4', address: '192.168.1.50' });
    expect(sdp.timing).toEqual([{ start: '0', stop: '0', repeats: [] }]);
    expect(sdp.attributes).toEqual([{ name: 'tool', value: 'baresip 3.10.1' }]);
    expect(sdp.media).toHaveLength(1);
    const audio = sdp.media[0]!;
    expect(audio).toMatchObject({ media: 'audio', port: 10000, proto: 'RTP/AVP', formats: ['9', '0', '8', '101'] });
    expect(audio.otherLines).toEqual([{ type: 'b', value: 'AS:64' }]);
    expect(attributeValues(audio.attributes, 'rtpmap').map(parseRtpmap)).toEqual([
      { payloadType: 9, encoding: 'G722', clockRate: 8000 },
      { payloadType: 0, encoding: 'PCMU', clockRate: 8000 },
      { payloadType: 8, encoding: 'PCMA', clockRate: 8000 },
      { payloadType: 101, encoding: 'telephone-event', clockRate: 8000 },
    ]);
    expect(ptimeOf(audio)).toBe(20);
    // Unknown attributes are kept as they came.
    expect(audio.attributes).toContainEqual({ name: 'label', value: '1' });
    expect(audio.attributes).toContainEqual({ name: 'rtcp-rsize' });
  });

  it('accepts LF-only line ends (Twinkle) and a mix of CRLF and LF', () => {
    expect(parsed(TWINKLE_OFFER).media[0]!.formats).toEqual(['98', '97', '8', '0', '3', '101']);
    const mixed = 'v=0\r\no=- 1 1 IN IP4 192.0.2.1\ns=-\r\nc=IN IP4 192.0.2.1\nt=0 0\r\nm=audio 4000 RTP/AVP 0\n';
    expect(parsed(mixed).media[0]!.port).toBe(4000);
  });

  it('keeps media-level c= apart from the session-level one', () => {
    const sdp = parsed(
      crlf(['v=0', 'o=- 1 1 IN IP6 2001:db8::1', 's=-', 't=0 0', 'm=audio 4000 RTP/AVP 0', 'c=IN IP6 2001:db8::2', 'm=audio 4002 RTP/AVP 8', 'c=IN IP4 192.0.2.9']),
    );
    expect(sdp.connection).toBeUndefined();
    expect(sdp.media.map((m) => m.connections[0]?.address)).toEqual(['2001:db8::2', '192.0.2.9']);
  });

  it('reads direction at media level over session level, sendrecv by default', () => {
    const session = parsed(crlf([...MINIMAL.slice(0, 5), 'a=recvonly', 'm=audio 4000 RTP/AVP 0', 'm=audio 4002 RTP/AVP 0', 'a=inactive']));
    expect(session.media.map((m) => declaredDirection(session, m))).toEqual(['recvonly', 'inactive']);
    const plain = parsed(crlf(MINIMAL));
    expect(declaredDirection(plain, plain.media[0]!)).toBe('sendrecv');
  });

  it('understands c=0.0.0.0 (RFC 2543 hold) as "do not send to me"', () => {
    const sdp = parsed(RFC2543_HOLD);
    expect(declaredDirection(sdp, sdp.media[0]!)).toBe('sendrecv');
    expect(effectiveDirection(sdp, sdp.media[0]!)).toBe('sendonly');
  });

  it('reads crypto lines (RFC 4568) with key parameters kept as text, and a=rtcp', () => {
    const sdp = parsed(LINPHONE_SRTP_OFFER);
    const cryptos = attributeValues(sdp.media[0]!.attributes, 'crypto').map(parseCrypto);
    expect(cryptos).toEqual([
      { tag: 1, suite: 'AES_CM_128_HMAC_SHA1_80', keyParams: 'inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:32', sessionParams: [] },
      { tag: 2, suite: 'AES_CM_128_HMAC_SHA1_32', keyParams: 'inline:NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj', sessionParams: ['KDR=4'] },
    ]);
    expect(parseRtcp('53020 IN IP4 126.16.64.4')).toEqual({ port: 53020, connection: { netType: 'IN', addrType: 'IP4', address: '126.16.64.4' } });
    expect(parseRtcp('7079')).toEqual({ port: 7079 });
  });

  it('fills in a missing s= and t= (some embedded phones leave them out) and ignores unknown line types', () => {
    const sdp = parsed(crlf(['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 'c=IN IP4 192.0.2.1', 'x=whatever', 'm=audio 4000 RTP/AVP 0']));
    expect(sdp.sessionName).toBe('-');
    expect(sdp.timing).toEqual([{ start: '0', stop: '0', repeats: [] }]);
    expect(sdp.otherLines).toEqual([]);
  });

  it('keeps i=, u=, e=, b=, several t= with their r= lines, and writes them back in RFC 8866 order', () => {
    const text = crlf([
      'v=0',
      'o=jdoe 3724394400 3724394405 IN IP4 198.51.100.1',
      's=Call to John Smith',
      'i=SDP Offer #1',
      'u=http://www.jdoe.example.com/home.html',
      'e=Jane Doe <jane@jdoe.example.com>',
      'c=IN IP4 198.51.100.1',
      'b=AS:128',
      't=3724394400 3724398000',
      'r=604800 3600 0 90000',
      't=0 0',
      'm=audio 49170 RTP/AVP 0',
      'i=the voice',
      'b=TIAS:64000',
      'a=recvonly',
    ]);
    const sdp = parsed(text);
    expect(sdp.timing).toEqual([
      { start: '3724394400', stop: '3724398000', repeats: ['604800 3600 0 90000'] },
      { start: '0', stop: '0', repeats: [] },
    ]);
    expect(sdp.media[0]!.otherLines).toEqual([
      { type: 'i', value: 'the voice' },
      { type: 'b', value: 'TIAS:64000' },
    ]);
    expect(serializeSdp(sdp)).toBe(text);
  });

  it('reads bytes and text alike', () => {
    expect(parsed(new TextEncoder().encode(crlf(MINIMAL)))).toEqual(parsed(crlf(MINIMAL)));
  });

  it.each([
    ['an empty body', '', 'SDP_MALFORMED'],
    ['no v= first', crlf(MINIMAL.slice(1)), 'SDP_MALFORMED'],
    ['v=1', crlf(['v=1', ...MINIMAL.slice(1)]), 'SDP_MALFORMED'],
    ['no o=', crlf(MINIMAL.filter((l) => !l.startsWith('o='))), 'SDP_MALFORMED'],
    ['no c= for a live stream', crlf(MINIMAL.filter((l) => !l.startsWith('c='))), 'SDP_MALFORMED'],
    ['a port over 65535', crlf([...MINIMAL.slice(0, 5), 'm=audio 70000 RTP/AVP 0']), 'SDP_MALFORMED'],
    ['a port that is not a number', crlf([...MINIMAL.slice(0, 5), 'm=audio 4x00 RTP/AVP 0']), 'SDP_MALFORMED'],
    ['a payload type over 127', crlf([...MINIMAL.slice(0, 5), 'm=audio 4000 RTP/AVP 0 128']), 'SDP_MALFORMED'],
    ['a payload type that is not a number', crlf([...MINIMAL.slice(0, 5), 'm=audio 4000 RTP/AVP PCMU']), 'SDP_MALFORMED'],
    ['an m= without formats', crlf([...MINIMAL.slice(0, 5), 'm=audio 4000 RTP/AVP']), 'SDP_MALFORMED'],
    ['an rtpmap with a bad clock rate', crlf([...MINIMAL, 'a=rtpmap:0 PCMU/fast']), 'SDP_MALFORMED'],
    ['an rtpmap payload type over 127', crlf([...MINIMAL, 'a=rtpmap:300 PCMU/8000']), 'SDP_MALFORMED'],
    ['a ptime of zero', crlf([...MINIMAL, 'a=ptime:0']), 'SDP_MALFORMED'],
    ['a ptime that is not a number', crlf([...MINIMAL, 'a=ptime:twenty']), 'SDP_MALFORMED'],
    ['a bad IPv4 address', crlf([...MINIMAL.slice(0, 3), 'c=IN IP4 300.1.1.1', ...MINIMAL.slice(4)]), 'SDP_MALFORMED'],
    ['a bad IPv6 address', crlf([...MINIMAL.slice(0, 3), 'c=IN IP6 2001:db8:::1', ...MINIMAL.slice(4)]), 'SDP_MALFORMED'],
    ['a bad o= session id', crlf(['v=0', 'o=- abc 1 IN IP4 192.0.2.1', ...MINIMAL.slice(2)]), 'SDP_MALFORMED'],
    ['a line without =', crlf([...MINIMAL, 'a rtpmap']), 'SDP_MALFORMED'],
    ['an upper-case line type', crlf([...MINIMAL, 'A=sendrecv']), 'SDP_MALFORMED'],
    ['a CR inside a line', crlf([...MINIMAL.slice(0, 2), 's=a\rb', ...MINIMAL.slice(3)]), 'SDP_MALFORMED'],
    ['a NUL byte', crlf([...MINIMAL, 'a=x\0y']), 'SDP_MALFORMED'],
    ['two v= lines', crlf([...MINIMAL, 'v=0']), 'SDP_MALFORMED'],
    ['an o= after m=', crlf([...MINIMAL, 'o=- 1 1 IN IP4 192.0.2.1']), 'SDP_MALFORMED'],
  ])('refuses %s with a typed error', (_name, text, code) => {
    expect(errorCode(text)).toBe(code);
  });

  it('keeps an a=crypto line it cannot read as it came (SRTP finds it unusable) and never quotes its key in an error', () => {
    const key = 'inline:WVNfX19zZW1jdGwgKCkgewkyewkdKzU6Ly0';
    const parsed = parseSdp(crlf([...MINIMAL, `a=crypto:1 AES_CM_128_HMAC_SHA1_80 ${key}|bad|`, 'a=ptime:0']));
    expect(parsed.ok).toBe(false);
    expect(JSON.stringify(parsed)).not.toContain('WVNfX19');
    const kept = parseSdp(crlf([...MINIMAL, 'a=crypto:1 AES_CM_128_HMAC_SHA1_80 key']));
    expect(kept.ok && kept.value.media[0]!.attributes).toContainEqual({ name: 'crypto', value: '1 AES_CM_128_HMAC_SHA1_80 key' });
  });

  it('refuses bytes that are not UTF-8', () => {
    const bytes = new TextEncoder().encode(crlf([...MINIMAL, 'a=x']));
    const broken = new Uint8Array([...bytes.subarray(0, bytes.length - 2), 0xff, 0xfe, 0x0d, 0x0a]);
    expect(errorCode(broken)).toBe('SDP_MALFORMED');
  });

  it('refuses a huge body, too many lines and 1000 m-lines as SDP_TOO_LARGE', () => {
    expect(errorCode(crlf([...MINIMAL, `a=x:${'y'.repeat(40_000)}`]))).toBe('SDP_TOO_LARGE');
    expect(errorCode(crlf([...MINIMAL, ...Array.from({ length: 2000 }, () => 'a=x')]))).toBe('SDP_TOO_LARGE');
    expect(errorCode(crlf([...MINIMAL.slice(0, 5), ...Array.from({ length: 1000 }, () => 'm=audio 0 RTP/AVP 0')]))).toBe('SDP_TOO_LARGE');
    expect(errorCode(crlf([...MINIMAL.slice(0, 5), ...Array.from({ length: 40 }, () => 'm=audio 0 RTP/AVP 0')]))).toBe('SDP_TOO_LARGE');
  });

  it('takes non-RTP formats as tokens (T.38 image stream) and a port count', () => {
    const sdp = parsed(crlf([...MINIMAL.slice(0, 5), 'm=image 4000/2 udptl t38']));
    expect(sdp.media[0]).toMatchObject({ media: 'image', port: 4000, portCount: 2, proto: 'udptl', formats: ['t38'] });
  });
});
