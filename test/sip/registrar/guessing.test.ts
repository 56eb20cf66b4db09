// The built-in registrar against password guessing: delays, lock, no user enumeration, summarised logs, stale nonces after a restart.
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../firmware-app/platform/FakeClock.ts';
import { createNodeHasher } from '../../../firmware-app/platform/hash.ts';
import { DigestClient, DigestServer } from '../../../firmware-app/sip/auth/index.ts';
import type { SipMessage } from '../../../firmware-app/sip/message/index.ts';
import { MAX_DELAYED_ANSWERS } from '../../../firmware-app/sip/registrar/AuthGate.ts';
import { LOCK_MINUTES } from '../../../firmware-app/sip/registrar/AuthThrottle.ts';
import { challenged } from '../auth/authMessages.ts';
import { FakeDigest, REALM, type RegisterOptions, type Station, USERS, station } from './station.ts';

const WRONG: RegisterOptions = { auth: { username: 'flat1', password: 'guess' } };
const RIGHT: RegisterOptions = { auth: { username: 'flat1', password: 'secret-one' } };

/** The response sent at once to a REGISTER, or undefined when the answer is held back. */
function attempt(s: Station, options: RegisterOptions = {}): SipMessage | undefined {
  const before = s.transport.sent.length;
  s.register(options);
  return s.transport.sent.length > before ? s.transport.last.message : undefined;
}

/** Responses sent while the clock moves `ms` on. */
function during(s: Station, ms: number): SipMessage[] {
  const before = s.transport.sent.length;
  s.clock.advance(ms);
  return s.transport.sent.slice(before).map((x) => x.message);
}

/** How each attempt was answered: its status at once, or `status after ms` when held back (found to the millisecond). */
function answerOf(s: Station, options: RegisterOptions): string {
  const now = attempt(s, options);
  if (now !== undefined) return String(now.status);
  for (let waited = 1; waited <= 60_000; waited++) {
    const sent = during(s, 1);
    if (sent.length > 0) return `${sent[0]!.status} after ${waited}`;
  }
  return 'never';
}

/** A fake digest server that counts what it is asked. */
class CountingDigest extends FakeDigest {
  verifications = 0;
  passwordLookups = 0;
  override verify(request: SipMessage, password: (username: string) => string | undefined): ReturnType<FakeDigest['verify']> {
    this.verifications++;
    return super.verify(request, (username) => {
      this.passwordLookups++;
      return password(username);
    });
  }
}

