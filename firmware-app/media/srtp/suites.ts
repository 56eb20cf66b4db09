// The SRTP crypto suites we speak, with the lengths RFC 4568 §6.2 gives them (SDES names).

/** The SDES name of a crypto suite (RFC 4568 §6.2.1, §6.2.2). */
export type SrtpSuiteName = 'AES_CM_128_HMAC_SHA1_80' | 'AES_CM_128_HMAC_SHA1_32';

/** Lengths in bytes of the keys and tags one suite uses. */
export interface SrtpSuite {
  readonly name: SrtpSuiteName;
  readonly masterKeyLength: 16;
  readonly masterSaltLength: 14;
  /** n_a, the HMAC-SHA1 session authentication key (RFC 3711 §8.2: 160 bits). */
  readonly authKeyLength: 20;
  /** Tag length of SRTP packets: 10 bytes (80 bits) or 4 (32 bits). */
  readonly rtpTagLength: 10 | 4;
  /** Tag length of SRTCP packets: 10 bytes for both suites (RFC 4568 §6.2.2: _32 shortens SRTP tags only). */
  readonly rtcpTagLength: 10;
}

export const SRTP_SUITES: Readonly<Record<SrtpSuiteName, SrtpSuite>> = Object.freeze({
  AES_CM_128_HMAC_SHA1_80: { name: 'AES_CM_128_HMAC_SHA1_80', masterKeyLength: 16, masterSaltLength: 14, authKeyLength: 20, rtpTagLength: 10, rtcpTagLength: 10 },
  AES_CM_128_HMAC_SHA1_32: { name: 'AES_CM_128_HMAC_SHA1_32', masterKeyLength: 16, masterSaltLength: 14, authKeyLength: 20, rtpTagLength: 4, rtcpTagLength: 10 },
});

/** The suite of an SDES name, or undefined for one we do not implement. */
export function srtpSuite(name: string): SrtpSuite | undefined {
  return Object.hasOwn(SRTP_SUITES, name) ? SRTP_SUITES[name as SrtpSuiteName] : undefined;
}
