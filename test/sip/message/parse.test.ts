// parseMessage and the SipMessage view: RFC 3261 §7 framing, §7.3 header forms, §20 header grammars, RFC 5118 IPv6.
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_LIMITS, SipMessage, SipParseError, parseMessage,
} from '../../../firmware-app/sip/message/index.ts';
import {
  INVITE_HEADERS, INVITE_LINE, contactsOf, invite, inviteWith, latin1, parseErrorOf, partialRequest, rejects, utf8, wire,
} from './wire.ts';

describe('start line', () => {
  it('reads method, Request-URI and the hot headers of a request', () => {
    const m = parseMessage(invite());
    expect([m.isRequest, m.method, m.requestUri, m.status, m.reason]).toEqual([true, 'INVITE', 'sip:bob@biloxi.example.com', 0, '']);
    expect(m.callId).toBe('a84b4c76e66710@pc33.atlanta.example.com');
    expect(m.cseq).toEqual({ seq: 314159, method: 'INVITE' });
    expect(m.from.tag).toBe('1928301774');
    expect(m.to.tag).toBeUndefined();
    expect(m.maxForwards).toBe(70);
  });

  it('reads status and reason of a response, and takes its method from CSeq', () => {
    const m = parseMessage(wire('SIP/2.0 180 Ringing', [...INVITE_HEADERS]));
    expect([m.isRequest, m.status, m.reason, m.method, m.requestUri]).toEqual([false, 180, 'Ringing', 'INVITE', '']);
  });

  it('keeps a reason phrase with spaces and UTF-8 as written', () => {
    const m = parseMessage(wire('SIP/2.0 486 Besetzt – bitte später', [...INVITE_HEADERS]));
    expect(m.reason).toBe('Besetzt – bitte später');
  });

  it('ignores CRLFs before the start line (RFC 3261 §7.5)', () => {
    const m = parseMessage(utf8(`\r\n\r\n${latin1(invite())}`));
    expect(m.method).toBe('INVITE');
  });

  it('accepts a lower-case SIP-Version (RFC 3261 §7.1: case-insensitive)', () => {
    const m = parseMessage(wire('INVITE sip:bob@biloxi.example.com sip/2.0', [...INVITE_HEADERS]));
    expect(m.method).toBe('INVITE');
  });

  it('keeps method names case-sensitive and unknown methods as written', () => {
    const m = parseMessage(wire('invite sip:bob@biloxi.example.com SIP/2.0', [...INVITE_HEADERS.slice(0, 5), 'CSeq: 1 invite']));
    expect(m.method).toBe('invite');
    expect(m.method).not.toBe('INVITE');
  });

  it.each([
    ['no Request-URI', 'INVITE SIP/2.0'],
    ['no version', 'INVITE sip:bob@biloxi.example.com'],
    ['a version that is not SIP/x.y', 'INVITE sip:bob@biloxi.example.com HTTP/1.1'],
    ['a method that is not a token', 'INV(ITE sip:bob@biloxi.example.com SIP/2.0'],
    ['two spaces', 'INVITE  sip:bob@biloxi.example.com SIP/2.0'],
  ])('rejects a request line with %s as BAD_START_LINE', (_what, line) => {
    rejects(wire(line, [...INVITE_HEADERS]), 'BAD_START_LINE');
  });

  it.each([
    ['a two-digit code', 'SIP/2.0 99 Odd'],
    ['a code below 100', 'SIP/2.0 099 Odd'],
    ['a code above 699', 'SIP/2.0 700 Odd'],
    ['no space after the code', 'SIP/2.0 200'],
    ['a letter in the code', 'SIP/2.0 2O0 OK'],
  ])('rejects a status line with %s as BAD_STATUS_LINE', (_what, line) => {
    const err = rejects(wire(line, [...INVITE_HEADERS]), 'BAD_STATUS_LINE');
    expect(err.request).toBeUndefined();
  });

  it('answers an unsupported version with 505 and keeps the request for it', () => {
    const err = rejects(wire('INVITE sip:bob@biloxi.example.com SIP/3.0', [...INVITE_HEADERS]), 'VERSION_NOT_SUPPORTED');
    expect(err.status).toBe(505);
    expect(partialRequest(err).callId).toBe('a84b4c76e66710@pc33.atlanta.example.com');
  });

  it('rejects a malformed Request-URI with BAD_REQUEST_URI and keeps the request for a 400', () => {
    const err = rejects(wire('INVITE sip:bob@bad_host-.example.com SIP/2.0', [...INVITE_HEADERS]), 'BAD_REQUEST_URI');
    expect(err.status).toBe(400);
    expect(partialRequest(err).method).toBe('INVITE');
  });

  it('takes an IPv6 reference as Request-URI (RFC 5118 §4.1)', () => {
    const m = parseMessage(wire('OPTIONS sip:[2001:db8::10]:5070 SIP/2.0', [...INVITE_HEADERS.slice(0, 5), 'CSeq: 1 OPTIONS']));
    expect(m.requestUri).toBe('sip:[2001:db8::10]:5070');
  });

  it('rejects an unclosed IPv6 reference in the Request-URI', () => {
    rejects(wire('OPTIONS sip:[2001:db8::10 SIP/2.0', [...INVITE_HEADERS.slice(0, 5), 'CSeq: 1 OPTIONS']), 'BAD_REQUEST_URI');
  });
});

