// AES-CM as SRTP forms it, against RFC 3711 Appendix B.2 (typed in from the RFC text).
import { describe, expect, it } from 'vitest';
import { aesCmIv, aesCmKeystream } from '../../../firmware-app/media/srtp/aesCm.ts';
import { createNodeSrtpCrypto } from '../../../firmware-app/platform/srtpCrypto.ts';
import { hex, toHex } from './support.ts';

const block = (stream: Uint8Array, n: number): string => toHex(stream.subarray(16 * n, 16 * n + 16)).toUpperCase();

describe('AES-CM (RFC 3711 §4.1.1)', () => {
  const crypto = createNodeSrtpCrypto();

  it('forms the IV of Appendix B.2 from salt, SSRC 0 and index 0', () => {
    expect(toHex(aesCmIv(hex('F0F1F2F3F4F5F6F7F8F9FAFBFCFD'), 0, 0))).toBe('f0f1f2f3f4f5f6f7f8f9fafbfcfd0000');
  });

  it('puts the SSRC over bytes 4–7 and the 48-bit index over bytes 8–13', () => {
    const iv = aesCmIv(new Uint8Array(14), 0xcafebabe, 0x123456789abc);
    expect(toHex(iv)).toBe('00000000cafebabe123456789abc0000');
  });

  it('gives the keystream of Appendix B.2 at the start and at the end of its 65282-block segment', () => {
    const key = hex('2B7E151628AED2A6ABF7158809CF4F3C');
    const stream = aesCmKeystream(crypto, key, aesCmIv(hex('F0F1F2F3F4F5F6F7F8F9FAFBFCFD'), 0, 0), 1044512);
    expect([block(stream, 0), block(stream, 1), block(stream, 2)]).toEqual([
      'E03EAD0935C95E80E166B16DD92B4EB4',
      'D23513162B02D0F72A43A2FE4A5F97AB',
      '41E95B3BB0A2E8DD477901E4FCA894C0',
    ]);
    expect([block(stream, 0xfeff), block(stream, 0xff00), block(stream, 0xff01)]).toEqual([
      'EC8CDF7398607CB0F2D21675EA9EA1E4',
      '362B7C3C6773516318A077D7FC5073AE',
      '6A2CC3787889374FBEB4C81B17BA6C44',
    ]);
  });
});
