// RFC 3263 resolver over FakeDns and FakeClock: transport selection (§4.1), SRV order (§4.2, RFC 2782), caching,
// error codes; and the node:dns backend's answer mapping over an injected resolver.
import type { NaptrRecord as NodeNaptrRecord, RecordWithTtl, SrvRecord as NodeSrvRecord } from 'node:dns';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../firmware-app/platform/FakeClock.ts';
import { parseUri } from '../../../firmware-app/sip/message/index.ts';
import { FakeDns } from '../../../firmware-app/sip/transport/FakeDns.ts';
import {
  DEFAULT_RECORD_TTL_S, type NodeDnsResolver, createDnsBackend,
} from '../../../firmware-app/sip/transport/dnsBackend.ts';
import {
  NEGATIVE_CACHE_TTL_S, ResolveError, type ResolveErrorCode, type ResolverOptions, createResolver,
} from '../../../firmware-app/sip/transport/resolver.ts';
import type { Target } from '../../../firmware-app/sip/transport/types.ts';
import { memoryLogger, seeded } from './helpers.ts';

function setup(options: Partial<ResolverOptions> = {}) {
  const dns = new FakeDns();
  const clock = new FakeClock();
  const resolver = createResolver({ dns, clock, ...options });
  return { dns, clock, resolver };
}

/** Cycles through fixed values: the weighted SRV choice made predictable. */
function scripted(...values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length]!;
}

async function errorCodeOf(promise: Promise<unknown>): Promise<ResolveErrorCode> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(ResolveError);
  return (error as ResolveError).code;
}

const hosts = (targets: readonly Target[]): string[] => targets.map((t) => `${t.protocol}:${t.host}:${t.port}`);

/** example.com with the three NAPTR records RFC 3263 §4.1 asks for, each leading to its own SRV host. */
function fullZone(dns: FakeDns): void {
  dns.addNaptr('example.com', { order: 50, preference: 50, service: 'SIPS+D2T', replacement: '_sips._tcp.example.com' })
    .addNaptr('example.com', { order: 90, preference: 50, service: 'SIP+D2T', replacement: '_sip._tcp.example.com' })
    .addNaptr('example.com', { order: 100, preference: 50, service: 'SIP+D2U', replacement: '_sip._udp.example.com' })
    .addSrv('_sips._tcp.example.com', { priority: 0, weight: 0, port: 5061, target: 'tls.example.com' })
    .addSrv('_sip._tcp.example.com', { priority: 0, weight: 0, port: 5060, target: 'tcp.example.com' })
    .addSrv('_sip._udp.example.com', { priority: 0, weight: 0, port: 5060, target: 'udp.example.com' })
    .addA('tls.example.com', '192.0.2.1')
    .addA('tcp.example.com', '192.0.2.2')
    .addA('udp.example.com', '192.0.2.3');
}

