// Our side of a negotiation: the address, port, codecs, direction and SRTP policy we offer or answer with, checked so
// that an SDP of ours never carries 0.0.0.0, :: or port 0 (ARCHITECTURE: Addresses).
import { addrTypeOf } from './address.ts';
import type { CryptoAttribute } from './attributes.ts';
import { DEFAULT_CODECS, type CodecName } from './codecs.ts';
import { fail, ok, type SdpResult } from './result.ts';
import type { Direction, Origin, SessionDescription } from './types.ts';

export interface LocalMedia {
  /** Our real address toward the peer (the same as the Contact's), an IP literal. */
  readonly address: string;
  /** Our RTP port (RTCP on port + 1). */
  readonly port: number;
  /** Codec preference, best first; default PCMU, PCMA, G722. */
  readonly codecs?: readonly CodecName[];
  /** Packet time we ask for, ms; default 20. */
  readonly ptime?: number;
  /** What we want: sendrecv normally, sendonly to hold, inactive to hold while held. */
  readonly direction?: Direction;
  /** `o=` user name; default `sip-doorbell`. */
  readonly username?: string;
  /** SDES-SRTP (RFC 4568); absent = policy 'off': plain RTP only, an RTP/SAVP offer is answered 488. */
  readonly srtp?: LocalSrtp;
}

/** Our SDES-SRTP settings: the policy and our keys, which the media layer makes (sdp never reads a key). */
export interface LocalSrtp {
  /**
   * 'optional': offer RTP/AVP with a=crypto lines (best effort, as baresip's `srtp` mediaenc and many PBXs do) and
   * accept plain or SRTP answers and offers; 'required': offer RTP/SAVP and refuse (488 / failed answer) anything
   * without a usable crypto line.
   */
  readonly policy: 'optional' | 'required';
  /** Our a=crypto lines for an offer, in preference order (tag, suite, `inline:<base64>` key params). */
  readonly offer: readonly CryptoAttribute[];
  /**
   * For an answer: given the peer's a=crypto lines of the audio stream, our one line (the same tag and suite as the
   * line we accept, with our own key), or undefined when none is usable. Lines that share a tag are not passed.
   */
  readonly answer: (remote: readonly CryptoAttribute[]) => CryptoAttribute | undefined;
}

/** A LocalMedia with its defaults filled in and its address checked. */
export interface CheckedLocal {
  readonly address: string;
  readonly addrType: 'IP4' | 'IP6';
  readonly port: number;
  readonly codecs: readonly CodecName[];
  readonly ptime: number;
  readonly direction: Direction;
  readonly username: string;
  readonly srtp?: LocalSrtp;
}

export function checkLocal(local: LocalMedia): SdpResult<CheckedLocal> {
  const addrType = addrTypeOf(local.address);
  if (addrType === undefined) return fail('SDP_BAD_LOCAL_ADDRESS', `not a usable address of ours: ${JSON.stringify(local.address.slice(0, 45))}`);
  if (!Number.isInteger(local.port) || local.port < 1 || local.port > 65535) return fail('SDP_BAD_LOCAL_ADDRESS', `bad RTP port ${local.port}`);
  const codecs = local.codecs ?? DEFAULT_CODECS;
  if (codecs.length === 0) return fail('SDP_BAD_LOCAL_ADDRESS', 'no codec configured');
  const ptime = local.ptime ?? 20;
  if (!Number.isInteger(ptime) || ptime < 10 || ptime > 60 || ptime % 10 !== 0) return fail('SDP_BAD_LOCAL_ADDRESS', `bad ptime ${ptime}`);
  const username = local.username ?? 'sip-doorbell';
  if (!/^[!#$%&'*+\-.^_`{|}~0-9A-Za-z]+$/.test(username)) return fail('SDP_BAD_LOCAL_ADDRESS', 'bad o= user name');
  const direction = local.direction ?? 'sendrecv';
  const checked = { address: local.address, addrType, port: local.port, codecs, ptime, direction, username };
  return ok(local.srtp === undefined ? checked : { ...checked, srtp: local.srtp });
}

/** The session lines of an SDP of ours, o= still unstamped (origin.ts gives it its id and version). */
export function ourSession(local: CheckedLocal): Omit<SessionDescription, 'media'> {
  const origin: Origin = { username: local.username, sessionId: '0', sessionVersion: '0', netType: 'IN', addrType: local.addrType, address: local.address };
  return {
    origin,
    sessionName: 'sip-doorbell',
    connection: { netType: 'IN', addrType: local.addrType, address: local.address },
    timing: [{ start: '0', stop: '0', repeats: [] }],
    attributes: [],
    otherLines: [],
  };
}
