// The server nonce codec: base64url (RFC 4648 §5, unpadded) and the keyed hash over timestamp, salt, realm and algorithm.
import { describe, expect, it } from 'vitest';
import { createNodeHasher } from '../../../firmware-app/platform/hash.ts';
import { NonceCodec, fromBase64Url, toBase64Url } from '../../../firmware-app/sip/auth/nonce.ts';

describe('base64url', () => {
  it('matches Node for every length from 0 to 40 bytes and decodes back', () => {
    for (let length = 0; length <= 40; length++) {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 73 + length * 19) & 0xff);
      const text = toBase64Url(bytes);
      expect(text).toBe(Buffer.from(bytes).toString('base64url'));
      expect(fromBase64Url(text)).toEqual(bytes);
    }
  });

  it.each([['a character outside the alphabet', 'ab+c'], ['padding', 'YQ=='], ['an impossible length', 'abcde'], ['non-zero leftover bits', 'YR']])(
    'refuses %s',
    (_what, text) => {
      expect(fromBase64Url(text)).toBeUndefined();
    },
  );
});

describe('NonceCodec', () => {
  const codec = new NonceCodec(createNodeHasher(), 'secret', 'doorbell.local');
  const salt = new Uint8Array(8).fill(7);

  it('carries the issue time (ms, 48 bits) and opens only for the algorithm it was minted for', () => {
    const nonce = codec.mint(1_234_567_890_123.9, 'SHA-256', salt);
    expect(nonce).toHaveLength(40);
    expect(codec.open(nonce, 'SHA-256')).toEqual({ issuedAt: 1_234_567_890_123 });
    expect(codec.open(nonce, 'MD5')).toBeUndefined();
  });

  it('does not open under another realm or secret', () => {
    const nonce = codec.mint(5, 'MD5', salt);
    expect(new NonceCodec(createNodeHasher(), 'secret', 'other.realm').open(nonce, 'MD5')).toBeUndefined();
    expect(new NonceCodec(createNodeHasher(), 'secret2', 'doorbell.local').open(nonce, 'MD5')).toBeUndefined();
  });

  it('tells a nonce minted for another algorithm (a downgrade) from one it never minted', () => {
    const nonce = codec.mint(5, 'SHA-256', salt);
    expect(codec.mintedForAnother(nonce, 'MD5')).toBe(true);
    expect(codec.mintedForAnother(nonce, 'SHA-256')).toBe(false);
    const foreign = new NonceCodec(createNodeHasher(), 'previous-process', 'doorbell.local').mint(5, 'SHA-256', salt);
    expect(codec.mintedForAnother(foreign, 'MD5')).toBe(false);
    expect(codec.mintedForAnother('not a nonce', 'MD5')).toBe(false);
  });
});
