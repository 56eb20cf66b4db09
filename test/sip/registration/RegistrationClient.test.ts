// RegistrationClient scenarios over the loop network on a fake clock (RFC 3261 §10.2, §21.5.4; RFC 3263 §4.3; RFC 5626
// §4.4; RFC 3581): a real transaction and transport layer on the device, scripted registrars answering with buildResponse.
import { describe, expect, it, vi } from 'vitest';
import { DigestClient } from '../../../firmware-app/sip/auth/DigestClient.ts';
import { DigestServer } from '../../../firmware-app/sip/auth/DigestServer.ts';
import { createNodeHasher } from '../../../firmware-app/platform/hash.ts';
import { type SipMessage, buildResponse } from '../../../firmware-app/sip/message/index.ts';
import type { Address } from '../../../firmware-app/sip/transport/types.ts';
import {
  CONTACT_USER, DEVICE, FakeDigest, INSTANCE, PASSWORD, REGISTRAR, type Scenario, type ScenarioOptions, contactOf,
  createScenario,
} from './harness.ts';

const SECOND: Address = { host: '198.51.100.21', port: 5060 };
const PROXY: Address = { host: '198.51.100.30', port: 5060 };
const OUR_CONTACT = `<sip:${CONTACT_USER}@192.0.2.10:5060;transport=udp>;+sip.instance="<${INSTANCE}>";reg-id=1`;

/** Starts the client and lets the first exchange finish. */
async function registered(options: ScenarioOptions = {}): Promise<Scenario> {
  const s = createScenario(options);
  s.client.start();
  await s.settle();
  expect(s.client.state).toBe('registered');
  return s;
}

function expiresOf(request: SipMessage): number {
  return Number(request.header('expires'));
}

/** Two SRV targets for example.org: pbx1 (REGISTRAR) first, pbx2 (SECOND) second. */
function twoTargets(dns: import('../../../firmware-app/sip/transport/FakeDns.ts').FakeDns): void {
  dns.addSrv('_sip._udp.example.org', { priority: 10, weight: 0, port: 5060, target: 'pbx1.example.org' });
  dns.addSrv('_sip._udp.example.org', { priority: 20, weight: 0, port: 5060, target: 'pbx2.example.org' });
  dns.addA('pbx1.example.org', REGISTRAR.host);
  dns.addA('pbx2.example.org', SECOND.host);
}

