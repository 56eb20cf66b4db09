// Property tests of the message layer (fast-check): hostile bytes, bounded reads, round trips, stream cutting.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type NameAddr, type SipMessage, type SipMessageInit, SipParseError, type SipUri, StreamFramer, type Via,
  parseMessage, parseUri, serializeMessage,
} from '../../../firmware-app/sip/message/index.ts';
import { latin1, torture, utf8, wire } from './wire.ts';

// ---- seeds: valid messages that together touch every header grammar -------------------------

const TORTURE_VALID = [
  'wsinv', 'intmeth', 'esc01', 'escnull', 'esc02', 'lwsdisp', 'longreq', 'dblreq', 'semiuri', 'transports', 'mpart01',
  'unreason', 'noreason', 'unksm2', 'regaut01', 'cparam01', 'cparam02', 'regescrt', 'inv2543', 'bcast',
];

const RICH = wire('INVITE sip:flat@[2001:db8::10]:5070;transport=tcp SIP/2.0', [
  'Via: SIP/2.0/TCP door.example.com:5060;branch=z9hG4bK74bf9;rport;received=192.0.2.7, SIP/2.0/UDP [2001:db8::9:1];branch=z9hG4bK2',
  'v: SIP/2.0/TLS p.example.com;branch=z9hG4bK3;received=2001:db8::9:255',
  'Max-Forwards: 70',
  'f: "Door \\"1\\"" <sip:door@example.com;user=phone>;tag=9fxced76sl',
  'To: Flat\r\n <sip:flat@example.com>',
  'i: 3848276298220188511@door.example.com',
  'CSeq: 7 INVITE',
  'Contact: <sip:door@192.0.2.7:5060;transport=tcp>;expires=60;q=0.5, sip:alt@example.com;+sip.instance="<urn:uuid:1>"',
  'Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>',
  'Record-Route: <sip:rr.example.com;lr>',
  'Expires: 3600',
  'WWW-Authenticate: Digest realm="example.com", qop="auth,auth-int", nonce="abc", algorithm=SHA-256, stale=true',
  'Proxy-Authenticate: Digest realm="p", nonce="n"',
  'Authorization: Digest username="door", realm="example.com", nonce="abc", uri="sip:flat@example.com", response="00", nc=00000001, cnonce="c", qop=auth',
  'Proxy-Authorization: Digest username="door", realm="p", nonce="n", uri="sip:flat@example.com", response="11"',
  'Supported: 100rel, timer',
  'Subject: Tür\r\n\toffen',
  'Content-Type: application/sdp',
  'Content-Length: 12',
], 'v=0\r\n\0\xff\r\n\r\n!');

const SEEDS: readonly Uint8Array[] = [RICH, ...TORTURE_VALID.map((n) => torture(`${n}.dat`))];

// ---- observing every accessor ----------------------------------------------------------------

/** What one accessor gave: a plain value, or the code of the SipParseError it threw. */
type Seen = { readonly value: unknown } | { readonly error: string };

function uriParts(u: SipUri): unknown {
  return [u.scheme, u.user, u.password, u.host, u.port, [...u.params], [...u.headers], u.raw];
}

function addressParts(a: NameAddr): unknown {
  return [a.displayName, a.uri, a.tag, [...a.params], guarded(() => uriParts(a.parsedUri))];
}

function viaParts(v: Via): unknown {
  return [v.transport, v.host, v.port, v.branch, v.received, v.rport, [...v.params]];
}

/** Runs `read`; any error other than SipParseError escapes and fails the property. */
function guarded(read: () => unknown): Seen {
  try {
    return { value: read() };
  } catch (err) {
    if (err instanceof SipParseError) return { error: err.code };
    throw err;
  }
}

