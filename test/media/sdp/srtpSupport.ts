// Helpers of the SDES tests: fixed a=crypto lines, a stand-in for the media layer's LocalSrtp with deterministic keys
// (it records what it was asked), and the real one built from media/srtp's chooseCryptoLine and newSdesKey.
import type { CryptoAttribute } from '../../../firmware-app/media/sdp/attributes.ts';
import type { LocalSrtp } from '../../../firmware-app/media/sdp/local.ts';
import { chooseCryptoLine, newSdesKey, SUITE_PREFERENCE } from '../../../firmware-app/media/srtp/sdesNegotiation.ts';
import { formatSdesKey } from '../../../firmware-app/media/srtp/sdesKey.ts';
import { SRTP_SUITES, type SrtpSuiteName } from '../../../firmware-app/media/srtp/suites.ts';
import { createNodeSrtpCrypto } from '../../../firmware-app/platform/srtpCrypto.ts';

export const SHA1_80 = 'AES_CM_128_HMAC_SHA1_80';
export const SHA1_32 = 'AES_CM_128_HMAC_SHA1_32';

/** 30-byte key||salt values as `inline:` key params: two of ours, two of the peer's. */
export const DOOR_KEY_A = 'inline:ZG9vci1rZXktQS0wMTIzNDU2Nzg5YWJjZGVmZ2hp';
export const DOOR_KEY_B = 'inline:ZG9vci1rZXktQi0wMTIzNDU2Nzg5YWJjZGVmZ2hp';
export const PEER_KEY_C = 'inline:cGVlci1rZXktQy0wMTIzNDU2Nzg5YWJjZGVmZ2hp';
export const PEER_KEY_D = 'inline:cGVlci1rZXktRC0wMTIzNDU2Nzg5YWJjZGVmZ2hp';

export function crypto(tag: number, suite: string, keyParams: string, ...sessionParams: string[]): CryptoAttribute {
  return { tag, suite, keyParams, sessionParams };
}

/** Our offer lines: the 80-bit suite under tag 1, the 32-bit one under tag 2. */
export const OUR_OFFER: readonly CryptoAttribute[] = [crypto(1, SHA1_80, DOOR_KEY_A), crypto(2, SHA1_32, DOOR_KEY_B)];

const KNOWN_SUITES = new Set([SHA1_80, SHA1_32]);
const KEY_PARAMS = /^inline:[A-Za-z0-9+/]{40}$/;

export interface FakeSrtp extends LocalSrtp {
  /** Every `remote` list `answer` was called with. */
  readonly asked: (readonly CryptoAttribute[])[];
}

/**
 * A LocalSrtp whose `answer` takes the peer's first line with a known suite, a 30-byte key and no session
 * parameters, and answers it with `key` (a new key per call when `keys` has several).
 */
export function fakeSrtp(policy: LocalSrtp['policy'], offer: readonly CryptoAttribute[] = OUR_OFFER, keys: readonly string[] = [DOOR_KEY_A]): FakeSrtp {
  const asked: (readonly CryptoAttribute[])[] = [];
  return {
    policy,
    offer,
    asked,
    answer(remote) {
      asked.push(remote);
      const line = remote.find((l) => KNOWN_SUITES.has(l.suite.toUpperCase()) && KEY_PARAMS.test(l.keyParams) && l.sessionParams.length === 0);
      const key = keys[Math.min(asked.length - 1, keys.length - 1)]!;
      return line === undefined ? undefined : crypto(line.tag, line.suite, key);
    },
  };
}

const nodeCrypto = createNodeSrtpCrypto();

/** A LocalSrtp as the media layer builds it: real random keys, srtp's own choice among the peer's lines. */
export function realSrtp(policy: LocalSrtp['policy'], preference: readonly SrtpSuiteName[] = SUITE_PREFERENCE): LocalSrtp {
  const offer = preference.map((name, i) => crypto(i + 1, name, formatSdesKey(newSdesKey(nodeCrypto, SRTP_SUITES[name]))));
  return {
    policy,
    offer,
    answer(remote) {
      const chosen = chooseCryptoLine(remote, preference);
      return chosen === undefined ? undefined : crypto(chosen.tag, chosen.suite.name, formatSdesKey(newSdesKey(nodeCrypto, chosen.suite)));
    },
  };
}
