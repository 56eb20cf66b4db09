// Built-in registrar (RFC 3261 §10.3, RFC 5626 §6): REGISTERs through the real transaction layer on a fake clock.
import { describe, expect, it } from 'vitest';
import { createNodeHasher } from '../../../firmware-app/platform/hash.ts';
import type { DigestServerApi } from '../../../firmware-app/sip/auth/types.ts';
import { type SipMessage, SipParseError, parseMessage, serializeMessage } from '../../../firmware-app/sip/message/index.ts';
import { DigestClient, DigestServer } from '../../../firmware-app/sip/auth/index.ts';
import { newBranch } from '../../../firmware-app/sip/transaction/index.ts';
import { makeRequest } from '../../support/sipMessages.ts';
import { CONTACT_A, CONTACT_B, PHONE_A, PHONE_B, REALM, USERS, contactsOf, station } from './station.ts';

describe('Registrar: authentication (§10.3 steps 3 and 4)', () => {
  it('challenges a REGISTER without credentials with 401 and WWW-Authenticate, storing nothing', () => {
    const { register, registrar, logger } = station();
    const response = register({ auth: null });
    expect(response.status).toBe(401);
    expect(response.wwwAuthenticate).toHaveLength(1);
    expect(response.wwwAuthenticate[0]!.realm).toBe(REALM);
    expect(response.wwwAuthenticate[0]!.stale).toBe(false);
    expect(registrar.lookup('flat1')).toEqual([]);
    // The usual first round trip is not a failure.
    expect(logger.lines.filter((l) => l.level === 'warn')).toEqual([]);
  });

  it('answers a wrong password and an unknown user with the same 401, and logs each with the source', () => {
    const { register, registrar, logger, clock } = station();
    const wrong = register({ auth: { username: 'flat1', password: 'guess' } });
    const unknown = register({ user: 'mallory', auth: { username: 'mallory', password: 'guess' } });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(unknown.reason).toBe(wrong.reason);
    expect(unknown.headers('www-authenticate')).toEqual(wrong.headers('www-authenticate'));
    expect(unknown.headerCount).toBe(wrong.headerCount);
    expect(registrar.lookup('flat1')).toEqual([]);
    expect(registrar.lookup('mallory')).toEqual([]);
    // The first at once, the second in the summary a minute later.
    expect(logger.lines.filter((l) => l.event === 'registerAuthFailed')).toHaveLength(1);
    clock.advance(60_000);
    const failures = logger.lines.filter((l) => l.event === 'registerAuthFailed');
    expect(failures).toHaveLength(2);
    expect(failures.map((l) => [l.fields?.user, l.fields?.reason, l.fields?.count])).toEqual([['flat1', 'bad-response', 1], ['mallory', 'unknown-user', 1]]);
    for (const line of failures) {
      expect(line.level).toBe('warn');
      expect(line.fields?.source).toBe('203.0.113.5:40312');
    }
    // No secrets in the log: neither the guess nor a configured password.
    const logged = JSON.stringify(logger.lines);
    expect(logged).not.toContain('guess');
    expect(logged).not.toContain('secret-');
  });

  it('answers a nonce that only expired with 401 stale=true', () => {
    const { register, registrar } = station();
    const response = register({ auth: { username: 'flat1', password: 'secret-one', nonce: 'expired' } });
    expect(response.status).toBe(401);
    expect(response.wwwAuthenticate[0]!.stale).toBe(true);
    expect(registrar.lookup('flat1')).toEqual([]);
  });

  it('forbids registering another user’s address of record (To user ≠ authenticated user → 403)', () => {
    const { register, registrar, logger } = station();
    const response = register({ user: 'flat2', auth: { username: 'flat1', password: 'secret-one' } });
    expect(response.status).toBe(403);
    expect(registrar.lookup('flat1')).toEqual([]);
    expect(registrar.lookup('flat2')).toEqual([]);
    expect(logger.lines).toContainEqual(expect.objectContaining({ level: 'warn', event: 'registerRejected', fields: expect.objectContaining({ status: 403, source: '203.0.113.5:40312' }) }));
  });

  it('answers a malformed Authorization header with 400', () => {
    const { register } = station();
    const response = register({ auth: null, headers: [['Authorization', 'Digest username']] });
    expect(response.status).toBe(400);
  });

  it('accepts any Request-URI domain (single-domain device: the IP address or mDNS name will do)', () => {
    const { deliver, registrar } = station();
    const request = makeRequest({
      method: 'REGISTER', requestUri: 'sip:192.0.2.1', from: '<sip:flat1@192.0.2.1>', to: '<sip:flat1@192.0.2.1>', callId: 'ip-call', cseq: 1,
      headers: [['Contact', `<${CONTACT_A}>`], ['Authorization', `Digest username="flat1", nonce="fresh", response="secret-one"`]],
    });
    expect(deliver(request).status).toBe(200);
    expect(registrar.lookup('flat1')).toHaveLength(1);
  });
});