describe('RegistrationClient: register, refresh, back-off', () => {
  it('registers through a 401, refreshes at 90 % of 600 s, re-registers at once when the flow fails, backs off ×2 up to 30 min, and comes back', async () => {
    const s = await registered();
    const [first, second] = s.registrar.registers.map((r) => r.request);
    // RFC 3261 §10.2: Request-URI the registrar's domain, To = From = AOR, our Contact with instance and reg-id.
    expect(first!.requestUri).toBe('sip:198.51.100.20');
    expect(first!.from.uri).toBe('sip:door@example.org');
    expect(first!.from.tag).toBeDefined();
    expect(first!.to.uri).toBe('sip:door@example.org');
    expect(first!.to.tag).toBeUndefined();
    expect(contactOf(first!)).toBe(OUR_CONTACT);
    expect(first!.header('expires')).toBe('600');
    expect(first!.header('supported')).toBe('outbound');
    expect(first!.header('user-agent')).toBe('sip-doorbell');
    expect(first!.header('authorization')).toBeUndefined();
    // The authenticated retry: same Call-ID, next CSeq, our answer to the challenge.
    expect(second!.callId).toBe(first!.callId);
    expect(second!.cseq.seq).toBe(first!.cseq.seq + 1);
    expect(second!.header('authorization')).toContain('nonce="n1"');
    expect(s.eventsOf('registered').map((e) => e.info)).toEqual([{ expires: 600, publicAddress: DEVICE, registrar: 'sip:198.51.100.20' }]);
    expect(s.client.trustedSources).toEqual([REGISTRAR]);
    expect(s.client.flowId).toBeUndefined();

    await s.advance(539_900);
    expect(s.registrar.registers).toHaveLength(2);
    await s.advance(100);
    const refresh = s.registrar.registers.slice(2);
    expect(refresh.map((r) => r.at)).toEqual([540_000, 540_000]); // refresh at 90 %, challenged again
    expect(refresh.map((r) => r.request.callId)).toEqual([first!.callId, first!.callId]);
    expect(refresh.map((r) => r.request.cseq.seq)).toEqual([3, 4]);
    expect(s.eventsOf('registered')).toHaveLength(1); // nothing changed: no event

    // The registrar goes silent. The OPTIONS keep-alive due 25 s after the refresh times out first (Timer F, 32 s):
    // the flow failed, so a REGISTER goes at once (RFC 5626 §4.5), and only its failure starts the back-off.
    s.registrar.policy = () => 'drop';
    s.setRandom(() => 0); // back-off factor 0.5
    await s.advance(3_000_000 - 540_000);
    const retries = s.registrar.registers.slice(4);
    expect(retries[0]!.at).toBe(597_000);
    expect(s.logger.lines).toContain('info flowFailed target=198.51.100.20:5060 protocol=udp reason=timeout');
    const failures = s.eventsOf('registrationFailed');
    expect(failures[0]).toEqual({ at: 629_000, event: 'registrationFailed', info: { reason: 'timeout', retryInSeconds: 30 } });
    // RFC 5626 §4.5: min(1800, 30 · 2^failures) × (0.5 … 1), here always the half.
    expect(failures.map((f) => (f.info as { retryInSeconds: number }).retryInSeconds)).toEqual([30, 60, 120, 240, 480, 900, 900]);
    // Each retry is sent when its back-off ends and fails when its Timer F fires, 32 s later.
    expect(retries.map((r) => r.at)).toEqual([597_000, 659_000, 751_000, 903_000, 1_175_000, 1_687_000, 2_619_000]);
    expect(failures.map((f) => f.at)).toEqual(retries.map((r) => r.at + 32_000));
    expect(failures.every((f) => (f.info as { reason: string }).reason === 'timeout')).toBe(true);
    expect(s.client.state).toBe('failed');

    // The registrar is back: the next retry (at 2651 + 900 s) registers again.
    s.registrar.policy = undefined;
    await s.advance(3_551_000 - 3_000_000);
    expect(s.client.state).toBe('registered');
    expect(s.eventsOf('registered').map((e) => e.at)).toEqual([0, 3_551_000]);
    expect(s.eventsOf('registering').map((e) => (e.info as { attempt: number }).attempt)).toEqual([1, 1, 2, 3, 4, 5, 6, 7]);
    // Events fire once per transition, one log line each.
    expect(s.events.map((e) => e.event)).toEqual([
      'registering', 'registered',
      ...Array.from({ length: 7 }, () => ['registrationFailed', 'registering']).flat(),
      'registered',
    ]);
    for (const event of ['registering', 'registered', 'registrationFailed'] as const) {
      expect(s.logger.lines.filter((l) => l.split(' ')[1] === event)).toHaveLength(s.eventsOf(event).length);
    }
  });

  it('draws the first back-off from [30 s, 60 s] and the later ones ×2 up to 1800 s with the injected random (RFC 5626 §4.5)', async () => {
    const s = createScenario();
    s.registrar.policy = () => 'drop';
    s.setRandom(() => 0.9999);
    s.client.start();
    await s.advance(20_000 * 1000);
    const retry = s.eventsOf('registrationFailed').map((f) => (f.info as { retryInSeconds: number }).retryInSeconds);
    expect(retry[0]).toBeGreaterThanOrEqual(30);
    expect(retry[0]).toBeLessThanOrEqual(60);
    for (let i = 1; i < 5; i++) expect(retry[i]! / retry[i - 1]!).toBeCloseTo(2, 3);
    expect(Math.max(...retry)).toBeLessThanOrEqual(1800);
    expect(retry.at(-1)).toBeCloseTo(1800 * 0.99995, 1);
  });

  it('answers 423 Interval Too Brief at once with Min-Expires, and refreshes at 90 % of it', async () => {
    const s = createScenario();
    s.registrar.policy = (req) => (req.method === 'REGISTER' && expiresOf(req) < 3600 ? { status: 423, headers: [['Min-Expires', '3600']] } : undefined);
    s.client.start();
    await s.settle();
    const sent = s.registrar.registers;
    expect(sent.map((r) => [r.at, expiresOf(r.request), r.request.header('authorization') !== undefined])).toEqual([
      [0, 600, false], // → 423
      [0, 3600, false], // → 401
      [0, 3600, true], // → 200
    ]);
    expect(s.eventsOf('registered').map((e) => (e.info as { expires: number }).expires)).toEqual([3600]);
    await s.advance(3240_000);
    expect(s.registrar.registers[3]).toMatchObject({ at: 3_240_000 });
    expect(expiresOf(s.registrar.registers[3]!.request)).toBe(3600);
  });

  it('takes a Min-Expires once: the same 423 again is a failure with back-off', async () => {
    const s = createScenario();
    s.registrar.policy = (req) => (req.method === 'REGISTER' ? { status: 423, headers: [['Min-Expires', '3600']] } : undefined);
    s.client.start();
    await s.settle();
    expect(s.registrar.registers.map((r) => expiresOf(r.request))).toEqual([600, 3600]);
    expect(s.eventsOf('registrationFailed').map((e) => e.info)).toEqual([{ reason: 'interval-too-brief', status: 423, phrase: 'Interval Too Brief', retryInSeconds: 45 }]);
  });

  it.each([
    {
      name: 'our Contact\'s expires parameter, not another device\'s nor the Expires header',
      headers: [['Contact', '<sip:other@192.0.2.99:5060>;expires=60'], ['Contact', `<sip:${CONTACT_USER}@192.0.2.10:5060;transport=udp>;expires=300`], ['Expires', '900']],
      granted: 300, refreshAt: 270_000,
    },
    {
      name: 'our Contact matched by +sip.instance when the registrar rewrote the URI',
      headers: [['Contact', `<sip:${CONTACT_USER}@203.0.113.50:5060>;+sip.instance="<${INSTANCE}>";expires=200`], ['Expires', '900']],
      granted: 200, refreshAt: 180_000,
    },
    { name: 'the Expires header when no Contact is listed', headers: [['Expires', '120']], granted: 120, refreshAt: 108_000 },
    { name: 'what was asked when the 200 says nothing', headers: [], granted: 600, refreshAt: 540_000 },
    { name: 'a short expiry refreshed 5 s before it ends', headers: [['Expires', '20']], granted: 20, refreshAt: 15_000 },
  ] as const)('takes the granted expiry from $name', async ({ headers, granted, refreshAt }) => {
    const s = createScenario();
    s.registrar.policy = (req) => (req.method === 'REGISTER' && req.header('authorization') !== undefined ? { status: 200, headers } : undefined);
    s.client.start();
    await s.settle();
    expect(s.eventsOf('registered').map((e) => (e.info as { expires: number }).expires)).toEqual([granted]);
    await s.advance(refreshAt - 100);
    expect(s.registrar.registers).toHaveLength(2);
    await s.advance(100);
    expect(s.registrar.registers[2]?.at).toBe(refreshAt);
  });
});