describe('framing and bytes', () => {
  it('returns the body as a view into the input, not a copy', () => {
    const input = invite(['Content-Type: text/plain', 'Content-Length: 5'], 'hello');
    const m = parseMessage(input);
    expect(m.body.buffer).toBe(input.buffer);
    expect(m.body.byteOffset).toBe(input.byteOffset + input.length - 5);
    expect(latin1(m.body)).toBe('hello');
    expect(m.bytes).toBe(input);
  });

  it('ignores bytes past Content-Length (RFC 3261 §18.3)', () => {
    const m = parseMessage(invite(['Content-Length: 5'], 'helloGARBAGE\r\n'));
    expect(latin1(m.body)).toBe('hello');
    expect(m.contentLength).toBe(5);
  });

  it('takes the rest of a datagram as body when Content-Length is absent', () => {
    const m = parseMessage(invite([], 'v=0\r\n'));
    expect(latin1(m.body)).toBe('v=0\r\n');
  });

  it('reads Content-Length in compact form', () => {
    const m = parseMessage(invite(['l: 3'], 'abcdef'));
    expect(latin1(m.body)).toBe('abc');
  });

  it('rejects a Content-Length larger than the datagram and keeps the request for a 400', () => {
    const err = rejects(invite(['Content-Length: 10'], 'short'), 'CONTENT_LENGTH_MISMATCH');
    expect(partialRequest(err).cseq.method).toBe('INVITE');
  });

  it.each(['abc', '-1', '', '1 2'])('rejects Content-Length %j as BAD_CONTENT_LENGTH', (value) => {
    rejects(invite([`Content-Length: ${value}`]), 'BAD_CONTENT_LENGTH');
  });

  it('rejects an empty input and one of CRLFs only as EMPTY_MESSAGE', () => {
    rejects(new Uint8Array(0), 'EMPTY_MESSAGE');
    rejects(utf8('\r\n\r\n'), 'EMPTY_MESSAGE');
  });

  it('rejects a header section without its empty line as NO_HEADER_END', () => {
    const text = latin1(invite());
    rejects(utf8(text.slice(0, -2)), 'NO_HEADER_END');
    rejects(utf8(text.slice(0, -4)), 'NO_HEADER_END');
  });

  it('rejects bare LF line ends (RFC 3261 §7: CRLF)', () => {
    rejects(utf8(latin1(invite()).replace(/\r\n/g, '\n')), 'BAD_LINE_END');
  });

  /** The error of parsing `input` and reading every header value: a value may be judged when it is read. */
  function errorWhenRead(input: Uint8Array): SipParseError {
    return parseErrorOf(() => {
      const m = parseMessage(input);
      for (const [name] of m.entries()) m.header(name);
    });
  }

  it.each([
    ['a bare CR', 'Subject: a\rb'],
    ['a NUL', 'Subject: a\x00b'],
    ['a BEL in an unknown header', 'X-Door: a\x07b'],
    ['a NUL in a header value quoted but not escaped', 'Subject: "a\x00b"'],
  ])('rejects %s in a header value as BAD_CHARACTER, at the latest when the value is read', (_what, line) => {
    const err = errorWhenRead(invite([line]));
    expect(['BAD_CHARACTER', 'BAD_LINE_END']).toContain(err.code);
  });

  it('accepts a NUL escaped as quoted-pair inside a quoted display name (RFC 3261 §25.1)', () => {
    const m = parseMessage(inviteWith('To', 'To: "a\\\x00b\\\x07" <sip:bob@biloxi.example.com>'));
    expect(m.to.displayName).toBe('a\x00b\x07');
    expect(m.header('To')).toBe('"a\\\x00b\\\x07" <sip:bob@biloxi.example.com>');
    expect(m.entries().find(([name]) => name === 'To')![1]).toBe(m.header('To'));
  });
});

