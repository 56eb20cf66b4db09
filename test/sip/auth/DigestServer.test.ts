// DigestServer: stateless nonces, verification, staleness, tampering, replay (RFC 3261 §22.4, RFC 7616 §3.3–§3.5, §5.5).
import { describe, expect, it } from 'vitest';
import { DoorbellError } from '../../../firmware-app/errors.ts';
import { FakeClock } from '../../../firmware-app/platform/FakeClock.ts';
import { createNodeHasher } from '../../../firmware-app/platform/hash.ts';
import { type DigestAlgorithm, DigestClient, DigestServer, type DigestServerOptions } from '../../../firmware-app/sip/auth/index.ts';
import { type SipMessage, parseChallenge } from '../../../firmware-app/sip/message/index.ts';
import { REGISTRAR_URI, challenged, register } from './authMessages.ts';

const hasher = createNodeHasher();
const REALM = 'doorbell.local';
const USERS: Readonly<Record<string, string>> = { flat: 'kitchen-phone-pw', 'door "2"': 'q\\uote' };
const lookup = (username: string): string | undefined => USERS[username];

function setup(options: Partial<DigestServerOptions> = {}): { clock: FakeClock; server: DigestServer } {
  const clock = new FakeClock(1_000);
  return { clock, server: new DigestServer({ hasher, clock, realm: REALM, ...options }) };
}

/** What a phone does: takes the challenge from a 401 and resends the REGISTER with its answer. */
function answered(challenge: string, username = 'flat', password = USERS[username]!, cseq = 2): SipMessage {
  const client = new DigestClient({ hasher, credentials: { username, password } });
  const first = register({ cseq: cseq - 1 });
  const answer = client.answer(challenged(first, 401, [challenge]), first);
  if (!answer.ok) throw new Error(answer.reason);
  return register({ cseq, credentials: [[answer.header, answer.value]] });
}

/** The request with its Authorization value edited, e.g. to tamper with one parameter. */
function edited(request: SipMessage, edit: (value: string) => string): SipMessage {
  return register({ credentials: [['Authorization', edit(request.header('authorization')!)]] });
}

describe('challenge', () => {
  it('offers MD5 with qop=auth by default, in the realm, with a base64url nonce', () => {
    const { server } = setup();
    const c = parseChallenge(server.challenge());
    expect([c.scheme, c.realm, c.algorithm, c.qop, c.stale, c.opaque]).toEqual(['Digest', REALM, 'MD5', ['auth'], false, undefined]);
    expect(c.nonce).toMatch(/^[A-Za-z0-9_-]{40}$/);
  });

  it('marks stale=true and takes another algorithm when asked', () => {
    const { server } = setup();
    const c = parseChallenge(server.challenge({ stale: true, algorithm: 'SHA-256' }));
    expect([c.stale, c.algorithm]).toEqual([true, 'SHA-256']);
  });

  it('uses the configured default algorithm', () => {
    expect(parseChallenge(setup({ algorithm: 'SHA-256' }).server.challenge()).algorithm).toBe('SHA-256');
  });

  it('mints a different nonce each time, even within one millisecond', () => {
    const { server } = setup();
    expect(parseChallenge(server.challenge()).nonce).not.toBe(parseChallenge(server.challenge()).nonce);
  });

  it('quotes a realm with " and \\', () => {
    const server = new DigestServer({ hasher, clock: new FakeClock(), realm: 'Haus "Nord" \\ 2' });
    expect(parseChallenge(server.challenge()).realm).toBe('Haus "Nord" \\ 2');
  });

  it('refuses an empty realm or one with control characters', () => {
    expect(() => new DigestServer({ hasher, clock: new FakeClock(), realm: '' })).toThrow(DoorbellError);
    expect(() => new DigestServer({ hasher, clock: new FakeClock(), realm: 'a\r\nb' })).toThrow(DoorbellError);
  });
});