describe('numeric hosts and explicit ports (RFC 3263 §4.1, §4.2)', () => {
  it('an IPv4 literal goes straight to a UDP target on 5060, with no DNS query at all', async () => {
    const { dns, resolver } = setup();
    expect(await resolver.resolve('sip:door@192.0.2.10')).toEqual([{ host: '192.0.2.10', port: 5060, protocol: 'udp' }]);
    expect(dns.totalQueries).toBe(0);
  });

  it('an IPv6 literal loses its brackets, keeps its port and transport, and bypasses DNS', async () => {
    const { dns, resolver } = setup();
    expect(await resolver.resolve('sip:[2001:DB8::10]')).toEqual([{ host: '2001:db8::10', port: 5060, protocol: 'udp' }]);
    expect(await resolver.resolve('sip:[2001:db8::10]:5070;transport=tcp'))
      .toEqual([{ host: '2001:db8::10', port: 5070, protocol: 'tcp' }]);
    expect(dns.totalQueries).toBe(0);
  });

  it('with UDP switched off, a numeric host without transport= gets TCP', async () => {
    const { resolver } = setup({ supported: ['tcp', 'tls'] });
    expect(await resolver.resolve('sip:192.0.2.10')).toEqual([{ host: '192.0.2.10', port: 5060, protocol: 'tcp' }]);
  });

  it('accepts a parsed SipUri as well as a string', async () => {
    const { resolver } = setup();
    expect(await resolver.resolve(parseUri('sip:192.0.2.10:5080'))).toEqual([{ host: '192.0.2.10', port: 5080, protocol: 'udp' }]);
  });

  it('sips: on a numeric host is TLS on 5061, with no serverName to check (there is no domain)', async () => {
    const { dns, resolver } = setup();
    expect(await resolver.resolve('sips:192.0.2.10')).toEqual([{ host: '192.0.2.10', port: 5061, protocol: 'tls' }]);
    expect(dns.totalQueries).toBe(0);
  });

  it('a domain with an explicit port is looked up by A only: no NAPTR, no SRV', async () => {
    const { dns, resolver } = setup();
    fullZone(dns);
    dns.addA('example.com', '192.0.2.50');
    expect(await resolver.resolve('sip:example.com:5080')).toEqual([
      { host: '192.0.2.50', port: 5080, protocol: 'udp', serverName: 'example.com' },
    ]);
    expect(dns.queries('naptr', 'example.com')).toBe(0);
    expect(dns.queries('srv', '_sip._udp.example.com')).toBe(0);
    expect(dns.queries('a', 'example.com')).toBe(1);
    expect(dns.totalQueries).toBe(1);
  });

  it('maddr replaces the host as the place to send, while serverName stays the URI domain', async () => {
    const { dns, resolver } = setup();
    expect(await resolver.resolve('sips:example.com;maddr=192.0.2.77')).toEqual([
      { host: '192.0.2.77', port: 5061, protocol: 'tls', serverName: 'example.com' },
    ]);
    expect(dns.totalQueries).toBe(0);
  });
});

describe('transport selection (RFC 3263 §4.1)', () => {
  it('transport= wins: NAPTR is skipped and only that transport\'s SRV is asked', async () => {
    const { dns, resolver } = setup();
    fullZone(dns);
    expect(hosts(await resolver.resolve('sip:example.com;transport=TCP'))).toEqual(['tcp:192.0.2.2:5060']);
    expect(dns.queries('naptr', 'example.com')).toBe(0);
    expect(dns.queries('srv', '_sip._udp.example.com')).toBe(0);
    expect(hosts(await resolver.resolve('sip:example.com;transport=tls'))).toEqual(['tls:192.0.2.1:5061']);
  });

  it('transport= with no SRV record falls back to A with that transport\'s default port', async () => {
    const { dns, resolver } = setup();
    dns.addA('example.com', '192.0.2.50');
    expect(await resolver.resolve('sip:example.com;transport=tcp')).toEqual([
      { host: '192.0.2.50', port: 5060, protocol: 'tcp', serverName: 'example.com' },
    ]);
    expect(dns.queries('srv', '_sip._tcp.example.com')).toBe(1);
  });

  it('sips: means TLS on 5061; transport=tcp on a SIPS URI still means TLS', async () => {
    const { dns, resolver } = setup();
    dns.addA('example.com', '192.0.2.50');
    const tls = { host: '192.0.2.50', port: 5061, protocol: 'tls', serverName: 'example.com' };
    expect(await resolver.resolve('sips:example.com')).toEqual([tls]);
    expect(await resolver.resolve('sips:example.com;transport=tcp')).toEqual([tls]);
    expect(dns.queries('srv', '_sips._tcp.example.com')).toBe(1);
    expect(dns.queries('srv', '_sip._udp.example.com')).toBe(0);
  });

  it('a SIPS URI keeps only SIPS+D2T from NAPTR, even when SIP+D2U comes first', async () => {
    const { dns, resolver } = setup();
    dns.addNaptr('example.com', { order: 10, preference: 10, service: 'SIP+D2U', replacement: '_sip._udp.example.com' })
      .addNaptr('example.com', { order: 20, preference: 10, service: 'SIPS+D2T', replacement: '_sips._tcp.example.com' })
      .addSrv('_sip._udp.example.com', { priority: 0, weight: 0, port: 5060, target: 'udp.example.com' })
      .addSrv('_sips._tcp.example.com', { priority: 0, weight: 0, port: 5061, target: 'tls.example.com' })
      .addA('udp.example.com', '192.0.2.3')
      .addA('tls.example.com', '192.0.2.1');
    expect(hosts(await resolver.resolve('sips:example.com'))).toEqual(['tls:192.0.2.1:5061']);
  });
});

