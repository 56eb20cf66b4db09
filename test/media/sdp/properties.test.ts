// Property tests (fast-check): hostile SDP never throws and always ends in a typed result (with and without an SDES
// policy); generated descriptions survive serialize → parse; the answer's codec is the first of our order the offer
// has, by an independent oracle.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { acceptAnswer } from '../../../firmware-app/media/sdp/acceptAnswer.ts';
import { answerOffer } from '../../../firmware-app/media/sdp/answer.ts';
import type { CodecName } from '../../../firmware-app/media/sdp/codecs.ts';
import { buildOffer } from '../../../firmware-app/media/sdp/offer.ts';
import { parseSdp } from '../../../firmware-app/media/sdp/parse.ts';
import { serializeSdp } from '../../../firmware-app/media/sdp/serialize.ts';
import type { Attribute, MediaDescription, SessionDescription } from '../../../firmware-app/media/sdp/types.ts';
import { ASTERISK_OFFER, BARESIP_OFFER, crlf, FRITZBOX_OFFER, LINPHONE_OFFER, LINPHONE_SRTP_OFFER, RFC2543_HOLD, TWINKLE_OFFER } from './realSdps.ts';
import { fakeSrtp } from './srtpSupport.ts';
import { LOCAL, unwrap } from './support.ts';

const CODES = new Set(['SDP_MALFORMED', 'SDP_TOO_LARGE']);
const SEEDS = [LINPHONE_OFFER, BARESIP_OFFER, TWINKLE_OFFER, ASTERISK_OFFER, FRITZBOX_OFFER, RFC2543_HOLD, LINPHONE_SRTP_OFFER];

/** Everything an SDP can go through after a successful parse: answer it, read the answer back, accept it as an answer. */
function exercise(text: string | Uint8Array): void {
  const parsed = parseSdp(text);
  if (!parsed.ok) {
    expect(CODES).toContain(parsed.error.code);
    return;
  }
  // Without SRTP, and with SDES optional and required (hostile a=crypto lines reach the SDES paths too).
  for (const local of [LOCAL, { ...LOCAL, srtp: fakeSrtp('optional') }, { ...LOCAL, srtp: fakeSrtp('required') }]) {
    const answered = answerOffer(parsed.value, local);
    if (!answered.ok) {
      expect(answered.error.code).toBe('SDP_NOT_ACCEPTABLE');
    } else {
      const { answer, audio } = answered.value;
      expect(answer.media).toHaveLength(parsed.value.media.length);
      const reread = unwrap(parseSdp(serializeSdp(answer)));
      expect(reread.connection?.address).toBe(LOCAL.address);
      expect(reread.media[audio.mediaIndex]!.port).toBe(LOCAL.port);
    }
    // The same text taken as the answer to our offer: a result, never a throw.
    const accepted = acceptAnswer(unwrap(buildOffer(local)), parsed.value);
    if (!accepted.ok) expect(['SDP_ANSWER_MISMATCH', 'SDP_NOT_ACCEPTABLE']).toContain(accepted.error.code);
  }
}

type Mutation =
  | { readonly kind: 'delete'; readonly at: number }
  | { readonly kind: 'duplicate'; readonly at: number; readonly times: number }
  | { readonly kind: 'insert'; readonly at: number; readonly line: string }
  | { readonly kind: 'number'; readonly at: number; readonly value: string }
  | { readonly kind: 'truncate'; readonly at: number };

const garbageLine = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom('a=rtpmap:96 PCMU/8000', 'a=sendonly', 'c=IN IP4 0.0.0.0', 'm=audio 0 RTP/AVP 0', 'a=fmtp:101 0-999', 'a=ptime:', 'm=video 9 RTP/AVP 300', 'a=crypto:1 X inline:', 'v=0', 'c=IN IP6 ::', 'a=rtcp:99999'),
);
const numberText = fc.oneof(fc.nat().map(String), fc.constantFrom('-1', '65536', '128', '1e9', '99999999999999999999999', '0x10', ''));
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(), times: fc.integer({ min: 1, max: 1200 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), line: garbageLine }),
  fc.record({ kind: fc.constant('number' as const), at: fc.nat(), value: numberText }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
);

function mutate(seed: string, mutations: readonly Mutation[], lf: boolean): string {
  let lines = seed.split('\r\n').filter((l) => l !== '');
  for (const m of mutations) {
    const at = lines.length === 0 ? 0 : m.at % lines.length;
    if (m.kind === 'delete') lines.splice(at, 1);
    else if (m.kind === 'duplicate') lines.splice(at, 0, ...Array.from({ length: m.times }, () => lines[at] ?? ''));
    else if (m.kind === 'insert') lines.splice(at, 0, m.line);
    else if (m.kind === 'number') lines[at] = (lines[at] ?? '').replace(/\d+/, m.value);
    else lines = lines.slice(0, at);
  }
  return lines.join(lf ? '\n' : '\r\n') + '\r\n';
}

describe('hostile SDP', () => {
  it('random bytes end in a typed result, never a throw', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => exercise(bytes)), { numRuns: 500 });
  });

  it('real offers with lines deleted, duplicated (up to 1200 times), inserted, renumbered or cut: a typed result', () => {
    fc.assert(
      fc.property(fc.constantFrom(...SEEDS), fc.array(mutation, { maxLength: 6 }), fc.boolean(), (seed, mutations, lf) => {
        exercise(mutate(seed, mutations, lf));
      }),
      { numRuns: 1000 },
    );
  });

  it('a body of 10 MB is refused before any line is read', () => {
    const huge = crlf(['v=0', 'o=- 1 1 IN IP4 192.0.2.1', `s=${'x'.repeat(10 * 1024 * 1024)}`]);
    const result = parseSdp(huge);
    expect(!result.ok && result.error.code).toBe('SDP_TOO_LARGE');
  });
});