describe('verify: a client answer round trip', () => {
  const algorithms: DigestAlgorithm[] = ['MD5', 'SHA-256', 'SHA-512-256', 'MD5-sess', 'SHA-256-sess', 'SHA-512-256-sess'];

  it.each(algorithms)('accepts a %s answer with qop=auth', (algorithm) => {
    const { server } = setup();
    expect(server.verify(answered(server.challenge({ algorithm })), lookup)).toEqual({ ok: true, username: 'flat' });
  });

  it.each(['MD5', 'SHA-256'] as const)('accepts a %s answer without qop (RFC 2069 phones)', (algorithm) => {
    const { server } = setup();
    const withoutQop = server.challenge({ algorithm }).replace(', qop="auth"', '');
    const request = answered(withoutQop);
    expect(request.header('authorization')).not.toContain('qop=');
    expect(server.verify(request, lookup)).toEqual({ ok: true, username: 'flat' });
  });

  it('accepts a username with " and \\ (quoted-pairs unescaped before hashing)', () => {
    const { server } = setup();
    expect(server.verify(answered(server.challenge(), 'door "2"'), lookup)).toEqual({ ok: true, username: 'door "2"' });
  });

  it('picks the Authorization for its realm among several (RFC 3261 §22.4)', () => {
    const { server } = setup();
    const ours = answered(server.challenge()).header('authorization')!;
    const foreign = 'Digest username="x", realm="other.example.com", nonce="n", uri="sip:pbx.example.com", response="00"';
    const request = register({ credentials: [['Authorization', foreign], ['Authorization', ours]] });
    expect(server.verify(request, lookup)).toEqual({ ok: true, username: 'flat' });
  });

  it('accepts an upper-case response hex and a digest-uri differing only in host case', () => {
    const { server } = setup();
    const request = answered(server.challenge());
    expect(server.verify(edited(request, (v) => v.replace(/response="([0-9a-f]+)"/, (_m, hex: string) => `response="${hex.toUpperCase()}"`)), lookup).ok).toBe(true);
    // A second nonce: the first one's nc 00000001 is used up.
    const another = answered(server.challenge());
    const upperHost = register({ requestUri: 'sip:PBX.example.com', credentials: [['Authorization', another.header('authorization')!]] });
    expect(server.verify(upperHost, lookup).ok).toBe(true);
  });
});