describe('limits', () => {
  it('defaults to the largest UDP payload, 128 header lines and 8 KiB lines', () => {
    expect(DEFAULT_LIMITS).toEqual({ maxMessageBytes: 65535, maxHeaders: 128, maxLineBytes: 8192 });
  });

  it('rejects a message over maxMessageBytes with MESSAGE_TOO_LARGE, answered with 513', () => {
    const input = invite();
    const limits = { ...DEFAULT_LIMITS, maxMessageBytes: input.length - 1 };
    const err = parseErrorOf(() => parseMessage(input, limits));
    expect([err.code, err.status]).toEqual(['MESSAGE_TOO_LARGE', 513]);
    expect(parseMessage(input, { ...limits, maxMessageBytes: input.length }).method).toBe('INVITE');
  });

  it('rejects more than maxHeaders header lines with TOO_MANY_HEADERS', () => {
    const input = invite(['Subject: one', 'Subject: two']);
    const err = parseErrorOf(() => parseMessage(input, { ...DEFAULT_LIMITS, maxHeaders: INVITE_HEADERS.length + 1 }));
    expect(err.code).toBe('TOO_MANY_HEADERS');
    expect(parseMessage(input, { ...DEFAULT_LIMITS, maxHeaders: INVITE_HEADERS.length + 2 }).headerCount).toBe(8);
  });

  it('rejects a header line over maxLineBytes with LINE_TOO_LONG, folded continuations included', () => {
    const limits = { ...DEFAULT_LIMITS, maxLineBytes: 80 };
    expect(parseMessage(invite([`Subject: ${'x'.repeat(60)}`]), limits).header('subject')).toHaveLength(60);
    expect(parseErrorOf(() => parseMessage(invite([`Subject: ${'x'.repeat(80)}`]), limits)).code).toBe('LINE_TOO_LONG');
    const folded = `Subject: ${'x'.repeat(40)}\r\n ${'y'.repeat(40)}`;
    expect(parseErrorOf(() => parseMessage(invite([folded]), limits)).code).toBe('LINE_TOO_LONG');
  });
});

describe('mandatory and single headers (RFC 3261 §8.1.1)', () => {
  it.each(['Via', 'From', 'To', 'Call-ID', 'CSeq'])('rejects a request without %s as MISSING_HEADER', (name) => {
    const headers = INVITE_HEADERS.filter((h) => !h.startsWith(`${name}:`));
    rejects(wire(INVITE_LINE, headers), 'MISSING_HEADER');
  });

  it.each([
    ['From', 'From: <sip:eve@example.com>;tag=2'],
    ['To', 'To: <sip:eve@example.com>'],
    ['Call-ID', 'Call-ID: other@example.com'],
    ['CSeq', 'CSeq: 2 INVITE'],
    ['Content-Length', 'Content-Length: 0'],
  ])('rejects a second %s header as DUPLICATE_HEADER', (_name, line) => {
    const extra = line.startsWith('Content-Length') ? ['Content-Length: 0', line] : [line];
    rejects(invite(extra), 'DUPLICATE_HEADER');
  });

  it('rejects a duplicate written in compact form', () => {
    rejects(invite(['i: other@example.com']), 'DUPLICATE_HEADER');
  });

  it('rejects a CSeq method that differs from the request method, keeping the request', () => {
    const err = rejects(inviteWith('CSeq', 'CSeq: 1 BYE'), 'CSEQ_METHOD_MISMATCH');
    expect(partialRequest(err).method).toBe('INVITE');
  });

  it.each([
    ['no method', 'CSeq: 1'],
    ['no space', 'CSeq: 1INVITE'],
    ['no number', 'CSeq: INVITE'],
    ['a number of 2^31', 'CSeq: 2147483648 INVITE'],
  ])('rejects a CSeq with %s as BAD_CSEQ', (_what, line) => {
    rejects(inviteWith('CSeq', line), 'BAD_CSEQ');
  });

  it('accepts the largest CSeq number, 2^31 - 1 (RFC 3261 §8.1.1.5)', () => {
    expect(parseMessage(inviteWith('CSeq', 'CSeq: 2147483647 INVITE')).cseq.seq).toBe(2147483647);
  });

  it.each([['empty', 'Call-ID: '], ['two words', 'Call-ID: a b'], ['a dangling @', 'Call-ID: abc@']])(
    'rejects a Call-ID that is %s as BAD_CALL_ID',
    (_what, line) => {
      rejects(inviteWith('Call-ID', line), 'BAD_CALL_ID');
    },
  );

  it('rejects Max-Forwards outside 0-255 with BAD_MAX_FORWARDS, keeping the request', () => {
    const err = rejects(inviteWith('Max-Forwards', 'Max-Forwards: 256'), 'BAD_MAX_FORWARDS');
    expect(partialRequest(err).method).toBe('INVITE');
    rejects(inviteWith('Max-Forwards', 'Max-Forwards: seventy'), 'BAD_MAX_FORWARDS');
  });
});