const ACCESSORS: ReadonlyArray<readonly [string, (m: SipMessage) => unknown]> = [
  ['method', (m) => [m.isRequest, m.method, m.status]],
  ['requestUri', (m) => m.requestUri],
  ['parsedRequestUri', (m) => (m.isRequest ? uriParts(parseUri(m.requestUri)) : null)],
  ['reason', (m) => m.reason],
  ['body', (m) => latin1(m.body)],
  ['contentLength', (m) => m.contentLength],
  ['headerCount', (m) => m.headerCount],
  ['via', (m) => m.via.map(viaParts)],
  ['topVia', (m) => viaParts(m.topVia)],
  ['from', (m) => addressParts(m.from)],
  ['to', (m) => addressParts(m.to)],
  ['callId', (m) => m.callId],
  ['cseq', (m) => m.cseq],
  ['contact', (m) => {
    const c = m.contact;
    return c === '*' ? c : c.map(addressParts);
  }],
  ['route', (m) => m.route.map(addressParts)],
  ['recordRoute', (m) => m.recordRoute.map(addressParts)],
  ['maxForwards', (m) => m.maxForwards],
  ['expires', (m) => m.expires],
  ['contentType', (m) => m.contentType],
  ['wwwAuthenticate', (m) => m.wwwAuthenticate.map((c) => [c.scheme, c.qop, c.stale, [...c.params]])],
  ['proxyAuthenticate', (m) => m.proxyAuthenticate.map((c) => [c.scheme, c.qop, c.stale, [...c.params]])],
  ['authorization', (m) => m.authorization.map((c) => [c.scheme, [...c.params]])],
  ['proxyAuthorization', (m) => m.proxyAuthorization.map((c) => [c.scheme, [...c.params]])],
  ['entries', (m) => m.entries()],
  ['header', (m) => m.entries().map(([name]) => guarded(() => m.header(name)))],
  ['headers', (m) => m.entries().map(([name]) => guarded(() => m.headers(name)))],
  ['known names', (m) => ['Via', 'Contact', 'Route', 'Subject', 'Supported', 'WWW-Authenticate', 'X-None'].map((n) => guarded(() => m.headers(n)))],
];

/** Parses and reads every accessor; only SipParseError may be thrown anywhere. */
function observe(bytes: Uint8Array): Seen | Array<readonly [string, Seen]> {
  let m: SipMessage;
  try {
    m = parseMessage(bytes);
  } catch (err) {
    if (err instanceof SipParseError) return { error: err.code };
    throw err;
  }
  return ACCESSORS.map(([name, read]) => [name, guarded(() => read(m))] as const);
}

// ---- mutations ---------------------------------------------------------------------------------

const SPECIAL = [13, 10, 0, 0xff, 32, 9, 58, 59, 44, 34, 60, 62, 92, 64, 91, 93, 37, 61, 47, 42, 0x80, 0xc3];
const byteArb = fc.oneof(fc.constantFrom(...SPECIAL), fc.integer({ min: 0, max: 255 }));

type Mutation =
  | { readonly kind: 'flip'; readonly at: number; readonly bit: number }
  | { readonly kind: 'set'; readonly at: number; readonly byte: number }
  | { readonly kind: 'insert'; readonly at: number; readonly bytes: readonly number[] }
  | { readonly kind: 'delete'; readonly at: number; readonly length: number }
  | { readonly kind: 'truncate'; readonly at: number }
  | { readonly kind: 'duplicate'; readonly at: number; readonly length: number; readonly to: number };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: byteArb }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.array(byteArb, { minLength: 1, maxLength: 4 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 16 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 64 }), to: fc.nat() }),
);

function mutate(input: Uint8Array, mutation: Mutation): Uint8Array {
  const b = [...input];
  const at = mutation.at % (b.length + 1);
  switch (mutation.kind) {
    case 'flip':
      if (at < b.length) b[at] = b[at]! ^ (1 << mutation.bit);
      break;
    case 'set':
      if (at < b.length) b[at] = mutation.byte;
      break;
    case 'insert':
      b.splice(at, 0, ...mutation.bytes);
      break;
    case 'delete':
      b.splice(at, mutation.length);
      break;
    case 'truncate':
      b.length = at;
      break;
    case 'duplicate':
      b.splice(mutation.to % (b.length + 1), 0, ...b.slice(at, at + mutation.length));
      break;
  }
  return new Uint8Array(b);
}

const mutatedArb = fc
  .tuple(fc.constantFrom(...SEEDS), fc.array(mutationArb, { minLength: 0, maxLength: 5 }))
  .map(([seed, mutations]) => mutations.reduce(mutate, seed));