describe('RegistrationClient: failover', () => {
  it('waits out a 503 Retry-After: 120 and then tries the second SRV target', async () => {
    const s = createScenario({ config: { registrar: 'sip:example.org' }, peers: [REGISTRAR, SECOND], dns: twoTargets });
    const [pbx1, pbx2] = s.registrars;
    pbx1!.policy = () => ({ status: 503, headers: [['Retry-After', '120']] });
    s.client.start();
    await s.settle();
    expect(pbx1!.registers).toHaveLength(1);
    expect(s.eventsOf('registrationFailed').map((e) => e.info)).toEqual([{ reason: 'service-unavailable', status: 503, phrase: 'Service Unavailable', retryInSeconds: 120 }]);
    await s.advance(119_900);
    expect([pbx1!.registers.length, pbx2!.registers.length]).toEqual([1, 0]);
    await s.advance(100);
    expect(pbx2!.registers.map((r) => r.at)).toEqual([120_000, 120_000]);
    expect(pbx2!.registers[0]!.request.requestUri).toBe('sip:example.org');
    expect(s.client.state).toBe('registered');
    expect(s.client.trustedSources).toEqual([SECOND]);
    expect(s.eventsOf('registering').map((e) => e.info)).toEqual([
      { registrar: 'sip:example.org', attempt: 1 }, { registrar: 'sip:example.org', attempt: 2 },
    ]);
  });

  it('fails over at once on a 503 without Retry-After, and after Timer F on a silent target', async () => {
    const s = createScenario({ config: { registrar: 'sip:example.org' }, peers: [REGISTRAR, SECOND], dns: twoTargets });
    const [pbx1, pbx2] = s.registrars;
    pbx1!.policy = () => ({ status: 503 });
    s.client.start();
    await s.settle();
    expect(pbx2!.registers.map((r) => r.at)).toEqual([0, 0]);
    expect(s.eventsOf('registrationFailed')).toEqual([]);

    const t = createScenario({ config: { registrar: 'sip:example.org' }, peers: [REGISTRAR, SECOND], dns: twoTargets });
    t.registrars[0]!.policy = () => 'drop';
    t.client.start();
    await t.advance(32_000);
    expect(t.registrars[1]!.registers.map((r) => r.at)).toEqual([32_000, 32_000]);
    expect(t.client.state).toBe('registered');
    // The new transaction carries a new branch and the next CSeq on the same Call-ID.
    const before = t.registrars[0]!.registers[0]!.request;
    const after = t.registrars[1]!.registers[0]!.request;
    expect(after.topVia.branch).not.toBe(before.topVia.branch);
    expect([after.callId, after.cseq.seq]).toEqual([before.callId, before.cseq.seq + 1]);
  });

  it('moves to the backup registrar when the primary is dead, and back to the primary on the next cycle', async () => {
    const s = createScenario({ config: { backupRegistrar: `sip:${SECOND.host}` }, peers: [REGISTRAR, SECOND] });
    const [primary, backup] = s.registrars;
    primary!.policy = () => 'drop';
    s.client.start();
    await s.advance(32_000);
    expect(backup!.registers.map((r) => r.at)).toEqual([32_000, 32_000]);
    expect(s.eventsOf('registered').map((e) => e.info)).toEqual([{ expires: 600, publicAddress: DEVICE, registrar: `sip:${SECOND.host}` }]);
    expect(s.client.trustedSources).toEqual([SECOND]);

    // The backup dies too: its keep-alive times out, and the REGISTER that follows at once goes to the next target,
    // here (none left) the primary again, which is back.
    backup!.policy = () => 'drop';
    primary!.policy = undefined;
    await s.advance(25_000 + 32_000);
    expect(primary!.registers.slice(1).map((r) => r.at)).toEqual([89_000, 89_000]); // 401 → 200
    expect(s.eventsOf('registrationFailed')).toEqual([]);
    expect(s.eventsOf('registered').at(-1)?.info).toMatchObject({ registrar: 'sip:198.51.100.20' });
    expect(s.client.trustedSources).toEqual([REGISTRAR]);
  });

  it('backs off when the registrar\'s name does not resolve', async () => {
    const s = createScenario({ config: { registrar: 'sip:nowhere.example.org' } });
    s.client.start();
    await s.settle();
    expect(s.eventsOf('registrationFailed').map((e) => e.info)).toEqual([{ reason: 'dns-failed', retryInSeconds: 45 }]);
    expect(s.deviceSends()).toBe(0);
    s.dns.addA('nowhere.example.org', REGISTRAR.host);
    // The empty answer stays cached for 30 s (the resolver's negative TTL); the first retry comes after it.
    await s.advance(44_900);
    expect(s.client.state).toBe('failed');
    await s.advance(100);
    expect(s.client.state).toBe('registered');
  });

  it('sends through the outbound proxy with a loose Route and trusts the proxy', async () => {
    const s = await registered({ config: { outboundProxy: `sip:${PROXY.host}` }, peers: [PROXY] });
    const request = s.registrar.registers[0]!.request;
    expect(request.requestUri).toBe('sip:198.51.100.20');
    expect(request.header('route')).toBe('<sip:198.51.100.30;lr>');
    expect(s.client.trustedSources).toEqual([PROXY]);
  });
});

