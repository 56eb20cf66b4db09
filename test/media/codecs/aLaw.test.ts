// G.711 A-law against the values of ITU-T G.711 Table 1a (scaled by 8 to 16 bits) and its round-trip bounds.
import { describe, expect, it } from 'vitest';
import { aLawDecode, aLawEncode } from '../../../firmware-app/media/codecs/aLaw.ts';

/** One sample through the codec's array function (what the media path runs). */
function aLawEncodeSample(sample: number): number {
  const out = new Uint8Array(1);
  aLawEncode(Int16Array.of(sample), out);
  return out[0]!;
}

function aLawDecodeSample(code: number): number {
  const out = new Int16Array(1);
  aLawDecode(Uint8Array.of(code), out);
  return out[0]!;
}

/** Half the quantisation step of the segment a code lies in: the largest error of encode → decode. */
function halfStep(code: number): number {
  const segment = ((code ^ 0x55) >> 4) & 0x07;
  return segment === 0 ? 8 : 4 << segment;
}

describe('G.711 A-law', () => {
  it('decodes the segment edges of Table 1a (G.711 values × 8)', () => {
    // G.711 outputs 1, 3 … 31 in segments 1 and 2 (steps of 2), 33 … 63, 66 … 126 …, up to 4032.
    expect(aLawDecodeSample(0xd5)).toBe(1 * 8);
    expect(aLawDecodeSample(0x55)).toBe(-1 * 8);
    expect(aLawDecodeSample(0xda)).toBe(31 * 8);
    expect(aLawDecodeSample(0xc5)).toBe(33 * 8);
    expect(aLawDecodeSample(0xca)).toBe(63 * 8);
    expect(aLawDecodeSample(0xf5)).toBe(66 * 8);
    expect(aLawDecodeSample(0xaa)).toBe(4032 * 8);
    expect(aLawDecodeSample(0x2a)).toBe(-4032 * 8);
  });

  it('encodes either side of each segment edge into the neighbouring segments', () => {
    expect(aLawEncodeSample(0)).toBe(0xd5);
    expect(aLawEncodeSample(-1)).toBe(0x55);
    expect(aLawEncodeSample(-16)).toBe(0x55);
    expect(aLawEncodeSample(-17)).toBe(0x54);
    expect(aLawEncodeSample(255)).toBe(0xda); // 13-bit 31: last value of segment 0
    expect(aLawEncodeSample(256)).toBe(0xc5); // 13-bit 32: first value of segment 1
    expect(aLawEncodeSample(511)).toBe(0xca);
    expect(aLawEncodeSample(512)).toBe(0xf5);
    expect(aLawEncodeSample(32767)).toBe(0xaa);
    expect(aLawEncodeSample(-32768)).toBe(0x2a);
  });

  it('brings every one of the 256 codes back from decode → encode (A-law has no second zero)', () => {
    for (let code = 0; code < 256; code++) expect(aLawEncodeSample(aLawDecodeSample(code))).toBe(code);
  });

  it('keeps the error of encode → decode within half a step for every 16-bit sample', () => {
    const beyond: number[] = [];
    for (let sample = -32768; sample <= 32767; sample++) {
      const code = aLawEncodeSample(sample);
      if (Math.abs(aLawDecodeSample(code) - sample) > halfStep(code)) beyond.push(sample);
    }
    expect(beyond).toEqual([]);
  });

  it('converts whole frames into the caller buffers and refuses a buffer that is too small', () => {
    const pcm = Int16Array.from([0, 256, -32768]);
    const codes = new Uint8Array(3);
    expect(aLawEncode(pcm, codes)).toBe(3);
    expect([...codes]).toEqual([0xd5, 0xc5, 0x2a]);
    const back = new Int16Array(4);
    expect(aLawDecode(codes, back)).toBe(3);
    expect([...back]).toEqual([8, 264, -32256, 0]);
    expect(() => aLawEncode(pcm, new Uint8Array(2))).toThrow(/room for 2/);
    expect(() => aLawDecode(codes, new Int16Array(1))).toThrow(/room for 1/);
  });
});