describe('Registrar: bindings (§10.3 steps 6–8)', () => {
  it('answers an authenticated REGISTER with 200 listing the contact with its granted expires', () => {
    const { register, registrar, clock } = station();
    clock.advance(5000);
    const response = register({ expires: 600 });
    expect(response.status).toBe(200);
    expect(response.to.tag).toBeDefined();
    expect(contactsOf(response)).toEqual([[CONTACT_A, '600']]);
    expect(registrar.lookup('flat1')).toEqual([
      { username: 'flat1', contact: CONTACT_A, source: PHONE_A, protocol: 'udp', flowId: expect.stringContaining('203.0.113.5:40312'), expiresAt: 5000 + 600_000 },
    ]);
  });

  it('grants the default 3600 s without any expiry, and clamps one above maxExpires', () => {
    const { register, registrar } = station({ maxExpires: 1800 });
    expect(contactsOf(register())).toEqual([[CONTACT_A, '1800']]);
    expect(contactsOf(register({ contacts: [`<${CONTACT_A}>;expires=86400`] }))).toEqual([[CONTACT_A, '1800']]);
    expect(registrar.lookup('flat1')[0]!.expiresAt).toBe(1_800_000);
  });

  it('takes the Contact expires parameter over the Expires header', () => {
    const { register } = station();
    expect(contactsOf(register({ contacts: [`<${CONTACT_A}>;expires=120`], expires: 900 }))).toEqual([[CONTACT_A, '120']]);
  });

  it('keeps two phones of one user, newest first, and lists both with the time each has left', () => {
    const { register, registrar, clock } = station();
    register({ expires: 600 });
    clock.advance(100_000);
    const response = register({ contacts: [`<${CONTACT_B}>`], expires: 600, from: PHONE_B, protocol: 'tcp', callId: 'call-phone-b' });
    expect(contactsOf(response)).toEqual([[CONTACT_B, '600'], [CONTACT_A, '500']]);
    const bindings = registrar.lookup('flat1');
    expect(bindings.map((b) => [b.contact, b.source, b.protocol])).toEqual([[CONTACT_B, PHONE_B, 'tcp'], [CONTACT_A, PHONE_A, 'udp']]);
    expect(bindings[0]!.flowId).not.toBe(bindings[1]!.flowId);
  });

  it('refreshes a binding in place: same URI (host case and escapes aside) from the same phone', () => {
    const { register, registrar, clock } = station();
    register({ expires: 600 });
    clock.advance(300_000);
    const response = register({ contacts: ['<sip:%66lat1@192.168.1.20:5060>'], expires: 600 });
    expect(contactsOf(response)).toEqual([['sip:%66lat1@192.168.1.20:5060', '600']]);
    expect(registrar.lookup('flat1')).toHaveLength(1);
    expect(registrar.lookup('flat1')[0]!.expiresAt).toBe(900_000);
  });

  it('lets a binding expire on the clock: gone from lookup and bindingFor, and from later 200s', () => {
    const { register, registrar, clock, logger } = station();
    register({ expires: 60 });
    register({ contacts: [`<${CONTACT_B}>`], expires: 600, from: PHONE_B, callId: 'call-phone-b' });
    clock.advance(59_999);
    expect(registrar.lookup('flat1')).toHaveLength(2);
    expect(registrar.bindingFor(PHONE_A)?.contact).toBe(CONTACT_A);
    clock.advance(1);
    expect(registrar.lookup('flat1').map((b) => b.contact)).toEqual([CONTACT_B]);
    expect(registrar.bindingFor(PHONE_A)).toBeUndefined();
    expect(contactsOf(register({ contacts: [], callId: 'call-phone-b', from: PHONE_B }))).toEqual([[CONTACT_B, '540']]);
    expect(logger.lines).toContainEqual(expect.objectContaining({ event: 'bindingExpired', fields: expect.objectContaining({ contact: CONTACT_A }) }));
  });

  it('removes one binding with expires 0 and keeps the other', () => {
    const { register, registrar } = station();
    register();
    register({ contacts: [`<${CONTACT_B}>`], from: PHONE_B, callId: 'call-phone-b' });
    const response = register({ contacts: [`<${CONTACT_A}>`], expires: 0 });
    expect(response.status).toBe(200);
    expect(contactsOf(response)).toEqual([[CONTACT_B, '3600']]);
    expect(registrar.lookup('flat1').map((b) => b.contact)).toEqual([CONTACT_B]);
  });

  it('removes every binding of the user with Contact: * and Expires: 0, and no one else’s', () => {
    const { register, registrar } = station();
    register();
    register({ contacts: [`<${CONTACT_B}>`], from: PHONE_B, callId: 'call-phone-b' });
    register({ user: 'flat2', contacts: ['<sip:flat2@192.168.1.30>'], callId: 'call-flat2', from: { host: '203.0.113.77', port: 5060 } });
    const response = register({ contacts: ['*'], expires: 0 });
    expect(response.status).toBe(200);
    expect(response.contact).toEqual([]);
    expect(registrar.lookup('flat1')).toEqual([]);
    expect(registrar.lookup('flat2')).toHaveLength(1);
  });

  it('rejects Contact: * with another expiry, without Expires, or beside another Contact (400), removing nothing', () => {
    const { register, registrar } = station();
    register();
    expect(register({ contacts: ['*'], expires: 60 }).status).toBe(400);
    expect(register({ contacts: ['*'] }).status).toBe(400);
    expect(register({ contacts: ['*', `<${CONTACT_B}>`], expires: 0 }).status).toBe(400);
    expect(registrar.lookup('flat1')).toHaveLength(1);
  });

  it('answers 423 with Min-Expires for an interval below minExpires, storing nothing', () => {
    const { register, registrar } = station();
    const response = register({ contacts: [`<${CONTACT_A}>;expires=30`] });
    expect(response.status).toBe(423);
    expect(response.header('min-expires')).toBe('60');
    expect(registrar.lookup('flat1')).toEqual([]);
    // The whole request fails: a good Contact beside the brief one is not stored either.
    expect(register({ contacts: [`<${CONTACT_B}>`, `<${CONTACT_A}>`], expires: 10 }).status).toBe(423);
    expect(register({ contacts: [`<${CONTACT_B}>;expires=600`, `<${CONTACT_A}>;expires=10`] }).status).toBe(423);
    expect(registrar.lookup('flat1')).toEqual([]);
    expect(register({ contacts: [`<${CONTACT_A}>;expires=60`] }).status).toBe(200);
  });

  it('answers a query (no Contact) with the current bindings and changes nothing', () => {
    const { register, registrar } = station();
    register({ expires: 600 });
    const before = registrar.lookup('flat1');
    const response = register({ contacts: [] });
    expect(response.status).toBe(200);
    expect(contactsOf(response)).toEqual([[CONTACT_A, '600']]);
    expect(registrar.lookup('flat1')).toEqual(before);
  });

  it('keeps at most maxContactsPerUser bindings, dropping the oldest', () => {
    const { register, registrar, clock } = station({ maxContactsPerUser: 2 });
    register({ contacts: ['<sip:flat1@192.168.1.20>'], callId: 'c1' });
    clock.advance(1000);
    register({ contacts: ['<sip:flat1@192.168.1.21>'], callId: 'c2', from: PHONE_B });
    clock.advance(1000);
    const response = register({ contacts: ['<sip:flat1@192.168.1.22>'], callId: 'c3', from: { host: '203.0.113.5', port: 60000 } });
    expect(contactsOf(response).map(([uri]) => uri)).toEqual(['sip:flat1@192.168.1.22', 'sip:flat1@192.168.1.21']);
    expect(registrar.lookup('flat1').map((b) => b.contact)).toEqual(['sip:flat1@192.168.1.22', 'sip:flat1@192.168.1.21']);
    expect(registrar.bindingFor(PHONE_A)).toBeUndefined();
  });

  it('keeps the last Contacts when one REGISTER alone brings more than the limit', () => {
    const { register, registrar } = station({ maxContactsPerUser: 2 });
    const response = register({ contacts: ['<sip:a@192.168.1.20>', '<sip:b@192.168.1.21>', '<sip:c@192.168.1.22>'] });
    expect(contactsOf(response).map(([uri]) => uri)).toEqual(['sip:c@192.168.1.22', 'sip:b@192.168.1.21']);
    // All came from one socket: a call reaches it once, through the newest.
    expect(registrar.lookup('flat1').map((b) => b.contact)).toEqual(['sip:c@192.168.1.22']);
  });
});