describe('Registrar: password guessing is slowed, then locked', () => {
  it('answers five wrong passwords at once, then holds each 401 back on the clock: 1, 2, 4, 8, 16, 16 s', () => {
    const s = station();
    for (let i = 0; i < 5; i++) expect(attempt(s, WRONG)?.status).toBe(401);
    for (const delay of [1000, 2000, 4000, 8000, 16_000, 16_000]) {
      expect(attempt(s, WRONG)).toBeUndefined();
      expect(during(s, delay - 1)).toEqual([]);
      const [late] = during(s, 1);
      expect(late?.status).toBe(401);
      expect(late?.wwwAuthenticate[0]?.realm).toBe(REALM);
    }
  });

  it('locks the user at the 20th failure: 403 even with the right password, no password check, logged once; open again after 15 minutes', () => {
    const digest = new CountingDigest();
    const s = station({}, () => digest);
    const answers = Array.from({ length: 20 }, () => answerOf(s, WRONG));
    expect(answers.slice(0, 5)).toEqual(['401', '401', '401', '401', '401']);
    expect(answers[19]).toBe('403 after 16000');
    const checked = [digest.verifications, digest.passwordLookups];
    expect(attempt(s, RIGHT)?.status).toBe(403);
    expect(attempt(s, WRONG)?.status).toBe(403);
    expect(attempt(s, { auth: null, headers: [['Authorization', 'Digest username="flat1", realm="doorbell.local", nonce="x"']] })?.status).toBe(403);
    expect([digest.verifications, digest.passwordLookups]).toEqual(checked);
    expect(s.registrar.lookup('flat1')).toEqual([]);

    const locks = s.logger.lines.filter((l) => l.event === 'registrarUserLocked');
    expect(locks).toEqual([{ level: 'warn', event: 'registrarUserLocked', fields: { user: 'flat1', failures: 20, minutes: LOCK_MINUTES, source: '203.0.113.5:40312' } }]);
    expect(JSON.stringify(s.logger.lines)).not.toMatch(/guess|secret-/);

    s.clock.advance(LOCK_MINUTES * 60_000);
    expect(attempt(s, RIGHT)?.status).toBe(200);
    expect(s.registrar.lookup('flat1')).toHaveLength(1);
    // The success reset the count: a wrong password is answered at once again.
    expect(attempt(s, WRONG)?.status).toBe(401);
  });

  it('a lock never shuts out the phone itself: its refresh from where it registered still gets through', () => {
    const s = station();
    const attacker = { host: '198.51.100.66', port: 5062 };
    expect(attempt(s, RIGHT)?.status).toBe(200); // the flat's phone, from PHONE_A
    for (let i = 0; i < 20; i++) answerOf(s, { ...WRONG, from: attacker });
    expect(attempt(s, { ...RIGHT, from: attacker })?.status).toBe(403);
    expect(attempt(s, RIGHT)?.status).toBe(200);
    expect(s.registrar.lookup('flat1')).toHaveLength(1);
    // Another source with the right password is still locked out: only a live binding's own source is exempt.
    expect(attempt(s, { ...RIGHT, from: { host: '203.0.113.5', port: 40999 } })?.status).toBe(403);
  });

  it('a phone bound over TCP that reconnects (a new port) is not locked out; over UDP only its exact source is exempt', () => {
    const s = station();
    const attacker = { host: '198.51.100.66', port: 5062 };
    expect(attempt(s, { ...RIGHT, protocol: 'tcp' })?.status).toBe(200); // the flat's phone over TCP, from PHONE_A
    for (let i = 0; i < 20; i++) answerOf(s, { ...WRONG, from: attacker });
    expect(attempt(s, { ...RIGHT, protocol: 'tcp', from: { host: '203.0.113.5', port: 40999 } })?.status).toBe(200);
    expect(attempt(s, { ...RIGHT, protocol: 'udp', from: { host: '203.0.113.5', port: 41000 } })?.status).toBe(403);
  });

  it('locks again at the first failure after a lock ran out', () => {
    const s = station();
    for (let i = 0; i < 20; i++) answerOf(s, WRONG);
    s.clock.advance(LOCK_MINUTES * 60_000);
    expect(answerOf(s, WRONG)).toBe('403 after 16000');
    expect(attempt(s, RIGHT)?.status).toBe(403);
    expect(s.logger.lines.filter((l) => l.event === 'registrarUserLocked').map((l) => l.fields?.failures)).toEqual([20, 21]);
  });

  it('starts counting again after the right password', () => {
    const s = station();
    for (let i = 0; i < 5; i++) attempt(s, WRONG);
    expect(attempt(s, RIGHT)?.status).toBe(200);
    for (let i = 0; i < 5; i++) expect(attempt(s, WRONG)?.status).toBe(401);
    expect(attempt(s, WRONG)).toBeUndefined();
  });

  it('counts only the user that failed: another user of the same phone is answered at once', () => {
    const s = station();
    for (let i = 0; i < 20; i++) answerOf(s, WRONG);
    expect(attempt(s, { user: 'flat2', callId: 'flat2' })?.status).toBe(200);
  });

  it('unlocks a user whose password the admin changed', () => {
    const s = station();
    for (let i = 0; i < 20; i++) answerOf(s, WRONG);
    s.registrar.configure({ realm: REALM, users: [{ username: 'flat1', password: 'new-secret' }, USERS[1]!] });
    expect(attempt(s, { auth: { username: 'flat1', password: 'new-secret' } })?.status).toBe(200);
  });

  it('answers an unknown user name exactly as a configured one, delays and lock included (no user enumeration)', () => {
    const known = station();
    const unknown = station();
    const a = Array.from({ length: 23 }, () => answerOf(known, WRONG));
    const b = Array.from({ length: 23 }, () => answerOf(unknown, { user: 'mallory', auth: { username: 'mallory', password: 'guess' } }));
    expect(b).toEqual(a);
    expect(a.slice(20)).toEqual(['403', '403', '403']);
    // The lock of an invented name is logged too (as a summary line, since anyone can invent names).
    expect(unknown.logger.lines).toContainEqual(expect.objectContaining({ event: 'registrarUserLocked', fields: expect.objectContaining({ user: 'mallory', failures: 20 }) }));
  });

  it(`holds back at most ${MAX_DELAYED_ANSWERS} answers at once, and answers the rest at once`, () => {
    const s = station();
    const names = Array.from({ length: MAX_DELAYED_ANSWERS + 6 }, (_, i) => `guess${i}`);
    const wrongFor = (name: string): RegisterOptions => ({ user: name, auth: { username: name, password: 'x' }, callId: name });
    for (const name of names) for (let i = 0; i < 5; i++) attempt(s, wrongFor(name));
    const sixth = names.map((name) => attempt(s, wrongFor(name)));
    expect(sixth.filter((r) => r === undefined)).toHaveLength(MAX_DELAYED_ANSWERS);
    expect(sixth.slice(MAX_DELAYED_ANSWERS).map((r) => r?.status)).toEqual(Array<number>(6).fill(401));
    expect(during(s, 1000)).toHaveLength(MAX_DELAYED_ANSWERS);
    // Those answered, the next failure is held back again.
    expect(attempt(s, wrongFor(names[0]!))).toBeUndefined();
  });
});

