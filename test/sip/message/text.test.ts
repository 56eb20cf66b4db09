// text(): byte ranges to strings (a short ASCII fast path, UTF-8 otherwise).
import { describe, expect, it } from 'vitest';
import { text } from '../../../firmware-app/sip/message/text.ts';
import { utf8 } from './wire.ts';

const decoder = new TextDecoder();

describe('text', () => {
  it('decodes every length from 0 to 40 like a UTF-8 decoder, inside a larger buffer', () => {
    const source = utf8('xx' + 'z9hG4bK-abcdefghijklmnopqrstuvwxyz0123456789' + 'yy');
    for (let n = 0; n <= 40; n++) {
      expect(text(source, 2, 2 + n)).toBe(decoder.decode(source.subarray(2, 2 + n)));
    }
  });

  it('decodes short values with non-ASCII bytes as UTF-8, and bad sequences as U+FFFD', () => {
    const umlaut = utf8('Jürgen');
    expect(text(umlaut, 0, umlaut.length)).toBe('Jürgen');
    expect(text(new Uint8Array([0x41, 0xff, 0x42]), 0, 3)).toBe('A\uFFFDB');
  });

  it('gives the empty string for an empty or reversed range', () => {
    const bytes = new Uint8Array([0x61, 0x62]);
    expect(text(bytes, 1, 1)).toBe('');
    expect(text(bytes, 2, 1)).toBe('');
  });
});