describe('Registrar: Call-ID and CSeq ordering (§10.3 steps 6 and 7)', () => {
  it('rejects a REGISTER of the same Call-ID whose CSeq is lower or equal, changing nothing', () => {
    const { register, registrar } = station();
    register({ cseq: 10, expires: 600 });
    const before = registrar.lookup('flat1');
    const lower = register({ cseq: 9, expires: 0 });
    expect(lower.status).toBe(500);
    // Equal: a new transaction (new branch) reusing the CSeq, not a retransmission.
    expect(register({ cseq: 10, expires: 1200 }).status).toBe(500);
    expect(register({ cseq: 5, contacts: ['*'], expires: 0 }).status).toBe(500);
    expect(registrar.lookup('flat1')).toEqual(before);
    expect(register({ cseq: 11, expires: 1200 }).status).toBe(200);
  });

  it('accepts a lower CSeq under another Call-ID (the phone restarted) and replaces the binding', () => {
    const { register, registrar } = station();
    register({ cseq: 50 });
    const response = register({ cseq: 1, callId: 'after-reboot', expires: 900 });
    expect(response.status).toBe(200);
    expect(contactsOf(response)).toEqual([[CONTACT_A, '900']]);
    expect(registrar.lookup('flat1')).toHaveLength(1);
  });

  it('commits all or nothing: a new Contact beside an out-of-order one is not added', () => {
    const { register, registrar } = station();
    register({ cseq: 10 });
    const response = register({ cseq: 3, contacts: [`<${CONTACT_B}>`, `<${CONTACT_A}>`] });
    expect(response.status).toBe(500);
    expect(registrar.lookup('flat1').map((b) => b.contact)).toEqual([CONTACT_A]);
  });

  it('does not compare CSeq for a contact it does not know yet', () => {
    const { register } = station();
    register({ cseq: 10 });
    const response = register({ cseq: 3, contacts: [`<${CONTACT_B}>`] });
    expect(response.status).toBe(200);
    expect(contactsOf(response).map(([uri]) => uri)).toEqual([CONTACT_B, CONTACT_A]);
  });
});

