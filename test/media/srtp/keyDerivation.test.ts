// SRTP key derivation against RFC 3711 Appendix B.3 (typed in from the RFC text).
import { describe, expect, it } from 'vitest';
import { deriveKey, deriveSessionKeys } from '../../../firmware-app/media/srtp/keyDerivation.ts';
import { SRTP_SUITES } from '../../../firmware-app/media/srtp/suites.ts';
import { createNodeSrtpCrypto } from '../../../firmware-app/platform/srtpCrypto.ts';
import { hex, toHex } from './support.ts';

const MASTER_KEY = hex('E1F97A0D3E018BE0D64FA32C06DE4139');
const MASTER_SALT = hex('0EC675AD498AFEEBB6960B3AABE6');

describe('SRTP key derivation (RFC 3711 §4.3, kdr 0)', () => {
  const crypto = createNodeSrtpCrypto();

  it('derives the cipher key, cipher salt and auth key of Appendix B.3', () => {
    const keys = deriveSessionKeys(crypto, SRTP_SUITES.AES_CM_128_HMAC_SHA1_80, MASTER_KEY, MASTER_SALT, 'rtp');
    expect(toHex(keys.cipherKey).toUpperCase()).toBe('C61E7A93744F39EE10734AFE3FF7A087');
    expect(toHex(keys.cipherSalt).toUpperCase()).toBe('30CBBC08863D8C85D49DB34A9AE1');
    expect(toHex(keys.authKey).toUpperCase()).toBe('CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4');
  });

  it('continues the auth-key keystream as the 94-octet key of Appendix B.3 shows', () => {
    const long = toHex(deriveKey(crypto, MASTER_KEY, MASTER_SALT, 0x01, 94)).toUpperCase();
    expect(long).toBe(
      'CEBE321F6FF7716B6FD4AB49AF256A15' +
        '6D38BAA48F0A0ACF3C34E2359E6CDBCE' +
        'E049646C43D9327AD175578EF7227098' +
        '6371C10C9A369AC2F94A8C5FBCDDDC25' +
        '6D6E919A48B610EF17C2041E47403576' +
        '6B68642C59BBFC2F34DB60DBDFB2',
    );
  });

  it('derives other keys for SRTCP (labels 3–5) than for SRTP', () => {
    const rtp = deriveSessionKeys(crypto, SRTP_SUITES.AES_CM_128_HMAC_SHA1_32, MASTER_KEY, MASTER_SALT, 'rtp');
    const rtcp = deriveSessionKeys(crypto, SRTP_SUITES.AES_CM_128_HMAC_SHA1_32, MASTER_KEY, MASTER_SALT, 'rtcp');
    expect(rtcp.cipherKey).not.toEqual(rtp.cipherKey);
    expect(rtcp.authKey).not.toEqual(rtp.authKey);
    expect(rtcp.cipherSalt).not.toEqual(rtp.cipherSalt);
    expect([rtcp.cipherKey.length, rtcp.authKey.length, rtcp.cipherSalt.length]).toEqual([16, 20, 14]);
  });
});
