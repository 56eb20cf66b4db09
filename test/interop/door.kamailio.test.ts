// Interop: the door station, run from its command line with a config file as a user runs it, bound to 0.0.0.0
// like the default config, registered at a real Kamailio (digest auth with the auth user checked against
// From/To, Record-Route, UDP/TCP/TLS), with baresip as the flat's phone registered at the same Kamailio.
// Every test also checks what the door put on the wire, as Kamailio received it: no 0.0.0.0, :: or port 0.

import { describe, expect, it } from 'vitest';
import { type KamailioMessage, startKamailio } from '../support/kamailio.ts';
import { wildcardFaults } from '../support/wire.ts';
import {
  STOP_BOUND_MS, traced, doorBindings, doorBound, doorSent, isAuthorized, expectRealAddresses, fromDoor, header, isRequest, isResponse, startLine, startPhone, startRig,
} from './kamailio/rig.ts';

/** The Contact URI of a REGISTER, as Kamailio's location table lists it. */
function contactUriOf(m: KamailioMessage): string | undefined {
  return /<([^>]*)>/.exec(header(m, 'Contact') ?? '')?.[1];
}

/** The door's bindings, once they are exactly `[uri]` (a replaced one is removed after the new 200), or after 10 s from `started`. */
async function onlyBinding(rig: Awaited<ReturnType<typeof startRig>>, uri: string | undefined, started: number): Promise<string[]> {
  let now = await doorBindings(rig.kamailio);
  while (performance.now() - started < 10_000 && !(now.length === 1 && now[0] === uri)) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    now = await doorBindings(rig.kamailio);
  }
  return now;
}

describe('the Kamailio rig itself', () => {
  it('answers 403 when the auth user is not the To user of a REGISTER, and lists bindings', async () => {
    const kamailio = await startKamailio({ users: { door: 'door-secret-1', flat: 'flat-secret-1' } });
    expect(await kamailio.bindings()).toEqual([]);
    const { phone, port } = await startPhone(kamailio, 2, [], 'auth_user=door;auth_pass=door-secret-1');
    await phone.waitFor(/403 Forbidden auth ID/, 10_000);
    await kamailio.waitForMessage((m) => m.direction === 'in' && m.peer === `127.0.0.1:${port}` && /^Authorization: Digest username="door"/m.test(m.text), 'the phone\'s REGISTER with auth user door');
    expect(await kamailio.bindings()).toEqual([]);
  });

  it('reads a logged message so that the wire check finds 0.0.0.0, [::] and port 0 in it', () => {
    const text = [
      'INVITE sip:flat@127.0.0.1 SIP/2.0',
      'Via: SIP/2.0/TLS 0.0.0.0:0;branch=z9hG4bK-1;rport',
      'From: "Door" <sip:door@127.0.0.1>;tag=1',
      'To: <sip:flat@127.0.0.1>',
      'Contact: <sip:door-token@[::]:5060;transport=tls>',
      'Content-Type: application/sdp',
      'Content-Length: 20',
      '',
      'v=0',
      'c=IN IP4 0.0.0.0',
      '',
    ].join('\r\n');
    const faults = wildcardFaults(traced({ direction: 'in', protocol: 'tls', peer: '127.0.0.1:40000', text }));
    expect(faults.map((f) => f.where)).toEqual(['Via sent-by', 'Contact', 'SDP c=']);
  });
});

