// DigestClient: choosing among challenges, nonce counts, stale nonces, rejections, realm guard, quoting (RFC 3261 §22, RFC 7616, RFC 8760).
import { describe, expect, it } from 'vitest';
import { DoorbellError } from '../../../firmware-app/errors.ts';
import { createNodeHasher } from '../../../firmware-app/platform/hash.ts';
import { type AuthAnswer, type Credentials, DigestClient } from '../../../firmware-app/sip/auth/index.ts';
import { type SipMessage, parseCredentials, parseMessage, serializeMessage } from '../../../firmware-app/sip/message/index.ts';
import { challenged, expectedResponse, paramsOf, register } from './authMessages.ts';

const hasher = createNodeHasher();
const DOOR: Credentials = { username: 'door', password: 'open sesame' };

function clientFor(credentials: Credentials = DOOR): DigestClient {
  let n = 0;
  return new DigestClient({ hasher, credentials, cnonce: () => `cnonce${++n}` });
}

function digest(nonce: string, extra = '', realm = 'pbx.example.com'): string {
  return `Digest realm="${realm}", nonce="${nonce}", qop="auth"${extra}`;
}

function ok(answer: AuthAnswer): { header: string; params: Map<string, string>; value: string } {
  if (!answer.ok) throw new Error(`expected an answer, got ${answer.reason}`);
  return { header: answer.header, params: paramsOf(answer.value), value: answer.value };
}

/** The request as the client would resend it: with its answer in the header it names. */
function resent(answer: AuthAnswer, cseq: number): SipMessage {
  if (!answer.ok) throw new Error(answer.reason);
  return register({ cseq, credentials: [[answer.header, answer.value]] });
}

