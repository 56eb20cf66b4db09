// Who may call us: the incoming-request policy (ghost calls, scanners, toll fraud).

import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../firmware-app/platform/FakeClock.ts';
import { IncomingPolicy, type PolicyOptions, type TrustState } from '../../../firmware-app/sip/ua/policy.ts';
import type { Address, Inbound } from '../../../firmware-app/sip/transport/types.ts';
import { makeRequest } from '../../support/sipMessages.ts';
import { memoryLogger } from '../transport/helpers.ts';

const TOKEN = 'door-3f9a1c0e7b2d4a6c8e01';
const REGISTRAR: Address = { host: '192.0.2.1', port: 5060 };

function inbound(host: string, port = 5060, flowId = `udp:0.0.0.0:5060>${host}:${port}`): Inbound {
  return {
    bytes: new Uint8Array(0),
    source: { host, port },
    flow: { id: flowId, protocol: flowId.startsWith('tcp') ? 'tcp' : 'udp', local: { host: '0.0.0.0', port: 5060 }, remote: { host, port } },
  };
}

/** A policy logging to memory; `clock` defaults to a fresh FakeClock. */
function makePolicy(options: Partial<PolicyOptions> = {}): IncomingPolicy {
  return new IncomingPolicy({ clock: new FakeClock(), logger: memoryLogger(), ...options });
}

const invite = (user: string) => makeRequest({ method: 'INVITE', requestUri: `sip:${user}@198.51.100.7:5060` });

const registered = (extra: Partial<NonNullable<TrustState['registration']>> = {}): TrustState => ({
  registration: { registered: true, trustedSources: [REGISTRAR], flowId: undefined, contactUser: TOKEN, ...extra },
});

describe('IncomingPolicy while registered', () => {
  it('accepts an INVITE from the registrar to our token', () => {
    const policy = makePolicy();
    expect(policy.check(invite(TOKEN), inbound('192.0.2.1'), registered())).toBeUndefined();
  });

  it('refuses the registrar calling another user part (a scanner guessing extensions through the PBX)', () => {
    const policy = makePolicy();
    expect(policy.check(invite('100'), inbound('192.0.2.1'), registered())).toBe('wrongToken');
    expect(policy.counters.wrongToken).toBe(1);
  });

  it('refuses any other source, even with the right token (ghost calls straight to the device)', () => {
    const policy = makePolicy();
    expect(policy.check(invite(TOKEN), inbound('203.0.113.66'), registered())).toBe('notFromRegistrar');
    expect(policy.counters.notFromRegistrar).toBe(1);
  });

  it('accepts requests over the TCP flow we opened, whatever its source address', () => {
    const policy = makePolicy();
    const flow = 'tcp:10.0.0.5:40000>203.0.113.9:5060';
    expect(policy.check(invite(TOKEN), inbound('203.0.113.9', 5060, flow), registered({ flowId: flow, trustedSources: [] }))).toBeUndefined();
  });

  it('refuses everything but the allow-list while the registration is down', () => {
    const policy = makePolicy({ allowList: ['192.0.2.50'] });
    expect(policy.check(invite(TOKEN), inbound('192.0.2.1'), registered({ registered: false }))).toBe('notRegistered');
    expect(policy.check(invite('door'), inbound('192.0.2.50'), registered({ registered: false }))).toBeUndefined();
  });
});

describe('IncomingPolicy in standalone mode', () => {
  const standalone = (registeredSources: readonly string[]): TrustState => ({
    registrar: { isRegisteredSource: (s) => registeredSources.includes(`${s.host}:${s.port}`), localUsers: ['door', TOKEN] },
  });

  it('lets REGISTER through from anyone: the registrar authenticates it', () => {
    const policy = makePolicy();
    expect(policy.check(makeRequest({ method: 'REGISTER', requestUri: 'sip:doorbell.local' }), inbound('198.51.100.20'), standalone([]))).toBeUndefined();
  });

  it('accepts calls from a registered indoor phone to a local user, and nothing else', () => {
    const policy = makePolicy();
    const state = standalone(['192.168.1.20:5062']);
    expect(policy.check(invite('door'), inbound('192.168.1.20', 5062), state)).toBeUndefined();
    expect(policy.check(invite('admin'), inbound('192.168.1.20', 5062), state)).toBe('wrongToken');
    expect(policy.check(invite('door'), inbound('192.168.1.21', 5062), state)).toBe('notAllowed');
  });

  it('peer-to-peer calls only from the allow-list', () => {
    const policy = makePolicy({ allowList: ['192.168.1.30'] });
    expect(policy.check(invite('door'), inbound('192.168.1.30'), standalone([]))).toBeUndefined();
    expect(policy.check(invite('door'), inbound('192.168.1.31'), standalone([]))).toBe('notAllowed');
  });
});