describe('Registrar: failures and refusals are summarised, never one line per packet', () => {
  it('logs a 10 s flood of 2,000 wrong REGISTERs as two lines and one lock', () => {
    const s = station();
    for (let i = 0; i < 2000; i++) {
      attempt(s, WRONG);
      s.clock.advance(5);
    }
    s.clock.advance(60_000);
    const warnings = s.logger.lines.filter((l) => l.level === 'warn');
    expect(warnings.map((l) => l.event)).toEqual(['registerAuthFailed', 'registrarUserLocked', 'registerAuthFailed']);
    expect(warnings[2]!.fields).toMatchObject({ count: 1999, reasons: 'bad-response=19,locked=1980', sources: 1, users: 1 });
  });

  it('logs a flood of refused REGISTERs (423) from an authenticated phone the same way', () => {
    const s = station();
    for (let i = 0; i < 500; i++) attempt(s, { contacts: ['<sip:flat1@192.168.1.20>;expires=5'] });
    s.clock.advance(60_000);
    const rejected = s.logger.lines.filter((l) => l.event === 'registerRejected');
    expect(rejected.map((l) => l.fields?.count)).toEqual([1, 499]);
    expect(rejected[1]!.fields).toMatchObject({ cause: 'intervalTooBrief', causes: 'intervalTooBrief=499', status: 423 });
  });
});

describe('Registrar: a nonce from before a restart', () => {
  const hasher = createNodeHasher();
  const withDigestServer = (): Station => station({}, ({ clock }) => new DigestServer({ hasher, clock, realm: REALM }));

  /** A phone's REGISTER answering a challenge the door station sent before it restarted (another secret). */
  function answeredBeforeRestart(s: Station, password: string): SipMessage {
    const previous = new DigestServer({ hasher, clock: new FakeClock(5_000), realm: REALM });
    const first = s.build({ auth: null });
    const phone = new DigestClient({ hasher, credentials: { username: 'flat1', password, realm: REALM } });
    const answer = phone.answer(challenged(first, 401, [previous.challenge()]), first);
    if (!answer.ok) throw new Error(answer.reason);
    return s.build({ auth: null, headers: [[answer.header, answer.value]] });
  }

  it('answers the right password with 401 stale=true, and the phone registers with the fresh nonce', () => {
    const s = withDigestServer();
    const request = answeredBeforeRestart(s, 'secret-one');
    const stale = s.deliver(request);
    expect(stale.status).toBe(401);
    expect(stale.wwwAuthenticate[0]!.stale).toBe(true);
    const phone = new DigestClient({ hasher, credentials: { username: 'flat1', password: 'secret-one', realm: REALM } });
    const again = phone.answer(stale, request);
    if (!again.ok) throw new Error(again.reason);
    expect(s.deliver(s.build({ auth: null, headers: [[again.header, again.value]] })).status).toBe(200);
    expect(s.logger.lines.filter((l) => l.level === 'warn')).toEqual([]);
  });

  it('answers a wrong password with a plain 401 and counts it as a failure', () => {
    const s = withDigestServer();
    for (let i = 0; i < 5; i++) {
      const response = s.deliver(answeredBeforeRestart(s, 'guess'));
      expect(response.status).toBe(401);
      expect(response.wwwAuthenticate[0]!.stale).toBe(false);
    }
    const sixth = answeredBeforeRestart(s, 'guess');
    const before = s.transport.sent.length;
    s.deliver(sixth);
    // The sixth failure in a row is held back.
    expect(s.transport.sent.length).toBe(before);
    expect(during(s, 1000).map((r) => [r.status, r.wwwAuthenticate[0]!.stale])).toEqual([[401, false]]);
    expect(s.logger.lines).toContainEqual(expect.objectContaining({ event: 'registerAuthFailed', fields: expect.objectContaining({ reason: 'bad-nonce' }) }));
  });
});