describe('NAPTR → SRV → A/AAAA (RFC 3263 §4.1, §4.2)', () => {
  it('follows NAPTR order, then each SRV target\'s addresses, with the URI domain as serverName', async () => {
    const { dns, resolver } = setup();
    fullZone(dns);
    expect(await resolver.resolve('sip:door@example.com')).toEqual([
      { host: '192.0.2.1', port: 5061, protocol: 'tls', serverName: 'example.com' },
      { host: '192.0.2.2', port: 5060, protocol: 'tcp', serverName: 'example.com' },
      { host: '192.0.2.3', port: 5060, protocol: 'udp', serverName: 'example.com' },
    ]);
  });

  it('orders NAPTR by preference within one order, and drops services we do not run', async () => {
    const { dns, resolver } = setup({ supported: ['udp', 'tcp'] });
    fullZone(dns);
    dns.remove('naptr', 'example.com')
      .addNaptr('example.com', { order: 10, preference: 20, service: 'SIP+D2U', replacement: '_sip._udp.example.com' })
      .addNaptr('example.com', { order: 10, preference: 10, service: 'SIP+D2T', replacement: '_sip._tcp.example.com' })
      .addNaptr('example.com', { order: 5, preference: 10, service: 'SIPS+D2T', replacement: '_sips._tcp.example.com' });
    expect(hosts(await resolver.resolve('sip:example.com'))).toEqual(['tcp:192.0.2.2:5060', 'udp:192.0.2.3:5060']);
    expect(dns.queries('srv', '_sips._tcp.example.com')).toBe(0);
  });

  it('without NAPTR, queries the SRV name of every transport we run and uses the ones that exist', async () => {
    const { dns, resolver } = setup();
    dns.addSrv('_sip._tcp.example.com', { priority: 0, weight: 0, port: 5070, target: 'pbx.example.com' })
      .addA('pbx.example.com', '192.0.2.20');
    expect(await resolver.resolve('sip:example.com')).toEqual([
      { host: '192.0.2.20', port: 5070, protocol: 'tcp', serverName: 'example.com' },
    ]);
    for (const name of ['_sip._udp.example.com', '_sip._tcp.example.com', '_sips._tcp.example.com']) {
      expect(dns.queries('srv', name)).toBe(1);
    }
    expect(dns.queries('a', 'example.com')).toBe(0);
  });

  it('without NAPTR, prefers transports in `supported` order: UDP first by default, TLS first when asked', async () => {
    const byDefault = setup();
    fullZone(byDefault.dns);
    byDefault.dns.remove('naptr', 'example.com');
    expect(hosts(await byDefault.resolver.resolve('sip:example.com')))
      .toEqual(['udp:192.0.2.3:5060', 'tcp:192.0.2.2:5060', 'tls:192.0.2.1:5061']);

    const tlsFirst = setup({ supported: ['tls', 'tcp', 'udp'] });
    fullZone(tlsFirst.dns);
    tlsFirst.dns.remove('naptr', 'example.com');
    expect(hosts(await tlsFirst.resolver.resolve('sip:example.com')))
      .toEqual(['tls:192.0.2.1:5061', 'tcp:192.0.2.2:5060', 'udp:192.0.2.3:5060']);
  });

  it('without NAPTR and SRV, falls back to the domain\'s A records, UDP on 5060', async () => {
    const { dns, resolver } = setup();
    dns.addA('example.com', '192.0.2.50').addA('example.com', '192.0.2.51');
    expect(hosts(await resolver.resolve('sip:example.com'))).toEqual(['udp:192.0.2.50:5060', 'udp:192.0.2.51:5060']);
    expect(dns.queries('aaaa', 'example.com')).toBe(0);
  });

  it('uses AAAA when there is no A record', async () => {
    const { dns, resolver } = setup();
    dns.addAaaa('example.com', '2001:db8::50');
    expect(hosts(await resolver.resolve('sip:example.com'))).toEqual(['udp:2001:db8::50:5060']);
  });

  it('with preferIpv6, asks for both and lists AAAA addresses before A ones', async () => {
    const { dns, resolver } = setup({ preferIpv6: true });
    dns.addA('example.com', '192.0.2.50').addAaaa('example.com', '2001:db8::50');
    expect(hosts(await resolver.resolve('sip:example.com'))).toEqual(['udp:2001:db8::50:5060', 'udp:192.0.2.50:5060']);
  });

  it('gives a TLS target the URI domain as serverName (RFC 5922), never the SRV target host', async () => {
    const { dns, resolver } = setup();
    dns.addSrv('_sips._tcp.example.com', { priority: 0, weight: 0, port: 5061, target: 'sip.provider.net' })
      .addA('sip.provider.net', '198.51.100.5');
    expect(await resolver.resolve('sips:Example.COM')).toEqual([
      { host: '198.51.100.5', port: 5061, protocol: 'tls', serverName: 'example.com' },
    ]);
  });
});