describe('IncomingPolicy rate limit', () => {
  it('lets a burst of 20 through, then 5 per second per source, and counts the rest', () => {
    const clock = new FakeClock();
    const policy = makePolicy({ clock });
    const from = inbound('192.0.2.1');
    const results = Array.from({ length: 30 }, () => policy.check(invite(TOKEN), from, registered()));
    expect(results.filter((r) => r === undefined)).toHaveLength(20);
    expect(policy.counters.rateLimited).toBe(10);
    clock.advance(1000);
    const next = Array.from({ length: 10 }, () => policy.check(invite(TOKEN), from, registered()));
    expect(next.filter((r) => r === undefined)).toHaveLength(5);
  });

  it('limits each source on its own: a flood from one host does not lock out the registrar', () => {
    const policy = makePolicy();
    for (let i = 0; i < 1000; i++) policy.check(invite(TOKEN), inbound('203.0.113.66'), registered());
    expect(policy.check(invite(TOKEN), inbound('192.0.2.1'), registered())).toBeUndefined();
  });

  it('keeps its per-source table bounded under a flood from many addresses (the oldest are forgotten)', () => {
    const policy = makePolicy();
    const first = inbound('10.255.0.1');
    for (let i = 0; i < 25; i++) policy.check(invite(TOKEN), first, registered());
    expect(policy.check(invite(TOKEN), first, registered())).toBe('rateLimited');
    for (let i = 0; i < 2000; i++) policy.check(invite(TOKEN), inbound(`10.0.${i >> 8}.${i & 255}`), registered());
    // 2000 newer sources pushed the first one out of the 1024-entry table: it starts with a full bucket.
    expect(policy.check(invite(TOKEN), first, registered())).toBe('notFromRegistrar');
  });
});

describe('IncomingPolicy.checkSource (malformed requests, in-dialog requests matching no dialog)', () => {
  const standalone = (registeredSources: readonly string[]): TrustState => ({
    registrar: { isRegisteredSource: (s) => registeredSources.includes(`${s.host}:${s.port}`), localUsers: ['door'] },
  });

  it('trusts the registrar, our flow, a registered phone and the allow-list, and nobody else', () => {
    const policy = makePolicy({ allowList: ['192.0.2.50'] });
    const flow = 'tcp:10.0.0.5:40000>203.0.113.9:5060';
    expect(policy.checkSource(inbound('192.0.2.1'), registered())).toBeUndefined();
    expect(policy.checkSource(inbound('203.0.113.9', 5060, flow), registered({ flowId: flow, trustedSources: [] }))).toBeUndefined();
    expect(policy.checkSource(inbound('192.168.1.20', 5062), standalone(['192.168.1.20:5062']))).toBeUndefined();
    expect(policy.checkSource(inbound('192.0.2.50'), standalone([]))).toBeUndefined();
    expect(policy.checkSource(inbound('203.0.113.66'), registered())).toBe('notFromRegistrar');
    expect(policy.checkSource(inbound('192.168.1.20', 5099), standalone(['192.168.1.20:5062']))).toBe('notAllowed');
    expect(policy.counters).toMatchObject({ notFromRegistrar: 1, notAllowed: 1, rateLimited: 0 });
  });

  it('keeps trusting the configured registrar while the registration is down (a malformed request from it may get its 400)', () => {
    const policy = makePolicy();
    expect(policy.checkSource(inbound('192.0.2.1'), registered({ registered: false }))).toBeUndefined();
    expect(policy.checkSource(inbound('203.0.113.66'), registered({ registered: false }))).toBe('notRegistered');
  });

  it('rate-limits even trusted sources: a flood of 481s or 400s is never answered in full', () => {
    const policy = makePolicy();
    const results = Array.from({ length: 25 }, () => policy.checkSource(inbound('192.0.2.1'), registered()));
    expect(results.filter((r) => r === undefined)).toHaveLength(20);
    expect(policy.counters.rateLimited).toBe(5);
  });
});

