// Registration timing and binding helpers: back-off, refresh point, keep-alive jitter, header values, URIs, granted expiry.
import { describe, expect, it } from 'vitest';
import { parseMessage, parseUri } from '../../../firmware-app/sip/message/index.ts';
import { asSipUri, grantedExpires, registrarRequestUri, resolveUri, routeTo } from '../../../firmware-app/sip/registration/binding.ts';
import {
  FORBIDDEN_BACKOFF_BASE_S, backoffSeconds, keepAliveSeconds, parseRetryAfter, parseSeconds, refreshSeconds,
} from '../../../firmware-app/sip/registration/policy.ts';

describe('registration policy', () => {
  it('backs off as RFC 5626 §4.5 says: min(1800, 30 · 2^failures) × (0.5 … 1.0); 300 s base after a 403', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 50].map((f) => backoffSeconds(f, () => 0))).toEqual([30, 60, 120, 240, 480, 900, 900, 900]);
    expect(backoffSeconds(1, () => 0.999999)).toBeCloseTo(60, 3);
    expect(backoffSeconds(6, () => 0.999999)).toBeCloseTo(1800, 1);
    expect(backoffSeconds(1, () => Number.NaN)).toBe(45); // a broken random source does not make NaN timers
    expect([1, 2, 3].map((f) => backoffSeconds(f, () => 0, FORBIDDEN_BACKOFF_BASE_S))).toEqual([300, 600, 900]);
    expect(backoffSeconds(1, () => 0.999999, FORBIDDEN_BACKOFF_BASE_S)).toBeCloseTo(600, 2);
  });

  it('refreshes at 90 % of the expiry, at least 5 s before its end, never before half', () => {
    expect([3600, 600, 120, 30, 20, 8, 2].map(refreshSeconds)).toEqual([3240, 540, 108, 25, 15, 4, 1]);
  });

  it('jitters keep-alives ±20 % around the interval, or 80–100 % of a Flow-Timer', () => {
    const at = (r: number, flowTimer?: number): number => Math.round(keepAliveSeconds(25, () => r, flowTimer) * 1000) / 1000;
    expect([0, 0.5, 1].map((r) => at(r))).toEqual([20, 25, 30]);
    expect([0, 1].map((r) => at(r, 120))).toEqual([96, 120]);
  });

  it('reads Retry-After delta-seconds with comment and parameters, and positive Min-Expires / Flow-Timer values', () => {
    expect(parseRetryAfter('120 (maintenance);duration=3600')).toBe(120);
    expect(parseRetryAfter('Fri, 31 Dec 1999 23:59:59 GMT')).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect([' 3600 ', '0', '-5', '60s', undefined].map(parseSeconds)).toEqual([3600, undefined, undefined, undefined, undefined]);
  });
});

describe('registration URIs', () => {
  it('takes a bare host as sip:, and builds the Request-URI without userinfo or URI headers', () => {
    expect(asSipUri(' 192.168.178.1 ')).toBe('sip:192.168.178.1');
    expect(asSipUri('sips:pbx.example.org')).toBe('sips:pbx.example.org');
    expect(registrarRequestUri(parseUri('sip:door@pbx.example.org:5070;transport=tcp?subject=x'))).toBe('sip:pbx.example.org:5070;transport=tcp');
  });

  it('adds the configured transport for resolving, and lr to the proxy Route', () => {
    expect(resolveUri(parseUri('sip:pbx.example.org'), 'tls')).toBe('sip:pbx.example.org;transport=tls');
    expect(resolveUri(parseUri('sip:pbx.example.org;transport=udp'), 'tcp')).toBe('sip:pbx.example.org;transport=udp');
    expect(resolveUri(parseUri('sip:pbx.example.org'), undefined)).toBe('sip:pbx.example.org');
    expect(routeTo(parseUri('sip:proxy.example.org'))).toBe('<sip:proxy.example.org;lr>');
    expect(routeTo(parseUri('sip:proxy.example.org;lr'))).toBe('<sip:proxy.example.org;lr>');
  });
});

describe('grantedExpires', () => {
  const ours = { uri: 'sip:door-x@192.0.2.10:5060;transport=udp', instanceId: 'urn:uuid:00000000-0000-4000-8000-000000000001' };
  const ok = (...headers: string[]) => parseMessage(new TextEncoder().encode([
    'SIP/2.0 200 OK',
    'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK1',
    'From: <sip:door@example.org>;tag=1',
    'To: <sip:door@example.org>;tag=2',
    'Call-ID: c1',
    'CSeq: 2 REGISTER',
    ...headers,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n')));

  it('prefers our Contact by URI (case of the host and the default port aside), then by instance, then Expires, then what was asked', () => {
    expect(grantedExpires(ok('Contact: <sip:door-x@192.0.2.10;transport=UDP>;expires=300', 'Expires: 900'), ours, 600)).toBe(300);
    expect(grantedExpires(ok('Contact: <sip:door-x@10.0.0.1:5060>;+sip.instance="<URN:UUID:00000000-0000-4000-8000-000000000001>";expires=200'), ours, 600)).toBe(200);
    expect(grantedExpires(ok('Contact: <sip:other@192.0.2.99>;expires=60', 'Expires: 900'), ours, 600)).toBe(900);
    expect(grantedExpires(ok('Contact: <sip:door-x@192.0.2.10:5060;transport=udp>;expires=soon'), ours, 600)).toBe(600);
    expect(grantedExpires(ok(), ours, 600)).toBe(600);
  });
});
