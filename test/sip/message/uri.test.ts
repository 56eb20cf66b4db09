// parseUri: SIP/SIPS URIs (RFC 3261 §19.1, §25.1), IPv6 references (RFC 5118), other schemes as absoluteURI.
import { describe, expect, it } from 'vitest';
import { parseUri } from '../../../firmware-app/sip/message/index.ts';
import { parseErrorOf } from './wire.ts';

describe('parseUri', () => {
  it('splits a full SIP URI into its parts', () => {
    const uri = parseUri('sip:alice:secretword@atlanta.example.com:5061;transport=tcp;lr?subject=project%20x&priority=urgent');
    expect(uri).toEqual({
      scheme: 'sip',
      user: 'alice',
      password: 'secretword',
      host: 'atlanta.example.com',
      port: 5061,
      params: new Map([['transport', 'tcp'], ['lr', null]]),
      headers: new Map([['subject', 'project%20x'], ['priority', 'urgent']]),
      raw: 'sip:alice:secretword@atlanta.example.com:5061;transport=tcp;lr?subject=project%20x&priority=urgent',
    });
  });

  it('reads a host-only URI with no user, password or port', () => {
    const uri = parseUri('sip:biloxi.example.com');
    expect([uri.user, uri.password, uri.host, uri.port, uri.params.size, uri.headers.size]).toEqual([
      undefined, undefined, 'biloxi.example.com', undefined, 0, 0,
    ]);
  });

  it('lower-cases scheme and parameter names, keeps host, user and values as written', () => {
    const uri = parseUri('SIPS:Bob@Biloxi.Example.COM;Transport=TLS;MAddr=239.255.255.1');
    expect([uri.scheme, uri.user, uri.host]).toEqual(['sips', 'Bob', 'Biloxi.Example.COM']);
    expect([...uri.params]).toEqual([['transport', 'TLS'], ['maddr', '239.255.255.1']]);
  });

  it('keeps %HH escapes as written and allows user-unreserved characters (RFC 3261 §25.1)', () => {
    expect(parseUri('sip:%61lice@atlanta.example.com').user).toBe('%61lice');
    expect(parseUri('sip:+1-212-555-1212;phone-context=example.com@gw.example.com;user=phone').user).toBe('+1-212-555-1212;phone-context=example.com');
    expect(parseUri("sip:a&b=c+d$e,f;g?h/i!j~k*l'm(n)o@example.com").user).toBe("a&b=c+d$e,f;g?h/i!j~k*l'm(n)o");
  });

  it('reads IPv4 hosts and fully qualified names with a trailing dot', () => {
    expect(parseUri('sip:192.0.2.4:5060').host).toBe('192.0.2.4');
    expect(parseUri('sip:alice@atlanta.example.com.').host).toBe('atlanta.example.com.');
  });

  it.each([
    ['sip:[2001:db8::10]', '[2001:db8::10]', undefined],
    ['sip:alice@[2001:db8::10]:5070', '[2001:db8::10]', 5070],
    ['sip:[2001:db8:0:0:0:0:0:10]', '[2001:db8:0:0:0:0:0:10]', undefined],
    ['sip:[::1]', '[::1]', undefined],
    ['sip:[::ffff:192.0.2.1]:5060', '[::ffff:192.0.2.1]', 5060],
    // RFC 5118 §4.3: inside the brackets ":5070" is the last group of the address, not a port.
    ['sip:[2001:db8::10:5070]', '[2001:db8::10:5070]', undefined],
  ])('reads the IPv6 reference in %s (RFC 5118)', (text, host, port) => {
    const uri = parseUri(text);
    expect([uri.host, uri.port]).toEqual([host, port]);
  });

  it('reads an IPv6 maddr parameter', () => {
    expect(parseUri('sip:alice@example.com;maddr=[2001:db8::10]').params.get('maddr')).toBe('[2001:db8::10]');
  });

  it('treats other schemes as opaque absoluteURIs', () => {
    const tel = parseUri('tel:+1-201-555-0123');
    expect([tel.scheme, tel.user, tel.host, tel.port, tel.raw]).toEqual(['tel', undefined, '', undefined, 'tel:+1-201-555-0123']);
    expect(parseUri('urn:service:sos').scheme).toBe('urn');
    expect(parseUri('soap.beep://192.0.2.103:3002').scheme).toBe('soap.beep');
  });

  it.each([
    ['an empty string', ''],
    ['no scheme', 'alice@atlanta.example.com'],
    ['a scheme starting with a digit', '1sip:alice@atlanta.example.com'],
    ['nothing after sip:', 'sip:'],
    ['an empty host', 'sip:alice@'],
    ['an empty user', 'sip:@atlanta.example.com'],
    ['white space', 'sip:alice@atlanta.example.com; lr'],
    ['a port above 65535', 'sip:atlanta.example.com:65536'],
    ['an empty port', 'sip:atlanta.example.com:'],
    ['a label starting with -', 'sip:alice@-atlanta.example.com'],
    ['a label ending with -', 'sip:alice@atlanta-.example.com'],
    ['an empty label', 'sip:alice@atlanta..example.com'],
    ['a numeric top label that is not IPv4', 'sip:alice@example.123'],
    ['an IPv4 octet above 255', 'sip:alice@192.0.2.256'],
    ['an unbracketed IPv6 address', 'sip:2001:db8::10'],
    ['an unclosed IPv6 reference', 'sip:[2001:db8::10'],
    ['two :: in an IPv6 reference', 'sip:[2001::db8::10]'],
    ['nine IPv6 groups', 'sip:[1:2:3:4:5:6:7:8:9]'],
    ['a five-digit IPv6 group', 'sip:[2001:db8::10000]'],
    ['an IPv6 zone index', 'sip:[fe80::1%25eth0]'],
    ['a bad escape', 'sip:%6@atlanta.example.com'],
    ['an empty parameter name', 'sip:atlanta.example.com;;lr'],
    ['an empty parameter value', 'sip:atlanta.example.com;transport='],
    ['a header without value', 'sip:atlanta.example.com?subject'],
    ['<> around it', '<sip:alice@atlanta.example.com>'],
    ['a space in an absoluteURI', 'tel:+1 201 555 0123'],
    ['nothing after the scheme of an absoluteURI', 'tel:'],
  ])('rejects %s as BAD_URI', (_what, text) => {
    expect(parseErrorOf(() => parseUri(text)).code).toBe('BAD_URI');
  });
});