describe('Registrar: NAT and sources', () => {
  it('records where the REGISTER came from, not the private Contact, and finds the binding by that source', () => {
    const { register, registrar } = station();
    register({ protocol: 'tcp' });
    const binding = registrar.bindingFor({ host: '203.0.113.5', port: 40312 });
    expect(binding).toMatchObject({ username: 'flat1', contact: CONTACT_A, source: PHONE_A, protocol: 'tcp' });
    expect(binding!.flowId).toMatch(/^tcp:/);
    expect(registrar.bindingFor({ host: '203.0.113.5', port: 40313 })).toBeUndefined();
    expect(registrar.bindingFor({ host: '192.168.1.20', port: 5060 })).toBeUndefined();
  });

  it('matches IPv6 sources whatever their case', () => {
    const { register, registrar } = station();
    register({ from: { host: '2001:db8::5', port: 5060 } });
    expect(registrar.bindingFor({ host: '2001:DB8::5', port: 5060 })?.username).toBe('flat1');
  });
});

describe('Registrar: bad input never throws and changes nothing', () => {
  it('answers a malformed Contact (the request kept for a 400 by the parser) with 400', () => {
    const { register, deliver, registrar } = station();
    register();
    const before = registrar.lookup('flat1');
    const bytes = serializeMessage({
      isRequest: true, method: 'REGISTER', requestUri: `sip:${REALM}`,
      headers: [
        ['Via', `SIP/2.0/UDP 192.168.1.20:5060;branch=${newBranch()}`],
        ['Max-Forwards', '70'],
        ['From', `<sip:flat1@${REALM}>;tag=x1`],
        ['To', `<sip:flat1@${REALM}>`],
        ['Call-ID', 'call-phone-a'],
        ['CSeq', '99 REGISTER'],
        ['Contact', '<sip:flat1@192.168.1.20:5060'],
        ['Authorization', 'Digest username="flat1", nonce="fresh", response="secret-one"'],
      ],
    });
    let kept: SipMessage | undefined;
    try {
      parseMessage(bytes);
    } catch (error) {
      if (error instanceof SipParseError) kept = error.request;
    }
    expect(kept).toBeDefined();
    const response = deliver(kept!);
    expect(response.status).toBe(400);
    expect(registrar.lookup('flat1')).toEqual(before);
  });

  it('answers a Contact expires parameter or an Expires header that is not delta-seconds with 400', () => {
    const { register, registrar } = station();
    register();
    const before = registrar.lookup('flat1');
    expect(register({ contacts: [`<${CONTACT_A}>;expires=soon`] }).status).toBe(400);
    expect(register({ contacts: [`<${CONTACT_A}>;expires`] }).status).toBe(400);
    expect(register({ expires: 'Thu, 01 Dec 1994 16:00:00 GMT' }).status).toBe(400);
    expect(register({ contacts: ['<tel:+4930123456>'] }).status).toBe(400);
    expect(registrar.lookup('flat1')).toEqual(before);
  });

  it('answers an unsupported Require with 420 and Unsupported', () => {
    const { register, registrar } = station();
    const response = register({ headers: [['Require', 'gruu']] });
    expect(response.status).toBe(420);
    expect(response.header('unsupported')).toBe('gruu');
    expect(registrar.lookup('flat1')).toEqual([]);
  });

  it('turns a failure of its own (the digest server throwing) into a logged 500', () => {
    const broken: DigestServerApi = {
      challenge: () => 'Digest realm="x", nonce="y"',
      verify: () => {
        throw new Error('boom');
      },
    };
    const { register, logger } = station({}, () => broken);
    expect(register().status).toBe(500);
    expect(logger.lines).toContainEqual(expect.objectContaining({ level: 'error', event: 'registrarFailed' }));
  });
});