describe('the door station at a Kamailio PBX', () => {
  it.each(['udp', 'tcp', 'tls'] as const)('registers over %s: one binding with +sip.instance, From/To are the account\'s AoR', async (transport) => {
    const rig = await startRig({ transport });
    await rig.door.waitForLine(/ info registered /, 10_000);
    await doorSent(rig, isAuthorized('REGISTER'), 'the door\'s REGISTER with credentials');
    const bindings = (await rig.kamailio.bindings()).filter((b) => b.aor === 'door');
    expect(bindings).toHaveLength(1);
    expect(bindings[0]!.socket).toBe(`${transport}:127.0.0.1:${rig.kamailio.ports[transport]}`);
    expect(bindings[0]!.instance).toMatch(/^<urn:uuid:[0-9a-f-]{36}>$/);
    const registers = fromDoor(rig).filter(isRequest('REGISTER'));
    expect(registers.length).toBeGreaterThanOrEqual(2); // the first one is challenged
    for (const register of registers) {
      expect(register.protocol).toBe(transport);
      expect(header(register, 'From')).toMatch(/<sip:door@127\.0\.0\.1>/);
      expect(header(register, 'To')).toMatch(/<sip:door@127\.0\.0\.1>/);
    }
    expectRealAddresses(rig);
  }, 20_000);

  it('answers SHA-256 challenges (RFC 8760)', async () => {
    const rig = await startRig({ transport: 'udp', algorithm: 'SHA-256' });
    await rig.door.waitForLine(/ info registered /, 10_000);
    const answered = await doorSent(rig, isAuthorized('REGISTER'), 'the door\'s REGISTER with credentials');
    expect(header(answered, 'Authorization')).toMatch(/algorithm="?SHA-256"?/);
    expect(await doorBindings(rig.kamailio)).toHaveLength(1);
    expectRealAddresses(rig);
  }, 20_000);

  it.each(['udp', 'tcp', 'tls'] as const)('the bell calls baresip through Kamailio over %s: established, and the phone\'s hang-up ends it', async (transport) => {
    const rig = await startRig({ transport, phone: { toneSeconds: 2 } });
    await rig.door.waitForLine(/ info registered /, 10_000);
    const mark = rig.door.lines().length;
    rig.door.ring();
    await rig.door.waitForLine(/ info callEstablished /, 10_000, mark);
    await rig.door.waitForLine(/ info call(Closed|Ended) .*reason=remoteBye/, 10_000, mark);
    // The dialog went through Kamailio (Record-Route): the door's ACK and its answer to the phone's BYE reached it.
    await doorSent(rig, isRequest('ACK'), 'the door\'s ACK');
    await doorSent(rig, isResponse(200, 'BYE'), 'the door\'s 200 to the BYE');

    const invites = fromDoor(rig).filter(isRequest('INVITE'));
    expect(invites.length).toBeGreaterThanOrEqual(1);
    for (const invite of invites) {
      expect(invite.protocol, 'the INVITE goes over the account\'s transport').toBe(transport);
      // Kamailio checks the auth user against the From user: From is the account's AoR, the token only in Contact.
      expect(header(invite, 'From')).toMatch(/<sip:door@127\.0\.0\.1>/);
      expect(startLine(invite)).toBe('INVITE sip:flat@127.0.0.1 SIP/2.0');
      // SRTP policy `optional` (the default): SDES keys are offered only where the signalling is encrypted.
      expect(invite.text.includes('a=crypto:'), 'a=crypto only over TLS').toBe(transport === 'tls');
    }
    // baresip (no srtp module) takes the plain RTP/AVP part of the offer: audio flows unencrypted.
    expect(await rig.door.waitForLine(/ info mediaStarted /, 1000, mark)).toMatch(/ codec=PCMU .* srtp=no /);
    const contactUser = /<sip:([^@>]+)@/.exec(header(invites[0]!, 'Contact') ?? '')?.[1] ?? '(no Contact)';
    for (const m of fromDoor(rig)) {
      const end = m.text.indexOf('\r\n\r\n');
      const headers = m.text.slice(0, end).split('\r\n').slice(1).filter((line) => !/^(Contact|m):/i.test(line));
      expect(headers.join('\n'), 'the Contact token leaves the device in the Contact only').not.toContain(contactUser);
    }
    expectRealAddresses(rig);
  }, 30_000);

  it.each(['udp', 'tcp', 'tls'] as const)('with Kamailio as the outbound proxy (%s): REGISTER and the bell\'s INVITE go to it, with it as the first Route', async (transport) => {
    const rig = await startRig({ transport, outboundProxy: true, phone: { toneSeconds: 2 } });
    await rig.door.waitForLine(/ info registered /, 10_000);
    await doorSent(rig, isAuthorized('REGISTER'), 'the door\'s REGISTER with credentials');
    const mark = rig.door.lines().length;
    rig.door.ring();
    await rig.door.waitForLine(/ info callEstablished /, 10_000, mark);
    await rig.door.waitForLine(/ info call(Closed|Ended) .*reason=remoteBye/, 10_000, mark);
    await doorSent(rig, isResponse(200, 'BYE'), 'the door\'s 200 to the BYE');
    const proxy = new RegExp(`^<sip:127\\.0\\.0\\.1:${rig.kamailio.ports[transport]};(?:[^>]*;)?lr\\b[^>]*>`);
    for (const m of fromDoor(rig).filter((m) => isRequest('REGISTER')(m) || isRequest('INVITE')(m))) {
      expect(m.protocol).toBe(transport);
      expect(m.text.split('\r\n')[0]).toMatch(/^(REGISTER sip:127\.0\.0\.1|INVITE sip:flat@127\.0\.0\.1) SIP\/2\.0$/);
      expect(header(m, 'Route'), 'the outbound proxy is the first Route').toMatch(proxy);
    }
    expectRealAddresses(rig);
  }, 30_000);

  it.each(['udp', 'tcp', 'tls'] as const)('baresip calls the door through Kamailio (door registered over %s); the door answers', async (transport) => {
    const rig = await startRig({ transport });
    await rig.door.waitForLine(/ info registered /, 10_000);
    const mark = rig.door.lines().length;
    await startPhone(rig.kamailio, 2, [`/dial sip:door@127.0.0.1:${rig.kamailio.ports.udp}`]);
    await rig.door.waitForLine(/ info callIncoming /, 10_000, mark);
    await rig.door.waitForLine(/ info callEstablished /, 10_000, mark);
    await rig.door.waitForLine(/ info call(Closed|Ended) /, 15_000, mark);
    const answer = await doorSent(rig, isResponse(200, 'INVITE'), 'the door\'s 200 to the INVITE');
    expect(answer.protocol, 'the call reaches the door over its registration\'s transport').toBe(transport);
    expect(header(answer, 'Record-Route'), 'the door echoes the route Kamailio recorded').toBeDefined();
    expectRealAddresses(rig);
  }, 30_000);

  it.each(['tcp', 'tls'] as const)('registers again within 10 s after Kamailio restarts and is down for 2 s (%s: the flow closes)', async (transport) => {
    const rig = await startRig({ transport });
    await rig.door.waitForLine(/ info registered /, 10_000);
    expect(await doorBindings(rig.kamailio)).toHaveLength(1);
    const started = performance.now();
    await rig.kamailio.restart(2000);
    expect(await doorBindings(rig.kamailio)).toEqual([]); // the location table was in memory
    await doorBound(rig.kamailio, 10_000 - (performance.now() - started));
    expectRealAddresses(rig);
  }, 30_000);

  it.each(['tcp', 'tls'] as const)('%s, Kamailio keeping its location table: after a restart the door\'s new binding replaces the old one, none is left after stop', async (transport) => {
    const rig = await startRig({ transport, persistentLocation: true });
    await rig.door.waitForLine(/ info registered /, 10_000);
    const before = await doorBindings(rig.kamailio);
    expect(before).toHaveLength(1);
    const first = await doorSent(rig, isAuthorized('REGISTER'), 'the door\'s first authenticated REGISTER');
    const mark = rig.kamailio.messages().length;
    const started = performance.now();
    await rig.kamailio.restart();
    expect(await doorBindings(rig.kamailio), 'Kamailio kept the binding across its restart').toEqual(before);
    // The door registers again on a new connection. Its Contact names the door's sent-by port, never the rport Kamailio
    // saw (RFC 3581 over a stream: the connection's port), so it is the old one unless the sent-by port changed.
    const again = await doorSent(rig, isAuthorized('REGISTER'), 'the door\'s REGISTER after the restart', 10_000, mark);
    expect(again.peer, 'a new connection').not.toBe(first.peer);
    expect(await onlyBinding(rig, contactUriOf(again), started), 'one binding, the new registration\'s').toEqual([contactUriOf(again)]);
    expect((await rig.door.stop('SIGTERM')).code).toBe(0);
    expect(await doorBindings(rig.kamailio), 'no binding of the door after stop').toEqual([]);
    expectRealAddresses(rig);
  }, 30_000);

  it('registers again within one refresh interval after Kamailio restarts (udp)', async () => {
    // Kamailio grants 15 s of the 60 asked for: the door refreshes at the latest 15 s after the restart.
    const rig = await startRig({ transport: 'udp', maxExpires: 15 });
    await rig.door.waitForLine(/ info registered .*expires=15\b/, 10_000);
    await rig.kamailio.restart();
    expect(await doorBindings(rig.kamailio)).toEqual([]); // the location table was in memory
    await doorBound(rig.kamailio, 16_000);
    expectRealAddresses(rig);
  }, 30_000);

  it.each(['tcp', 'tls'] as const)('a %s flow closed by Kamailio: re-registers at once on a new connection, one binding left, none after stop', async (transport) => {
    const rig = await startRig({ transport });
    await rig.door.waitForLine(/ info registered /, 10_000);
    const [first] = await doorBindings(rig.kamailio);
    expect(first).toBeDefined();
    const firstRegister = await doorSent(rig, isAuthorized('REGISTER'), 'the door\'s first authenticated REGISTER');
    const mark = rig.kamailio.messages().length;
    expect(await rig.kamailio.closeFlowOf('door')).toBe(true);
    const started = performance.now();
    // At once, on a new connection. Its Contact names the door's sent-by port, never the rport Kamailio saw (RFC 3581
    // over a stream: the connection's port), so it is the old one unless the sent-by port changed.
    const again = await doorSent(rig, isAuthorized('REGISTER'), 'the door\'s REGISTER after the flow closed', 10_000, mark);
    expect(again.peer, 'a new connection').not.toBe(firstRegister.peer);
    expect(await onlyBinding(rig, contactUriOf(again), started), 'the new registration replaced the old binding').toEqual([contactUriOf(again)]);
    const exit = await rig.door.stop('SIGTERM');
    expect(exit.code).toBe(0);
    expect(await doorBindings(rig.kamailio), 'no binding of the door after stop').toEqual([]);
    expectRealAddresses(rig);
  }, 30_000);

  it.each(['udp', 'tls'] as const)('SIGTERM with a call up (%s): BYE, un-REGISTER answering its 401, exit 0 within the stop bound; no binding left', async (transport) => {
    // One-time nonces: the un-REGISTER cannot reuse the last nonce, it has to answer a fresh 401.
    const rig = await startRig({ transport, phone: { toneSeconds: 30 }, oneTimeNonce: true });
    await rig.door.waitForLine(/ info registered /, 10_000);
    rig.door.ring();
    await rig.door.waitForLine(/ info callEstablished /, 10_000);
    const mark = rig.kamailio.messages().length;
    const exit = await rig.door.stop('SIGTERM');
    expect(exit.code).toBe(0);
    expect(exit.ms).toBeLessThan(STOP_BOUND_MS);
    await doorSent(rig, isRequest('BYE'), 'the door\'s BYE', 5000, mark);
    await doorSent(rig, (m) => isAuthorized('REGISTER')(m) && /^Expires:\s*0\s*$|;expires=0\b/im.test(m.text), 'the un-REGISTER with credentials', 5000, mark);
    const unregisters = fromDoor(rig).filter((m) => rig.kamailio.messages().indexOf(m) >= mark).filter(isRequest('REGISTER'));
    expect(unregisters.length, 'the door un-REGISTERs, and again with the answer to the 401').toBeGreaterThanOrEqual(2);
    for (const m of unregisters) expect(m.text).toMatch(/^Expires:\s*0\s*$|;expires=0\b/im);
    const nonces = unregisters.map((m) => /nonce="([^"]+)"/.exec(header(m, 'Authorization') ?? '')?.[1]);
    expect(nonces.at(-1), 'the last un-REGISTER answers a fresh challenge').toBeDefined();
    expect(nonces.slice(0, -1)).not.toContain(nonces.at(-1));
    expect(await doorBindings(rig.kamailio)).toEqual([]);
    await rig.phone!.waitFor(/BYE sip:/, 5_000);
    expectRealAddresses(rig);
  }, 30_000);
});
