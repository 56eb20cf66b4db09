// RFC 4475 torture messages, as shipped by the `sip` npm package, through parseMessage: one expectation per file.
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  type CSeq, SipMessage, type SipParseErrorCode, buildResponse, parseMessage, parseUri,
} from '../../../firmware-app/sip/message/index.ts';
import { TORTURE_DIR, contactsOf, latin1, parseErrorOf, partialRequest, torture, utf8 } from './wire.ts';

interface TopVia {
  readonly transport: string;
  readonly host: string;
  readonly port: number | undefined;
  readonly branch: string | undefined;
}

/** A message RFC 4475 says a parser must accept, with the values it must yield. */
interface Parses {
  readonly section: string;
  readonly title: string;
  readonly start: { readonly method: string; readonly requestUri: string } | { readonly status: number; readonly reason: string };
  readonly callId: string;
  readonly cseq: CSeq;
  readonly topVia: TopVia;
  readonly fromTag: string | undefined;
  readonly toTag: string | undefined;
  readonly contacts: readonly string[];
  readonly bodyLength: number;
  /** The point of the test case, seen through the API. */
  readonly oddity: (m: SipMessage, bytes: Uint8Array) => void;
}

/** A message the parser must reject. */
interface Rejected {
  readonly section: string;
  readonly title: string;
  readonly code: SipParseErrorCode;
  /**
   * The status RFC 4475 asks the receiver to answer with: the error must then carry the partial
   * request so that the answer can be built. Undefined when the message is simply dropped or the
   * RFC leaves rejecting as one acceptable choice among others.
   */
  readonly answer?: 400 | 505;
}

const SDP_150 = 150;