describe('hostile input', () => {
  it('every seed parses and reads cleanly', () => {
    for (const seed of SEEDS) {
      const seen = observe(seed);
      expect(Array.isArray(seen)).toBe(true);
      const errors = (seen as Array<readonly [string, Seen]>).filter(([, s]) => 'error' in s);
      expect(errors).toEqual([]);
    }
  });

  it('mutated messages parse or throw SipParseError, and every accessor of a parsed one does the same', () => {
    fc.assert(
      fc.property(mutatedArb, (bytes) => {
        observe(bytes);
      }),
      { numRuns: 2500, interruptAfterTimeLimit: 3000 },
    );
  });

  it('arbitrary bytes after a plausible start line parse or throw SipParseError', () => {
    const start = fc.constantFrom('INVITE sip:a@b SIP/2.0\r\n', 'SIP/2.0 200 OK\r\n', '\r\n', '');
    fc.assert(
      fc.property(start, fc.uint8Array({ maxLength: 400 }), (line, tail) => {
        observe(new Uint8Array([...utf8(line), ...tail]));
      }),
      { numRuns: 1000, interruptAfterTimeLimit: 1000 },
    );
  });
});

describe('bounded reads', () => {
  it('parses a view inside a larger buffer exactly as a fresh exact-size copy, never reading the sentinels', () => {
    const fill = fc.constantFrom(0x39, 0x0d, 0x0a, 0x20, 0x41, 0x00, 0xff, 0x3b, 0x22);
    fc.assert(
      fc.property(mutatedArb, fc.nat({ max: 64 }), fc.nat({ max: 64 }), fill, (input, before, after, sentinel) => {
        const big = new Uint8Array(before + input.length + after).fill(sentinel);
        big.set(input, before);
        const view = big.subarray(before, before + input.length);
        const copy = Uint8Array.from(input);
        expect(observe(view)).toEqual(observe(copy));
        let m: SipMessage | undefined;
        try {
          m = parseMessage(view);
        } catch {
          return;
        }
        expect(m.body.buffer).toBe(big.buffer);
        expect(m.body.byteOffset).toBeGreaterThanOrEqual(view.byteOffset);
        expect(m.body.byteOffset + m.body.length).toBeLessThanOrEqual(view.byteOffset + view.length);
      }),
      { numRuns: 1500, interruptAfterTimeLimit: 3000 },
    );
  });
});

describe('no hang', () => {
  it('long runs of separators, quotes, brackets and folds in any header finish (bounded size, bounded runs)', () => {
    const piece = fc.constantFrom(';', ',', '"', '\\"', '<', '>', '\\', ' ', '\r\n ', '%', '[', ':', '@', 'a', ';a=', '<sip:a@b>,', '"x" ');
    const name = fc.constantFrom('Via', 'To', 'From', 'Contact', 'Route', 'WWW-Authenticate', 'Authorization', 'Call-ID', 'CSeq', 'Subject', 'X-Odd');
    fc.assert(
      fc.property(name, piece, fc.integer({ min: 1000, max: 7000 }), (header, p, times) => {
        const value = p.repeat(times);
        const lines = [
          'Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1', 'From: <sip:a@example.com>;tag=1', 'To: <sip:b@example.com>',
          'Call-ID: c@example.com', 'CSeq: 1 INVITE',
        ].map((l) => (l.startsWith(`${header}:`) ? `${header}: ${value}` : l));
        if (!lines.some((l) => l.startsWith(`${header}:`))) lines.push(`${header}: ${value}`);
        observe(wire('INVITE sip:b@example.com SIP/2.0', lines));
      }),
      { numRuns: 60, interruptAfterTimeLimit: 3000 },
    );
  }, 10_000);

  it('the largest header table and many list elements finish', () => {
    const many = Array.from({ length: 120 }, (_, i) => `Contact: <sip:c${i}@example.com>, <sip:d${i}@example.com>`);
    const seen = observe(wire('REGISTER sip:example.com SIP/2.0', [
      'Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1', 'From: <sip:a@example.com>;tag=1', 'To: <sip:a@example.com>',
      'Call-ID: c@example.com', 'CSeq: 1 REGISTER', ...many,
    ]));
    expect(Array.isArray(seen)).toBe(true);
  }, 10_000);
});

// ---- round trip ----------------------------------------------------------------------------------