describe('Registrar: configuration changes', () => {
  it('drops the bindings of a user removed from the configuration and cuts lists to a lowered limit', () => {
    const { register, registrar } = station();
    register();
    register({ contacts: [`<${CONTACT_B}>`], from: PHONE_B, callId: 'call-phone-b' });
    register({ user: 'flat2', contacts: ['<sip:flat2@192.168.1.30>'], callId: 'call-flat2' });
    registrar.configure({ realm: REALM, users: [USERS[0]!], maxContactsPerUser: 1 });
    expect(registrar.lookup('flat2')).toEqual([]);
    expect(registrar.lookup('flat1').map((b) => b.contact)).toEqual([CONTACT_B]);
    expect(register({ user: 'flat2', contacts: ['<sip:flat2@192.168.1.30>'], callId: 'call-flat2' }).status).toBe(401);
  });
});

describe('Registrar with the real DigestServer and DigestClient', () => {
  it('registers after answering the challenge, and re-challenges with stale=true once the nonce aged', () => {
    const s = station({}, ({ clock }) => new DigestServer({ hasher: createNodeHasher(), clock, realm: REALM }));
    const phone = new DigestClient({ hasher: createNodeHasher(), credentials: { username: 'flat1', password: 'secret-one', realm: REALM } });

    const first = s.build({ auth: null, cseq: 1 });
    const challenge = s.deliver(first);
    expect(challenge.status).toBe(401);
    const answer = phone.answer(challenge, first);
    if (!answer.ok) throw new Error(`no answer: ${answer.reason}`);
    const ok = s.deliver(s.build({ auth: null, cseq: 2, headers: [[answer.header, answer.value]] }));
    expect(ok.status).toBe(200);
    expect(contactsOf(ok)).toEqual([[CONTACT_A, '3600']]);

    // Six minutes later the same nonce has only aged: stale=true, and the phone retries at once.
    s.clock.advance(6 * 60_000);
    const refresh = s.build({ auth: null, cseq: 3 });
    const again = phone.answer(challenge, refresh);
    if (!again.ok) throw new Error(`no answer: ${again.reason}`);
    const stale = s.deliver(s.build({ auth: null, cseq: 3, headers: [[again.header, again.value]] }));
    expect(stale.status).toBe(401);
    expect(stale.wwwAuthenticate[0]!.stale).toBe(true);
  });

  it('answers a wrong password and an unknown user alike', () => {
    const s = station({}, ({ clock }) => new DigestServer({ hasher: createNodeHasher(), clock, realm: REALM }));
    const attempt = (username: string, password: string): SipMessage => {
      const first = s.build({ user: username, auth: null });
      const challenge = s.deliver(first);
      const answer = new DigestClient({ hasher: createNodeHasher(), credentials: { username, password } }).answer(challenge, first);
      if (!answer.ok) throw new Error(`no answer: ${answer.reason}`);
      return s.deliver(s.build({ user: username, auth: null, headers: [[answer.header, answer.value]] }));
    };
    const wrong = attempt('flat1', 'guess');
    const unknown = attempt('mallory', 'guess');
    expect([wrong.status, unknown.status]).toEqual([401, 401]);
    expect(unknown.reason).toBe(wrong.reason);
    expect(unknown.headers('www-authenticate')[0]!.replace(/nonce="[^"]*"/, '')).toBe(wrong.headers('www-authenticate')[0]!.replace(/nonce="[^"]*"/, ''));
    s.clock.advance(60_000);
    expect(s.logger.lines.filter((l) => l.event === 'registerAuthFailed').map((l) => l.fields?.reason)).toEqual(['bad-response', 'unknown-user']);
  });
});
