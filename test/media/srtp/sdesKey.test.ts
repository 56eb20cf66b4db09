// SDES key parameters of RFC 4568 §6.1: inline key||salt, lifetime, MKI.
import { describe, expect, it } from 'vitest';
import { decodeBase64, encodeBase64, formatSdesKey, parseSdesKey } from '../../../firmware-app/media/srtp/sdesKey.ts';
import { SRTP_SUITES } from '../../../firmware-app/media/srtp/suites.ts';
import { hex, toHex } from './support.ts';

const SUITE = SRTP_SUITES.AES_CM_128_HMAC_SHA1_80;
// RFC 4568 §9.1's example key: 30 bytes of key||salt.
const RFC_INLINE = 'inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:4';

describe('SDES key params', () => {
  it('splits a 30-byte base64 key||salt into a 16-byte master key and a 14-byte salt', () => {
    const material = hex('E1F97A0D3E018BE0D64FA32C06DE41390EC675AD498AFEEBB6960B3AABE6');
    const result = parseSdesKey(`inline:${Buffer.from(material).toString('base64')}|2^31`, SUITE);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(toHex(result.key.masterKey)).toBe('e1f97a0d3e018be0d64fa32c06de4139');
    expect(toHex(result.key.masterSalt)).toBe('0ec675ad498afeebb6960b3aabe6');
    expect(formatSdesKey(result.key)).toBe(`inline:${Buffer.from(material).toString('base64')}`);
  });

  it('refuses what it cannot use, with a reason', () => {
    expect(parseSdesKey(RFC_INLINE, SUITE)).toEqual({ ok: false, problem: 'MKI not supported' });
    expect(parseSdesKey(RFC_INLINE.replace('|1:4', ''), SUITE).ok).toBe(true);
    expect(parseSdesKey(RFC_INLINE.replace('|1:4', '').replace('inline', 'INLINE'), SUITE).ok).toBe(true);
    expect(parseSdesKey('uri:https://example.com/key', SUITE)).toEqual({ ok: false, problem: 'key method is not inline' });
    expect(parseSdesKey('inline:AAAA', SUITE)).toEqual({ ok: false, problem: 'key||salt is not 30 bytes' });
    expect(parseSdesKey('inline:!!!!', SUITE)).toEqual({ ok: false, problem: 'key is not base64' });
    expect(parseSdesKey(`${RFC_INLINE.replace('|1:4', '')}|later`, SUITE)).toEqual({ ok: false, problem: 'bad lifetime' });
  });

  it('encodes and decodes base64 as Buffer does, for every length up to 40', () => {
    for (let length = 0; length <= 40; length++) {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 37 + length) & 0xff);
      const text = Buffer.from(bytes).toString('base64');
      expect(encodeBase64(bytes)).toBe(text);
      expect(decodeBase64(text)).toEqual(bytes);
    }
    expect(decodeBase64('A')).toBeUndefined();
  });
});