describe('choosing a challenge', () => {
  it('answers the strongest of several WWW-Authenticate headers, whatever their order', () => {
    const request = register();
    const response = challenged(request, 401, [
      digest('n-md5', ', algorithm=MD5'),
      digest('n-sha512', ', algorithm=SHA-512-256'),
      digest('n-sha256', ', algorithm=SHA-256'),
    ]);
    const { params } = ok(clientFor().answer(response, request));
    expect([params.get('algorithm'), params.get('nonce')]).toEqual(['SHA-512-256', 'n-sha512']);
    expect(params.get('response')).toBe(
      expectedResponse({ algorithm: 'SHA-512-256', ...DOOR, realm: 'pbx.example.com', method: 'REGISTER', uri: request.requestUri, nonce: 'n-sha512', qop: 'auth', nc: '00000001', cnonce: 'cnonce1' }),
    );
  });

  it('prefers SHA-256 to MD5, and a -sess variant ranks with its hash', () => {
    const request = register();
    const response = challenged(request, 401, [digest('a', ', algorithm=MD5-sess'), digest('b', ', algorithm=SHA-256-sess'), digest('c', ', algorithm=MD5')]);
    expect(ok(clientFor().answer(response, request)).params.get('algorithm')).toBe('SHA-256-sess');
  });

  it('between equally strong challenges takes the server\'s first', () => {
    const request = register();
    const response = challenged(request, 401, [digest('first', ', algorithm=SHA-256'), digest('second', ', algorithm=SHA-256-sess')]);
    expect(ok(clientFor().answer(response, request)).params.get('nonce')).toBe('first');
  });

  it('weighs WWW- and Proxy-Authenticate together; the header follows the chosen challenge (RFC 3261 §22.3)', () => {
    const request = register();
    const response = challenged(request, 407, [digest('proxy', ', algorithm=SHA-256', 'proxy.example.com')], [['WWW-Authenticate', digest('uas', ', algorithm=MD5')]]);
    const answer = ok(clientFor().answer(response, request));
    expect([answer.header, answer.params.get('realm')]).toEqual(['Proxy-Authorization', 'proxy.example.com']);

    const stronger = challenged(request, 407, [digest('proxy', ', algorithm=MD5', 'proxy.example.com')], [['WWW-Authenticate', digest('uas', ', algorithm=SHA-256')]]);
    expect(ok(clientFor().answer(stronger, request)).header).toBe('Authorization');
  });

  it('answers a 401 with Authorization and a 407 with Proxy-Authorization', () => {
    const request = register();
    expect(ok(clientFor().answer(challenged(request, 401, [digest('n')]), request)).header).toBe('Authorization');
    expect(ok(clientFor().answer(challenged(request, 407, [digest('n')]), request)).header).toBe('Proxy-Authorization');
  });

  it('takes qop=auth when auth and auth-int are both offered', () => {
    const request = register();
    expect(ok(clientFor().answer(challenged(request, 401, [`Digest realm="r", nonce="n", qop="auth-int,auth"`]), request)).params.get('qop')).toBe('auth');
  });

  it('writes algorithm=MD5 when the challenge names none (MD5 by default, RFC 7616 §3.3)', () => {
    const request = register();
    expect(ok(clientFor().answer(challenged(request, 401, [digest('n')]), request)).params.get('algorithm')).toBe('MD5');
  });

  it('reads algorithm and qop tokens case-insensitively', () => {
    const request = register();
    const { params } = ok(clientFor().answer(challenged(request, 401, ['Digest realm="r", nonce="n", algorithm=sha-256, qop="AUTH"']), request));
    expect([params.get('algorithm'), params.get('qop')]).toEqual(['SHA-256', 'auth']);
  });

  it('skips a malformed challenge and answers the next one', () => {
    const request = register();
    const response = challenged(request, 401, ['Digest realm="r", realm="twice", nonce="x"', digest('good')]);
    expect(ok(clientFor().answer(response, request)).params.get('nonce')).toBe('good');
  });

  it.each([
    ['an unknown algorithm', ['Digest realm="r", nonce="n", algorithm=AKAv1-MD5, qop="auth"']],
    ['SHA-1 (not in RFC 8760)', ['Digest realm="r", nonce="n", algorithm=SHA-1, qop="auth"']],
    ['another scheme', ['Basic realm="r"']],
    ['an unknown qop only', ['Digest realm="r", nonce="n", qop="auth-conf"']],
    ['a -sess algorithm without qop (no cnonce to put in A1)', ['Digest realm="r", nonce="n", algorithm=MD5-sess']],
    ['no nonce', ['Digest realm="r", qop="auth"']],
    ['no realm', ['Digest nonce="n", qop="auth"']],
    ['nothing at all', []],
  ])('says no-supported-challenge for %s', (_what, challenges) => {
    const request = register();
    expect(clientFor().answer(challenged(request, 401, challenges), request)).toEqual({ ok: false, reason: 'no-supported-challenge' });
  });

  it('does not pick an auth-int-only challenge when the body is not UTF-8 text (the Hasher hashes text)', () => {
    const request = parseMessage(serializeMessage({
      isRequest: true, method: 'MESSAGE', requestUri: 'sip:flat@pbx.example.com',
      headers: [
        ['Via', 'SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKbin1'], ['Max-Forwards', '70'], ['From', '<sip:door@pbx.example.com>;tag=1'],
        ['To', '<sip:flat@pbx.example.com>'], ['Call-ID', 'bin@192.0.2.10'], ['CSeq', '1 MESSAGE'], ['Content-Type', 'application/octet-stream'],
      ],
      body: new Uint8Array([0xff, 0xfe, 0x00, 0x80]),
    }));
    const response = challenged(request, 401, ['Digest realm="r", nonce="n", qop="auth-int"']);
    expect(clientFor().answer(response, request)).toEqual({ ok: false, reason: 'no-supported-challenge' });
  });
});