describe('SRV order (RFC 2782) and failover', () => {
  function twoPriorities(dns: FakeDns): void {
    dns.addSrv('_sip._udp.example.com', { priority: 20, weight: 0, port: 5060, target: 'backup.example.com' })
      .addSrv('_sip._udp.example.com', { priority: 10, weight: 0, port: 5060, target: 'main.example.com' })
      .addA('main.example.com', '192.0.2.1')
      .addA('backup.example.com', '192.0.2.2');
  }

  it('tries the lower priority value first, whatever the record order', async () => {
    const { dns, resolver } = setup({ supported: ['udp'] });
    twoPriorities(dns);
    expect(hosts(await resolver.resolve('sip:example.com'))).toEqual(['udp:192.0.2.1:5060', 'udp:192.0.2.2:5060']);
  });

  it('failover to the second target: it is the next entry in the list', async () => {
    const { dns, resolver } = setup({ supported: ['udp'] });
    twoPriorities(dns);
    const [first, second] = await resolver.resolve('sip:example.com');
    expect(first).toMatchObject({ host: '192.0.2.1' });
    expect(second).toEqual({ host: '192.0.2.2', port: 5060, protocol: 'udp', serverName: 'example.com' });
  });

  it('markFailed moves a target to the end of later lists until the hold time passes', async () => {
    const { dns, clock, resolver } = setup({ supported: ['udp'], failedHoldMs: 10_000 });
    twoPriorities(dns);
    const [first] = await resolver.resolve('sip:example.com');
    resolver.markFailed(first!);
    expect(hosts(await resolver.resolve('sip:example.com'))).toEqual(['udp:192.0.2.2:5060', 'udp:192.0.2.1:5060']);
    clock.advance(10_000);
    expect(hosts(await resolver.resolve('sip:example.com'))).toEqual(['udp:192.0.2.1:5060', 'udp:192.0.2.2:5060']);
  });

  function weighted(dns: FakeDns, weights: Record<string, number>): void {
    let i = 1;
    for (const [host, weight] of Object.entries(weights)) {
      dns.addSrv('_sip._udp.example.com', { priority: 0, weight, port: 5060, target: `${host}.example.com` })
        .addA(`${host}.example.com`, `192.0.2.${i++}`);
    }
  }

  it('picks within one priority by weight: a draw under the first weight\'s share picks it', async () => {
    const light = setup({ supported: ['udp'], random: scripted(0.05) });
    weighted(light.dns, { light: 10, heavy: 90 });
    expect(hosts(await light.resolver.resolve('sip:example.com'))).toEqual(['udp:192.0.2.1:5060', 'udp:192.0.2.2:5060']);

    const heavy = setup({ supported: ['udp'], random: scripted(0.5) });
    weighted(heavy.dns, { light: 10, heavy: 90 });
    expect(hosts(await heavy.resolver.resolve('sip:example.com'))).toEqual(['udp:192.0.2.2:5060', 'udp:192.0.2.1:5060']);
  });

  it('over many draws, each target comes first in proportion to its weight (seeded)', async () => {
    const { dns, resolver } = setup({ supported: ['udp'], random: seeded(3263) });
    weighted(dns, { a: 60, b: 30, c: 10, zero: 0 });
    const firsts = new Map<string, number>();
    const draws = 4000;
    for (let i = 0; i < draws; i++) {
      const [first] = await resolver.resolve('sip:example.com');
      firsts.set(first!.host, (firsts.get(first!.host) ?? 0) + 1);
    }
    // 4000 draws: one standard deviation of a share is under 0.008, so ±0.025 is over three of them.
    expect(Math.abs((firsts.get('192.0.2.1') ?? 0) / draws - 0.6)).toBeLessThan(0.025);
    expect(Math.abs((firsts.get('192.0.2.2') ?? 0) / draws - 0.3)).toBeLessThan(0.025);
    expect(Math.abs((firsts.get('192.0.2.3') ?? 0) / draws - 0.1)).toBeLessThan(0.025);
    expect(firsts.get('192.0.2.4')).toBeUndefined(); // weight 0 goes last while weighted records remain
    expect(dns.queries('srv', '_sip._udp.example.com')).toBe(1); // one query, 4000 fresh orders
  });

  it('an SRV target "." means the service is not available: no fallback to A', async () => {
    const { dns, resolver } = setup();
    dns.addSrv('_sip._udp.example.com', { priority: 0, weight: 0, port: 0, target: '.' })
      .addA('example.com', '192.0.2.50');
    expect(await errorCodeOf(resolver.resolve('sip:example.com'))).toBe('SERVICE_UNAVAILABLE');
    expect(dns.queries('a', 'example.com')).toBe(0);
  });

  it('an SRV "." for one transport still leaves the others', async () => {
    const { dns, resolver } = setup();
    dns.addSrv('_sip._udp.example.com', { priority: 0, weight: 0, port: 0, target: '.' })
      .addSrv('_sip._tcp.example.com', { priority: 0, weight: 0, port: 5060, target: 'pbx.example.com' })
      .addA('pbx.example.com', '192.0.2.20');
    expect(hosts(await resolver.resolve('sip:example.com'))).toEqual(['tcp:192.0.2.20:5060']);
  });

  it('lists a host named by two SRV records once', async () => {
    const { dns, resolver } = setup({ supported: ['udp'] });
    dns.addSrv('_sip._udp.example.com', { priority: 1, weight: 0, port: 5060, target: 'pbx.example.com' })
      .addSrv('_sip._udp.example.com', { priority: 2, weight: 0, port: 5060, target: 'PBX.example.com.' })
      .addA('pbx.example.com', '192.0.2.20');
    expect(hosts(await resolver.resolve('sip:example.com'))).toEqual(['udp:192.0.2.20:5060']);
  });
});

