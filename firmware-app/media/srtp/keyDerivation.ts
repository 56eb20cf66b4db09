// SRTP key derivation (RFC 3711 §4.3) with key_derivation_rate 0: session keys derived once from the master key.

import type { SrtpCrypto } from '../../platform/srtpCrypto.ts';
import { aesCmKeystream } from './aesCm.ts';
import type { SdesKey } from './sdesKey.ts';
import type { SrtpSuite } from './suites.ts';

/** The three session keys of one direction of RTP or RTCP. */
export interface SessionKeys {
  /** k_e, the AES-128 session encryption key. */
  readonly cipherKey: Uint8Array;
  /** k_s, the 14-byte session salt. */
  readonly cipherSalt: Uint8Array;
  /** k_a, the HMAC-SHA1 session authentication key. */
  readonly authKey: Uint8Array;
}

/** §4.3.2 labels: 0x00–0x02 for SRTP, 0x03–0x05 for SRTCP, in the order encryption, authentication, salt. */
const LABELS = { rtp: [0x00, 0x01, 0x02], rtcp: [0x03, 0x04, 0x05] } as const;

/**
 * One session key: x = label · 2^48 XOR master salt (index DIV kdr is 0 when kdr is 0), then the AES-CM
 * keystream of the master key from IV x · 2^16, cut to `length` bytes (§4.3.1, §4.3.3).
 */
export function deriveKey(crypto: SrtpCrypto, masterKey: Uint8Array, masterSalt: Uint8Array, label: number, length: number): Uint8Array {
  const iv = new Uint8Array(16);
  iv.set(masterSalt.subarray(0, 14));
  // The label sits left of the 48-bit (index DIV kdr): byte 7 of the 14-byte x.
  iv[7]! ^= label;
  return aesCmKeystream(crypto, masterKey, iv, length);
}

/** The session keys of SRTP or SRTCP for `suite`, from the master key and salt. */
export function deriveSessionKeys(
  crypto: SrtpCrypto,
  suite: SrtpSuite,
  masterKey: Uint8Array,
  masterSalt: Uint8Array,
  kind: 'rtp' | 'rtcp',
): SessionKeys {
  const [encryption, authentication, salt] = LABELS[kind];
  return {
    cipherKey: deriveKey(crypto, masterKey, masterSalt, encryption, suite.masterKeyLength),
    authKey: deriveKey(crypto, masterKey, masterSalt, authentication, suite.authKeyLength),
    cipherSalt: deriveKey(crypto, masterKey, masterSalt, salt, suite.masterSaltLength),
  };
}

/** Both sets of session keys of one master key: SRTP's and SRTCP's (what a sender and a receiver each hold). */
export function deriveStreamKeys(crypto: SrtpCrypto, suite: SrtpSuite, key: SdesKey): { readonly rtp: SessionKeys; readonly rtcp: SessionKeys } {
  return {
    rtp: deriveSessionKeys(crypto, suite, key.masterKey, key.masterSalt, 'rtp'),
    rtcp: deriveSessionKeys(crypto, suite, key.masterKey, key.masterSalt, 'rtcp'),
  };
}
