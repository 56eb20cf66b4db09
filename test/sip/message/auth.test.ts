// Digest challenges and credentials (RFC 3261 §20.7, §20.27, §20.44, §22.4; RFC 7616 and RFC 8760 algorithms).
import { describe, expect, it } from 'vitest';
import { parseChallenge, parseCredentials, parseMessage } from '../../../firmware-app/sip/message/index.ts';
import { INVITE_HEADERS, invite, parseErrorOf, wire } from './wire.ts';

describe('parseChallenge', () => {
  it('reads the RFC 3261 §20.44 example', () => {
    const c = parseChallenge('Digest realm="atlanta.com", domain="sip:boxesbybob.com", qop="auth", nonce="f84f1cec41e6cbe5aea9c8e88d359", opaque="", stale=FALSE, algorithm=MD5');
    expect(c).toMatchObject({
      scheme: 'Digest',
      realm: 'atlanta.com',
      domain: 'sip:boxesbybob.com',
      qop: ['auth'],
      nonce: 'f84f1cec41e6cbe5aea9c8e88d359',
      opaque: '',
      stale: false,
      algorithm: 'MD5',
    });
  });

  it('reads a SHA-256 challenge with a qop list (RFC 8760)', () => {
    const c = parseChallenge('Digest realm="biloxi.example.com", qop="auth,auth-int", algorithm=SHA-256, nonce="0c9a8f2e8b1f"');
    expect([c.algorithm, c.qop, c.realm]).toEqual(['SHA-256', ['auth', 'auth-int'], 'biloxi.example.com']);
  });

  it('trims the members of a qop list', () => {
    expect(parseChallenge('Digest realm="r", nonce="n", qop=" auth , auth-int "').qop).toEqual(['auth', 'auth-int']);
  });

  it('leaves algorithm undefined when absent (meaning MD5) and qop empty', () => {
    const c = parseChallenge('Digest realm="r", nonce="n"');
    expect([c.algorithm, c.qop, c.stale, c.opaque, c.domain]).toEqual([undefined, [], false, undefined, undefined]);
  });

  it.each([['stale=true', true], ['stale=TRUE', true], ['stale="true"', true], ['stale=false', false], ['stale=maybe', false]])(
    'reads %s as stale %s',
    (param, stale) => {
      expect(parseChallenge(`Digest realm="r", nonce="n", ${param}`).stale).toBe(stale);
    },
  );

  it('unescapes quoted-pairs and keeps commas inside quotes', () => {
    const c = parseChallenge('Digest realm="Door \\"Main\\", Building 2", nonce="a,b"');
    expect([c.realm, c.nonce]).toEqual(['Door "Main", Building 2', 'a,b']);
  });

  it('lower-cases parameter names, keeps unknown ones and tolerates LWS around = and ,', () => {
    const c = parseChallenge('Digest Realm = "r" ,\r\n NONCE="n",   userhash=true, charset=UTF-8');
    expect(c.realm).toBe('r');
    expect([...c.params]).toEqual([['realm', 'r'], ['nonce', 'n'], ['userhash', 'true'], ['charset', 'UTF-8']]);
  });

  it('keeps an unknown scheme as written', () => {
    const c = parseChallenge('NoOneKnowsThisScheme opaque-data=here');
    expect([c.scheme, c.realm, [...c.params]]).toEqual(['NoOneKnowsThisScheme', undefined, [['opaque-data', 'here']]]);
  });

  it.each([
    ['an empty value', ''],
    ['no scheme', '="r"'],
    ['no white space after the scheme', 'Digest,realm="r"'],
    ['a parameter without value', 'Digest realm'],
    ['a parameter with an empty value', 'Digest realm='],
    ['a repeated parameter', 'Digest realm="a", realm="b"'],
    ['parameters without a comma', 'Digest realm="a" nonce="b"'],
    ['an unterminated quote', 'Digest realm="a, nonce="b'],
  ])('rejects %s as BAD_AUTH', (_what, value) => {
    expect(parseErrorOf(() => parseChallenge(value)).code).toBe('BAD_AUTH');
  });
});