describe('cache (TTL, negative answers, shared queries)', () => {
  it('answers from the cache within the TTL and asks again once it has passed, per (type, name)', async () => {
    const { dns, clock, resolver } = setup({ supported: ['udp'] });
    dns.addSrv('_sip._udp.example.com', { priority: 0, weight: 0, port: 5060, target: 'pbx.example.com', ttl: 300 })
      .addA('pbx.example.com', '192.0.2.20', 60);
    await resolver.resolve('sip:example.com');
    await resolver.resolve('sip:example.com');
    expect(dns.queries('srv', '_sip._udp.example.com')).toBe(1);
    expect(dns.queries('a', 'pbx.example.com')).toBe(1);

    clock.advance(59_999);
    await resolver.resolve('sip:example.com');
    expect(dns.queries('a', 'pbx.example.com')).toBe(1);

    clock.advance(1);
    dns.remove('a', 'pbx.example.com').addA('pbx.example.com', '192.0.2.21', 60);
    expect(hosts(await resolver.resolve('sip:example.com'))).toEqual(['udp:192.0.2.21:5060']);
    expect(dns.queries('a', 'pbx.example.com')).toBe(2);
    expect(dns.queries('srv', '_sip._udp.example.com')).toBe(1); // its 300 s still run
  });

  it(`caches "no such record" for ${NEGATIVE_CACHE_TTL_S} s`, async () => {
    const { dns, clock, resolver } = setup({ supported: ['udp'] });
    dns.addA('example.com', '192.0.2.50', 3600);
    await resolver.resolve('sip:example.com');
    await resolver.resolve('sip:example.com');
    expect(dns.queries('naptr', 'example.com')).toBe(1);
    expect(dns.queries('srv', '_sip._udp.example.com')).toBe(1);

    clock.advance(NEGATIVE_CACHE_TTL_S * 1000);
    dns.addSrv('_sip._udp.example.com', { priority: 0, weight: 0, port: 5070, target: 'example.com' });
    expect(hosts(await resolver.resolve('sip:example.com'))).toEqual(['udp:192.0.2.50:5070']);
    expect(dns.queries('naptr', 'example.com')).toBe(2);
    expect(dns.queries('srv', '_sip._udp.example.com')).toBe(2);
    expect(dns.queries('a', 'example.com')).toBe(1);
  });

  it('a TTL of 0 is not cached', async () => {
    const { dns, resolver } = setup();
    dns.addA('example.com', '192.0.2.50', 0);
    await resolver.resolve('sip:example.com:5060');
    await resolver.resolve('sip:example.com:5060');
    expect(dns.queries('a', 'example.com')).toBe(2);
  });

  it('concurrent resolves of one URI share each query', async () => {
    const { dns, resolver } = setup();
    fullZone(dns);
    const lists = await Promise.all([1, 2, 3].map(() => resolver.resolve('sip:example.com')));
    expect(lists[1]).toEqual(lists[0]);
    expect(lists[2]).toEqual(lists[0]);
    expect(dns.queries('naptr', 'example.com')).toBe(1);
    expect(dns.queries('srv', '_sip._udp.example.com')).toBe(1);
    expect(dns.queries('a', 'udp.example.com')).toBe(1);
  });
});