describe('RegistrationClient: refusals retry on the back-off schedule', () => {
  it('retries a 403 on a longer back-off (300 s base), logging status and reason phrase, and comes back when the PBX allows it', async () => {
    const s = createScenario();
    s.registrar.policy = () => ({ status: 403 });
    s.client.start();
    await s.settle();
    // min(1800, 300 · 2^1) × 0.75 with the default random 0.5.
    expect(s.eventsOf('registrationFailed').map((e) => e.info)).toEqual([{ reason: 'rejected', status: 403, phrase: 'Forbidden', retryInSeconds: 450 }]);
    expect(s.logger.lines).toContain('warn registrationFailed reason=rejected status=403 phrase=Forbidden retryInSeconds=450');
    expect(s.client.state).toBe('failed');
    const sends = s.deviceSends();
    await s.advance(449_900);
    expect(s.deviceSends()).toBe(sends);
    await s.advance(100);
    expect(s.registrar.registers.map((r) => r.at)).toEqual([0, 450_000]);
    expect(s.eventsOf('registrationFailed').map((e) => (e.info as { retryInSeconds: number }).retryInSeconds)).toEqual([450, 900]);
    s.registrar.policy = undefined; // the account is unlocked on the PBX
    await s.advance(900_000);
    expect(s.client.state).toBe('registered');
    expect(s.eventsOf('registered').map((e) => e.at)).toEqual([1_350_000]);
  });

  it('retries wrong credentials on the usual back-off with a fresh digest state, and registers once the PBX accepts them', async () => {
    const s = createScenario();
    s.registrar.policy = (req) => (req.method === 'REGISTER' ? s.registrar.challenge('same') : undefined);
    s.client.start();
    await s.settle();
    expect(s.registrar.registers).toHaveLength(2);
    expect(s.eventsOf('registrationFailed').map((e) => e.info)).toEqual([
      { reason: 'wrong-credentials', status: 401, phrase: 'Unauthorized', retryInSeconds: 45 },
    ]);
    const resets = (s.digest as FakeDigest).resets;
    s.registrar.policy = undefined; // the password is fixed on the PBX side
    await s.advance(45_000);
    expect(s.client.state).toBe('registered');
    expect(s.registrar.registers.slice(2).map((r) => r.at)).toEqual([45_000, 45_000]);
    expect((s.digest as FakeDigest).resets).toBe(resets);
    expect(resets).toBe(2); // start(), then the wrong-credentials failure
  });

  it('with the real DigestClient against a DigestServer: a wrong password keeps retrying until the PBX takes it; stop answers the challenge', async () => {
    const hasher = createNodeHasher();
    for (const password of [PASSWORD, 'not-the-password']) {
      const digest = new DigestClient({ hasher, credentials: { username: 'door', password } });
      const s = createScenario({ digest });
      const server = new DigestServer({ hasher, clock: s.clock, realm: 'example.org' });
      let pbxPassword = PASSWORD;
      s.registrar.policy = (req) => {
        if (req.method !== 'REGISTER') return undefined;
        const verdict = server.verify(req, (user) => (user === 'door' ? pbxPassword : undefined));
        if (verdict.ok) return s.registrar.ok(req);
        return { status: 401, headers: [['WWW-Authenticate', server.challenge({ stale: verdict.reason === 'stale-nonce' })]] };
      };
      s.client.start();
      await s.settle();
      if (password === PASSWORD) {
        expect(s.client.state).toBe('registered');
        await s.advance(540_000); // the refresh is challenged and answered again
        expect(s.registrar.registers).toHaveLength(4);
        expect(s.eventsOf('registrationFailed')).toEqual([]);
      } else {
        expect(s.eventsOf('registrationFailed').map((e) => e.info)).toEqual([
          { reason: 'wrong-credentials', status: 401, phrase: 'Unauthorized', retryInSeconds: 45 },
        ]);
        await s.advance(45_000);
        expect(s.eventsOf('registrationFailed')).toHaveLength(2);
        pbxPassword = password; // the user sets the door's password on the PBX
        await s.advance(90_000);
        expect(s.client.state).toBe('registered');
      }
      const before = s.registrar.registers.length;
      const done = s.client.stop();
      await s.settle();
      await done;
      expect(s.registrar.registers.slice(before).map((r) => expiresOf(r.request))).toEqual([0, 0]);
      expect(s.registrar.registers.at(-1)!.request.header('authorization')).toBeDefined();
      expect(s.logger.lines.join('\n')).not.toContain(password);
    }
  });

  it('gives up only on a configuration that cannot be sent, until start() again', async () => {
    const s = createScenario({ config: { aor: 'sip:door@exa mple.org' } });
    s.client.start();
    await s.settle();
    expect(s.eventsOf('registrationFailed').map((e) => e.info)).toEqual([{ reason: 'bad-config' }]);
    await s.advance(3_600_000);
    expect(s.deviceSends()).toBe(0);
  });
});

