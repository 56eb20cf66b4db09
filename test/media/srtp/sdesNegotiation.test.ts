// Choosing the peer's a=crypto line (RFC 4568 §6.3, §7.1) and making our own key.
import { describe, expect, it } from 'vitest';
import { acceptCryptoLine, chooseCryptoLine, newSdesKey } from '../../../firmware-app/media/srtp/sdesNegotiation.ts';
import { formatSdesKey, parseSdesKey } from '../../../firmware-app/media/srtp/sdesKey.ts';
import { SRTP_SUITES } from '../../../firmware-app/media/srtp/suites.ts';
import { createNodeSrtpCrypto } from '../../../firmware-app/platform/srtpCrypto.ts';

const KEY = 'inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR';
const line = (tag: number, suite: string, sessionParams: string[] = [], keyParams = KEY) => ({ tag, suite, keyParams, sessionParams });

describe('SDES negotiation', () => {
  it('takes the 80-bit suite first, whatever the peer order, and keeps the peer tag', () => {
    const chosen = chooseCryptoLine([line(1, 'AES_CM_128_HMAC_SHA1_32'), line(2, 'AES_CM_128_HMAC_SHA1_80')]);
    expect(chosen).toMatchObject({ tag: 2, suite: SRTP_SUITES.AES_CM_128_HMAC_SHA1_80 });
    expect(chosen?.remoteKey.masterKey).toHaveLength(16);
    expect(chooseCryptoLine([line(1, 'AES_CM_128_HMAC_SHA1_32')], ['AES_CM_128_HMAC_SHA1_32'])).toMatchObject({ tag: 1 });
  });

  it('passes over lines it cannot honour and answers none when nothing is left', () => {
    const unusable = [
      line(1, 'AEAD_AES_256_GCM'),
      line(2, 'AES_CM_128_HMAC_SHA1_80', ['UNENCRYPTED_SRTP']),
      line(3, 'AES_CM_128_HMAC_SHA1_80', ['KDR=20']),
      line(4, 'AES_CM_128_HMAC_SHA1_80', [], `${KEY}|2^20|1:4`),
      line(5, 'AES_CM_128_HMAC_SHA1_80', [], 'inline:AAAA'),
    ];
    expect(unusable.map(acceptCryptoLine)).toEqual([undefined, undefined, undefined, undefined, undefined]);
    expect(chooseCryptoLine(unusable)).toBeUndefined();
    expect(chooseCryptoLine([...unusable, line(6, 'aes_cm_128_hmac_sha1_80', ['WSH=64', 'KDR=0'])])).toMatchObject({ tag: 6 });
  });

  it('makes a fresh 30-byte key for our side that reads back through inline:', () => {
    const crypto = createNodeSrtpCrypto();
    const key = newSdesKey(crypto);
    expect([key.masterKey.length, key.masterSalt.length]).toEqual([16, 14]);
    const text = formatSdesKey(key);
    expect(parseSdesKey(text, SRTP_SUITES.AES_CM_128_HMAC_SHA1_80)).toEqual({ ok: true, key });
    expect(formatSdesKey(newSdesKey(crypto))).not.toBe(text);
  });
});
