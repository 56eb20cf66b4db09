// Test helpers for digest authentication: requests carrying credentials, 401/407 challenges, independent digests.
import { createHash } from 'node:crypto';
import { type SipMessage, buildResponse, parseCredentials, parseMessage } from '../../../firmware-app/sip/message/index.ts';
import { makeRequest } from '../../support/sipMessages.ts';

export const REGISTRAR_URI = 'sip:pbx.example.com';

/** A REGISTER as the door station sends it, optionally carrying credentials (`[header, value]` pairs). */
export function register(options: { credentials?: ReadonlyArray<readonly [string, string]>; cseq?: number; requestUri?: string; body?: string; method?: string } = {}): SipMessage {
  return makeRequest({
    method: options.method ?? 'REGISTER',
    requestUri: options.requestUri ?? REGISTRAR_URI,
    to: '<sip:door@pbx.example.com>',
    from: '<sip:door@pbx.example.com>',
    ...(options.cseq !== undefined ? { cseq: options.cseq } : {}),
    ...(options.body !== undefined ? { body: options.body } : {}),
    headers: options.credentials ?? [],
  });
}

/** A 401 (WWW-Authenticate) or 407 (Proxy-Authenticate) to `request` with these challenge values. */
export function challenged(request: SipMessage, status: 401 | 407, challenges: readonly string[], others: ReadonlyArray<readonly [string, string]> = []): SipMessage {
  const name = status === 401 ? 'WWW-Authenticate' : 'Proxy-Authenticate';
  const reason = status === 401 ? 'Unauthorized' : 'Proxy Authentication Required';
  return parseMessage(buildResponse(request, { status, reason, toTag: 'srv1', headers: [...challenges.map((c): [string, string] => [name, c]), ...others] }));
}

/** The auth-params of a credentials value, unquoted, by name. */
export function paramsOf(value: string): Map<string, string> {
  return new Map(parseCredentials(value).params);
}

const NODE: Readonly<Record<string, string>> = { 'MD5': 'md5', 'SHA-256': 'sha256', 'SHA-512-256': 'sha512-256' };

/**
 * The RFC 7616 §3.4.1 response computed straight from node:crypto, independently of the code under
 * test. `body` (bytes) makes it auth-int; `qop` undefined is RFC 2069.
 */
export function expectedResponse(input: {
  algorithm: string; username: string; realm: string; password: string; method: string; uri: string; nonce: string;
  qop?: 'auth' | 'auth-int'; nc?: string; cnonce?: string; body?: Uint8Array;
}): string {
  const session = input.algorithm.endsWith('-sess');
  const name = NODE[session ? input.algorithm.slice(0, -5) : input.algorithm]!;
  const H = (data: string | Uint8Array): string => createHash(name).update(data).digest('hex');
  let ha1 = H(`${input.username}:${input.realm}:${input.password}`);
  if (session) ha1 = H(`${ha1}:${input.nonce}:${input.cnonce}`);
  const ha2 = input.qop === 'auth-int' ? H(`${input.method}:${input.uri}:${H(input.body ?? new Uint8Array())}`) : H(`${input.method}:${input.uri}`);
  if (input.qop === undefined) return H(`${ha1}:${input.nonce}:${ha2}`);
  return H(`${ha1}:${input.nonce}:${input.nc}:${input.cnonce}:${input.qop}:${ha2}`);
}