describe('RegistrationClient: keep-alives and NAT', () => {
  it('sends OPTIONS to the registrar over UDP every 25 s ± 20 % (scripted jitter)', async () => {
    const s = createScenario();
    s.random.push(0, 0.9995, 0.5); // the first draws after the 200 are the keep-alive's
    s.client.start();
    await s.advance(80_000);
    const options = s.registrar.options;
    expect(options.map((o) => o.at)).toEqual([20_000, 49_995, 74_995]); // 25 s × (0.8 + 0.4 r)
    const request = options[0]!.request;
    expect(request.requestUri).toBe('sip:198.51.100.20');
    expect(request.to.uri).toBe('sip:198.51.100.20');
    expect(request.from.uri).toBe('sip:door@example.org');
    expect(request.callId).not.toBe(s.registrar.registers[0]!.request.callId);
    expect(options.map((o) => o.request.cseq.seq)).toEqual([1, 2, 3]);
  });

  it('honours a Flow-Timer from the registrar: keep-alives at 80–100 % of it (RFC 5626 §4.4.1)', async () => {
    const s = createScenario();
    s.registrar.policy = (req) => (req.method === 'REGISTER' && req.header('authorization') !== undefined ? s.registrar.ok(req, undefined, [['Flow-Timer', '120']]) : undefined);
    s.random.push(0, 1);
    s.client.start();
    await s.advance(300_000);
    expect(s.registrar.options.map((o) => o.at)).toEqual([96_000, 216_000]);
  });

  it('falls back to CRLF pings over UDP for a registrar that answers REGISTER but never OPTIONS', async () => {
    const s = createScenario();
    s.registrar.policy = (req) => (req.method === 'OPTIONS' ? 'drop' : undefined);
    s.client.start();
    await s.advance(57_000);
    // The OPTIONS timed out: the REGISTER that follows at once is answered, so nothing failed.
    expect(s.registrar.registers.slice(2).map((r) => r.at)).toEqual([57_000, 57_000]);
    expect(s.client.state).toBe('registered');
    const options = s.registrar.options.length;
    await s.advance(600_000);
    expect(s.registrar.options).toHaveLength(options);
    expect(s.registrar.pings.length).toBeGreaterThanOrEqual(20);
    expect(s.eventsOf('registrationFailed')).toEqual([]);
    expect(s.client.state).toBe('registered');
  });

  it('over TCP: pings CRLF on the registration\'s flow about every 25 s, and re-registers at once when the flow breaks', async () => {
    const s = await registered({ protocol: 'tcp' });
    const request = s.registrar.registers[0]!.request;
    expect(request.topVia.transport).toBe('TCP');
    expect(contactOf(request)).toBe(`<sip:${CONTACT_USER}@192.0.2.10:5060;transport=tcp>;+sip.instance="<${INSTANCE}>";reg-id=1`);
    expect(s.client.flowId).toBe('tcp:192.0.2.10:5060>198.51.100.20:5060');
    expect(s.registrar.registers.every((r) => r.inbound.flow.id === 'tcp:198.51.100.20:5060>192.0.2.10:5060')).toBe(true);
    const pingsAtStart = s.registrar.pings.length; // one before each REGISTER: it names the flow
    expect(pingsAtStart).toBe(2);
    await s.advance(60_000);
    expect(s.registrar.pings.slice(pingsAtStart)).toEqual([25_000, 50_000]);
    expect(s.registrar.options).toEqual([]);

    // The registrar's end closes the connection: the REGISTER goes at once, on a new connection.
    s.registrar.transport.closeFlow('tcp:198.51.100.20:5060>192.0.2.10:5060');
    await s.advance(15_000);
    expect(s.registrar.registers.slice(2).map((r) => r.at)).toEqual([60_000, 60_000]);
    expect(s.client.state).toBe('registered');
    expect(s.eventsOf('registering')).toHaveLength(1);
    expect(s.eventsOf('registrationFailed')).toEqual([]);
    expect(s.logger.lines).toContain('info flowFailed target=198.51.100.20:5060 protocol=tcp reason=flow-closed');
  });

  it('over TCP: a ping without a pong within 10 s fails the flow (RFC 5626 §4.4.1): it is closed and the REGISTER goes at once on a new one', async () => {
    const s = createScenario({ protocol: 'tcp' });
    // An outbound registrar (RFC 5626 §6): its 200 says `Require: outbound`, so its pongs are due from the first ping.
    s.registrar.policy = (req) => (req.method === 'REGISTER' && req.header('authorization') !== undefined ? s.registrar.ok(req, undefined, [['Require', 'outbound']]) : undefined);
    s.client.start();
    await s.settle();
    const closed: string[] = [];
    s.transport.flowEvents.on('flowClosed', (flow) => closed.push(flow.id));
    await s.advance(24_000);
    s.device.dropNext(1); // the ping at 25 s is lost: no pong
    await s.advance(10_999);
    expect(s.registrar.registers).toHaveLength(2);
    expect(closed).toEqual([]);
    await s.advance(1);
    expect(closed).toEqual(['tcp:192.0.2.10:5060>198.51.100.20:5060']);
    expect(s.registrar.registers.slice(2).map((r) => r.at)).toEqual([35_000, 35_000]);
    expect(s.client.state).toBe('registered');
    expect(s.eventsOf('registrationFailed')).toEqual([]);
    expect(s.logger.lines).toContain('info flowFailed target=198.51.100.20:5060 protocol=tcp reason=pong-timeout');
    // Answered pings keep it alive: nothing more for minutes.
    await s.advance(300_000);
    expect(s.registrar.registers).toHaveLength(4);
  });

  it('over TCP: flows whose pings are never answered back off (RFC 5626 §4.5): a ping only sent proves nothing', async () => {
    const s = createScenario({ protocol: 'tcp' });
    s.registrar.policy = (req) => (req.method === 'REGISTER' && req.header('authorization') !== undefined ? s.registrar.ok(req, undefined, [['Require', 'outbound']]) : undefined);
    // Every keep-alive ping is lost on the way (a middlebox eating them): no pong ever comes.
    const sendKeepAlive = s.device.sendKeepAlive!.bind(s.device);
    s.device.sendKeepAlive = (flowId, bytes) => {
      s.device.dropNext(1);
      return sendKeepAlive(flowId, bytes);
    };
    s.client.start();
    await s.advance(600_000);
    const authorized = s.registrar.registers.filter((r) => r.request.header('authorization') !== undefined).map((r) => r.at);
    // At once after the first dead flow, then min(1800, 30 · 2^n) × 0.75: never a REGISTER every 35 s for ever.
    expect(s.eventsOf('registrationFailed').map((e) => (e.info as { retryInSeconds: number }).retryInSeconds)).toEqual([45, 90, 180, 360]);
    expect(authorized.length).toBeLessThanOrEqual(8);
  });

  it('over TCP: a failed connect before the first 200 does not cost the quick re-REGISTER when a later flow fails', async () => {
    const s = createScenario({ protocol: 'tcp' });
    s.device.failNextSend('CONNECT_FAILED'); // the PBX is not up yet when the Pi boots
    s.client.start();
    await s.advance(60_000);
    expect(s.client.state).toBe('registered');
    expect(s.eventsOf('registrationFailed').map((e) => e.info)).toEqual([{ reason: 'transport-error', retryInSeconds: 45 }]);
    await s.advance(5_000);
    const restartAt = s.clock.now();
    s.registrar.restart(); // the registrar restarts: our flow closes
    await s.settle();
    expect(s.registrar.registers.map((r) => r.at)).toContain(restartAt);
    expect(s.eventsOf('registrationFailed')).toHaveLength(1);
    expect(s.client.state).toBe('registered');
  });

  it('over TCP, a registrar that did not say Require: outbound: an unanswered ping says nothing until the flow answered one (RFC 5626 §4.4.1)', async () => {
    const s = await registered({ protocol: 'tcp' });
    const closed: string[] = [];
    s.transport.flowEvents.on('flowClosed', (flow) => closed.push(flow.id));
    await s.advance(24_000);
    s.device.dropNext(1); // the ping at 25 s gets no pong: a plain NAT keep-alive, no verdict
    await s.advance(26_000);
    expect(closed).toEqual([]);
    expect(s.registrar.registers).toHaveLength(2);
    expect(s.registrar.pings.slice(2)).toEqual([50_000]); // the next ping, on time, and its pong came
    // That flow answers pings: from now on a missing pong is a dead flow.
    await s.advance(24_000);
    s.device.dropNext(1); // the ping at 75 s: its pong is due by 85 s
    await s.advance(10_999);
    expect(closed).toEqual([]);
    await s.advance(1);
    expect(closed).toEqual(['tcp:192.0.2.10:5060>198.51.100.20:5060']);
    expect(s.registrar.registers.slice(2).map((r) => r.at)).toEqual([85_000, 85_000]);
    expect(s.logger.lines).toContain('info flowFailed target=198.51.100.20:5060 protocol=tcp reason=pong-timeout');
    expect(s.eventsOf('registrationFailed')).toEqual([]);
    expect(s.client.state).toBe('registered');
  });

  it('over TCP: a flow that dies right after each 200 is a consecutive failure: quick retries, then the §4.5 back-off, never REGISTERs back to back', async () => {
    const s = createScenario({ protocol: 'tcp' });
    let closing = true;
    // A proxy or NAT that closes the connection 10 ms after every 200.
    s.registrar.policy = (req, inbound) => {
      if (!closing || req.method !== 'REGISTER' || req.header('authorization') === undefined) return undefined;
      const ok = s.registrar.ok(req);
      if (ok !== 'drop') s.registrar.answer(req, inbound, ok);
      s.clock.setTimer(10, () => s.registrar.transport.closeFlow(inbound.flow.id));
      return 'drop';
    };
    s.client.start();
    await s.advance(50_000);
    const authorized = (): number[] => s.registrar.registers.filter((r) => r.request.header('authorization') !== undefined).map((r) => r.at);
    // The first failure re-registers at once; the next ones wait 1, 2, 4 s, then min(1800, 30 · 2^n) × 0.75.
    expect(authorized()).toEqual([0, 10, 1_020, 3_030, 7_040]);
    expect(s.eventsOf('registrationFailed').map((e) => e.info)).toEqual([
      { reason: 'flow-closed', retryInSeconds: 1 },
      { reason: 'flow-closed', retryInSeconds: 2 },
      { reason: 'flow-closed', retryInSeconds: 4 },
      { reason: 'flow-closed', retryInSeconds: 45 },
    ]);
    await s.advance(50_000);
    expect(authorized()).toEqual([0, 10, 1_020, 3_030, 7_040, 52_050]);
    expect(s.eventsOf('registrationFailed').map((e) => (e.info as { retryInSeconds: number }).retryInSeconds)).toEqual([1, 2, 4, 45, 90]);
    // The path is fixed: the next flow lives past its first keep-alive, so the failures are history, and a flow
    // that fails after that is registered again at once.
    closing = false;
    await s.advance(100_000);
    expect(authorized().at(-1)).toBe(142_060);
    expect(s.client.state).toBe('registered');
    s.registrar.transport.closeFlow(s.registrar.registers.at(-1)!.inbound.flow.id);
    await s.settle();
    expect(authorized().at(-1)).toBe(200_000);
    expect(s.eventsOf('registrationFailed')).toHaveLength(5);
    expect(s.client.state).toBe('registered');
  });

  it('over TCP: learns only the host from received, never the connection\'s port from rport: one REGISTER exchange, our own port in the Contact', async () => {
    const s = createScenario({ protocol: 'tcp' });
    s.registrar.nat = { received: '203.0.113.7', rport: 51234 }; // rport: the ephemeral port of our connection
    s.client.start();
    await s.settle();
    const natContact = `<sip:${CONTACT_USER}@203.0.113.7:5060;transport=tcp>;+sip.instance="<${INSTANCE}>";reg-id=1`;
    expect(s.registrar.registers.map((r) => [contactOf(r.request), expiresOf(r.request)])).toEqual([
      [`<sip:${CONTACT_USER}@192.0.2.10:5060;transport=tcp>;+sip.instance="<${INSTANCE}>";reg-id=1`, 600],
      [natContact, 600],
    ]);
    expect(s.eventsOf('registered').map((e) => (e.info as { publicAddress: Address }).publicAddress)).toEqual([{ host: '203.0.113.7', port: 5060 }]);
    // A new connection (another ephemeral port) changes nothing either.
    s.registrar.nat = { received: '203.0.113.7', rport: 51299 };
    s.registrar.transport.closeFlow(s.registrar.registers[1]!.inbound.flow.id);
    await s.settle();
    expect(s.registrar.registers.slice(2).map((r) => contactOf(r.request))).toEqual([natContact, natContact]);
    expect(s.eventsOf('registered')).toHaveLength(1);
  });

  it('over TCP: a registrar restart closes the flow and the door is registered again at once; one that stays down is retried on the §4.5 back-off', async () => {
    const s = await registered({ protocol: 'tcp' });
    await s.advance(100_000);
    s.registrar.restart();
    await s.settle();
    expect(s.registrar.registers.slice(2).map((r) => r.at)).toEqual([100_000, 100_000]);
    expect(s.client.state).toBe('registered');

    // Down for a minute: the REGISTER at once finds nobody, then quick retries after 1, 2 and 4 s (a restart takes
    // seconds), then the §4.5 back-off: min(1800, 30 · 2) × (0.5 … 1).
    await s.advance(100_000);
    void s.registrar.transport.close();
    await s.advance(7_000);
    expect(s.eventsOf('registrationFailed').map((e) => e.info)).toEqual([
      { reason: 'transport-error', retryInSeconds: 1 },
      { reason: 'transport-error', retryInSeconds: 2 },
      { reason: 'transport-error', retryInSeconds: 4 },
      { reason: 'transport-error', retryInSeconds: 45 },
    ]);
    s.registrar.restart();
    await s.advance(45_000);
    expect(s.client.state).toBe('registered');
    expect(s.eventsOf('registered').map((e) => e.at)).toEqual([0, 252_000]);
  });

  it('stop() waits for the removal of a replaced Contact that is still under way', async () => {
    const s = await registered();
    let answerLater: (() => void) | undefined;
    let heldBranch: string | undefined;
    s.registrar.policy = (req, inbound) => {
      // The first authorized removal (the replaced private Contact) and its retransmissions are answered only when the
      // test says so.
      if (heldBranch !== undefined) return req.topVia.branch === heldBranch ? 'drop' : undefined;
      if (req.method !== 'REGISTER' || expiresOf(req) !== 0 || req.header('authorization') === undefined) return undefined;
      heldBranch = req.topVia.branch;
      answerLater = () => {
        heldBranch = '';
        const ok = s.registrar.ok(req);
        if (ok !== 'drop') s.registrar.answer(req, inbound, ok);
      };
      return 'drop';
    };
    s.registrar.nat = { received: '203.0.113.7', rport: 62000 };
    await s.advance(25_000);
    expect(answerLater).toBeDefined();
    let stopped = false;
    void s.client.stop().then(() => {
      stopped = true;
    });
    await s.advance(1_000);
    expect(stopped).toBe(false); // its own un-REGISTER is answered, the earlier removal is not yet
    answerLater!();
    await s.advance(1);
    expect(stopped).toBe(true);
  });

  it('re-registers at once with the new Contact when an OPTIONS answer shows another public address', async () => {
    const s = await registered();
    s.registrar.nat = { received: '203.0.113.7', rport: 62000 };
    await s.advance(25_000);
    const again = s.registrar.registers.slice(2);
    // The new Contact alone (one Contact with reg-id, RFC 5626 §4.2.1) → 401 → 200; then the old URI goes with a
    // REGISTER of its own, by URI only (no instance or reg-id, which would name the new binding) → 401 → 200.
    expect(again.map((r) => [r.at, contactOf(r.request), expiresOf(r.request)])).toEqual([
      [25_000, `<sip:${CONTACT_USER}@203.0.113.7:62000;transport=udp>;+sip.instance="<${INSTANCE}>";reg-id=1`, 600],
      [25_000, `<sip:${CONTACT_USER}@203.0.113.7:62000;transport=udp>;+sip.instance="<${INSTANCE}>";reg-id=1`, 600],
      [25_000, `<sip:${CONTACT_USER}@192.0.2.10:5060;transport=udp>`, 0],
      [25_000, `<sip:${CONTACT_USER}@192.0.2.10:5060;transport=udp>`, 0],
    ]);
    expect(s.eventsOf('registered').map((e) => (e.info as { publicAddress: Address }).publicAddress))
      .toEqual([DEVICE, { host: '203.0.113.7', port: 62000 }]);
    expect(s.client.route).toMatchObject({
      contactUri: `sip:${CONTACT_USER}@203.0.113.7:62000;transport=udp`, contactAddress: { host: '203.0.113.7', port: 62000 },
    });
    // Stable from now on: the next keep-alives change nothing.
    await s.advance(60_000);
    expect(s.registrar.registers).toHaveLength(6);
  });

  it('learns its public address only from its own registrar: a stray response with received/rport changes nothing', async () => {
    const s = await registered();
    await s.advance(10_000); // the REGISTER transactions are over (Timer K)
    const stranger = s.network.transport({ host: '203.0.113.99', port: 5060, protocol: 'udp' }, { message: () => {} });
    const template = s.registrar.registers[1]!.request;
    const forged = buildResponse(template, { status: 200, reason: 'OK', toTag: 'x', topVia: { received: '203.0.113.66', rport: 4444 } });
    await stranger.send(forged, { protocol: 'udp', ...DEVICE });
    await s.settle();
    expect(s.transport.counters.received).toBeGreaterThan(0);
    await s.advance(530_000); // to the refresh at 540 s
    expect(s.registrar.registers.slice(2).map((r) => contactOf(r.request))).toEqual([OUR_CONTACT, OUR_CONTACT]);
    expect(s.client.route?.contactAddress).toEqual(DEVICE);
    expect(s.network.sent.filter((p) => p.from.host === '203.0.113.99').map((p) => p.outcome)).toEqual(['delivered']);
  });

  it('uses the public address a challenge revealed in the authenticated REGISTER (no extra round)', async () => {
    const s = createScenario();
    s.registrar.nat = { received: '203.0.113.7', rport: 62000 };
    s.client.start();
    await s.settle();
    expect(s.registrar.registers.map((r) => contactOf(r.request))).toEqual([
      OUR_CONTACT,
      `<sip:${CONTACT_USER}@203.0.113.7:62000;transport=udp>;+sip.instance="<${INSTANCE}>";reg-id=1`,
    ]);
    expect(s.eventsOf('registered')).toHaveLength(1);
  });

  it('re-registers at once when the 200 itself shows a NAT, removing the private Contact', async () => {
    const s = createScenario();
    s.registrar.nat = { received: '203.0.113.7', rport: 62000 };
    s.registrar.policy = (req) => (req.method === 'REGISTER' ? s.registrar.ok(req) : undefined); // no challenge
    s.client.start();
    await s.settle();
    expect(s.registrar.registers.map((r) => [contactOf(r.request), expiresOf(r.request)])).toEqual([
      [OUR_CONTACT, 600],
      [`<sip:${CONTACT_USER}@203.0.113.7:62000;transport=udp>;+sip.instance="<${INSTANCE}>";reg-id=1`, 600],
      [`<sip:${CONTACT_USER}@192.0.2.10:5060;transport=udp>`, 0],
    ]);
    expect(s.eventsOf('registered').map((e) => e.info)).toEqual([
      { expires: 600, publicAddress: { host: '203.0.113.7', port: 62000 }, registrar: 'sip:198.51.100.20' },
    ]);
  });
});