const TOKEN_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.!%*_+`'~";
const tokenArb = fc.string({ unit: fc.constantFrom(...TOKEN_CHARS), minLength: 1, maxLength: 12 });
const alnumArb = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'), minLength: 1, maxLength: 10 });
const hostArb = fc.constantFrom('example.com', 'door.example.com', '192.0.2.1', '[2001:db8::1]', 'a-b.example.org.');
const portArb = fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined });
const sipUriArb = fc
  .tuple(fc.option(alnumArb, { nil: undefined }), hostArb, portArb, fc.constantFrom('', ';lr', ';transport=tcp', ';user=phone;lr'))
  .map(([user, host, port, params]) => `sip:${user === undefined ? '' : `${user}@`}${host}${port === undefined ? '' : `:${port}`}${params}`);

const CONTROLS = /[\x00-\x08\x0a-\x1f\x7f]/g;
/** Printable text (any Unicode but controls; HT allowed inside), without leading or trailing white space. */
const valueArb = fc
  .string({ unit: fc.oneof(fc.constantFrom(' ', '\t', ',', ';', '"', '<', '>', '\\', '='), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 })), maxLength: 30 })
  .map((v) => v.replace(CONTROLS, '').replace(/^[ \t]+|[ \t]+$/g, ''));
const displayNameArb = valueArb.map((v) => `"${v.replace(/["\\]/g, '\\$&')}" `);

const extensionHeaderArb = fc.tuple(tokenArb.map((t) => `X-${t}`), valueArb);
const bodyArb = fc.oneof(fc.uint8Array({ maxLength: 200 }), valueArb.map(utf8));

const initArb: fc.Arbitrary<SipMessageInit> = fc
  .record({
    isRequest: fc.boolean(),
    method: tokenArb,
    requestUri: sipUriArb,
    status: fc.integer({ min: 100, max: 699 }),
    reason: valueArb,
    via: fc.array(fc.tuple(fc.constantFrom('UDP', 'TCP', 'TLS', 'WS'), hostArb, portArb, tokenArb), { minLength: 1, maxLength: 3 }),
    from: fc.tuple(fc.option(displayNameArb, { nil: '' }), sipUriArb, tokenArb),
    to: fc.tuple(fc.option(displayNameArb, { nil: '' }), sipUriArb, fc.option(tokenArb, { nil: undefined })),
    callId: fc.tuple(tokenArb, fc.option(hostArb, { nil: undefined })),
    seq: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    extra: fc.array(extensionHeaderArb, { maxLength: 6 }),
    body: fc.option(bodyArb, { nil: undefined }),
  })
  .chain((r) => {
    const fixed: Array<[string, string]> = [
      ...r.via.map(([t, h, p, b]): [string, string] => ['Via', `SIP/2.0/${t} ${h}${p === undefined ? '' : `:${p}`};branch=z9hG4bK${b}`]),
      ['From', `${r.from[0]}<${r.from[1]}>;tag=${r.from[2]}`],
      ['To', `${r.to[0]}<${r.to[1]}>${r.to[2] === undefined ? '' : `;tag=${r.to[2]}`}`],
      ['Call-ID', r.callId[1] === undefined ? r.callId[0] : `${r.callId[0]}@${r.callId[1]}`],
      ['CSeq', `${r.seq} ${r.method}`],
    ];
    const all = [...fixed, ...r.extra];
    return fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length }).map((headers): SipMessageInit => {
      const common = { headers, ...(r.body === undefined ? {} : { body: r.body }) };
      return r.isRequest
        ? { isRequest: true, method: r.method, requestUri: r.requestUri, ...common }
        : { isRequest: false, status: r.status, reason: r.reason, ...common };
    });
  });

describe('round trip', () => {
  it('serializeMessage then parseMessage gives back the start line, the headers in order and the body', () => {
    fc.assert(
      fc.property(initArb, (init) => {
        const out = serializeMessage(init);
        const m = parseMessage(out);
        // Nothing after the body: the buffer is exactly head + Content-Length bytes.
        expect(m.body.byteOffset + m.body.length).toBe(out.byteOffset + out.length);
        if (init.isRequest) {
          expect([m.isRequest, m.method, m.requestUri]).toEqual([true, init.method, init.requestUri]);
        } else {
          expect([m.isRequest, m.status, m.reason]).toEqual([false, init.status, init.reason]);
        }
        const body = init.body ?? new Uint8Array(0);
        expect(m.entries()).toEqual([...init.headers.map(([n, v]) => [n, v]), ['Content-Length', String(body.length)]]);
        expect(latin1(m.body)).toBe(latin1(body));
        for (const [name, value] of init.headers.filter(([n]) => n.startsWith('X-'))) expect(m.headers(name)).toContain(value);
      }),
      { numRuns: 700, interruptAfterTimeLimit: 2000 },
    );
  });
});