describe('header names: case and compact forms (RFC 3261 §7.3.3)', () => {
  const compact = wire('INVITE sip:bob@biloxi.example.com SIP/2.0', [
    'v: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds',
    't: Bob <sip:bob@biloxi.example.com>',
    'f: Alice <sip:alice@atlanta.example.com>;tag=1928301774',
    'i: a84b4c76e66710@pc33.atlanta.example.com',
    'CSeq: 314159 INVITE',
    'm: <sip:alice@pc33.atlanta.example.com>',
    'c: application/sdp',
    'k: 100rel, timer',
    's: Lunch?',
    'e: gzip',
    'o: dialog',
    'r: <sip:carol@chicago.example.com>',
    'u: refer, dialog',
    'b: <sip:alice@atlanta.example.com>',
    'x: 1800;refresher=uac',
    'l: 4',
  ], 'v=0\n');

  it('serves every compact form through the long name and the typed accessors', () => {
    const m = parseMessage(compact);
    expect(m.topVia.host).toBe('pc33.atlanta.example.com');
    expect(m.to.uri).toBe('sip:bob@biloxi.example.com');
    expect(m.from.tag).toBe('1928301774');
    expect(m.callId).toBe('a84b4c76e66710@pc33.atlanta.example.com');
    expect(contactsOf(m).map((c) => c.uri)).toEqual(['sip:alice@pc33.atlanta.example.com']);
    expect(m.contentType).toBe('application/sdp');
    expect(m.headers('Supported')).toEqual(['100rel', 'timer']);
    expect(m.header('Subject')).toBe('Lunch?');
    expect(m.header('Content-Encoding')).toBe('gzip');
    expect(m.header('Event')).toBe('dialog');
    expect(m.header('Refer-To')).toBe('<sip:carol@chicago.example.com>');
    expect(m.headers('Allow-Events')).toEqual(['refer', 'dialog']);
    expect(m.header('Referred-By')).toBe('<sip:alice@atlanta.example.com>');
    expect(m.header('Session-Expires')).toBe('1800;refresher=uac');
    expect(latin1(m.body)).toBe('v=0\n');
  });

  it('serves the long form through the compact name', () => {
    const m = parseMessage(invite(['Subject: Lunch?', 'Supported: timer']));
    expect(m.header('s')).toBe('Lunch?');
    expect(m.headers('k')).toEqual(['timer']);
    expect(m.header('v')).toBe(m.header('Via'));
    expect(m.header('i')).toBe('a84b4c76e66710@pc33.atlanta.example.com');
  });

  it('finds headers whatever the case of the name in the message or in the query', () => {
    const m = parseMessage(invite(['sUbJeCt: x', 'X-Door-Code: 1234']));
    expect(m.header('SUBJECT')).toBe('x');
    expect(m.header('subject')).toBe('x');
    expect(m.header('CALL-ID')).toBe('a84b4c76e66710@pc33.atlanta.example.com');
    expect(m.header('x-door-code')).toBe('1234');
    expect(m.headers('X-DOOR-CODE')).toEqual(['1234']);
  });

  it('returns undefined and [] for an absent header', () => {
    const m = parseMessage(invite());
    expect(m.header('Subject')).toBeUndefined();
    expect(m.headers('Subject')).toEqual([]);
    expect(m.header('X-Unknown')).toBeUndefined();
  });

  it('does not confuse an unknown name with a known one that it starts with', () => {
    const m = parseMessage(invite(['Subjects: plural', 'X: short']));
    expect(m.header('Subject')).toBeUndefined();
    expect(m.header('Subjects')).toBe('plural');
    expect(m.header('X')).toBe('short');
  });

  it('lists every header line as written, in order, by entries()', () => {
    const m = parseMessage(invite(['s: a', 'X-B:b']));
    expect(m.entries()).toEqual([
      ['Via', 'SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds'],
      ['Max-Forwards', '70'],
      ['To', 'Bob <sip:bob@biloxi.example.com>'],
      ['From', 'Alice <sip:alice@atlanta.example.com>;tag=1928301774'],
      ['Call-ID', 'a84b4c76e66710@pc33.atlanta.example.com'],
      ['CSeq', '314159 INVITE'],
      ['s', 'a'],
      ['X-B', 'b'],
    ]);
    expect(m.headerCount).toBe(8);
  });

  it('rejects a header line without a colon or name', () => {
    rejects(invite(['Subject lunch']), 'BAD_HEADER_NAME');
    rejects(invite([': lunch']), 'BAD_HEADER_NAME');
    rejects(invite(['Sub ject: lunch']), 'BAD_HEADER_NAME');
  });

  it('does not take a control character for the - of a known name (CR | 0x20 is -)', () => {
    rejects(invite(['Session\rExpires: 90']), 'BAD_HEADER_NAME');
    rejects(invite(['Max\rForwards: 70']), 'BAD_HEADER_NAME');
    expect(parseMessage(invite(['SESSION-EXPIRES: 90'])).header('Session-Expires')).toBe('90');
  });
});

