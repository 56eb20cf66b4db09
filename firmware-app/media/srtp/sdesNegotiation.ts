// SDES (RFC 4568) offer/answer for the SRTP layer: which a=crypto line of the peer we take, and our own key.

import type { SrtpCrypto } from '../../platform/srtpCrypto.ts';
import { parseSdesKey, type SdesKey } from './sdesKey.ts';
import { SRTP_SUITES, srtpSuite, type SrtpSuite, type SrtpSuiteName } from './suites.ts';

/** One a=crypto line as media/sdp parses it (the same shape as its CryptoAttribute). */
export interface CryptoLine {
  readonly tag: number;
  readonly suite: string;
  readonly keyParams: string;
  readonly sessionParams: readonly string[];
}

/** A crypto line we can use: its tag (echoed in the answer), its suite and the peer's master key. */
export interface AcceptedCrypto {
  readonly tag: number;
  readonly suite: SrtpSuite;
  readonly remoteKey: SdesKey;
}

/** Our preference when the peer offers several lines: the 80-bit tag first. */
export const SUITE_PREFERENCE: readonly SrtpSuiteName[] = ['AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32'];

/**
 * Session parameters we accept (RFC 4568 §6.3): a window size hint, and KDR=0 (our only key derivation rate).
 * Anything else (UNENCRYPTED_SRTP, UNAUTHENTICATED_SRTP, a non-zero KDR, FEC ordering …) makes the line unusable:
 * §6.3 says an unknown or unsupported session parameter rules the line out.
 */
function sessionParamsUsable(params: readonly string[]): boolean {
  return params.every((param) => /^WSH=\d{1,10}$/i.test(param) || /^KDR=0$/i.test(param));
}

/** The line as something we can use, or undefined (unknown suite, bad key, MKI, unsupported session params). */
export function acceptCryptoLine(line: CryptoLine): AcceptedCrypto | undefined {
  const suite = srtpSuite(line.suite.toUpperCase());
  if (suite === undefined || !sessionParamsUsable(line.sessionParams)) return undefined;
  const key = parseSdesKey(line.keyParams, suite);
  return key.ok ? { tag: line.tag, suite, remoteKey: key.key } : undefined;
}

/**
 * The line to answer with: the usable line of the suite we prefer most, the peer's order among equals
 * (RFC 4568 §7.1.1 lets the answerer choose any one). Undefined when none is usable.
 */
export function chooseCryptoLine(lines: readonly CryptoLine[], preference: readonly SrtpSuiteName[] = SUITE_PREFERENCE): AcceptedCrypto | undefined {
  const usable = lines.map(acceptCryptoLine).filter((line): line is AcceptedCrypto => line !== undefined);
  for (const name of preference) {
    const found = usable.find((line) => line.suite.name === name);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** A fresh random master key and salt for what we send, for `suite`. */
export function newSdesKey(crypto: SrtpCrypto, suite: SrtpSuite = SRTP_SUITES.AES_CM_128_HMAC_SHA1_80): SdesKey {
  const bytes = crypto.random(suite.masterKeyLength + suite.masterSaltLength);
  return { masterKey: bytes.slice(0, suite.masterKeyLength), masterSalt: bytes.slice(suite.masterKeyLength) };
}