describe('nonce counts and client nonces (RFC 7616 §3.4)', () => {
  it('counts 00000001, 00000002 … for requests challenged with the same nonce', () => {
    const client = clientFor();
    const first = register({ cseq: 1 });
    const a = ok(client.answer(challenged(first, 401, [digest('same')]), first));
    // A later REGISTER (refresh) without credentials, challenged again with the nonce still valid.
    const second = register({ cseq: 3 });
    const b = ok(client.answer(challenged(second, 401, [digest('same')]), second));
    expect([a.params.get('nc'), b.params.get('nc')]).toEqual(['00000001', '00000002']);
    expect(a.params.get('cnonce')).not.toBe(b.params.get('cnonce'));
    expect(b.params.get('response')).toBe(
      expectedResponse({ algorithm: 'MD5', ...DOOR, realm: 'pbx.example.com', method: 'REGISTER', uri: second.requestUri, nonce: 'same', qop: 'auth', nc: '00000002', cnonce: 'cnonce2' }),
    );
  });

  it('counts each nonce on its own', () => {
    const client = clientFor();
    const request = register();
    ok(client.answer(challenged(request, 401, [digest('one')]), request));
    expect(ok(client.answer(challenged(request, 401, [digest('two')]), request)).params.get('nc')).toBe('00000001');
    expect(ok(client.answer(challenged(request, 401, [digest('one')]), request)).params.get('nc')).toBe('00000002');
  });

  it('starts over at 00000001 after reset()', () => {
    const client = clientFor();
    const request = register();
    ok(client.answer(challenged(request, 401, [digest('n')]), request));
    client.reset();
    expect(ok(client.answer(challenged(request, 401, [digest('n')]), request)).params.get('nc')).toBe('00000001');
  });

  it('makes a fresh random cnonce for every answer by default', () => {
    const client = new DigestClient({ hasher, credentials: DOOR });
    const request = register();
    const cnonces = [1, 2, 3].map(() => ok(client.answer(challenged(request, 401, [digest('n')]), request)).params.get('cnonce'));
    expect(new Set(cnonces).size).toBe(3);
    for (const c of cnonces) expect(c).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe('stale nonces and rejected credentials (RFC 3261 §22.2, RFC 7616 §3.3 stale)', () => {
  it('answers stale=true with the new nonce and nc=00000001: not a credentials failure', () => {
    const client = clientFor();
    const first = register({ cseq: 1 });
    const a = client.answer(challenged(first, 401, [digest('old')]), first);
    const second = resent(a, 2);
    const b = ok(client.answer(challenged(second, 401, [digest('new', ', stale=true')]), second));
    expect([b.params.get('nonce'), b.params.get('nc')]).toEqual(['new', '00000001']);
  });

  it('says wrong-credentials when the same challenge comes back for the answered request', () => {
    const client = clientFor();
    const first = register({ cseq: 1 });
    const a = client.answer(challenged(first, 401, [digest('n1')]), first);
    const second = resent(a, 2);
    expect(client.answer(challenged(second, 401, [digest('n1')]), second)).toEqual({ ok: false, reason: 'wrong-credentials' });
  });

  it('says wrong-credentials for a fresh nonce without stale too (Asterisk re-challenges a wrong password so)', () => {
    const client = clientFor();
    const first = register({ cseq: 1 });
    const second = resent(client.answer(challenged(first, 401, [digest('n1')]), first), 2);
    expect(client.answer(challenged(second, 401, [digest('n2')]), second)).toEqual({ ok: false, reason: 'wrong-credentials' });
  });

  it('says wrong-credentials for stale=true on the very nonce just answered (it would only loop)', () => {
    const client = clientFor();
    const first = register({ cseq: 1 });
    const second = resent(client.answer(challenged(first, 401, [digest('n1')]), first), 2);
    expect(client.answer(challenged(second, 401, [digest('n1', ', stale=true')]), second)).toEqual({ ok: false, reason: 'wrong-credentials' });
  });

  it('still answers another realm after a proxy accepted ours (407 then 401)', () => {
    const client = clientFor();
    const first = register({ cseq: 1 });
    const a = client.answer(challenged(first, 407, [digest('p1', '', 'proxy.example.com')]), first);
    const second = resent(a, 2);
    const b = ok(client.answer(challenged(second, 401, [digest('u1')]), second));
    expect([b.header, b.params.get('realm')]).toEqual(['Authorization', 'pbx.example.com']);
  });

  it('looks for the earlier credentials in the header that answers the challenge kind', () => {
    const client = clientFor();
    // The request carried Proxy-Authorization for the realm; a 401 for that realm is a first challenge.
    const request = register({ credentials: [['Proxy-Authorization', 'Digest username="door", realm="pbx.example.com", nonce="p", uri="sip:pbx.example.com", response="00"']] });
    expect(ok(client.answer(challenged(request, 401, [digest('n')]), request)).header).toBe('Authorization');
  });
});

describe('realm guard (SIPDigestLeak)', () => {
  const pinned: Credentials = { ...DOOR, realm: 'pbx.example.com' };

  it('refuses a challenge from another realm than the configured one', () => {
    const request = register();
    const response = challenged(request, 401, [digest('n', '', 'evil.example.net')]);
    expect(clientFor(pinned).answer(response, request)).toEqual({ ok: false, reason: 'realm-not-allowed' });
  });

  it('answers the configured realm even when a foreign one is stronger', () => {
    const request = register();
    const response = challenged(request, 401, [digest('evil', ', algorithm=SHA-512-256', 'evil.example.net'), digest('ours', ', algorithm=MD5')]);
    expect(ok(clientFor(pinned).answer(response, request)).params.get('nonce')).toBe('ours');
  });

  it('compares realms exactly, as the digest does', () => {
    const request = register();
    expect(clientFor(pinned).answer(challenged(request, 401, [digest('n', '', 'PBX.example.com')]), request)).toEqual({ ok: false, reason: 'realm-not-allowed' });
  });

  it('without a configured realm answers any', () => {
    const request = register();
    expect(ok(clientFor().answer(challenged(request, 401, [digest('n', '', 'elsewhere')]), request)).params.get('realm')).toBe('elsewhere');
  });
});

describe('header value', () => {
  it('has the documented shape, with the Request-URI as uri', () => {
    const request = register({ requestUri: 'sip:pbx.example.com;transport=tcp' });
    const { value } = ok(clientFor().answer(challenged(request, 401, [digest('abc', ', opaque="op", algorithm=SHA-256')]), request));
    expect(value).toMatch(
      /^Digest username="door", realm="pbx\.example\.com", nonce="abc", uri="sip:pbx\.example\.com;transport=tcp", response="[0-9a-f]{64}", algorithm=SHA-256, cnonce="cnonce1", opaque="op", qop=auth, nc=00000001$/,
    );
  });

  it('leaves opaque out when the challenge had none, and echoes an empty one', () => {
    const request = register();
    expect(ok(clientFor().answer(challenged(request, 401, [digest('n')]), request)).value).not.toContain('opaque');
    expect(ok(clientFor().answer(challenged(request, 401, [digest('n', ', opaque=""')]), request)).value).toContain('opaque=""');
  });

  it('escapes " and \\ in quoted values and hashes the unescaped ones', () => {
    const credentials = { username: 'door "front" \\ 1', password: 'p"w\\' };
    const request = register();
    const response = challenged(request, 401, ['Digest realm="Haus \\"Nord\\" \\\\ 2", nonce="n\\"1", opaque="o\\\\p", qop="auth"']);
    const { value } = ok(clientFor(credentials).answer(response, request));
    expect(value).toContain('username="door \\"front\\" \\\\ 1"');
    expect(value).toContain('realm="Haus \\"Nord\\" \\\\ 2"');
    const parsed = parseCredentials(value);
    expect([parsed.username, parsed.realm, parsed.nonce, parsed.opaque]).toEqual(['door "front" \\ 1', 'Haus "Nord" \\ 2', 'n"1', 'o\\p']);
    expect(parsed.response).toBe(
      expectedResponse({ algorithm: 'MD5', ...credentials, realm: 'Haus "Nord" \\ 2', method: 'REGISTER', uri: request.requestUri, nonce: 'n"1', qop: 'auth', nc: '00000001', cnonce: 'cnonce1' }),
    );
  });

  it('refuses credentials that would inject header lines', () => {
    expect(() => new DigestClient({ hasher, credentials: { username: 'door\r\nX-Evil: 1', password: 'p' } })).toThrow(DoorbellError);
    expect(() => new DigestClient({ hasher, credentials: { username: 'door', password: 'p', realm: 'r\n' } })).toThrow(/control characters/);
  });
});