describe('white space and folding (RFC 3261 §7.3.1)', () => {
  it.each(['Subject:            lunch', 'Subject      :      lunch', 'Subject            :lunch', 'Subject: lunch', 'Subject: lunch\t  '])(
    'reads %j as "lunch"',
    (line) => {
      expect(parseMessage(invite([line])).header('Subject')).toBe('lunch');
    },
  );

  it('unfolds a folded value to single spaces', () => {
    const m = parseMessage(invite(["Subject: I know you're there,\r\n         pick up the phone\r\n\tand talk to me!"]));
    expect(m.header('Subject')).toBe("I know you're there, pick up the phone and talk to me!");
    expect(m.entries().at(-1)).toEqual(['Subject', "I know you're there, pick up the phone and talk to me!"]);
  });

  it('parses folded hot headers', () => {
    const m = parseMessage(wire(INVITE_LINE, [
      'Via: SIP/2.0/UDP\r\n pc33.atlanta.example.com\r\n ;branch=z9hG4bK776asdhds',
      'To: Bob\r\n <sip:bob@biloxi.example.com>',
      'From: Alice <sip:alice@atlanta.example.com>\r\n\t;tag=1928301774',
      'Call-ID: a84b4c76e66710@pc33.atlanta.example.com',
      'CSeq: 314159\r\n INVITE',
    ]));
    expect([m.topVia.host, m.topVia.branch]).toEqual(['pc33.atlanta.example.com', 'z9hG4bK776asdhds']);
    expect([m.to.displayName, m.to.uri]).toEqual(['Bob', 'sip:bob@biloxi.example.com']);
    expect(m.from.tag).toBe('1928301774');
    expect(m.cseq).toEqual({ seq: 314159, method: 'INVITE' });
  });

  it('rejects a first header line that starts with white space as BAD_FOLDING', () => {
    rejects(wire(INVITE_LINE, [' Subject: x', ...INVITE_HEADERS]), 'BAD_FOLDING');
  });
});