describe('parseCredentials', () => {
  it('reads the RFC 3261 §22.4 Authorization example', () => {
    const c = parseCredentials(
      'Digest username="bob", realm="biloxi.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="sip:bob@biloxi.com", qop=auth, nc=00000001, cnonce="0a4f113b", response="6629fae49393a05397450978507c4ef1", opaque="5ccc069c403ebaf9f0171e9517f40e41"',
    );
    expect(c).toMatchObject({
      scheme: 'Digest',
      username: 'bob',
      realm: 'biloxi.com',
      nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
      uri: 'sip:bob@biloxi.com',
      qop: 'auth',
      nc: '00000001',
      cnonce: '0a4f113b',
      response: '6629fae49393a05397450978507c4ef1',
      opaque: '5ccc069c403ebaf9f0171e9517f40e41',
      algorithm: undefined,
    });
  });

  it('reads a SHA-256 algorithm and leaves absent fields undefined', () => {
    const c = parseCredentials('Digest username="door", realm="r", nonce="n", uri="sip:r", response="ab", algorithm=SHA-256');
    expect([c.algorithm, c.qop, c.nc, c.cnonce, c.opaque]).toEqual(['SHA-256', undefined, undefined, undefined, undefined]);
  });

  it('rejects a repeated parameter as BAD_AUTH', () => {
    expect(parseErrorOf(() => parseCredentials('Digest username="a", username="b"')).code).toBe('BAD_AUTH');
  });
});

describe('authentication headers in messages', () => {
  const sha256 = 'Digest realm="biloxi.example.com", qop="auth", algorithm=SHA-256, nonce="n2", stale=true';
  const md5 = 'Digest realm="biloxi.example.com", qop="auth", algorithm=MD5, nonce="n1"';

  it('reads several WWW-Authenticate challenges, one per header line, in order (RFC 8760 §2.4)', () => {
    const m = parseMessage(wire('SIP/2.0 401 Unauthorized', [...INVITE_HEADERS, `WWW-Authenticate: ${sha256}`, `WWW-Authenticate: ${md5}`]));
    expect(m.wwwAuthenticate.map((c) => [c.algorithm, c.nonce, c.stale])).toEqual([['SHA-256', 'n2', true], ['MD5', 'n1', false]]);
    expect(m.proxyAuthenticate).toEqual([]);
  });

  it('reads Proxy-Authenticate apart from WWW-Authenticate', () => {
    const m = parseMessage(wire('SIP/2.0 407 Proxy Authentication Required', [...INVITE_HEADERS, `Proxy-Authenticate: ${md5}`]));
    expect(m.proxyAuthenticate.map((c) => c.nonce)).toEqual(['n1']);
    expect(m.wwwAuthenticate).toEqual([]);
  });

  it('reads Authorization and Proxy-Authorization credentials', () => {
    const m = parseMessage(invite([
      'Authorization: Digest username="alice", realm="atlanta.example.com", nonce="n", uri="sip:bob@biloxi.example.com", response="r1"',
      'Proxy-Authorization: Digest username="alice", realm="proxy.example.com", nonce="m", uri="sip:bob@biloxi.example.com", response="r2"',
    ]));
    expect(m.authorization.map((c) => [c.username, c.realm, c.response])).toEqual([['alice', 'atlanta.example.com', 'r1']]);
    expect(m.proxyAuthorization.map((c) => [c.realm, c.response])).toEqual([['proxy.example.com', 'r2']]);
  });

  it('reads a folded challenge', () => {
    const m = parseMessage(wire('SIP/2.0 401 Unauthorized', [...INVITE_HEADERS, 'WWW-Authenticate: Digest realm="r",\r\n  nonce="n",\r\n\tqop="auth"']));
    expect(m.wwwAuthenticate[0]).toMatchObject({ realm: 'r', nonce: 'n', qop: ['auth'] });
  });

  it('reports a malformed challenge as BAD_AUTH when it is read', () => {
    const m = parseMessage(wire('SIP/2.0 401 Unauthorized', [...INVITE_HEADERS, 'WWW-Authenticate: Digest realm="r" nonce="n"']));
    expect(parseErrorOf(() => m.wwwAuthenticate).code).toBe('BAD_AUTH');
  });
});
