// Published digest examples (RFC 2617 §3.5, RFC 7616 §3.9.1) and independent checks of every algorithm, through DigestClient.
import { describe, expect, it } from 'vitest';
import { createNodeHasher } from '../../../firmware-app/platform/hash.ts';
import { DigestClient, type DigestAlgorithm } from '../../../firmware-app/sip/auth/index.ts';
import type { SipMessage } from '../../../firmware-app/sip/message/index.ts';
import { challenged, expectedResponse, paramsOf, register } from './authMessages.ts';

const hasher = createNodeHasher();

/**
 * The RFC examples are HTTP: `GET /dir/index.html` is no SIP request line (the parser wants a URI
 * scheme), so the request is a stand-in with just what DigestClient reads. The challenge itself
 * arrives in a real, parsed 401.
 */
function httpGet(uri: string): SipMessage {
  const request = { method: 'GET', requestUri: uri, body: new Uint8Array(0), headers: (): string[] => [] };
  return request as unknown as SipMessage;
}

function answerTo(challenge: string, credentials: { username: string; password: string }, cnonce: string, request: SipMessage): string {
  const client = new DigestClient({ hasher, credentials, cnonce: () => cnonce });
  const answer = client.answer(challenged(register(), 401, [challenge]), request);
  if (!answer.ok) throw new Error(`no answer: ${answer.reason}`);
  expect(answer.header).toBe('Authorization');
  return answer.value;
}

describe('RFC 2617 §3.5 (MD5, qop=auth)', () => {
  it('reproduces the example response and writes the credentials in our order', () => {
    const value = answerTo(
      'Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"',
      { username: 'Mufasa', password: 'Circle Of Life' },
      '0a4f113b',
      httpGet('/dir/index.html'),
    );
    expect(value).toBe(
      'Digest username="Mufasa", realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="/dir/index.html", ' +
        'response="6629fae49393a05397450978507c4ef1", algorithm=MD5, cnonce="0a4f113b", opaque="5ccc069c403ebaf9f0171e9517f40e41", qop=auth, nc=00000001',
    );
  });
});

describe('RFC 7616 §3.9.1 (Mufasa / "Circle of Life")', () => {
  const challenge = (algorithm: string): string =>
    `Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=${algorithm}, ` +
    'nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"';
  const credentials = { username: 'Mufasa', password: 'Circle of Life' };
  const cnonce = 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ';

  it.each([
    ['MD5', '8ca523f5e9506fed4657c9700eebdbec'],
    ['SHA-256', '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1'],
  ])('reproduces the %s response', (algorithm, response) => {
    const params = paramsOf(answerTo(challenge(algorithm), credentials, cnonce, httpGet('/dir/index.html')));
    expect(Object.fromEntries(params)).toEqual({
      username: 'Mufasa',
      realm: 'http-auth@example.org',
      nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
      uri: '/dir/index.html',
      response,
      algorithm,
      cnonce,
      opaque: 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS',
      qop: 'auth',
      nc: '00000001',
    });
  });
});

describe('every algorithm against node:crypto (RFC 7616 §3.4, RFC 8760)', () => {
  const credentials = { username: 'door', password: 's3cret Pässword' };
  const nonce = 'Rjd4V0J0Z3pOdm1qL0tCWk5WQ2Q';
  const cnonce = '0123456789abcdef0123456789abcdef';
  const algorithms: DigestAlgorithm[] = ['MD5', 'MD5-sess', 'SHA-256', 'SHA-256-sess', 'SHA-512-256', 'SHA-512-256-sess'];

  it.each(algorithms)('%s with qop=auth on a REGISTER', (algorithm) => {
    const request = register();
    const params = paramsOf(answerTo(`Digest realm="pbx.example.com", nonce="${nonce}", algorithm=${algorithm}, qop="auth"`, credentials, cnonce, request));
    expect(params.get('algorithm')).toBe(algorithm);
    expect(params.get('response')).toBe(
      expectedResponse({ algorithm, ...credentials, realm: 'pbx.example.com', method: 'REGISTER', uri: 'sip:pbx.example.com', nonce, qop: 'auth', nc: '00000001', cnonce }),
    );
  });

  it.each(['MD5', 'SHA-256', 'SHA-512-256'])('%s without qop (RFC 2069 compatibility): no cnonce, nc or qop', (algorithm) => {
    const params = paramsOf(answerTo(`Digest realm="pbx.example.com", nonce="${nonce}", algorithm=${algorithm}`, credentials, cnonce, register()));
    expect([params.has('qop'), params.has('nc'), params.has('cnonce')]).toEqual([false, false, false]);
    expect(params.get('response')).toBe(
      expectedResponse({ algorithm, ...credentials, realm: 'pbx.example.com', method: 'REGISTER', uri: 'sip:pbx.example.com', nonce }),
    );
  });

  it('auth-int hashes the body bytes (H(entity-body), RFC 2617 §3.2.2.3) when it is the only qop offered', () => {
    const body = 'v=0\r\no=door 1 1 IN IP4 192.0.2.10\r\ns=Türklingel\r\n';
    const request = register({ method: 'INVITE', requestUri: 'sip:flat@pbx.example.com', body });
    const params = paramsOf(answerTo(`Digest realm="pbx.example.com", nonce="${nonce}", algorithm=SHA-256, qop="auth-int"`, credentials, cnonce, request));
    expect(params.get('qop')).toBe('auth-int');
    expect(params.get('response')).toBe(
      expectedResponse({
        algorithm: 'SHA-256', ...credentials, realm: 'pbx.example.com', method: 'INVITE', uri: 'sip:flat@pbx.example.com', nonce,
        qop: 'auth-int', nc: '00000001', cnonce, body: new TextEncoder().encode(body),
      }),
    );
  });

  it('auth-int over an empty body hashes the empty string', () => {
    const params = paramsOf(answerTo(`Digest realm="pbx.example.com", nonce="${nonce}", qop="auth-int"`, credentials, cnonce, register()));
    expect(params.get('response')).toBe(
      expectedResponse({ algorithm: 'MD5', ...credentials, realm: 'pbx.example.com', method: 'REGISTER', uri: 'sip:pbx.example.com', nonce, qop: 'auth-int', nc: '00000001', cnonce }),
    );
  });
});