describe('headers(): list splitting', () => {
  it('splits list headers at commas and keeps the order across lines', () => {
    const m = parseMessage(invite([
      'Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>',
      'Route: <sip:p3.example.com;lr>',
      'Allow: INVITE, ACK,CANCEL ,BYE',
    ]));
    expect(m.headers('Route')).toEqual(['<sip:p1.example.com;lr>', '<sip:p2.example.com;lr>', '<sip:p3.example.com;lr>']);
    expect(m.headers('Allow')).toEqual(['INVITE', 'ACK', 'CANCEL', 'BYE']);
    expect(m.header('Route')).toBe('<sip:p1.example.com;lr>, <sip:p2.example.com;lr>');
  });

  it('never splits inside a quoted string, escaped quotes included', () => {
    const m = parseMessage(invite(['Contact: "Doe, John" <sip:john@a.example.com>, "say \\"hi, there\\"" <sip:k@b.example.com>']));
    expect(m.headers('Contact')).toEqual(['"Doe, John" <sip:john@a.example.com>', '"say \\"hi, there\\"" <sip:k@b.example.com>']);
    expect(contactsOf(m).map((c) => c.displayName)).toEqual(['Doe, John', 'say "hi, there"']);
  });

  it('never splits inside <>', () => {
    const m = parseMessage(invite(['Contact: <sip:a,b@a.example.com>, Carol <sip:c,d@b.example.com>']));
    expect(m.headers('Contact')).toEqual(['<sip:a,b@a.example.com>', 'Carol <sip:c,d@b.example.com>']);
    expect(contactsOf(m).map((c) => c.parsedUri.user)).toEqual(['a,b', 'c,d']);
  });

  it('splits Via across commas and lines, top first', () => {
    const m = parseMessage(wire(INVITE_LINE, [
      'Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1, SIP/2.0/TCP b.example.com;branch=z9hG4bK2',
      'v: SIP/2.0/TLS c.example.com;branch=z9hG4bK3',
      ...INVITE_HEADERS.slice(1),
    ]));
    expect(m.headers('via')).toHaveLength(3);
    expect(m.via.map((v) => [v.transport, v.host, v.branch])).toEqual([
      ['UDP', 'a.example.com', 'z9hG4bK1'],
      ['TCP', 'b.example.com', 'z9hG4bK2'],
      ['TLS', 'c.example.com', 'z9hG4bK3'],
    ]);
    expect(m.topVia.host).toBe('a.example.com');
  });

  it('never splits WWW-Authenticate, Authorization or Proxy-Authenticate', () => {
    const challenge = 'Digest realm="atlanta.example.com", qop="auth,auth-int", nonce="84a4cc6f3082121f32b42a2187831a9e"';
    const m = parseMessage(invite([`WWW-Authenticate: ${challenge}`, `Proxy-Authenticate: ${challenge}`, 'Authorization: Digest username="alice", realm="a"']));
    expect(m.headers('WWW-Authenticate')).toEqual([challenge]);
    expect(m.headers('Proxy-Authenticate')).toEqual([challenge]);
    expect(m.headers('Authorization')).toEqual(['Digest username="alice", realm="a"']);
  });

  it('never splits single-value headers or unknown ones', () => {
    const m = parseMessage(invite(['Date: Sat, 13 Nov 2010 23:29:00 GMT', 'Subject: a, b', 'X-List: a, b']));
    expect(m.headers('Date')).toEqual(['Sat, 13 Nov 2010 23:29:00 GMT']);
    expect(m.headers('Subject')).toEqual(['a, b']);
    expect(m.headers('X-List')).toEqual(['a, b']);
  });
});

describe('Via (RFC 3261 §20.42, RFC 3581, RFC 5118)', () => {
  function via(line: string): SipMessage {
    return parseMessage(inviteWith('Via', line));
  }

  it('reads transport (upper-cased), host, port and branch', () => {
    const v = via('Via: SIP/2.0/udp pc33.atlanta.example.com:5066;branch=z9hG4bK776asdhds').topVia;
    expect([v.transport, v.host, v.port, v.branch]).toEqual(['UDP', 'pc33.atlanta.example.com', 5066, 'z9hG4bK776asdhds']);
  });

  it('leaves the port undefined when absent (no 5060 filled in)', () => {
    expect(via('Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1').topVia.port).toBeUndefined();
  });

  it('reads received and rport with and without a value (RFC 3581)', () => {
    const asked = via('Via: SIP/2.0/UDP 10.1.1.1:4540;rport;branch=z9hG4bKkjshdyff').topVia;
    expect([asked.rport, asked.received]).toEqual([true, undefined]);
    const filled = via('Via: SIP/2.0/UDP 10.1.1.1:4540;received=192.0.2.1;rport=9988;branch=z9hG4bKkjshdyff').topVia;
    expect([filled.rport, filled.received]).toEqual([9988, '192.0.2.1']);
    expect(via('Via: SIP/2.0/UDP 10.1.1.1').topVia.rport).toBeUndefined();
  });

  it('lists every parameter, names lower-cased, flags as null', () => {
    const v = via('Via: SIP/2.0/UDP 10.1.1.1;Branch=z9hG4bK1;TTL=16;maddr=224.2.0.1;hidden').topVia;
    expect([...v.params]).toEqual([['branch', 'z9hG4bK1'], ['ttl', '16'], ['maddr', '224.2.0.1'], ['hidden', null]]);
  });

  it('reads an IPv6 sent-by with port and an IPv6 received with or without brackets (RFC 5118 §4.5)', () => {
    const v = via('Via: SIP/2.0/UDP [2001:db8::9:1]:5070;received=2001:db8::9:255;branch=z9hG4bKas3-111').topVia;
    expect([v.host, v.port, v.received, v.branch]).toEqual(['[2001:db8::9:1]', 5070, '2001:db8::9:255', 'z9hG4bKas3-111']);
    const bracketed = via('Via: SIP/2.0/UDP [2001:db8::9:1];received=[2001:db8::9:255];branch=z9hG4bKas3').topVia;
    expect([bracketed.host, bracketed.port, bracketed.received]).toEqual(['[2001:db8::9:1]', undefined, '[2001:db8::9:255]']);
  });

  it('reads an IPv4-mapped IPv6 sent-by (RFC 5118 §4.4)', () => {
    expect(via('Via: SIP/2.0/UDP [::ffff:192.0.2.1]:5060;branch=z9hG4bK1').topVia.host).toBe('[::ffff:192.0.2.1]');
  });

  it.each([
    ['an unclosed IPv6 reference', 'Via: SIP/2.0/UDP [2001:db8::9:1;branch=z9hG4bK1'],
    ['an unbracketed IPv6 sent-by', 'Via: SIP/2.0/UDP 2001:db8::9:1;branch=z9hG4bK1'],
    ['no transport', 'Via: SIP/2.0 host.example.com'],
    ['no sent-by', 'Via: SIP/2.0/UDP'],
    ['a port above 65535', 'Via: SIP/2.0/UDP host.example.com:65536'],
    ['a branch without value', 'Via: SIP/2.0/UDP host.example.com;branch'],
    ['an rport that is not a port', 'Via: SIP/2.0/UDP host.example.com;rport=x'],
    ['an empty parameter', 'Via: SIP/2.0/UDP host.example.com;;branch=z9hG4bK1'],
  ])('rejects a Via with %s as BAD_VIA', (_what, line) => {
    rejects(inviteWith('Via', line), 'BAD_VIA');
  });
});

