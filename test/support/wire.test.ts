// Tests for the wire check: messages read out of each phone's trace format, wildcard addresses found or not.

import { describe, expect, it } from 'vitest';
import {
  type TracedMessage,
  assertNoWildcardAddresses,
  baresipMessages,
  describeFault,
  isWildcardHost,
  linphoneMessages,
  twinkleMessages,
  wildcardFaults,
} from './wire.ts';

/** The door's INVITE as it went out bound to `host` (Via and Contact carry it), SDP address `media`. */
function invite(host: string, media = '192.0.2.2', eol = '\n'): string {
  return [
    'INVITE sip:flat@127.0.0.1:5070 SIP/2.0',
    `Via: SIP/2.0/UDP ${host}:5060;branch=z9hG4bKa2e1472cab0a804909c8a041;rport`,
    'Max-Forwards: 70',
    'From: "Door" <sip:door-2a4df17d9f574e0fbfa6@doorbell.test>;tag=d466bd5e8baf9f32',
    'To: <sip:flat@doorbell.test>',
    'Call-ID: 57d4e2323715c2208d86ce814acd0442',
    'CSeq: 1 INVITE',
    `Contact: <sip:door-2a4df17d9f574e0fbfa6@${host}:5060;transport=udp>`,
    'Content-Type: application/sdp',
    'Content-Length: 131',
    '',
    'v=0',
    `o=sip-doorbell 40960587 0 IN IP4 ${media}`,
    's=sip-doorbell',
    `c=IN IP4 ${media}`,
    't=0 0',
    'm=audio 40000 RTP/AVP 0',
    'a=sendrecv',
    '',
  ].join(eol);
}

/** The phone's 180, which copies the door's Via (whatever it says) and adds received/rport. */
function ringing(doorHost: string, eol = '\n'): string {
  return [
    'SIP/2.0 180 Ringing',
    `Via: SIP/2.0/UDP ${doorHost}:5060;branch=z9hG4bKa2e1472cab0a804909c8a041;rport=5060;received=127.0.0.1`,
    'From: "Door" <sip:door-2a4df17d9f574e0fbfa6@doorbell.test>;tag=d466bd5e8baf9f32',
    'To: <sip:flat@doorbell.test>;tag=W~JFipf',
    'Call-ID: 57d4e2323715c2208d86ce814acd0442',
    'CSeq: 1 INVITE',
    'Contact: <sip:flat@127.0.0.1:5070>',
    'Content-Length: 0',
    '',
    '',
  ].join(eol);
}

function baresipTrace(doorHost: string): string {
  const block = (from: string, to: string, message: string): string =>
    `\x1b[36;1m#\nUDP ${from} -> ${to}\n${message}\x1b[;m\n`;
  return [
    'baresip is ready.\n',
    block('127.0.0.1:5060', '127.0.0.1:5070', invite(doorHost, '192.0.2.2', '\r\n')),
    'ua: using AF from sdp offer: af=AF_INET\n',
    block('127.0.0.1:5070', '127.0.0.1:5060', ringing(doorHost, '\r\n')),
    'call: answering call on line 1\n',
  ].join('');
}

function linphoneLog(doorHost: string): string {
  return [
    '2026-12-03 07:04:46:939 belle-sip-message-channel [0x55a43ee8ebd0]: received [716] new bytes from [UDP://127.0.0.1:5060]:',
    invite(doorHost),
    '2026-12-03 07:04:46:941 belle-sip-message-channel [0x55a43ee8ebd0] [541] bytes parsed',
    '2026-12-03 07:04:46:949 belle-sip-message-channel [0x55a43ee8ebd0]: message sent to [UDP://127.0.0.1:5060], size: [368] bytes',
    ringing(doorHost),
    '2026-12-03 07:04:46:957 liblinphone-message-MediaSession accepted',
  ].join('\n');
}

function twinkleLog(doorHost: string): string {
  return [
    '+++ 3-12-2026 07:18:16.864996 INFO SIP ::process_sip_msg',
    'Received from: udp:127.0.0.1:5060',
    invite(doorHost),
    '---',
    '',
    '+++ 3-12-2026 07:18:16.873446 INFO SIP ::send_sip_udp',
    'Send to: udp:127.0.0.1:5060',
    ringing(doorHost),
    '---',
    '',
    '+++ 3-12-2026 07:18:20.860438 INFO NORMAL t_transaction_mgr::handle_event_user',
    'Cannot resolve destination for:',
    `BYE sip:door@${doorHost}:5060 SIP/2.0`,
    'Via: SIP/2.0/UDP 0.0.0.0:5070;rport;branch=z9hG4bKftfdufwn',
    '',
    'Send internal:',
    'SIP/2.0 404 Not Found',
    'Via: SIP/2.0/UDP 0.0.0.0:5070;rport;branch=z9hG4bKftfdufwn',
    '',
    '---',
  ].join('\n');
}