// ---- stream framing --------------------------------------------------------------------------------

type StreamItem = { readonly message: Uint8Array } | { readonly keepAlive: 'ping' | 'pong' };
type Event = readonly ['message', string] | readonly ['keepAlive', string];

function feed(chunks: readonly Uint8Array[], role: 'client' | 'server'): Event[] {
  const events: Event[] = [];
  const framer = new StreamFramer({ message: (f) => events.push(['message', latin1(f)]), keepAlive: (k) => events.push(['keepAlive', k]) }, { role });
  for (const chunk of chunks) framer.push(chunk);
  return events;
}

function cut(stream: Uint8Array, points: readonly number[]): Uint8Array[] {
  const at = [...new Set(points.map((p) => p % (stream.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const p of [...at, stream.length]) {
    chunks.push(stream.subarray(from, p));
    from = p;
  }
  return chunks;
}

/** Framed messages of a few shapes (long, compact and spaced Content-Length) with bodies that may hold CRLFCRLF. */
const framedMessageArb = fc
  .record({
    startLine: fc.constantFrom('INVITE sip:flat@example.com SIP/2.0', 'SIP/2.0 200 OK', 'MESSAGE sip:flat@example.com SIP/2.0'),
    lengthHeader: fc.constantFrom('Content-Length: ', 'l: ', 'Content-Length :  '),
    body: fc.oneof(fc.uint8Array({ maxLength: 120 }), fc.constantFrom('', '\r\n\r\n', '--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b--\r\n').map(utf8)),
  })
  .map(({ startLine, lengthHeader, body }) => wire(startLine, [
    'Via: SIP/2.0/TCP door.example.com;branch=z9hG4bK74bf9', 'From: <sip:door@example.com>;tag=1', 'To: <sip:flat@example.com>',
    'Call-ID: c1@door.example.com', `CSeq: 1 ${startLine.startsWith('MESSAGE') ? 'MESSAGE' : 'INVITE'}`, `${lengthHeader}${body.length}`,
  ], body));

const KEEP_ALIVE = { ping: utf8('\r\n\r\n'), pong: utf8('\r\n') };

function streamProperty(items: fc.Arbitrary<StreamItem[]>, role: 'client' | 'server'): fc.IPropertyWithHooks<[StreamItem[], number[]]> {
  return fc.property(items, fc.array(fc.nat(), { maxLength: 40 }), (list, points) => {
    const stream = new Uint8Array(list.flatMap((i) => [...('keepAlive' in i ? KEEP_ALIVE[i.keepAlive] : i.message)]));
    const expected: Event[] = list.map((i) => ('keepAlive' in i ? ['keepAlive', i.keepAlive] : ['message', latin1(i.message)]));
    expect(feed([stream], role)).toEqual(expected);
    expect(feed(cut(stream, points), role)).toEqual(expected);
  });
}

const messageItemArb = framedMessageArb.map((message): StreamItem => ({ message }));

describe('stream framing', () => {
  it('any cutting of a run of messages into chunks yields the same frames', () => {
    fc.assert(streamProperty(fc.array(messageItemArb, { minLength: 1, maxLength: 5 }), 'server'), { numRuns: 300, interruptAfterTimeLimit: 2000 });
  });

  it('server role: any cutting of messages and CRLFCRLF pings into chunks yields the same frames and pings', () => {
    const item = fc.oneof(messageItemArb, fc.constant<StreamItem>({ keepAlive: 'ping' }));
    fc.assert(streamProperty(fc.array(item, { minLength: 1, maxLength: 6 }), 'server'), { numRuns: 300, interruptAfterTimeLimit: 2000 });
  });

  it('client role: any cutting of messages and CRLF pongs into chunks yields the same frames and pongs', () => {
    const item = fc.oneof(messageItemArb, fc.constant<StreamItem>({ keepAlive: 'pong' }));
    fc.assert(streamProperty(fc.array(item, { minLength: 1, maxLength: 6 }), 'client'), { numRuns: 300, interruptAfterTimeLimit: 2000 });
  });
});