const token = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/);
const KNOWN = new Set(['rtpmap', 'fmtp', 'ptime', 'maxptime', 'crypto', 'rtcp']);
const text = fc.stringMatching(/^[ -~]{0,30}$/);
const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.integer({ min: 1, max: 254 })).map((p) => p.join('.'));
const unknownAttribute: fc.Arbitrary<Attribute> = fc.record(
  { name: token.filter((n) => !KNOWN.has(n)), value: text },
  { requiredKeys: ['name'] },
);
const mediaArb: fc.Arbitrary<MediaDescription> = fc
  .record({
    media: fc.constantFrom('audio', 'video', 'text'),
    port: fc.nat(65535),
    formats: fc.uniqueArray(fc.nat(127), { minLength: 1, maxLength: 6 }),
    attributes: fc.array(unknownAttribute, { maxLength: 4 }),
    ptime: fc.option(fc.integer({ min: 1, max: 200 }), { nil: undefined }),
  })
  .map(({ media, port, formats, attributes, ptime }) => ({
    media,
    port,
    proto: 'RTP/AVP',
    formats: formats.map(String),
    connections: [],
    attributes: [
      ...formats.map((pt) => ({ name: 'rtpmap', value: `${pt} X${pt}/8000` })),
      ...(ptime === undefined ? [] : [{ name: 'ptime', value: String(ptime) }]),
      ...attributes,
    ],
    otherLines: [],
  }));
const sessionArb: fc.Arbitrary<SessionDescription> = fc
  .record({
    user: fc.stringMatching(/^[A-Za-z0-9_.-]{1,10}$/),
    id: fc.stringMatching(/^[1-9]\d{0,18}$/),
    version: fc.stringMatching(/^\d{1,10}$/),
    address: ipv4,
    name: fc.stringMatching(/^[!-~][ -~]{0,20}$/),
    attributes: fc.array(unknownAttribute, { maxLength: 4 }),
    media: fc.array(mediaArb, { maxLength: 5 }),
  })
  .map(({ user, id, version, address, name, attributes, media }) => ({
    origin: { username: user, sessionId: id, sessionVersion: version, netType: 'IN', addrType: 'IP4', address },
    sessionName: name,
    connection: { netType: 'IN', addrType: 'IP4', address },
    timing: [{ start: '0', stop: '0', repeats: [] }],
    attributes,
    otherLines: [],
    media,
  }));

describe('round trip', () => {
  it('serialize → parse gives back any well-formed description', () => {
    fc.assert(
      fc.property(sessionArb, (description) => {
        expect(unwrap(parseSdp(serializeSdp(description)))).toEqual(description);
      }),
      { numRuns: 300 },
    );
  });
});

/** What a generated offer lists, known to the generator itself (not read back through our codec table). */
interface Listed {
  readonly pt: number;
  readonly encoding: string;
  readonly rate: number;
  readonly rtpmap: boolean;
}

const STATIC: Record<number, [string, number]> = { 0: ['PCMU', 8000], 8: ['PCMA', 8000], 9: ['G722', 8000], 3: ['GSM', 8000], 18: ['G729', 8000] };
const dynamicEntry = fc.record({
  pt: fc.integer({ min: 96, max: 127 }),
  encoding: fc.constantFrom('PCMU', 'pcma', 'G722', 'g722', 'opus', 'speex', 'PCMA'),
  rate: fc.constantFrom(8000, 16000, 48000),
  rtpmap: fc.constant(true),
});
const staticEntry = fc.record({ pt: fc.constantFrom(0, 8, 9, 3, 18), rtpmap: fc.boolean() }).map(({ pt, rtpmap }) => ({
  pt,
  encoding: STATIC[pt]![0],
  rate: STATIC[pt]![1],
  rtpmap,
}));
const listedArb = fc.uniqueArray(fc.oneof(staticEntry, dynamicEntry), { minLength: 1, maxLength: 8, selector: (e) => e.pt });
const preferenceArb = fc.shuffledSubarray<CodecName>(['PCMU', 'PCMA', 'G722'], { minLength: 1 });

function oracle(listed: readonly Listed[], preference: readonly CodecName[]): { name: CodecName; pt: number } | undefined {
  for (const name of preference) {
    const rates = name === 'G722' ? [8000, 16000] : [8000];
    const hit = listed.find((e) => e.encoding.toUpperCase() === name && rates.includes(e.rate));
    if (hit !== undefined) return { name, pt: hit.pt };
  }
  return undefined;
}

describe('codec choice', () => {
  it('is the first codec of our preference that the offer lists, at the offer payload type', () => {
    fc.assert(
      fc.property(listedArb, preferenceArb, (listed, preference) => {
        const offer = crlf([
          'v=0',
          'o=- 1 1 IN IP4 192.0.2.7',
          's=-',
          'c=IN IP4 192.0.2.7',
          't=0 0',
          `m=audio 5000 RTP/AVP ${listed.map((e) => e.pt).join(' ')}`,
          ...listed.filter((e) => e.rtpmap).map((e) => `a=rtpmap:${e.pt} ${e.encoding}/${e.rate}`),
        ]);
        const result = answerOffer(unwrap(parseSdp(offer)), { ...LOCAL, codecs: preference });
        const expected = oracle(listed, preference);
        if (expected === undefined) {
          expect(!result.ok && result.error.code).toBe('SDP_NOT_ACCEPTABLE');
        } else {
          expect(result.ok && { name: result.value.audio.codec.name, pt: result.value.audio.codec.payloadType }).toEqual(expected);
        }
      }),
      { numRuns: 500 },
    );
  });
});