describe('From, To, Contact: name-addr and addr-spec (RFC 3261 §20.10)', () => {
  it('ends an unbracketed URI before its parameters, which belong to the header', () => {
    const m = parseMessage(invite(['Contact: sip:+12125551212@gw.example.com;user=phone;expires=60']));
    const [c] = contactsOf(m);
    expect(c!.uri).toBe('sip:+12125551212@gw.example.com');
    expect([...c!.params]).toEqual([['user', 'phone'], ['expires', '60']]);
    expect(c!.parsedUri.params.size).toBe(0);
  });

  it('keeps URI parameters inside <> in the URI', () => {
    const [c] = contactsOf(parseMessage(invite(['Contact: <sip:+12125551212@gw.example.com;user=phone>;expires=60'])));
    expect(c!.uri).toBe('sip:+12125551212@gw.example.com;user=phone');
    expect(c!.parsedUri.params.get('user')).toBe('phone');
    expect([...c!.params]).toEqual([['expires', '60']]);
  });

  it('reads a tag from an addr-spec To', () => {
    const m = parseMessage(inviteWith('To', 'To: sip:bob@biloxi.example.com;tag=a6c85cf'));
    expect([m.to.uri, m.to.tag, m.to.displayName]).toEqual(['sip:bob@biloxi.example.com', 'a6c85cf', undefined]);
  });

  it('unescapes quoted display names', () => {
    const m = parseMessage(inviteWith('From', 'From: "Alice \\"Al\\" Smith \\\\ HQ" <sip:alice@atlanta.example.com>;tag=1'));
    expect(m.from.displayName).toBe('Alice "Al" Smith \\ HQ');
  });

  it('reads an empty quoted display name and UTF-8 in a quoted display name', () => {
    expect(parseMessage(inviteWith('From', 'From: "" <sip:a@atlanta.example.com>;tag=1')).from.displayName).toBe('');
    expect(parseMessage(inviteWith('From', 'From: "Tür 1 – Haustür" <sip:door@example.com>;tag=1')).from.displayName).toBe('Tür 1 – Haustür');
  });

  it('reads an unquoted multi-token display name, white space collapsed', () => {
    const m = parseMessage(inviteWith('From', 'From: Alice   Liddell <sip:alice@atlanta.example.com>;tag=1'));
    expect(m.from.displayName).toBe('Alice Liddell');
  });

  it('reads header parameters besides the tag, names lower-cased', () => {
    const m = parseMessage(inviteWith('From', 'From: <sip:alice@atlanta.example.com>;TAG=1;Epid=xy'));
    expect(m.from.tag).toBe('1');
    expect([...m.from.params]).toEqual([['tag', '1'], ['epid', 'xy']]);
  });

  it('reads IPv6 URIs in name-addr (RFC 5118 §4.1)', () => {
    const m = parseMessage(invite(['Contact: <sip:alice@[2001:db8::10]:5070;transport=tcp>']));
    const uri = contactsOf(m)[0]!.parsedUri;
    expect([uri.host, uri.port, uri.params.get('transport')]).toEqual(['[2001:db8::10]', 5070, 'tcp']);
  });

  it('reads several contacts from one line and from several lines', () => {
    const m = parseMessage(invite(['Contact: <sip:a@a.example.com>;q=0.7, sip:b@b.example.com;q=0.3', 'm: <sip:c@c.example.com>']));
    expect(contactsOf(m).map((c) => [c.uri, c.params.get('q') ?? null])).toEqual([
      ['sip:a@a.example.com', '0.7'], ['sip:b@b.example.com', '0.3'], ['sip:c@c.example.com', null],
    ]);
  });

  it('reads the wildcard Contact of a REGISTER removing every binding', () => {
    const m = parseMessage(wire('REGISTER sip:registrar.biloxi.example.com SIP/2.0', [
      ...INVITE_HEADERS.slice(0, 5), 'CSeq: 2 REGISTER', 'Contact: *', 'Expires: 0',
    ]));
    expect(m.contact).toBe('*');
    expect(m.expires).toBe(0);
  });

  it('returns no contacts when there is no Contact', () => {
    expect(parseMessage(invite()).contact).toEqual([]);
  });

  it.each([
    ['a ? in an addr-spec', 'To: sip:bob@biloxi.example.com?subject=x', 'BAD_TO'],
    ['a missing >', 'To: <sip:bob@biloxi.example.com', 'BAD_TO'],
    ['a quoted name without <URI>', 'To: "Bob" sip:bob@biloxi.example.com', 'BAD_TO'],
    ['a quoted tag', 'From: <sip:alice@atlanta.example.com>;tag="1"', 'BAD_FROM'],
    ['a comma', 'From: <sip:a@x.example.com>;tag=1, <sip:b@y.example.com>', 'BAD_FROM'],
  ] as const)('rejects %s', (_what, line, code) => {
    rejects(inviteWith(line.slice(0, line.indexOf(':')), line), code);
  });

  it('rejects a bad Contact with BAD_CONTACT and keeps the request for a 400', () => {
    const err = rejects(invite(['Contact: <sip:alice@>']), 'BAD_CONTACT');
    expect(partialRequest(err).method).toBe('INVITE');
  });

  it('reads Route and Record-Route in order', () => {
    const m = parseMessage(invite([
      'Record-Route: <sip:p2.example.com;lr>, <sip:p1.example.com;lr>',
      'Route: <sip:p1.example.com;lr>',
      'Route: <sip:p2.example.com;lr>',
    ]));
    expect(m.recordRoute.map((r) => r.uri)).toEqual(['sip:p2.example.com;lr', 'sip:p1.example.com;lr']);
    expect(m.route.map((r) => r.parsedUri.host)).toEqual(['p1.example.com', 'p2.example.com']);
    expect(m.route[0]!.parsedUri.params.get('lr')).toBeNull();
  });
});

