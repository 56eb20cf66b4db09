// The door station's registrar under test: REGISTERs from phones through the real transaction layer on a fake clock.
import { expect } from 'vitest';
import { createNodeHasher } from '../../../firmware-app/platform/hash.ts';
import type { DigestServerApi, VerifyResult } from '../../../firmware-app/sip/auth/types.ts';
import type { SipMessage } from '../../../firmware-app/sip/message/index.ts';
import { Registrar, type RegistrarConfig } from '../../../firmware-app/sip/registrar/index.ts';
import type { NonInviteServerTransaction, SipContext } from '../../../firmware-app/sip/transaction/index.ts';
import type { Address, TransportProtocol } from '../../../firmware-app/sip/transport/types.ts';
import { makeRequest } from '../../support/sipMessages.ts';
import { type Harness, harness, inboundOf } from '../transaction/harness.ts';

export const REALM = 'doorbell.local';
export const USERS = [
  { username: 'flat1', password: 'secret-one' },
  { username: 'flat2', password: 'secret-two' },
];
/** Two phones behind the flat's NAT router, as the door station sees them. */
export const PHONE_A: Address = { host: '203.0.113.5', port: 40312 };
export const PHONE_B: Address = { host: '203.0.113.5', port: 51022 };
/** What phone A writes in its Contact: its private address. */
export const CONTACT_A = 'sip:flat1@192.168.1.20:5060';
export const CONTACT_B = 'sip:flat1@192.168.1.21:5060;transport=tcp';
export const INSTANCE = 'urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6';

/**
 * A stand-in for DigestServer: the "response" is the password itself and the nonce says whether it
 * expired. Enough to drive every branch of the registrar; the real digest maths is tested in sip/auth.
 */
export class FakeDigest implements DigestServerApi {
  challenge(options: { readonly stale?: boolean } = {}): string {
    return `Digest realm="${REALM}", nonce="fresh", qop="auth", algorithm=SHA-256${options.stale === true ? ', stale=true' : ''}`;
  }

  verify(request: SipMessage, password: (username: string) => string | undefined): VerifyResult {
    let credentials;
    try {
      credentials = request.authorization[0];
    } catch {
      return { ok: false, reason: 'malformed' };
    }
    if (credentials === undefined) return { ok: false, reason: 'missing' };
    const expected = password(credentials.username ?? '');
    if (expected === undefined) return { ok: false, reason: 'unknown-user' };
    if (credentials.response !== expected) return { ok: false, reason: 'bad-response' };
    if (credentials.nonce === 'expired') return { ok: false, reason: 'stale-nonce' };
    return { ok: true, username: credentials.username! };
  }
}

export interface RegisterOptions {
  /** The AOR user in To (default flat1). */
  readonly user?: string;
  /** Credentials sent; default the To user's own; null sends none. */
  readonly auth?: { readonly username: string; readonly password: string; readonly nonce?: string } | null;
  /** Contact header values, one header each (default: phone A's contact). */
  readonly contacts?: readonly string[];
  readonly expires?: number | string;
  readonly callId?: string;
  readonly cseq?: number;
  readonly from?: Address;
  readonly protocol?: TransportProtocol;
  readonly headers?: ReadonlyArray<readonly [string, string]>;
}

export interface Station extends Harness {
  readonly registrar: Registrar;
  /** Sends a REGISTER from a phone; returns the response as the phone receives it. */
  register(options?: RegisterOptions): SipMessage;
  /** The REGISTER `register` would send, not sent. */
  build(options?: RegisterOptions): SipMessage;
  /** Hands an already built request to the layer and the registrar. */
  deliver(request: SipMessage, from?: Address, protocol?: TransportProtocol): SipMessage;
}

export function passwordOf(username: string): string {
  return USERS.find((u) => u.username === username)?.password ?? 'whatever';
}

/** A door station at t=0; `digest` makes its digest server (default: the fake) from the station's parts. */
export function station(config: Partial<RegistrarConfig> = {}, digest: (h: Harness) => DigestServerApi = () => new FakeDigest()): Station {
  const h = harness();
  const ctx: SipContext = {
    clock: h.clock,
    logger: h.logger,
    transactions: h.layer,
    // The registrar only answers through its server transactions: it never sends on its own.
    transport: {} as SipContext['transport'],
    resolver: { resolve: () => Promise.resolve([]), markFailed: () => undefined },
    hasher: createNodeHasher(),
    random: () => 0.5,
  };
  const registrar = new Registrar(ctx, { realm: REALM, users: USERS, ...config }, digest(h));
  let cseq = 0;
  const deliver = (request: SipMessage, from: Address = PHONE_A, protocol: TransportProtocol = 'udp'): SipMessage => {
    const count = h.user.requests.length;
    h.layer.request(request, inboundOf(request, protocol, from));
    expect(h.user.requests).toHaveLength(count + 1);
    registrar.handle(h.user.requests.at(-1) as NonInviteServerTransaction);
    return h.transport.last.message;
  };
  const build = (options: RegisterOptions = {}): SipMessage => {
    const user = options.user ?? 'flat1';
    const auth = options.auth === undefined ? { username: user, password: passwordOf(user) } : options.auth;
    const headers: Array<readonly [string, string]> = [];
    for (const contact of options.contacts ?? [`<${CONTACT_A}>`]) headers.push(['Contact', contact]);
    if (options.expires !== undefined) headers.push(['Expires', String(options.expires)]);
    if (auth !== null) {
      headers.push(['Authorization', `Digest username="${auth.username}", realm="${REALM}", nonce="${auth.nonce ?? 'fresh'}", uri="sip:${REALM}", response="${auth.password}"`]);
    }
    headers.push(...(options.headers ?? []));
    return makeRequest({
      method: 'REGISTER',
      requestUri: `sip:${REALM}`,
      transport: (options.protocol ?? 'udp').toUpperCase(),
      from: `<sip:${user}@${REALM}>`,
      to: `<sip:${user}@${REALM}>`,
      callId: options.callId ?? 'call-phone-a',
      cseq: options.cseq ?? ++cseq,
      headers,
    });
  };
  const register = (options: RegisterOptions = {}): SipMessage => deliver(build(options), options.from ?? PHONE_A, options.protocol ?? 'udp');
  return { ...h, registrar, register, build, deliver };
}

/** The Contact list of a 200 as [uri, expires] pairs. */
export function contactsOf(response: SipMessage): Array<[string, string | null | undefined]> {
  const contact = response.contact;
  if (contact === '*') throw new Error('a 200 never lists *');
  return contact.map((c) => [c.uri, c.params.get('expires')]);
}
