// The node:crypto primitives behind SRTP, against published vectors (NIST SP 800-38A F.5.1, RFC 2202).
import { describe, expect, it } from 'vitest';
import { createNodeSrtpCrypto } from '../../firmware-app/platform/srtpCrypto.ts';

const hex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text.replace(/\s+/g, ''), 'hex'));
const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

describe('node SrtpCrypto', () => {
  const crypto = createNodeSrtpCrypto();

  it('runs AES-128-CTR as NIST SP 800-38A F.5.1 does, in place and into another buffer', () => {
    const key = hex('2b7e151628aed2a6abf7158809cf4f3c');
    const iv = hex('f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff');
    const plain = hex('6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51');
    const out = new Uint8Array(32);
    crypto.aesCtr(key, iv, plain, out);
    expect(toHex(out)).toBe('874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff');
    crypto.aesCtr(key, iv, out, out);
    expect(out).toEqual(plain);
  });

  it('computes HMAC-SHA1 over several parts as over their concatenation (RFC 2202 test case 2)', () => {
    const key = new TextEncoder().encode('Jefe');
    const parts = ['what do ya ', 'want for nothing?'].map((part) => new TextEncoder().encode(part));
    expect(toHex(crypto.hmacSha1(key, parts))).toBe('effcdf6ae5eb2fa2d27416d5f184df9c259a7c79');
  });

  it('compares tags by content and length, and gives random keys of the asked length', () => {
    expect(crypto.equal(hex('0102'), hex('0102'))).toBe(true);
    expect(crypto.equal(hex('0102'), hex('0103'))).toBe(false);
    expect(crypto.equal(hex('0102'), hex('010203'))).toBe(false);
    expect(crypto.random(30)).toHaveLength(30);
    expect(crypto.random(30)).not.toEqual(crypto.random(30));
  });
});