/** A message the phone received, built from header lines and optional SDP lines. */
function received(startLine: string, headers: ReadonlyArray<readonly [string, string]>, sdp = ''): TracedMessage {
  return { direction: 'received', remote: 'udp:127.0.0.1:5060', startLine, headers, sdp };
}

describe('reading traces', () => {
  const formats = [
    ['baresip', (host: string) => baresipMessages(baresipTrace(host), 5070)],
    ['linphonec', (host: string) => linphoneMessages(linphoneLog(host))],
    ['twinkle', (host: string) => twinkleMessages(twinkleLog(host))],
  ] as const;

  it.each(formats)('%s: each message once, with its direction, peer, headers and SDP', (_name, read) => {
    const messages = read('127.0.0.1');
    expect(messages.map((m) => [m.direction, m.remote, m.startLine])).toEqual([
      ['received', 'udp:127.0.0.1:5060', 'INVITE sip:flat@127.0.0.1:5070 SIP/2.0'],
      ['sent', 'udp:127.0.0.1:5060', 'SIP/2.0 180 Ringing'],
    ]);
    expect(messages[0]!.headers).toContainEqual(['Contact', '<sip:door-2a4df17d9f574e0fbfa6@127.0.0.1:5060;transport=udp>']);
    expect(messages[0]!.headers).toHaveLength(9);
    expect(messages[0]!.sdp.split('\n')).toEqual([
      'v=0', 'o=sip-doorbell 40960587 0 IN IP4 192.0.2.2', 's=sip-doorbell', 'c=IN IP4 192.0.2.2', 't=0 0',
      'm=audio 40000 RTP/AVP 0', 'a=sendrecv',
    ]);
    expect(messages[1]!.sdp).toBe('');
  });

  it.each(formats)('%s: a door bound to 127.0.0.1 passes', (_name, read) => {
    expect(() => assertNoWildcardAddresses(read('127.0.0.1'))).not.toThrow();
  });

  it.each(formats)('%s: a door bound to 0.0.0.0 fails on its Via and Contact, not on the phone\'s copy', (_name, read) => {
    const messages = read('0.0.0.0');
    expect(() => assertNoWildcardAddresses(messages)).toThrow(/Contact carries the unspecified address 0\.0\.0\.0/);
    expect(messages.filter((m) => m.direction === 'received').flatMap(wildcardFaults).map((f) => f.where)).toEqual(['Via sent-by', 'Contact']);
    // The phone's 180 repeats the door's Via sent-by; a response's copy is not held against anyone.
    expect(wildcardFaults(messages[1]!)).toEqual([]);
  });

  it('twinkle: what it logged but never sent (internal responses, unroutable requests) is not read', () => {
    expect(twinkleMessages(twinkleLog('0.0.0.0')).map((m) => m.startLine)).not.toContain('SIP/2.0 404 Not Found');
    expect(twinkleMessages(twinkleLog('0.0.0.0')).map((m) => m.startLine)).not.toContain('BYE sip:door@0.0.0.0:5060 SIP/2.0');
  });

  it('linphonec over TCP: a read that holds two messages gives both; a body read on its own joins its message', () => {
    const log = [
      '2026-12-03 07:36:15:342 belle-sip-message-channel [0x1]: received [1088] new bytes from [TCP://127.0.0.1:5060]:',
      'SIP/2.0 200 OK',
      'CSeq: 21 REGISTER',
      'Content-Length: 0',
      '',
      invite('127.0.0.1').replace(/\n\nv=0[\s\S]*$/, '\n'),
      '2026-12-03 07:36:15:343 belle-sip-message-channel [0x1] [386] bytes parsed',
      '2026-12-03 07:36:15:345 belle-sip-message-channel [0x1]: received [176] new bytes from [TCP://127.0.0.1:5060]:',
      'v=0',
      'c=IN IP4 0.0.0.0',
      '',
      '2026-12-03 07:36:15:345 belle-sip-message-channel [0x1] read [176] bytes of body from [127.0.0.1:5060]',
    ].join('\n');
    const messages = linphoneMessages(log);
    expect(messages.map((m) => [m.startLine, m.sdp])).toEqual([
      ['SIP/2.0 200 OK', ''],
      ['INVITE sip:flat@127.0.0.1:5070 SIP/2.0', 'v=0\nc=IN IP4 0.0.0.0'],
    ]);
    expect(messages.flatMap(wildcardFaults).map((f) => f.where)).toEqual(['SDP c=']);
  });

  it('joins folded header lines and reads compact names', () => {
    const [message] = linphoneMessages([
      'x: received [300] new bytes from [UDP://127.0.0.1:5060]:',
      'BYE sip:flat@127.0.0.1:5070 SIP/2.0',
      'v: SIP/2.0/UDP 127.0.0.1:5060',
      '  ;branch=z9hG4bK1',
      'm: <sip:door@[::]:5060>',
      'l: 0',
      '',
    ].join('\n'));
    expect(message!.headers).toEqual([['v', 'SIP/2.0/UDP 127.0.0.1:5060 ;branch=z9hG4bK1'], ['m', '<sip:door@[::]:5060>'], ['l', '0']]);
    expect(wildcardFaults(message!).map(describeFault)).toEqual([
      'BYE sip:flat@127.0.0.1:5070 SIP/2.0 (received udp:127.0.0.1:5060): Contact carries the unspecified address [::] in «m: <sip:door@[::]:5060>»',
    ]);
  });
});