describe('IncomingPolicy refusal log', () => {
  it('writes one summary line per interval for a 10 s flood, and one debug line per new source', () => {
    const clock = new FakeClock();
    const logger = memoryLogger();
    const policy = makePolicy({ clock, logger });
    // 5,000 INVITEs in 10 s from a scanner (20 + 9·5 pass the rate limit), and 5 from a second one.
    for (let i = 0; i < 5000; i++) {
      policy.check(invite('100'), inbound('203.0.113.66'), registered());
      if (i % 1000 === 0) policy.check(invite('100'), inbound('203.0.113.67', 5099), registered());
      if (i % 500 === 499) clock.advance(1000);
    }
    expect(logger.lines.filter((l) => !l.startsWith('debug '))).toEqual([]);
    expect(logger.lines).toEqual([
      'debug requestRefused source=203.0.113.66 reason=notFromRegistrar method=INVITE port=5060 protocol=udp',
      'debug requestRefused source=203.0.113.67 reason=notFromRegistrar method=INVITE port=5099 protocol=udp',
    ]);
    clock.advance(50_000); // the minute since the first refusal is over
    expect(logger.lines.slice(2)).toEqual([
      'info requestsRefused interval=60s notFromRegistrar=70 rateLimited=4935 sources=2 topSource=203.0.113.66 topSourceCount=5000',
    ]);
    expect(policy.counters).toMatchObject({ notFromRegistrar: 70, rateLimited: 4935 });
  });

  it('starts a new interval after a summary, and stays silent (no timer) while nothing is refused', () => {
    const clock = new FakeClock();
    const logger = memoryLogger();
    const policy = makePolicy({ clock, logger, summaryIntervalMs: 10_000 });
    policy.check(invite('100'), inbound('203.0.113.66'), registered());
    clock.advance(10_000);
    expect(clock.pending).toBe(0);
    clock.advance(600_000);
    policy.checkSource(inbound('203.0.113.66'), registered());
    policy.check(invite(TOKEN), inbound('192.0.2.1'), registered()); // accepted: not counted
    clock.advance(10_000);
    expect(logger.lines).toEqual([
      'debug requestRefused source=203.0.113.66 reason=notFromRegistrar method=INVITE port=5060 protocol=udp',
      'info requestsRefused interval=10s notFromRegistrar=1 sources=1 topSource=203.0.113.66 topSourceCount=1',
      'debug requestRefused source=203.0.113.66 reason=notFromRegistrar method="" port=5060 protocol=udp',
      'info requestsRefused interval=10s notFromRegistrar=1 sources=1 topSource=203.0.113.66 topSourceCount=1',
    ]);
  });

  it('flushSummary logs what was counted so far at once', () => {
    const clock = new FakeClock();
    const logger = memoryLogger();
    const policy = makePolicy({ clock, logger });
    policy.check(invite('100'), inbound('203.0.113.66'), registered());
    policy.flushSummary();
    expect(logger.lines.at(-1)).toMatch(/^info requestsRefused interval=60s notFromRegistrar=1 /);
    expect(clock.pending).toBe(0);
  });
});

describe('IncomingPolicy over trusted connections', () => {
  const tcp = (host: string, port: number): Inbound => inbound(host, port, `tcp:10.0.0.5:5060>${host}:${port}`);

  it('never rate-limits the RFC 5626 flow of our registration, while UDP from the registrar\'s address is limited', () => {
    const policy = makePolicy();
    const flow = tcp('192.0.2.1', 5060);
    const state = registered({ flowId: flow.flow.id });
    // A flood with the registrar's address as its (forgeable) UDP source uses up that address's share ...
    for (let i = 0; i < 50; i++) policy.check(invite('100'), inbound('192.0.2.1'), state);
    expect(policy.check(invite(TOKEN), inbound('192.0.2.1'), state)).toBe('rateLimited');
    // ... but cannot hold back what the registrar sends over our connection.
    const results = Array.from({ length: 100 }, () => policy.check(invite(TOKEN), flow, state));
    expect(results.every((r) => r === undefined)).toBe(true);
    expect(Array.from({ length: 100 }, () => policy.checkSource(flow, state)).every((r) => r === undefined)).toBe(true);
  });

  it('never rate-limits the TCP connection a phone registered over; another connection from its address is limited', () => {
    const policy = makePolicy();
    const phone = tcp('192.168.1.20', 40100);
    const state: TrustState = { registrar: { isRegisteredSource: (s) => s.host === '192.168.1.20' && s.port === 40100, localUsers: ['door'] } };
    expect(Array.from({ length: 100 }, () => policy.check(invite('door'), phone, state)).every((r) => r === undefined)).toBe(true);
    const other = Array.from({ length: 30 }, () => policy.check(invite('door'), tcp('192.168.1.20', 40200), state));
    expect(other.filter((r) => r === 'rateLimited')).toHaveLength(10);
  });
});
