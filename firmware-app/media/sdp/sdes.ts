// SDES (RFC 4568) on the SDP side: the a=crypto lines and profile of our offer, the line we answer an offered stream
// with (§7.1.1), and what the peer's answer to our offer agreed (§7.1.2, §7.1.3: its tag picks one of our lines).
// Keys stay text here: the SRTP layer reads them, this module only matches tags and suites and applies our policy.
import { formatCrypto, parseCrypto, type CryptoAttribute } from './attributes.ts';
import type { LocalSrtp } from './local.ts';
import { remoteCrypto, type NegotiatedSrtp } from './negotiated.ts';
import { fail, ok, type SdpResult } from './result.ts';
import type { Attribute, MediaDescription } from './types.ts';

/** Plain RTP profiles (AVPF is AVP plus feedback we may ignore). */
const PLAIN_PROTOS: ReadonlySet<string> = new Set(['RTP/AVP', 'RTP/AVPF']);
/** SDES-keyed SRTP profiles (RFC 3711 §12, RFC 5124). DTLS-SRTP's UDP/TLS/RTP/SAVP(F) is not among them. */
const SECURE_PROTOS: ReadonlySet<string> = new Set(['RTP/SAVP', 'RTP/SAVPF']);

/** The profiles we can answer with `srtp` (undefined: policy off, plain RTP only). */
export function answerableProto(proto: string, srtp: LocalSrtp | undefined): boolean {
  return PLAIN_PROTOS.has(proto) || (srtp !== undefined && SECURE_PROTOS.has(proto));
}

/** The profile and a=crypto lines of our offer; fails (our bug, nothing is sent) on lines we could not read back. */
export function offerSdes(srtp: LocalSrtp | undefined): SdpResult<{ readonly proto: string; readonly attributes: readonly Attribute[] }> {
  if (srtp === undefined) return ok({ proto: 'RTP/AVP', attributes: [] });
  if (srtp.offer.length === 0) return fail('SDP_BAD_LOCAL_ADDRESS', 'SRTP policy without an a=crypto line to offer');
  const tags = new Set<number>();
  for (const line of srtp.offer) {
    // §9.1: a tag is unique within the m-line, or the answer's tag could not say which line it took.
    if (!writable(line) || tags.has(line.tag)) return fail('SDP_BAD_LOCAL_ADDRESS', `unusable a=crypto line of ours, tag ${line.tag}`);
    tags.add(line.tag);
  }
  return ok({ proto: srtp.policy === 'required' ? 'RTP/SAVP' : 'RTP/AVP', attributes: srtp.offer.map(formatCrypto) });
}

/** The SDES part of our answer to one offered audio stream: unusable (refuse it), or usable with or without SRTP. */
export type SdesAnswer = { readonly usable: false } | { readonly usable: true; readonly srtp?: NegotiatedSrtp };

/**
 * What we answer `offered` with. `current` is the running call's SRTP: when the re-offer repeats the peer's line
 * unchanged, we keep our line too, so a hold or resume does not rekey (RFC 4568 §7.1.4 allows either).
 */
export function answerSdes(offered: MediaDescription, srtp: LocalSrtp | undefined, current: NegotiatedSrtp | undefined): SdesAnswer {
  const secure = SECURE_PROTOS.has(offered.proto);
  if (srtp === undefined) return secure ? { usable: false } : { usable: true };
  const lines = uniquelyTagged(remoteCrypto(offered));
  const agreed = lines.length === 0 ? undefined : (kept(lines, current) ?? answered(lines, srtp.answer(lines)));
  if (agreed !== undefined) return { usable: true, srtp: agreed };
  // An RTP/AVP offer without a line we can use is plain RTP when SRTP is only our preference.
  return secure || srtp.policy === 'required' ? { usable: false } : { usable: true };
}

/**
 * What the answer `theirs` agreed on SRTP for our offered stream `ours` (our own offer, as sent): our policy is read
 * back from it (RTP/SAVP: required; a=crypto on RTP/AVP: optional; neither: off, the answer's lines are ignored).
 */
export function acceptSdes(ours: MediaDescription, theirs: MediaDescription): SdpResult<NegotiatedSrtp | undefined> {
  const offered = remoteCrypto(ours);
  const required = SECURE_PROTOS.has(ours.proto);
  if (offered.length === 0) return required ? fail('SDP_NOT_ACCEPTABLE', 'our RTP/SAVP offer had no a=crypto line') : ok(undefined);
  const lines = remoteCrypto(theirs);
  if (lines.length === 0) {
    return required ? fail('SDP_NOT_ACCEPTABLE', 'the answer has no a=crypto line for our RTP/SAVP offer') : ok(undefined);
  }
  // §7.1.2: the answer has one line; its tag says which of ours it took, with the same suite.
  for (const line of lines) {
    const mine = offered.find((o) => o.tag === line.tag && sameSuite(o, line));
    if (mine !== undefined) return ok({ local: mine, remote: line });
  }
  return fail('SDP_ANSWER_MISMATCH', `the answer's a=crypto tag ${lines[0]!.tag} is not one we offered with its suite`);
}

/** The peer's lines whose tag is theirs alone (§9.1): with two lines under one tag our answer could not say which. */
function uniquelyTagged(lines: readonly CryptoAttribute[]): CryptoAttribute[] {
  const counts = new Map<number, number>();
  for (const line of lines) counts.set(line.tag, (counts.get(line.tag) ?? 0) + 1);
  return lines.filter((line) => counts.get(line.tag) === 1);
}

/** The running SRTP again when the peer re-offers its line unchanged. */
function kept(lines: readonly CryptoAttribute[], current: NegotiatedSrtp | undefined): NegotiatedSrtp | undefined {
  if (current === undefined) return undefined;
  const previous = formatCrypto(current.remote).value;
  return lines.some((line) => formatCrypto(line).value === previous) ? current : undefined;
}

/** The agreement from the line the media layer answers with: it must echo the tag and suite of one offered line. */
function answered(lines: readonly CryptoAttribute[], ours: CryptoAttribute | undefined): NegotiatedSrtp | undefined {
  if (ours === undefined || !writable(ours)) return undefined;
  const remote = lines.find((line) => line.tag === ours.tag && sameSuite(line, ours));
  return remote === undefined ? undefined : { local: ours, remote };
}

/** Suite names compare case-insensitively (RFC 4568 §9.2: SDP grammar strings). */
function sameSuite(a: CryptoAttribute, b: CryptoAttribute): boolean {
  return a.suite.toUpperCase() === b.suite.toUpperCase();
}

/** A line of ours that parses back to itself, so we never send an a=crypto we (or the peer) could not read. */
function writable(line: CryptoAttribute): boolean {
  const back = parseCrypto(formatCrypto(line).value ?? '');
  return (
    back !== undefined &&
    back.tag === line.tag &&
    back.suite === line.suite &&
    back.keyParams === line.keyParams &&
    back.sessionParams.length === line.sessionParams.length &&
    back.sessionParams.every((p, i) => p === line.sessionParams[i])
  );
}