describe('verify: failures', () => {
  it('says missing without an Authorization header', () => {
    const { server } = setup();
    expect(server.verify(register(), lookup)).toEqual({ ok: false, reason: 'missing' });
  });

  it('says missing when only Proxy-Authorization is present (a registrar reads Authorization)', () => {
    const { server } = setup();
    const request = answered(server.challenge());
    const proxied = register({ credentials: [['Proxy-Authorization', request.header('authorization')!]] });
    expect(server.verify(proxied, lookup)).toEqual({ ok: false, reason: 'missing' });
  });

  it('says bad-response for a wrong password', () => {
    const { server } = setup();
    expect(server.verify(answered(server.challenge(), 'flat', 'guess'), lookup)).toEqual({ ok: false, reason: 'bad-response' });
  });

  it('says unknown-user for a user it has no password for', () => {
    const { server } = setup();
    expect(server.verify(answered(server.challenge(), 'mallory', 'x'), lookup)).toEqual({ ok: false, reason: 'unknown-user' });
  });

  it('says stale-nonce once the nonce outlived its lifetime, and accepts the answer to the stale re-challenge', () => {
    const { clock, server } = setup({ nonceLifetimeMs: 60_000 });
    const client = new DigestClient({ hasher, credentials: { username: 'flat', password: USERS['flat']! } });
    const first = register({ cseq: 1 });
    const a = client.answer(challenged(first, 401, [server.challenge()]), first);
    if (!a.ok) throw new Error(a.reason);
    const second = register({ cseq: 2, credentials: [[a.header, a.value]] });
    clock.advance(60_001);
    expect(server.verify(second, lookup)).toEqual({ ok: false, reason: 'stale-nonce' });

    const b = client.answer(challenged(second, 401, [server.challenge({ stale: true })]), second);
    if (!b.ok) throw new Error(b.reason);
    expect(server.verify(register({ cseq: 3, credentials: [[b.header, b.value]] }), lookup)).toEqual({ ok: true, username: 'flat' });
  });

  it('accepts a nonce right up to the end of its lifetime (5 minutes by default)', () => {
    const { clock, server } = setup();
    const request = answered(server.challenge());
    clock.advance(5 * 60_000);
    expect(server.verify(request, lookup).ok).toBe(true);
  });

  it('says bad-response, not stale-nonce, for an expired nonce with a wrong password (RFC 7616 stale rule)', () => {
    const { clock, server } = setup();
    const request = answered(server.challenge(), 'flat', 'guess');
    clock.advance(10 * 60_000);
    expect(server.verify(request, lookup)).toEqual({ ok: false, reason: 'bad-response' });
  });

  it('says bad-nonce for a tampered nonce, however small the change', () => {
    const { server } = setup();
    const request = answered(server.challenge());
    const nonce = /nonce="([^"]+)"/.exec(request.header('authorization')!)![1]!;
    for (const i of [0, 7, 20, 39]) {
      const flipped = nonce.slice(0, i) + (nonce[i] === 'A' ? 'B' : 'A') + nonce.slice(i + 1);
      expect(server.verify(edited(request, (v) => v.replace(nonce, flipped)), lookup)).toEqual({ ok: false, reason: 'bad-nonce' });
    }
  });

  it.each([
    ['not base64url', 'not a nonce!'],
    ['too short', 'AAAA'],
    ['padded', `${'A'.repeat(40)}==`],
  ])('says bad-nonce for a nonce that is %s', (_what, nonce) => {
    const { server } = setup();
    const request = answered(server.challenge());
    expect(server.verify(edited(request, (v) => v.replace(/nonce="[^"]+"/, `nonce="${nonce}"`)), lookup)).toEqual({ ok: false, reason: 'bad-nonce' });
  });

  it('says stale-nonce for a nonce minted under another secret (before a restart) when the response is right for it', () => {
    const before = setup().server;
    const { server } = setup();
    expect(server.verify(answered(before.challenge()), lookup)).toEqual({ ok: false, reason: 'stale-nonce' });
    expect(server.verify(answered(before.challenge({ algorithm: 'SHA-256-sess' }), 'door "2"'), lookup)).toEqual({ ok: false, reason: 'stale-nonce' });
  });

  it('says bad-nonce, not stale-nonce, for a nonce from before a restart answered with a wrong password', () => {
    const before = setup().server;
    const { server } = setup();
    expect(server.verify(answered(before.challenge(), 'flat', 'guess'), lookup)).toEqual({ ok: false, reason: 'bad-nonce' });
    // Invented by the client, with a response right for it: only a fresh challenge, nothing more.
    expect(server.verify(answered(server.challenge().replace(/nonce="[^"]+"/, 'nonce="client-made"')), lookup)).toEqual({ ok: false, reason: 'stale-nonce' });
  });

  it('says unknown-user for a nonce from before a restart answered for a user it does not know', () => {
    const before = setup().server;
    const { server } = setup();
    expect(server.verify(answered(before.challenge(), 'mallory', 'x'), lookup)).toEqual({ ok: false, reason: 'unknown-user' });
  });

  it('does not let a nonce from before a restart skip the digest-uri check', () => {
    const before = setup().server;
    const { server } = setup();
    const request = answered(before.challenge());
    const moved = register({ requestUri: 'sip:other.example.com', credentials: [['Authorization', request.header('authorization')!]] });
    expect(server.verify(moved, lookup)).toEqual({ ok: false, reason: 'bad-response' });
  });

  it('accepts nonces across instances that share a configured secret', () => {
    const clock = new FakeClock(5_000);
    const a = new DigestServer({ hasher, clock, realm: REALM, secret: 'shared' });
    const b = new DigestServer({ hasher, clock, realm: REALM, secret: 'shared' });
    expect(b.verify(answered(a.challenge()), lookup).ok).toBe(true);
  });

  it('says bad-nonce when the answer uses another algorithm than the nonce was challenged with (no downgrade)', () => {
    const { server } = setup();
    const sha = server.challenge({ algorithm: 'SHA-256' });
    const downgraded = answered(sha.replace('algorithm=SHA-256', 'algorithm=MD5'));
    expect(server.verify(downgraded, lookup)).toEqual({ ok: false, reason: 'bad-nonce' });
  });

  it('says stale-nonce for a genuine nonce from the future (same secret, clock reset by a restart)', () => {
    const late = new DigestServer({ hasher, clock: new FakeClock(900_000), realm: REALM, secret: 's' });
    const restarted = new DigestServer({ hasher, clock: new FakeClock(1_000), realm: REALM, secret: 's' });
    expect(restarted.verify(answered(late.challenge()), lookup)).toEqual({ ok: false, reason: 'stale-nonce' });
  });

  it('says bad-response for credentials computed over another realm (well-formed, but they cannot verify here)', () => {
    const { server } = setup();
    const elsewhere = answered(server.challenge().replace(`realm="${REALM}"`, 'realm="other.example.com"'));
    expect(server.verify(elsewhere, lookup)).toEqual({ ok: false, reason: 'bad-response' });
  });

  it('says bad-response when the digest-uri is not the Request-URI (the response covers only the uri it names)', () => {
    const { server } = setup();
    const request = answered(server.challenge());
    const moved = register({ requestUri: 'sip:other.example.com', credentials: [['Authorization', request.header('authorization')!]] });
    expect(moved.requestUri).not.toBe(REGISTRAR_URI);
    expect(server.verify(moved, lookup)).toEqual({ ok: false, reason: 'bad-response' });
  });

  it.each([
    ['a Basic header', () => 'Basic ZmxhdDpwdw=='],
    ['an unparsable header', () => 'Digest username='],
    ['no realm', (v: string) => v.replace(/realm="[^"]*", /, '')],
    ['no response', (v: string) => v.replace(/response="[^"]*", /, '')],
    ['no uri', (v: string) => v.replace(/uri="[^"]*", /, '')],
    ['qop=auth without nc', (v: string) => v.replace(/, nc=\w+/, '')],
    ['qop=auth without cnonce', (v: string) => v.replace(/cnonce="[^"]*", /, '')],
    ['nc that is not 8 hex digits', (v: string) => v.replace(/nc=\w+/, 'nc=1')],
    ['nc=00000000', (v: string) => v.replace(/nc=\w+/, 'nc=00000000')],
    ['a qop we did not offer', (v: string) => v.replace('qop=auth', 'qop=auth-int')],
    ['an unknown algorithm', (v: string) => v.replace('algorithm=MD5', 'algorithm=SHA-1')],
  ])('says malformed for %s', (_what, edit) => {
    const { server } = setup();
    expect(server.verify(edited(answered(server.challenge()), edit), lookup)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('says malformed for a -sess answer without qop (its A1 needs a cnonce)', () => {
    const { server } = setup();
    const request = answered(server.challenge({ algorithm: 'MD5-sess' }));
    const noQop = edited(request, (v) => v.replace(/, cnonce="[^"]*"/, '').replace(/, qop=auth, nc=\w+/, ''));
    expect(server.verify(noQop, lookup)).toEqual({ ok: false, reason: 'malformed' });
  });
});

describe('verify: replay protection (nonce-count, RFC 7616 §5.5)', () => {
  it('says stale-nonce when the same Authorization is presented twice', () => {
    const { server } = setup();
    const request = answered(server.challenge());
    expect(server.verify(request, lookup).ok).toBe(true);
    expect(server.verify(request, lookup)).toEqual({ ok: false, reason: 'stale-nonce' });
  });

  it('accepts a growing nc on one nonce and refuses a count already used', () => {
    const { server } = setup();
    const challenge = server.challenge();
    const client = new DigestClient({ hasher, credentials: { username: 'flat', password: USERS['flat']! } });
    const requests = [1, 3, 5].map((cseq) => {
      const bare = register({ cseq });
      const a = client.answer(challenged(bare, 401, [challenge]), bare);
      if (!a.ok) throw new Error(a.reason);
      return register({ cseq: cseq + 1, credentials: [[a.header, a.value]] });
    });
    expect(requests.map((r) => /nc=(\w+)/.exec(r.header('authorization')!)![1])).toEqual(['00000001', '00000002', '00000003']);
    expect(server.verify(requests[0]!, lookup).ok).toBe(true);
    expect(server.verify(requests[2]!, lookup).ok).toBe(true);
    // nc 2 arrives after nc 3: refused, the phone re-authenticates with a fresh nonce.
    expect(server.verify(requests[1]!, lookup)).toEqual({ ok: false, reason: 'stale-nonce' });
  });

  it('lets an RFC 2069 answer (no qop, so no nc) through once', () => {
    const { server } = setup();
    const request = answered(server.challenge().replace(', qop="auth"', ''));
    expect(server.verify(request, lookup).ok).toBe(true);
    expect(server.verify(request, lookup)).toEqual({ ok: false, reason: 'stale-nonce' });
  });

  it('does not count a failed verification against the nonce', () => {
    const { server } = setup();
    const challenge = server.challenge();
    expect(server.verify(answered(challenge, 'flat', 'guess'), lookup).ok).toBe(false);
    expect(server.verify(answered(challenge), lookup).ok).toBe(true);
  });

  it('treats nonces older than the ones it had to stop tracking as stale, so no replay slips through', () => {
    const { clock, server } = setup({ maxTrackedNonces: 2 });
    const requests = [0, 1, 2].map(() => {
      clock.advance(10);
      return answered(server.challenge());
    });
    for (const r of requests) expect(server.verify(r, lookup).ok).toBe(true);
    // The first nonce was dropped from tracking: its replay must not pass as a first use.
    expect(server.verify(requests[0]!, lookup)).toEqual({ ok: false, reason: 'stale-nonce' });
    expect(server.verify(requests[2]!, lookup)).toEqual({ ok: false, reason: 'stale-nonce' });
    // A nonce issued since still works.
    expect(server.verify(answered(server.challenge()), lookup).ok).toBe(true);
  });
});