describe('wildcard faults', () => {
  it.each([
    ['0.0.0.0', true], ['::', true], ['[::]', true], ['::0', true], ['0:0:0:0:0:0:0:0', true], ['[::ffff:0.0.0.0]', true],
    ['127.0.0.1', false], ['::1', false], ['[fd00::2]', false], ['10.0.0.0', false], ['doorbell.local', false], ['0.0.0.1', false],
  ])('isWildcardHost(%s) is %s', (host, expected) => {
    expect(isWildcardHost(host)).toBe(expected);
  });

  it('port 0 in a Via sent-by, a Contact or a Record-Route; an IPv6 wildcard in Via', () => {
    const faults = wildcardFaults(received('ACK sip:flat@127.0.0.1:5070 SIP/2.0', [
      ['Via', 'SIP/2.0/TLS 192.0.2.2:0;branch=z9hG4bK1'],
      ['Via', 'SIP/2.0/UDP [::]:5060;branch=z9hG4bK2, SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK3'],
      ['Contact', '"Door <sip:x@0.0.0.0>" <sip:door@192.0.2.2:0;transport=tls>'],
      ['Record-Route', '<sip:127.0.0.1;lr>, <sip:0.0.0.0:5060;lr>'],
    ]));
    expect(faults.map((f) => [f.where, f.fault])).toEqual([
      ['Via sent-by', 'port 0'],
      ['Via sent-by', 'the unspecified address [::]'],
      ['Contact', 'port 0'],
      ['Record-Route', 'the unspecified address 0.0.0.0'],
    ]);
  });

  it('a display name that mentions 0.0.0.0 is not an address', () => {
    expect(wildcardFaults(received('BYE sip:flat@127.0.0.1 SIP/2.0', [['From', '"sip:door@0.0.0.0" <sip:door@127.0.0.1>;tag=1']]))).toEqual([]);
  });

  it('in a response: Contact, received and rport count; the copied Via sent-by, From and To do not', () => {
    const faults = wildcardFaults(received('SIP/2.0 200 OK', [
      ['Via', 'SIP/2.0/UDP 0.0.0.0:5070;rport=0;received=0.0.0.0;branch=z9hG4bK1'],
      ['From', '<sip:flat@0.0.0.0>;tag=1'],
      ['To', '<sip:door@0.0.0.0:0>;tag=2'],
      ['Contact', '<sip:door@0.0.0.0:5060>'],
    ]));
    expect(faults.map((f) => f.where)).toEqual(['Via rport', 'Via received', 'Contact']);
  });

  it('the Contacts of an answer to REGISTER are the phone\'s bindings, not the door\'s address', () => {
    const faults = wildcardFaults(received('SIP/2.0 200 OK', [
      ['Via', 'SIP/2.0/UDP 127.0.0.1:5070;rport=5070;received=127.0.0.1;branch=z9hG4bK1'],
      ['CSeq', '21 REGISTER'],
      ['Contact', '<sip:flat@0.0.0.0:5070>;expires=60'],
    ]));
    expect(faults).toEqual([]);
  });

  it('in a request: From and To count too', () => {
    const faults = wildcardFaults(received('INVITE sip:flat@127.0.0.1 SIP/2.0', [
      ['From', '"Door" <sip:door@0.0.0.0>;tag=1'],
      ['To', '<sip:flat@127.0.0.1:0>'],
    ]));
    expect(faults.map((f) => f.where)).toEqual(['From', 'To']);
  });

  it('SDP c= and o= lines with 0.0.0.0 or ::; m= port 0 (a declined stream) is allowed', () => {
    const faults = wildcardFaults(received('SIP/2.0 200 OK', [['Content-Length', '99']], [
      'v=0', 'o=- 1 1 IN IP6 ::', 's=-', 'c=IN IP4 0.0.0.0', 't=0 0', 'm=audio 40000 RTP/AVP 0', 'm=video 0 RTP/AVP 96',
    ].join('\n')));
    expect(faults.map((f) => [f.where, f.fault])).toEqual([
      ['SDP o=', 'the unspecified address ::'],
      ['SDP c=', 'the unspecified address 0.0.0.0'],
    ]);
  });

  it('an empty trace, or one with only the phone\'s own messages, proves nothing and fails', () => {
    expect(() => assertNoWildcardAddresses([])).toThrow(/no message the phone received/);
    expect(() => assertNoWildcardAddresses([{ ...received('SIP/2.0 200 OK', []), direction: 'sent' }])).toThrow(/no message/);
  });
});