describe('errors', () => {
  it('a failing DNS server is DNS_FAILED, with the DNS error as cause, logged', async () => {
    const logger = memoryLogger();
    const { dns, resolver } = setup({ logger });
    for (const name of ['example.com', '_sip._udp.example.com', '_sip._tcp.example.com', '_sips._tcp.example.com']) {
      dns.fail(name, 'ETIMEOUT');
    }
    const error = await resolver.resolve('sip:example.com').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResolveError);
    expect(error).toMatchObject({ code: 'DNS_FAILED', cause: { code: 'ETIMEOUT' } });
    expect(logger.lines.some((l) => l.startsWith('warn dnsLookupFailed') && l.includes('ETIMEOUT'))).toBe(true);
  });

  it('a failed query is not cached: the next resolve asks again', async () => {
    const { dns, resolver } = setup();
    dns.addA('example.com', '192.0.2.50').fail('example.com', 'ESERVFAIL', 'a');
    expect(await errorCodeOf(resolver.resolve('sip:example.com:5060'))).toBe('DNS_FAILED');
    dns.heal('example.com');
    expect(hosts(await resolver.resolve('sip:example.com:5060'))).toEqual(['udp:192.0.2.50:5060']);
    expect(dns.queries('a', 'example.com')).toBe(2);
  });

  it('a failing NAPTR query does not stop SRV from being used', async () => {
    const { dns, resolver } = setup();
    fullZone(dns);
    dns.fail('example.com', 'ESERVFAIL', 'naptr');
    expect(hosts(await resolver.resolve('sip:example.com')))
      .toEqual(['udp:192.0.2.3:5060', 'tcp:192.0.2.2:5060', 'tls:192.0.2.1:5061']);
  });

  it('a name with no records at all is NOT_FOUND', async () => {
    const { resolver } = setup();
    expect(await errorCodeOf(resolver.resolve('sip:nowhere.example'))).toBe('NOT_FOUND');
  });

  it('NAPTR offering only transports we do not run is NO_SUPPORTED_TRANSPORT', async () => {
    const { dns, resolver } = setup({ supported: ['udp'] });
    dns.addNaptr('example.com', { order: 10, preference: 10, service: 'SIP+D2T', replacement: '_sip._tcp.example.com' })
      .addNaptr('example.com', { order: 20, preference: 10, service: 'SIP+D2S', replacement: '_sip._sctp.example.com' })
      .addA('example.com', '192.0.2.50');
    expect(await errorCodeOf(resolver.resolve('sip:example.com'))).toBe('NO_SUPPORTED_TRANSPORT');
  });

  it('a transport parameter or scheme we cannot serve is NO_SUPPORTED_TRANSPORT, before any DNS query', async () => {
    const { dns, resolver } = setup({ supported: ['udp', 'tcp'] });
    expect(await errorCodeOf(resolver.resolve('sip:example.com;transport=sctp'))).toBe('NO_SUPPORTED_TRANSPORT');
    expect(await errorCodeOf(resolver.resolve('sip:example.com;transport=tls'))).toBe('NO_SUPPORTED_TRANSPORT');
    expect(await errorCodeOf(resolver.resolve('sips:192.0.2.10'))).toBe('NO_SUPPORTED_TRANSPORT');
    expect(await errorCodeOf(resolver.resolve('sips:example.com;transport=udp'))).toBe('NO_SUPPORTED_TRANSPORT');
    expect(dns.totalQueries).toBe(0);
  });

  it('a string that is not a URI is BAD_URI; another scheme is UNSUPPORTED_SCHEME', async () => {
    const { resolver } = setup();
    expect(await errorCodeOf(resolver.resolve('sip:'))).toBe('BAD_URI');
    expect(await errorCodeOf(resolver.resolve('tel:+49301234567'))).toBe('UNSUPPORTED_SCHEME');
  });
});