describe('RegistrationClient: stop()', () => {
  it('un-REGISTERs the same Contact with Expires: 0, answering the challenge, and then is silent', async () => {
    const s = await registered();
    let done = false;
    const stopped = s.client.stop().then(() => {
      done = true;
    });
    await s.settle();
    await stopped;
    expect(done).toBe(true);
    const [unregister, answered] = s.registrar.registers.slice(2).map((r) => r.request);
    expect(unregister!.header('expires')).toBe('0');
    expect(contactOf(unregister!)).toBe(OUR_CONTACT);
    expect(unregister!.callId).toBe(s.registrar.registers[0]!.request.callId);
    expect(unregister!.cseq.seq).toBe(3);
    expect(answered!.header('authorization')).toBeDefined();
    expect(s.client.state).toBe('stopped');
    expect(s.client.trustedSources).toEqual([]);
    expect(s.eventsOf('unregistered')).toHaveLength(1);
    const sends = s.deviceSends();
    await s.advance(3_600_000);
    expect(s.deviceSends()).toBe(sends);
  });

  it('un-REGISTERs at every registrar that may still hold a binding of ours: the one it failed over from too', async () => {
    const s = createScenario({ config: { backupRegistrar: `sip:${SECOND.host}` }, peers: [REGISTRAR, SECOND] });
    const [primary, backup] = s.registrars;
    s.client.start();
    await s.settle();
    primary!.policy = () => 'drop'; // its keep-alive times out at 57 s: the door moves to the backup
    await s.advance(57_000);
    expect(backup!.registers.map((r) => r.at)).toEqual([57_000, 57_000]);
    primary!.policy = undefined;
    const stopped = s.client.stop();
    await s.advance(5_000);
    await stopped;
    for (const peer of [primary!, backup!]) {
      const removal = peer.registers.filter((r) => expiresOf(r.request) === 0).map((r) => contactOf(r.request));
      expect(removal).toEqual([OUR_CONTACT, OUR_CONTACT]); // 401 → 200, by instance and reg-id
    }
    expect(s.eventsOf('unregistered')).toHaveLength(1);
  });

  it('resolves after 5 s when the registrar does not answer', async () => {
    const s = await registered();
    s.registrar.policy = () => 'drop';
    let done = false;
    void s.client.stop().then(() => {
      done = true;
    });
    await s.advance(4_900);
    expect(done).toBe(false);
    await s.advance(100);
    expect(done).toBe(true);
    expect(s.eventsOf('unregistered')).toHaveLength(1);
  });

  it('the 5 s bound covers the whole removal: a local-address lookup that hangs on a connect does not hold stop() up', async () => {
    const s = await registered({ protocol: 'tcp' });
    // A connect toward a registrar that is gone can take 10 s before the lookup answers.
    vi.spyOn(s.transport, 'localAddress').mockImplementation(() => new Promise((resolve) => {
      s.clock.setTimer(10_000, () => resolve(DEVICE));
    }));
    let done = false;
    void s.client.stop().then(() => {
      done = true;
    });
    await s.advance(4_900);
    expect(done).toBe(false);
    await s.advance(100);
    expect(done).toBe(true);
  });

  it('holds a stale Contact whose removal failed, and removes it at stop()', async () => {
    const s = await registered();
    const oldUri = `<sip:${CONTACT_USER}@192.0.2.10:5060;transport=udp>`;
    // The NAT moves us; the registrar loses the removal of the old Contact (and every retransmission of it).
    s.registrar.policy = (req) => (req.method === 'REGISTER' && expiresOf(req) === 0 ? 'drop' : undefined);
    s.registrar.nat = { received: '203.0.113.7', rport: 62000 };
    await s.advance(40_000);
    expect(s.registrar.registers.filter((r) => expiresOf(r.request) === 0).map((r) => [r.at, contactOf(r.request)])).toEqual([[25_000, oldUri]]);
    s.registrar.policy = undefined;
    const stopped = s.client.stop();
    await s.advance(5_000);
    await stopped;
    const removals = s.registrar.registers.filter((r) => r.at === 40_000 && expiresOf(r.request) === 0).map((r) => contactOf(r.request));
    // Each 401 → 200: the current binding, and the old one again.
    expect(removals.filter((c) => c.startsWith(oldUri))).toHaveLength(2);
    expect(removals.filter((c) => c.startsWith(`<sip:${CONTACT_USER}@203.0.113.7:62000;`))).toHaveLength(2);
  });

  it('un-REGISTERs a REGISTER still in flight, to where it was sent', async () => {
    const s = createScenario();
    s.registrar.policy = () => 'drop';
    s.client.start();
    await s.settle();
    const stopped = s.client.stop();
    await s.advance(5_000);
    await stopped;
    expect(s.registrar.registers.map((r) => expiresOf(r.request))).toEqual([600, 0]);
    // No registration ever existed: no `unregistered` event nor log line.
    expect(s.events.map((e) => e.event)).toEqual(['registering']);
    expect(s.logger.lines.filter((l) => l.includes('unregistered'))).toEqual([]);
  });

  it('never logs the password nor the credentials', async () => {
    const s = await registered();
    await s.advance(600_000);
    await Promise.all([s.client.stop(), s.advance(1000)]);
    const log = s.logger.lines.join('\n');
    expect(log).toContain('registered');
    expect(log).not.toContain(PASSWORD);
    expect(log).not.toMatch(/authorization|response=|Digest/i);
  });
});
