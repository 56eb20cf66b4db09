// serializeMessage and buildResponse: RFC 3261 §7 wire form, §8.2.6.2 copied headers, header-injection guard.
import { describe, expect, it } from 'vitest';
import { SipParseError, buildResponse, parseMessage, serializeMessage } from '../../../firmware-app/sip/message/index.ts';
import { INVITE_HEADERS, INVITE_LINE, latin1, parseErrorOf, utf8, wire } from './wire.ts';

const HEADERS: Array<[string, string]> = [
  ['Via', 'SIP/2.0/UDP door.example.com:5060;branch=z9hG4bK74bf9;rport'],
  ['Max-Forwards', '70'],
  ['From', '"Door" <sip:door@example.com>;tag=9fxced76sl'],
  ['To', '<sip:flat@example.com>'],
  ['Call-ID', '3848276298220188511@door.example.com'],
  ['CSeq', '1 INVITE'],
];

describe('serializeMessage', () => {
  it('writes a request line, the headers in order, Content-Length last and the body', () => {
    const out = serializeMessage({ isRequest: true, method: 'INVITE', requestUri: 'sip:flat@example.com', headers: HEADERS, body: utf8('v=0\r\n') });
    expect(latin1(out)).toBe(
      'INVITE sip:flat@example.com SIP/2.0\r\n' +
        'Via: SIP/2.0/UDP door.example.com:5060;branch=z9hG4bK74bf9;rport\r\n' +
        'Max-Forwards: 70\r\n' +
        'From: "Door" <sip:door@example.com>;tag=9fxced76sl\r\n' +
        'To: <sip:flat@example.com>\r\n' +
        'Call-ID: 3848276298220188511@door.example.com\r\n' +
        'CSeq: 1 INVITE\r\n' +
        'Content-Length: 5\r\n' +
        '\r\n' +
        'v=0\r\n',
    );
  });

  it('writes a status line and Content-Length: 0 without a body', () => {
    const out = serializeMessage({ isRequest: false, status: 200, reason: 'OK', headers: [['CSeq', '1 INVITE']] });
    expect(latin1(out)).toBe('SIP/2.0 200 OK\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n');
  });

  it('replaces a Content-Length given by the caller (long or compact) with the real one', () => {
    const out = serializeMessage({
      isRequest: true, method: 'MESSAGE', requestUri: 'sip:flat@example.com',
      headers: [...HEADERS.slice(0, 5), ['CSeq', '2 MESSAGE'], ['Content-Length', '999'], ['l', '7']], body: utf8('hi'),
    });
    const m = parseMessage(out);
    expect(m.headers('Content-Length')).toEqual(['2']);
    expect(latin1(m.body)).toBe('hi');
  });

  it('counts UTF-8 bytes, not characters, in values, reason and body', () => {
    const out = serializeMessage({ isRequest: false, status: 486, reason: 'Besetzt – später', headers: [...HEADERS, ['Subject', 'Tür offen 🔔']], body: utf8('Grüße') });
    const m = parseMessage(out);
    expect([m.reason, m.header('Subject'), m.contentLength]).toEqual(['Besetzt – später', 'Tür offen 🔔', 7]);
    expect(new TextDecoder().decode(m.body)).toBe('Grüße');
    // Exactly as long as its text: no byte left over after the body.
    expect(new TextDecoder().decode(out)).toBe(
      `SIP/2.0 486 Besetzt – später\r\n${HEADERS.map(([n, v]) => `${n}: ${v}\r\n`).join('')}Subject: Tür offen 🔔\r\nContent-Length: 7\r\n\r\nGrüße`,
    );
  });

  it('counts a character outside the BMP (a surrogate pair in JavaScript) as its 4 UTF-8 bytes', () => {
    const out = serializeMessage({ isRequest: false, status: 200, reason: 'OK 🔔', headers: [['Subject', '🔔🚪']] });
    expect(latin1(out)).toBe(latin1(utf8('SIP/2.0 200 OK 🔔\r\nSubject: 🔔🚪\r\nContent-Length: 0\r\n\r\n')));
  });

  it('writes binary bodies unchanged', () => {
    const body = new Uint8Array([0, 13, 10, 13, 10, 255, 128, 0]);
    const m = parseMessage(serializeMessage({ isRequest: false, status: 200, reason: 'OK', headers: HEADERS, body }));
    expect([...m.body]).toEqual([...body]);
  });

  it.each([
    ['a CRLF in a value', [['Subject', 'hi\r\nVia: SIP/2.0/UDP evil.example.com']]],
    ['a bare LF in a value', [['Subject', 'hi\nX: y']]],
    ['a bare CR in a value', [['Subject', 'hi\rX: y']]],
    ['a NUL in a value', [['Subject', 'a\x00b']]],
    ['a DEL in a value', [['Subject', 'a\x7fb']]],
    ['a colon in a name', [['Sub:ject', 'x']]],
    ['a space in a name', [['Sub ject', 'x']]],
    ['a CRLF in a name', [['X\r\nVia', 'x']]],
    ['an empty name', [['', 'x']]],
    ['a non-ASCII name', [['Tür', 'x']]],
  ] as Array<[string, Array<[string, string]>]>)('refuses %s with SipParseError', (_what, headers) => {
    parseErrorOf(() => serializeMessage({ isRequest: false, status: 200, reason: 'OK', headers }));
    parseErrorOf(() => serializeMessage({ isRequest: true, method: 'OPTIONS', requestUri: 'sip:a@example.com', headers }));
  });

  it.each([
    ['an empty method', '', 'sip:a@example.com', 'BAD_START_LINE'],
    ['a method with a space', 'IN VITE', 'sip:a@example.com', 'BAD_START_LINE'],
    ['a non-ASCII method', 'ÖFFNEN', 'sip:a@example.com', 'BAD_START_LINE'],
    ['an empty Request-URI', 'INVITE', '', 'BAD_REQUEST_URI'],
    ['a Request-URI with a space', 'INVITE', 'sip:a@example.com SIP/2.0\r\nX:', 'BAD_REQUEST_URI'],
    ['a Request-URI in <>', 'INVITE', '<sip:a@example.com>', 'BAD_REQUEST_URI'],
  ])('refuses a request with %s', (_what, method, requestUri, code) => {
    expect(parseErrorOf(() => serializeMessage({ isRequest: true, method, requestUri, headers: HEADERS })).code).toBe(code);
  });

  it.each([99, 700, 200.5, Number.NaN])('refuses status %s as BAD_STATUS_LINE', (status) => {
    expect(parseErrorOf(() => serializeMessage({ isRequest: false, status, reason: 'X', headers: HEADERS })).code).toBe('BAD_STATUS_LINE');
  });

  it('refuses a reason phrase with CR or LF', () => {
    expect(parseErrorOf(() => serializeMessage({ isRequest: false, status: 200, reason: 'OK\r\nX: y', headers: HEADERS })).code).toBe('BAD_CHARACTER');
  });

  it('either refuses a lone surrogate with SipParseError or writes it as U+FFFD, never a corrupt message', () => {
    for (const value of ['a\ud800b', 'a\udc00', '\ud83d']) {
      let out: Uint8Array;
      try {
        out = serializeMessage({ isRequest: false, status: 200, reason: 'OK', headers: [...HEADERS, ['Subject', value]], body: utf8('hi') });
      } catch (err) {
        expect(err).toBeInstanceOf(SipParseError);
        continue;
      }
      const m = parseMessage(out);
      expect(m.header('Subject')).toBe(value.replace(/[\ud800-\udfff]/g, '\ufffd'));
      expect(latin1(m.body)).toBe('hi');
      expect(out).toHaveLength(latin1(out).indexOf('\r\n\r\n') + 4 + 2);
    }
  });
});