describe('dnsBackend over an injected node:dns resolver', () => {
  const dnsError = (code: string): Error => Object.assign(new Error(`query ${code}`), { code });

  function fakeNodeResolver(answers: {
    naptr?: NodeNaptrRecord[] | Error;
    srv?: NodeSrvRecord[] | Error;
    a?: RecordWithTtl[] | Error;
    aaaa?: RecordWithTtl[] | Error;
  }): NodeDnsResolver & { readonly calls: string[] } {
    const calls: string[] = [];
    const reply = async <T>(kind: string, name: string, answer: T[] | Error | undefined): Promise<T[]> => {
      calls.push(`${kind} ${name}`);
      if (answer instanceof Error) throw answer;
      return answer ?? [];
    };
    return {
      calls,
      resolveNaptr: (name) => reply('naptr', name, answers.naptr),
      resolveSrv: (name) => reply('srv', name, answers.srv),
      resolve4: (name, options) => reply(`a ttl=${options.ttl}`, name, answers.a),
      resolve6: (name, options) => reply(`aaaa ttl=${options.ttl}`, name, answers.aaaa),
    };
  }

  it('maps NXDOMAIN (ENOTFOUND) and NODATA (ENODATA) to no records', async () => {
    const backend = createDnsBackend({
      resolver: fakeNodeResolver({ naptr: dnsError('ENOTFOUND'), srv: dnsError('ENODATA'), a: dnsError('ENOTFOUND'), aaaa: dnsError('ENODATA') }),
    });
    expect(await backend.naptr('example.com')).toEqual([]);
    expect(await backend.srv('_sip._udp.example.com')).toEqual([]);
    expect(await backend.a('example.com')).toEqual([]);
    expect(await backend.aaaa('example.com')).toEqual([]);
  });

  it('passes other failures on as rejections, which the resolver turns into DNS_FAILED', async () => {
    const backend = createDnsBackend({ resolver: fakeNodeResolver({ naptr: dnsError('ESERVFAIL'), a: dnsError('ETIMEOUT') }) });
    await expect(backend.naptr('example.com')).rejects.toMatchObject({ code: 'ESERVFAIL' });
    await expect(backend.a('example.com')).rejects.toMatchObject({ code: 'ETIMEOUT' });

    const resolver = createResolver({ dns: backend, clock: new FakeClock() });
    expect(await errorCodeOf(resolver.resolve('sip:example.com:5060'))).toBe('DNS_FAILED');
  });

  it('turns a synchronous throw of the resolver into a rejection', async () => {
    const resolver = fakeNodeResolver({});
    const backend = createDnsBackend({
      resolver: { ...resolver, resolveSrv: () => { throw dnsError('EBADNAME'); } },
    });
    await expect(backend.srv('bad..name')).rejects.toMatchObject({ code: 'EBADNAME' });
  });

  it(`gives NAPTR and SRV answers the default TTL (${DEFAULT_RECORD_TTL_S} s), keeps A/AAAA TTLs, and spells the root SRV target "."`, async () => {
    const node = fakeNodeResolver({
      naptr: [{ order: 10, preference: 20, flags: 's', service: 'SIP+D2U', regexp: '', replacement: '_sip._udp.example.com' }],
      srv: [{ priority: 0, weight: 5, port: 5060, name: 'pbx.example.com' }, { priority: 0, weight: 0, port: 0, name: '' }],
      a: [{ address: '192.0.2.20', ttl: 42 }],
      aaaa: [{ address: '2001:db8::20', ttl: 7 }],
    });
    const backend = createDnsBackend({ resolver: node });
    expect(await backend.naptr('example.com')).toEqual([
      { order: 10, preference: 20, flags: 's', service: 'SIP+D2U', regexp: '', replacement: '_sip._udp.example.com', ttl: DEFAULT_RECORD_TTL_S },
    ]);
    expect(await backend.srv('_sip._udp.example.com')).toEqual([
      { priority: 0, weight: 5, port: 5060, target: 'pbx.example.com', ttl: DEFAULT_RECORD_TTL_S },
      { priority: 0, weight: 0, port: 0, target: '.', ttl: DEFAULT_RECORD_TTL_S },
    ]);
    expect(await backend.a('pbx.example.com')).toEqual([{ address: '192.0.2.20', ttl: 42 }]);
    expect(await backend.aaaa('pbx.example.com')).toEqual([{ address: '2001:db8::20', ttl: 7 }]);
    expect(node.calls).toContain('a ttl=true pbx.example.com');
    expect((await createDnsBackend({ resolver: node, recordTtlS: 60 }).srv('x'))[0]?.ttl).toBe(60);
  });

  it('builds a real node:dns resolver with bounded timeouts when none is injected', () => {
    const backend = createDnsBackend({ servers: ['127.0.0.1'], timeoutMs: 500, tries: 1 });
    expect(Object.keys(backend).sort()).toEqual(['a', 'aaaa', 'naptr', 'srv']);
  });
});