describe('numbers', () => {
  it('reads Expires as delta-seconds, undefined when absent or a date', () => {
    expect(parseMessage(invite(['Expires: 3600'])).expires).toBe(3600);
    expect(parseMessage(invite()).expires).toBeUndefined();
    expect(parseMessage(invite(['Expires: Thu, 01 Dec 1994 16:00:00 GMT'])).expires).toBeUndefined();
  });

  it('clamps an overlarge Expires at 2^32 - 1', () => {
    expect(parseMessage(invite([`Expires: ${'9'.repeat(40)}`])).expires).toBe(4294967295);
  });

  it('reads Max-Forwards with leading zeros, undefined when absent', () => {
    expect(parseMessage(inviteWith('Max-Forwards', 'Max-Forwards: 0070')).maxForwards).toBe(70);
    expect(parseMessage(wire(INVITE_LINE, INVITE_HEADERS.filter((h) => !h.startsWith('Max-')))).maxForwards).toBeUndefined();
  });
});

describe('errors', () => {
  it('throws SipParseError, a PeerInputError with a stable code and a status', () => {
    const err = parseErrorOf(() => parseMessage(utf8('nonsense')));
    expect(err).toBeInstanceOf(SipParseError);
    expect(err.name).toBe('SipParseError');
    expect(typeof err.code).toBe('string');
    expect(err.status).toBe(400);
  });

  it('keeps no partial request for a response', () => {
    const err = rejects(wire('SIP/2.0 200 OK', [...INVITE_HEADERS, 'Content-Length: 99']), 'CONTENT_LENGTH_MISMATCH');
    expect(err.request).toBeUndefined();
  });
});