describe('buildResponse', () => {
  // Compact forms, folding, several Via lines, UTF-8 and odd spacing: all must be copied byte for byte.
  const VIA_1 = 'v: SIP/2.0/UDP proxy.example.com;branch=z9hG4bK2';
  const VIA_2 = 'Via:  SIP/2.0/UDP  door.example.com\r\n ;branch=z9hG4bK1 ;received=192.0.2.7';
  const FROM = 'From: "Tür 1" <sip:door@example.com>;tag=9fxced76sl';
  const CALL_ID = 'i: 3848276298220188511@door.example.com';
  const CSEQ = 'CSeq:   1 INVITE';
  function request(to: string): Uint8Array {
    return wire('INVITE sip:flat@example.com SIP/2.0', [VIA_1, 'Max-Forwards: 70', to, VIA_2, FROM, CALL_ID, CSEQ, 'Subject: door', 'Content-Length: 3'], 'v=0');
  }
  const lines = (...l: string[]): string => l.map((x) => `${x}\r\n`).join('');

  it('copies Via, From, To, Call-ID and CSeq lines exactly, adds the To tag, and nothing else', () => {
    const req = request('t: Flat\r\n <sip:flat@example.com>');
    const out = buildResponse(parseMessage(req), { status: 180, reason: 'Ringing', toTag: 'a6c85cf' });
    const expected = utf8(
      'SIP/2.0 180 Ringing\r\n' +
        lines(VIA_1, VIA_2, FROM, 't: Flat\r\n <sip:flat@example.com>;tag=a6c85cf', CALL_ID, CSEQ) +
        'Content-Length: 0\r\n\r\n',
    );
    expect(latin1(out)).toBe(latin1(expected));
    // Every copied line is a byte slice of the request.
    for (const line of [VIA_1, VIA_2, FROM, CALL_ID, CSEQ]) expect(latin1(req)).toContain(latin1(utf8(`${line}\r\n`)));
  });

  it('produces a response that parses back to the request transaction', () => {
    const req = parseMessage(request('To: <sip:flat@example.com>'));
    const res = parseMessage(buildResponse(req, { status: 200, reason: 'OK', toTag: 'x9' }));
    expect([res.status, res.method, res.callId, res.cseq.seq]).toEqual([200, 'INVITE', req.callId, 1]);
    expect(res.via.map((v) => v.branch)).toEqual(req.via.map((v) => v.branch));
    expect([res.from.tag, res.to.tag, res.from.displayName]).toEqual(['9fxced76sl', 'x9', 'Tür 1']);
  });

  it('keeps an existing To tag and does not add a second one', () => {
    const to = 'To: <sip:flat@example.com>;tag=existing';
    const out = latin1(buildResponse(parseMessage(request(to)), { status: 200, reason: 'OK', toTag: 'other' }));
    expect(out).toContain(`${to}\r\n`);
    expect(out).not.toContain('other');
  });

  it('leaves To untouched when no tag is given', () => {
    const out = latin1(buildResponse(parseMessage(request('To: <sip:flat@example.com>')), { status: 100, reason: 'Trying' }));
    expect(out).toContain('To: <sip:flat@example.com>\r\n');
    expect(out).not.toContain('tag=9fxced76sl;'); // From untouched too
    expect(parseMessage(utf8(out)).to.tag).toBeUndefined();
  });

  it('adds the tag after the parameters of an addr-spec To with trailing white space', () => {
    const req = wire(INVITE_LINE, [...INVITE_HEADERS.filter((h) => !h.startsWith('To:')), 'To: sip:bob@biloxi.example.com;user=ip   ']);
    const res = parseMessage(buildResponse(parseMessage(req), { status: 180, reason: 'Ringing', toTag: 't1' }));
    expect([res.to.uri, res.to.tag, res.to.params.get('user')]).toEqual(['sip:bob@biloxi.example.com', 't1', 'ip']);
  });

  it('writes further headers after the copied ones, then Content-Length and the body', () => {
    const req = parseMessage(request('To: <sip:flat@example.com>'));
    const out = buildResponse(req, {
      status: 200, reason: 'OK', toTag: 'x1',
      headers: [['Contact', '<sip:flat@192.0.2.9>'], ['Content-Type', 'application/sdp'], ['Content-Length', '77']],
      body: utf8('v=0\r\n'),
    });
    expect(latin1(out)).toMatch(/CSeq: {3}1 INVITE\r\nContact: <sip:flat@192.0.2.9>\r\nContent-Type: application\/sdp\r\nContent-Length: 5\r\n\r\nv=0\r\n$/);
    expect(parseMessage(out).headers('Content-Length')).toEqual(['5']);
  });

  it.each([
    ['a CRLF in a header value', { status: 200, reason: 'OK', headers: [['X-A', 'b\r\nVia: SIP/2.0/UDP evil.example.com']] }],
    ['a LF in a header name', { status: 200, reason: 'OK', headers: [['X\nVia', 'b']] }],
    ['a CRLF in the reason', { status: 200, reason: 'OK\r\nVia: SIP/2.0/UDP evil.example.com' }],
    ['a CRLF in the To tag', { status: 200, reason: 'OK', toTag: 'a\r\nVia: SIP/2.0/UDP evil.example.com' }],
    ['a status out of range', { status: 1000, reason: 'OK' }],
  ] as Array<[string, Parameters<typeof buildResponse>[1]]>)('refuses %s with SipParseError', (_what, init) => {
    const req = parseMessage(request('To: <sip:flat@example.com>'));
    parseErrorOf(() => buildResponse(req, init));
  });

  it('refuses a To tag that is not a token (RFC 3261 §25.1 tag-param = "tag" EQUAL token)', () => {
    const req = parseMessage(request('To: <sip:flat@example.com>'));
    for (const toTag of ['a;b=c', 'a b', 'a>, <sip:evil@example.com', '"q"', '']) {
      parseErrorOf(() => buildResponse(req, { status: 200, reason: 'OK', toTag }));
    }
  });
});