const valid: Record<string, Parses> = {
  'wsinv.dat': {
    section: '3.1.1.1',
    title: 'A Short Tortuous INVITE',
    start: { method: 'INVITE', requestUri: 'sip:vivekg@chair-dnrc.example.com;unknownparam' },
    callId: 'wsinv.ndaksdj@192.0.2.1',
    cseq: { seq: 9, method: 'INVITE' },
    topVia: { transport: 'UDP', host: '192.0.2.2', port: undefined, branch: '390skdjuw' },
    fromTag: '98asjd8',
    toTag: '1918181833n',
    contacts: ['sip:jdrosen@example.com'],
    bodyLength: SDP_150,
    oddity(m) {
      // LWS and folding everywhere, escaped quotes, leading zeros, mixed long and compact Via.
      expect(m.from.displayName).toBe('J Rosenberg \\"');
      expect(m.to.uri).toBe('sip:vivekg@chair-dnrc.example.com');
      expect(m.maxForwards).toBe(68);
      expect(m.via.map((v) => [v.transport, v.host, v.branch])).toEqual([
        ['UDP', '192.0.2.2', '390skdjuw'],
        ['TCP', 'spindle.example.com', 'z9hG4bK9ikj8'],
        ['UDP', '192.168.255.111', 'z9hG4bK30239'],
      ]);
      expect(m.header('Subject')).toBe('');
      expect(m.header('NewFangledHeader')).toBe('newfangled value continued newfangled value');
      // Unknown header: a value, not a list of params, whatever it looks like.
      expect(m.headers('UnknownHeaderWithUnusualValue')).toEqual([';;,,;;,;']);
      expect(parseUri(m.requestUri).params.get('unknownparam')).toBeNull();
      const route = m.route[0]!.parsedUri.params;
      expect([...route]).toEqual([['lr', null], ['unknownwith', 'value'], ['unknown-no-value', null]]);
      const contact = contactsOf(m)[0]!;
      expect(contact.displayName).toBe('Quoted string ""');
      expect([...contact.params]).toEqual([['newparam', 'newvalue'], ['secondparam', null], ['q', '0.33']]);
      expect(m.contentType).toBe('application/sdp');
    },
  },
  'intmeth.dat': {
    section: '3.1.1.2',
    title: 'Wide Range of Valid Characters',
    start: {
      method: "!interesting-Method0123456789_*+`.%indeed'~",
      requestUri: "sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too.(doesn't-it)@example.com",
    },
    callId: 'intmeth.word%ZK-!.*_+\'@word`~)(><:\\/"][?}{',
    cseq: { seq: 139122385, method: "!interesting-Method0123456789_*+`.%indeed'~" },
    topVia: { transport: 'TCP', host: 'host1.example.com', port: undefined, branch: "z9hG4bK-.!%66*_+`'~" },
    fromTag: "_token~1'+`*%!-.",
    toTag: undefined,
    contacts: [],
    bodyLength: 0,
    oddity(m) {
      const uri = parseUri(m.requestUri);
      expect(uri.user).toBe("1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
      expect(uri.password).toBe("&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
      expect(uri.host).toBe('example.com');
      // quoted-pair may escape any octet but CR and LF, NUL included (RFC 3261 §25.1).
      expect(m.to.displayName).toBe('BEL:\x07 NUL:\x00 DEL:\x7f');
      expect(m.header('To')).toBe('"BEL:\\\x07 NUL:\\\x00 DEL:\\\x7f" <sip:1_unusual.URI~(to-be!sure)&isn\'t+it$/crazy?,/;;*@example.com>');
      expect(m.entries()[1]![0]).toBe('To');
      expect(m.to.uri).toBe("sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*@example.com");
      expect(m.from.displayName).toBe("token1~` token2'+_ token3*%!.-");
      expect(m.from.params.get("fromparam''~+*_!.-%")).toBe('работающий');
      expect(m.maxForwards).toBe(255);
      expect(m.header("extensionHeader-!.%*+_`'~")).toBe('\uFEFF大停電');
    },
  },
  'esc01.dat': {
    section: '3.1.1.3',
    title: 'Valid Use of the % Escaping Mechanism',
    start: { method: 'INVITE', requestUri: 'sip:sips%3Auser%40example.com@example.net' },
    callId: 'esc01.239409asdfakjkn23onasd0-3234',
    cseq: { seq: 234234, method: 'INVITE' },
    topVia: { transport: 'UDP', host: 'host5.example.net', port: undefined, branch: 'z9hG4bKkdjuw' },
    fromTag: '938',
    toTag: undefined,
    contacts: ['sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31'],
    bodyLength: SDP_150,
    oddity(m) {
      const ruri = parseUri(m.requestUri);
      expect([ruri.user, ruri.host]).toEqual(['sips%3Auser%40example.com', 'example.net']);
      expect(m.to.parsedUri.user).toBe('%75se%72');
      expect(m.from.parsedUri.user).toBe('I%20have%20spaces');
      // Escapes are kept as written; "value%41" is never unescaped twice into "valueA".
      const contact = contactsOf(m)[0]!;
      expect(contact.parsedUri.params.get('n%61me')).toBe('v%61lue%25%34%31');
      expect(m.contentType).toBe('application/sdp'); // compact "C"
    },
  },
  'escnull.dat': {
    section: '3.1.1.4',
    title: 'Escaped Nulls in URIs',
    start: { method: 'REGISTER', requestUri: 'sip:example.com' },
    callId: 'escnull.39203ndfvkjdasfkq3w4otrq0adsfdfnavd',
    cseq: { seq: 14398234, method: 'REGISTER' },
    topVia: { transport: 'UDP', host: 'host5.example.com', port: undefined, branch: 'z9hG4bKkdjuw' },
    fromTag: '839923423',
    toTag: undefined,
    contacts: ['sip:%00@host5.example.com', 'sip:%00%00@host5.example.com'],
    bodyLength: 0,
    oddity(m) {
      expect(m.to.parsedUri.user).toBe('null-%00-null');
      const users = contactsOf(m).map((c) => c.parsedUri.user);
      expect(users).toEqual(['%00', '%00%00']); // two distinct bindings, not shortened at the NUL
      expect(m.header('Content-Length')).toBe('0'); // compact "L"
    },
  },
  'esc02.dat': {
    section: '3.1.1.5',
    title: 'Use of % When It Is Not an Escape',
    start: { method: 'RE%47IST%45R', requestUri: 'sip:registrar.example.com' },
    callId: 'esc02.asdfnqwo34rq23i34jrjasdcnl23nrlknsdf',
    cseq: { seq: 29344, method: 'RE%47IST%45R' },
    topVia: { transport: 'TCP', host: 'host.example.com', port: undefined, branch: 'z9hG4bK209%fzsnel234' },
    fromTag: 'f232jadfj23',
    toTag: undefined,
    contacts: ['sip:alias1@host1.example.com', 'sip:alias3@host3.example.com'],
    bodyLength: 0,
    oddity(m) {
      expect(m.method).not.toBe('REGISTER');
      expect(m.to.displayName).toBe('%Z%45');
      expect(m.from.displayName).toBe('%Z%45');
      // "C%6Fntact" is an unknown header, not Contact.
      expect(m.header('C%6Fntact')).toBe('<sip:alias2@host2.example.com>');
    },
  },
  'lwsdisp.dat': {
    section: '3.1.1.6',
    title: 'Message with No LWS between Display Name and <',
    start: { method: 'OPTIONS', requestUri: 'sip:user@example.com' },
    callId: 'lwsdisp.1234abcd@funky.example.com',
    cseq: { seq: 60, method: 'OPTIONS' },
    topVia: { transport: 'UDP', host: 'funky.example.com', port: undefined, branch: 'z9hG4bKkdjuw' },
    fromTag: '323',
    toTag: undefined,
    contacts: [],
    bodyLength: 0,
    oddity(m) {
      expect(m.from.displayName).toBe('caller');
      expect(m.from.uri).toBe('sip:caller@example.com');
    },
  },
  'longreq.dat': {
    section: '3.1.1.7',
    title: 'Long Values in Header Fields',
    start: { method: 'INVITE', requestUri: 'sip:user@example.com' },
    callId: `longreq.one${'really'.repeat(20)}longcallid`,
    cseq: { seq: 3882340, method: 'INVITE' },
    topVia: { transport: 'TCP', host: 'sip33.example.com', port: undefined, branch: undefined },
    fromTag: `1${'298'.repeat(50)}2424`,
    toTag: undefined,
    contacts: [`sip:${'amazinglylongcallername'.repeat(5)}@host5.example.net`],
    bodyLength: SDP_150,
    oddity(m) {
      expect(m.to.displayName).toBe(`I have a user name of ${'extreme'.repeat(10)} proportion`);
      const to = m.to.parsedUri;
      expect(to.port).toBe(6000);
      expect(to.params.get('unknownparam1')).toBe(`very${'long'.repeat(20)}value`);
      expect(to.params.get(`longparam${'name'.repeat(25)}`)).toBe('shortvalue');
      expect(to.params.get(`very${'long'.repeat(25)}parameternamewithnovalue`)).toBeNull();
      expect(m.from.params.size).toBe(3);
      // 34 Via lines under every spelling: Via, v, V, ViA, "V :", "Via  :" …
      expect(m.via).toHaveLength(34);
      expect(m.headers('via')).toHaveLength(34);
      expect(m.via.every((v) => v.transport === 'TCP')).toBe(true);
      const last = m.via[33]!;
      expect([last.host, last.received]).toEqual(['host.example.com', '192.0.2.5']);
      expect(last.branch).toBe(`very${'long'.repeat(50)}branchvalue`);
      const unknown = m.entries().find(([name]) => name.startsWith('Unknown-'))!;
      expect(unknown[0]).toBe(`Unknown-${'Long'.repeat(20)}-Name`);
      expect(m.header(unknown[0])).toBe(unknown[1]);
      expect(unknown[1]).toMatch(/^unknown-(long)+-value; unknown-(long)+-parameter-name = unknown-(long)+-parameter-value$/);
    },
  },
  'dblreq.dat': {
    section: '3.1.1.8',
    title: 'Extra Trailing Octets in a UDP Datagram',
    start: { method: 'REGISTER', requestUri: 'sip:example.com' },
    callId: 'dblreq.0ha0isndaksdj99sdfafnl3lk233412',
    cseq: { seq: 8, method: 'REGISTER' },
    topVia: { transport: 'UDP', host: '192.0.2.125', port: undefined, branch: 'z9hG4bKkdjuw23492' },
    fromTag: '43251j3j324',
    toTag: undefined,
    contacts: ['sip:j.user@host.example.com'],
    bodyLength: 0,
    oddity(m, bytes) {
      // The INVITE after the REGISTER is noise past Content-Length (RFC 3261 §18.3).
      expect(m.headerCount).toBe(8);
      expect(m.entries().some(([, value]) => value.includes('INVITE'))).toBe(false);
      expect(latin1(bytes)).toContain('INVITE sip:joe@example.com');
    },
  },
  'semiuri.dat': {
    section: '3.1.1.9',
    title: 'Semicolon-Separated Parameters in URI User Part',
    start: { method: 'OPTIONS', requestUri: 'sip:user;par=u%40example.net@example.com' },
    callId: 'semiuri.0ha0isndaksdj',
    cseq: { seq: 8, method: 'OPTIONS' },
    topVia: { transport: 'UDP', host: '192.0.2.1', port: undefined, branch: 'z9hG4bKkdjuw' },
    fromTag: '33242',
    toTag: undefined,
    contacts: [],
    bodyLength: 0,
    oddity(m) {
      const uri = parseUri(m.requestUri);
      expect(uri.user).toBe('user;par=u%40example.net');
      expect(uri.host).toBe('example.com');
      expect(uri.params.size).toBe(0);
      expect(m.headers('Accept')).toEqual([
        'application/sdp', 'application/pkcs7-mime', 'multipart/mixed', 'multipart/signed', 'message/sip', 'message/sipfrag',
      ]);
    },
  },
  'transports.dat': {
    section: '3.1.1.10',
    title: 'Varied and Unknown Transport Types',
    start: { method: 'OPTIONS', requestUri: 'sip:user@example.com' },
    callId: 'transports.kijh4akdnaqjkwendsasfdj',
    cseq: { seq: 60, method: 'OPTIONS' },
    topVia: { transport: 'UDP', host: 't1.example.com', port: undefined, branch: 'z9hG4bKkdjuw' },
    fromTag: '323',
    toTag: undefined,
    contacts: [],
    bodyLength: 0,
    oddity(m) {
      expect(m.via.map((v) => v.transport)).toEqual(['UDP', 'SCTP', 'TLS', 'UNKNOWN', 'TCP']);
      expect(m.via.map((v) => v.host)).toEqual(['t1', 't2', 't3', 't4', 't5'].map((t) => `${t}.example.com`));
    },
  },
  'mpart01.dat': {
    section: '3.1.1.11',
    title: 'Multipart MIME Message',
    start: { method: 'MESSAGE', requestUri: 'sip:kumiko@example.org' },
    callId: '3d9485ad0c49859b@Zmx1ZmZ5LW1hYy0xNi5sb2NhbA..',
    cseq: { seq: 1, method: 'MESSAGE' },
    topVia: { transport: 'UDP', host: '127.0.0.1', port: 5070, branch: 'z9hG4bK-d87543-4dade06d0bdb11ee-1--d87543-' },
    fromTag: '2fb0dcc9',
    toTag: undefined,
    contacts: ['sip:fluffy@127.0.0.1:5070'],
    bodyLength: 553,
    oddity(m, bytes) {
      expect(m.topVia.rport).toBe(true);
      expect(m.contentType).toBe('multipart/mixed;boundary=7a9cbec02ceef655');
      // The body is the last 553 octets exactly, binary part with its NULs included.
      expect(latin1(m.body)).toBe(latin1(bytes.subarray(bytes.length - 553)));
      expect(latin1(m.body)).toMatch(/^--7a9cbec02ceef655\r\n[^]*\r\n--7a9cbec02ceef655--\r\n$/);
      expect(m.body.filter((b) => b === 0)).toHaveLength(2);
      // The DER-encoded signature of the second part starts 30 82 01 52 (RFC 4475 §3.1.1.11).
      expect(latin1(m.body)).toContain('\x30\x82\x01\x52\x06\x09\x2a\x86\x48\x86\xf7\x0d');
      expect(m.route.map((r) => r.uri)).toEqual(['sip:127.0.0.1:5080']);
    },
  },
  'unreason.dat': {
    section: '3.1.1.12',
    title: 'Unusual Reason Phrase',
    start: { status: 200, reason: '= 2**3 * 5**2 но сто девяносто девять - простое' },
    callId: 'unreason.1234ksdfak3j2erwedfsASdf',
    cseq: { seq: 35, method: 'INVITE' },
    topVia: { transport: 'UDP', host: '192.0.2.198', port: undefined, branch: 'z9hG4bK1324923' },
    fromTag: '11141343',
    toTag: '2229',
    contacts: ['sip:user@host198.example.com'],
    bodyLength: 154,
    oddity(m, bytes) {
      expect(m.method).toBe('INVITE'); // a response's method comes from CSeq
      const statusLine = bytes.subarray(0, bytes.indexOf(13));
      expect(latin1(statusLine)).toBe(`SIP/2.0 200 ${latin1(utf8(m.reason))}`);
    },
  },
  'noreason.dat': {
    section: '3.1.1.13',
    title: 'Empty Reason Phrase',
    start: { status: 100, reason: '' },
    callId: 'noreason.asndj203insdf99223ndf',
    cseq: { seq: 35, method: 'INVITE' },
    topVia: { transport: 'UDP', host: '192.0.2.105', port: undefined, branch: 'z9hG4bK2398ndaoe' },
    fromTag: '39ansfi3',
    toTag: '902jndnke3',
    contacts: ['sip:user@host105.example.com'],
    bodyLength: 0,
    oddity(m) {
      expect(m.requestUri).toBe('');
    },
  },
  'baddate.dat': {
    section: '3.1.2.12',
    title: 'Invalid Time Zone in Date Header Field (liberal: the Date is not used, so it is not judged)',
    start: { method: 'INVITE', requestUri: 'sip:user@example.com' },
    callId: 'baddate.239423mnsadf3j23lj42--sedfnm234',
    cseq: { seq: 1392934, method: 'INVITE' },
    topVia: { transport: 'UDP', host: 'host.example.com', port: undefined, branch: 'z9hG4bKkdjuw' },
    fromTag: '2234923',
    toTag: undefined,
    contacts: ['sip:caller@host5.example.net'],
    bodyLength: SDP_150,
    oddity(m) {
      expect(m.header('Date')).toBe('Fri, 01 Jan 2010 16:00:00 EST');
      expect(m.headers('Date')).toEqual(['Fri, 01 Jan 2010 16:00:00 EST']); // not split at the comma
    },
  },
  'badbranch.dat': {
    section: '3.2.1',
    title: 'Missing Transaction Identifier (a transaction-layer matter; the parser must not break)',
    start: { method: 'OPTIONS', requestUri: 'sip:user@example.com' },
    callId: 'badbranch.sadonfo23i420jv0as0derf3j3n',
    cseq: { seq: 8, method: 'OPTIONS' },
    topVia: { transport: 'UDP', host: '192.0.2.1', port: undefined, branch: 'z9hG4bK' },
    fromTag: '33242',
    toTag: undefined,
    contacts: [],
    bodyLength: 0,
    oddity(m) {
      expect(m.topVia.branch).toBe('z9hG4bK'); // the magic cookie with nothing after it, visible as such
    },
  },
  'unkscm.dat': {
    section: '3.3.2',
    title: 'OPTIONS Request URI with Unknown Scheme (416 is an application decision)',
    start: { method: 'OPTIONS', requestUri: 'nobodyKnowsThisScheme:totallyopaquecontent' },
    callId: 'unkscm.nasdfasser0q239nwsdfasdkl34',
    cseq: { seq: 3923423, method: 'OPTIONS' },
    topVia: { transport: 'TCP', host: 'host9.example.com', port: undefined, branch: 'z9hG4bKkdjuw39234' },
    fromTag: '384',
    toTag: undefined,
    contacts: [],
    bodyLength: 0,
    oddity(m) {
      expect(parseUri(m.requestUri).scheme).toBe('nobodyknowsthisscheme');
    },
  },
  'novelsc.dat': {
    section: '3.3.3',
    title: 'OPTIONS Request URI with Known but Atypical Scheme',
    start: { method: 'OPTIONS', requestUri: 'soap.beep://192.0.2.103:3002' },
    callId: 'novelsc.asdfasser0q239nwsdfasdkl34',
    cseq: { seq: 3923423, method: 'OPTIONS' },
    topVia: { transport: 'TCP', host: 'host9.example.com', port: undefined, branch: 'z9hG4bKkdjuw39234' },
    fromTag: '384',
    toTag: undefined,
    contacts: [],
    bodyLength: 0,
    oddity(m) {
      const uri = parseUri(m.requestUri);
      expect([uri.scheme, uri.raw]).toEqual(['soap.beep', 'soap.beep://192.0.2.103:3002']);
    },
  },
  'unksm2.dat': {
    section: '3.3.4',
    title: 'Unknown URI Schemes in Header Fields (a registrar rejects it, the parser does not)',
    start: { method: 'REGISTER', requestUri: 'sip:example.com' },
    callId: 'unksm2.daksdj@hyphenated-host.example.com',
    cseq: { seq: 234902, method: 'REGISTER' },
    topVia: { transport: 'UDP', host: '192.0.2.21', port: 5060, branch: 'z9hG4bKkdjuw' },
    fromTag: '3234233',
    toTag: undefined,
    contacts: ['name:John_Smith'],
    bodyLength: 0,
    oddity(m) {
      expect([m.to.uri, m.to.parsedUri.scheme]).toEqual(['isbn:2983792873', 'isbn']);
      expect([m.from.uri, m.from.parsedUri.scheme]).toEqual(['http://www.example.com', 'http']);
    },
  },
  'bext01.dat': {
    section: '3.3.5',
    title: 'Unknown Proxy-Require and Require Scheme (420 is an application decision)',
    start: { method: 'OPTIONS', requestUri: 'sip:user@example.com' },
    callId: 'bext01.0ha0isndaksdj',
    cseq: { seq: 8, method: 'OPTIONS' },
    topVia: { transport: 'TLS', host: 'fold-and-staple.example.com', port: undefined, branch: 'z9hG4bKkdjuw' },
    fromTag: '242etr',
    toTag: undefined,
    contacts: [],
    bodyLength: 0,
    oddity(m) {
      expect(m.headers('Require')).toEqual(['nothingSupportsThis', 'nothingSupportsThisEither']);
      expect(m.headers('Proxy-Require')).toEqual(['noProxiesSupportThis', 'norDoAnyProxiesSupportThis']);
    },
  },
  'invut.dat': {
    section: '3.3.6',
    title: 'Unknown Content-Type (415 is an application decision)',
    start: { method: 'INVITE', requestUri: 'sip:user@example.com' },
    callId: 'invut.0ha0isndaksdjadsfij34n23d',
    cseq: { seq: 235448, method: 'INVITE' },
    topVia: { transport: 'UDP', host: 'somehost.example.com', port: undefined, branch: 'z9hG4bKkdjuw' },
    fromTag: '8392034',
    toTag: undefined,
    contacts: ['sip:caller@host5.example.net'],
    bodyLength: 40,
    oddity(m) {
      expect(m.contentType).toBe('application/unknownformat');
      expect(latin1(m.body)).toBe('<audio>\r\n <pcmu port="443"/>\r\n</audio>\r\n');
    },
  },
  'regaut01.dat': {
    section: '3.3.7',
    title: 'Unknown Authorization Scheme',
    start: { method: 'REGISTER', requestUri: 'sip:example.com' },
    callId: 'regaut01.0ha0isndaksdj',
    cseq: { seq: 9338, method: 'REGISTER' },
    topVia: { transport: 'TCP', host: '192.0.2.253', port: undefined, branch: 'z9hG4bKkdjuw' },
    fromTag: '87321hj23128',
    toTag: undefined,
    contacts: [],
    bodyLength: 0,
    oddity(m) {
      const [credentials] = m.authorization;
      expect(credentials!.scheme).toBe('NoOneKnowsThisScheme');
      expect([...credentials!.params]).toEqual([['opaque-data', 'here']]);
    },
  },
  'bcast.dat': {
    section: '3.3.10',
    title: '200 OK Response with Broadcast Via Header Field Value (dropping it is a transport decision)',
    start: { status: 200, reason: 'OK' },
    callId: 'bcast.0384840201234ksdfak3j2erwedfsASdf',
    cseq: { seq: 35, method: 'INVITE' },
    topVia: { transport: 'UDP', host: '192.0.2.198', port: undefined, branch: 'z9hG4bK1324923' },
    fromTag: '11141343',
    toTag: '2229',
    contacts: ['sip:user@host28.example.com'],
    bodyLength: 154,
    oddity(m) {
      expect(m.via[1]!.host).toBe('255.255.255.255');
    },
  },
  'zeromf.dat': {
    section: '3.3.11',
    title: 'Max-Forwards of Zero',
    start: { method: 'OPTIONS', requestUri: 'sip:user@example.com' },
    callId: 'zeromf.jfasdlfnm2o2l43r5u0asdfas',
    cseq: { seq: 39234321, method: 'OPTIONS' },
    topVia: { transport: 'UDP', host: 'host1.example.com', port: undefined, branch: 'z9hG4bKkdjuw2349i' },
    fromTag: '3ghsd41',
    toTag: undefined,
    contacts: [],
    bodyLength: 0,
    oddity(m) {
      expect(m.maxForwards).toBe(0);
    },
  },
  'cparam01.dat': {
    section: '3.3.12',
    title: 'REGISTER with a Contact Header Parameter',
    start: { method: 'REGISTER', requestUri: 'sip:example.com' },
    callId: 'cparam01.70710@saturn.example.com',
    cseq: { seq: 2, method: 'REGISTER' },
    topVia: { transport: 'UDP', host: 'saturn.example.com', port: 5060, branch: 'z9hG4bKkdjuw' },
    fromTag: 'DkfVgjkrtMwaerKKpe',
    toTag: undefined,
    contacts: ['sip:+19725552222@gw1.example.net'],
    bodyLength: 0,
    oddity(m) {
      // addr-spec form: ";unknownparam" is a contact-param, not a URI parameter (RFC 3261 §20.10).
      const [contact] = contactsOf(m);
      expect([...contact!.params]).toEqual([['unknownparam', null]]);
      expect(contact!.parsedUri.params.size).toBe(0);
    },
  },
  'cparam02.dat': {
    section: '3.3.13',
    title: 'REGISTER with a URL Parameter',
    start: { method: 'REGISTER', requestUri: 'sip:example.com' },
    callId: 'cparam02.70710@saturn.example.com',
    cseq: { seq: 3, method: 'REGISTER' },
    topVia: { transport: 'UDP', host: 'saturn.example.com', port: 5060, branch: 'z9hG4bKkdjuw' },
    fromTag: '838293',
    toTag: undefined,
    contacts: ['sip:+19725552222@gw1.example.net;unknownparam'],
    bodyLength: 0,
    oddity(m) {
      const [contact] = contactsOf(m);
      expect(contact!.params.size).toBe(0);
      expect([...contact!.parsedUri.params]).toEqual([['unknownparam', null]]);
    },
  },
  'regescrt.dat': {
    section: '3.3.14',
    title: 'REGISTER with a URL Escaped Header',
    start: { method: 'REGISTER', requestUri: 'sip:example.com' },
    callId: 'regescrt.k345asrl3fdbv@192.0.2.1',
    cseq: { seq: 14398234, method: 'REGISTER' },
    topVia: { transport: 'UDP', host: 'host5.example.com', port: undefined, branch: 'z9hG4bKkdjuw' },
    fromTag: '8',
    toTag: undefined,
    contacts: ['sip:user@example.com?Route=%3Csip:sip.example.com%3E'], // compact "M"
    bodyLength: 0,
    oddity(m) {
      const [contact] = contactsOf(m);
      expect([...contact!.parsedUri.headers]).toEqual([['Route', '%3Csip:sip.example.com%3E']]);
    },
  },
  'sdp01.dat': {
    section: '3.3.15',
    title: 'Unacceptable Accept Offering (406 is an application decision)',
    start: { method: 'INVITE', requestUri: 'sip:user@example.com' },
    callId: 'sdp01.ndaksdj9342dasdd',
    cseq: { seq: 8, method: 'INVITE' },
    topVia: { transport: 'UDP', host: '192.0.2.15', port: undefined, branch: 'z9hG4bKkdjuw' },
    fromTag: '234',
    toTag: undefined,
    contacts: ['sip:caller@host15.example.net'],
    bodyLength: SDP_150,
    oddity(m) {
      expect(m.headers('Accept')).toEqual(['text/nobodyKnowsThis']);
      expect(m.contentType).toBe('application/sdp');
    },
  },
  'inv2543.dat': {
    section: '3.4.1',
    title: 'INVITE with RFC 2543 Syntax',
    start: { method: 'INVITE', requestUri: 'sip:UserB@example.com' },
    callId: 'inv2543.1717@ift.client.example.com',
    cseq: { seq: 56, method: 'INVITE' },
    topVia: { transport: 'UDP', host: 'iftgw.example.com', port: undefined, branch: undefined },
    fromTag: undefined,
    toTag: undefined,
    contacts: [],
    bodyLength: 105,
    oddity(m, bytes) {
      expect(m.maxForwards).toBeUndefined();
      expect(m.header('Content-Length')).toBeUndefined();
      // No Content-Length on a datagram: the body is everything after the empty line (RFC 3261 §18.3).
      expect(latin1(m.body)).toBe(latin1(bytes.subarray(bytes.length - 105)));
      expect(latin1(m.body)).toMatch(/^v=0\r\n[^]*m=audio 49217 RTP\/AVP 0\r\n$/);
      // addr-spec To: ";user=phone" is a header parameter; inside <> it is a URI parameter.
      expect(m.to.uri).toBe('sip:+16505552222@ss1.example.net');
      expect(m.to.params.get('user')).toBe('phone');
      expect(m.from.parsedUri.params.get('user')).toBe('phone');
      expect(m.recordRoute[0]!.parsedUri.params.get('maddr')).toBe('ss1.example.com');
    },
  },
};

const rejected: Record<string, Rejected> = {
  // No answer: without a readable top Via there is no RFC 3261 §18.2.2 route for a response, so the
  // transport layer drops it with one log line (RFC 4475 says "should", not "must", respond).
  'badinv01.dat': { section: '3.1.2.1', title: 'Extraneous Header Field Separators', code: 'BAD_VIA' },
  'clerr.dat': { section: '3.1.2.2', title: 'Content Length Larger Than Message', code: 'CONTENT_LENGTH_MISMATCH', answer: 400 },
  'ncl.dat': { section: '3.1.2.3', title: 'Negative Content-Length', code: 'BAD_CONTENT_LENGTH', answer: 400 },
  'scalar02.dat': { section: '3.1.2.4', title: 'Request Scalar Fields with Overlarge Values', code: 'BAD_CSEQ', answer: 400 },
  'scalarlg.dat': { section: '3.1.2.5', title: 'Response Scalar Fields with Overlarge Values (dropped)', code: 'BAD_CSEQ' },
  'quotbal.dat': { section: '3.1.2.6', title: 'Unterminated Quoted String in Display Name', code: 'BAD_TO', answer: 400 },
  'ltgtruri.dat': { section: '3.1.2.7', title: '<> Enclosing Request-URI', code: 'BAD_REQUEST_URI', answer: 400 },
  'lwsruri.dat': { section: '3.1.2.8', title: 'Malformed SIP Request-URI (embedded LWS)', code: 'BAD_START_LINE', answer: 400 },
  'lwsstart.dat': { section: '3.1.2.9', title: 'Multiple SP Separating Request-Line Elements (rejecting is acceptable)', code: 'BAD_START_LINE' },
  'trws.dat': { section: '3.1.2.10', title: 'SP Characters at End of Request-Line (rejecting is acceptable)', code: 'BAD_START_LINE' },
  // RFC 3261 §19.1.1: headers are not allowed in a Request-URI; RFC 4475 lets the receiver answer 400.
  'escruri.dat': { section: '3.1.2.11', title: 'Escaped Headers in SIP Request-URI', code: 'BAD_REQUEST_URI', answer: 400 },
  'regbadct.dat': { section: '3.1.2.13', title: 'Failure to Enclose name-addr URI in <>', code: 'BAD_CONTACT', answer: 400 },
  'badaspec.dat': { section: '3.1.2.14', title: 'Spaces within addr-spec', code: 'BAD_TO', answer: 400 },
  'badvers.dat': { section: '3.1.2.16', title: 'Unknown Protocol Version', code: 'VERSION_NOT_SUPPORTED', answer: 505 },
  'mismatch01.dat': { section: '3.1.2.17', title: 'Start Line and CSeq Method Mismatch', code: 'CSEQ_METHOD_MISMATCH', answer: 400 },
  // RFC 4475 prefers 501 here but accepts 400.
  'mismatch02.dat': { section: '3.1.2.18', title: 'Unknown Method with CSeq Method Mismatch', code: 'CSEQ_METHOD_MISMATCH', answer: 400 },
  'bigcode.dat': { section: '3.1.2.19', title: 'Overlarge Response Code (dropped)', code: 'BAD_STATUS_LINE' },
  // RFC 4475: "Ideally, it will respond with a 400": without From, To and Call-ID there is little to answer with.
  'insuf.dat': { section: '3.3.1', title: 'Missing Required Header Fields', code: 'MISSING_HEADER' },
  'multi01.dat': { section: '3.3.8', title: 'Multiple Values in Single Value Required Fields', code: 'DUPLICATE_HEADER', answer: 400 },
  'mcl01.dat': { section: '3.3.9', title: 'Multiple Content-Length Values', code: 'DUPLICATE_HEADER', answer: 400 },
};

/** Files in the directory that are not RFC 4475 messages, each with what it is and what to expect. */
const others: Record<string, { readonly what: string; readonly codes?: readonly SipParseErrorCode[] }> = {
  'test.dat': { what: "the sip package's own sample: a request line without SIP-Version", codes: ['BAD_START_LINE'] },
  'badcseq.dat': { what: "the sip package's own sample: CSeq without sequence number", codes: ['BAD_CSEQ'] },
  'badcseq.data': { what: 'an empty file', codes: ['EMPTY_MESSAGE'] },
  // Two faults: no end of the header section, and the unquoted display names; either may be found first.
  'baddn.dat': { what: 'RFC 4475 §3.1.2.15 cut before its final empty line (that CRLF is baddn_sep.dat)', codes: ['NO_HEADER_END', 'BAD_FROM'] },
  'baddn_sep.dat': { what: 'the CRLF cut off baddn.dat: nothing but a keep-alive', codes: ['EMPTY_MESSAGE'] },
  '_compute.js': { what: "the sip package's script that writes the .json files" },
};

/** Each .json is the sip package's own parse of the .dat of the same name in `files`: an output, not a message. */
function isSidecar(file: string, files: readonly string[]): boolean {
  return file.endsWith('.json') && files.includes(file.replace(/\.json$/, '.dat'));
}

function callIdOf(bytes: Uint8Array): string {
  return /^(?:Call-ID|i)\s*:\s*(\S+)\r$/im.exec(latin1(bytes))![1]!;
}

describe('RFC 4475 torture messages from the sip package', () => {
  it('covers every file of the directory with an explicit expectation', () => {
    const files = readdirSync(TORTURE_DIR);
    const unexplained = files.filter((f) => !(f in valid) && !(f in rejected) && !(f in others) && !isSidecar(f, files));
    expect(unexplained).toEqual([]);
    expect(files.length).toBeGreaterThanOrEqual(60);
  });

  it('ships the messages with CRLF line ends, as the RFC carries them', () => {
    for (const file of [...Object.keys(valid), ...Object.keys(rejected)]) {
      const head = latin1(torture(file)).split('\r\n\r\n')[0]!;
      expect(head, file).not.toMatch(/[^\r]\n/);
    }
  });

  describe.each(Object.entries(valid))('%s', (file, t) => {
    it(`§${t.section} ${t.title}: parses with the right values`, () => {
      const bytes = torture(file);
      const m = parseMessage(bytes);
      if ('method' in t.start) {
        expect([m.isRequest, m.method, m.requestUri]).toEqual([true, t.start.method, t.start.requestUri]);
      } else {
        expect([m.isRequest, m.status, m.reason]).toEqual([false, t.start.status, t.start.reason]);
      }
      expect(m.callId).toBe(t.callId);
      expect(m.cseq).toEqual(t.cseq);
      const v = m.topVia;
      expect({ transport: v.transport, host: v.host, port: v.port, branch: v.branch }).toEqual(t.topVia);
      expect(m.from.tag).toBe(t.fromTag);
      expect(m.to.tag).toBe(t.toTag);
      const contact = m.contact;
      expect(contact === '*' ? contact : contact.map((c) => c.uri)).toEqual(t.contacts);
      expect(m.body).toHaveLength(t.bodyLength);
      expect(m.contentLength).toBe(t.bodyLength);
    });

    it(`§${t.section}: ${file.replace('.dat', '')} shows its oddity through the API`, () => {
      const bytes = torture(file);
      t.oddity(parseMessage(bytes), bytes);
    });
  });

  describe.each(Object.entries(rejected))('%s', (file, t) => {
    it(`§${t.section} ${t.title}: is rejected with ${t.code}`, () => {
      const bytes = torture(file);
      const err = parseErrorOf(() => parseMessage(bytes));
      expect(err.code).toBe(t.code);
      expect(err.status).toBe(t.code === 'VERSION_NOT_SUPPORTED' ? 505 : 400);
      if (latin1(bytes).startsWith('SIP/')) expect(err.request).toBeUndefined(); // a bad response is dropped
    });

    if (t.answer !== undefined) {
      const answer = t.answer;
      it(`§${t.section}: keeps the partial request so that a ${answer} can be sent`, () => {
        const bytes = torture(file);
        const err = parseErrorOf(() => parseMessage(bytes));
        const request = partialRequest(err);
        expect(request).toBeInstanceOf(SipMessage);
        expect(request.isRequest).toBe(true);
        // The response copies Via, From, To, Call-ID and CSeq byte for byte, malformed ones too,
        // so it is checked as bytes rather than parsed again.
        const response = latin1(buildResponse(request, { status: err.status, reason: answer === 505 ? 'Version Not Supported' : 'Bad Request' }));
        expect(response.startsWith(`SIP/2.0 ${answer} `)).toBe(true);
        expect(response).toContain(callIdOf(bytes));
        expect(response).toContain(`\r\n${request.headerLineRanges('via').length > 0 ? 'Via' : ''}`);
      });
    }
  });

  describe.each(Object.entries(others))('%s', (file, t) => {
    it(`is ${t.what}`, () => {
      if (t.codes === undefined) {
        expect(file.endsWith('.js')).toBe(true);
        return;
      }
      const err = parseErrorOf(() => parseMessage(torture(file)));
      expect(t.codes).toContain(err.code);
    });
  });

  it('§3.1.2.15 Non-token Characters in Display Name (baddn.dat + baddn_sep.dat): BAD_FROM, answered with 400', () => {
    const bytes = new Uint8Array([...torture('baddn.dat'), ...torture('baddn_sep.dat')]);
    const err = parseErrorOf(() => parseMessage(bytes));
    expect(err.code).toBe('BAD_FROM');
    const request = partialRequest(err);
    // The malformed From is copied as it came, so the answer is checked as bytes.
    const response = latin1(buildResponse(request, { status: 400, reason: 'Bad Request' }));
    expect(response.startsWith('SIP/2.0 400 Bad Request\r\n')).toBe(true);
    expect(response).toContain('Call-ID: baddn.31415@c.example.com\r\n');
  });

  it('§3.1.2.16 badvers: the partial request behind the 505 has its start line and CSeq', () => {
    const err = parseErrorOf(() => parseMessage(torture('badvers.dat')));
    const request = partialRequest(err);
    expect([request.method, request.requestUri]).toEqual(['OPTIONS', 'sip:t.watson@example.org']);
    expect(request.cseq).toEqual({ seq: 1, method: 'OPTIONS' });
  });

  it('§3.1.2.18 mismatch02: the partial request keeps the unknown method for a 501', () => {
    const request = partialRequest(parseErrorOf(() => parseMessage(torture('mismatch02.dat'))));
    expect(request.method).toBe('NEWMETHOD');
    expect(request.cseq.method).toBe('INVITE');
  });

  it('§3.1.2.2 clerr: the partial request has no body, since its length is unknown', () => {
    const request = partialRequest(parseErrorOf(() => parseMessage(torture('clerr.dat'))));
    expect(request.body).toHaveLength(0);
  });
});
