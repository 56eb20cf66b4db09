// G.711 µ-law against the values of ITU-T G.711 Table 2a (scaled by 4 to 16 bits) and its round-trip bounds.
import { describe, expect, it } from 'vitest';
import { muLawDecode, muLawEncode } from '../../../firmware-app/media/codecs/muLaw.ts';

/** One sample through the codec's array function (what the media path runs). */
function muLawEncodeSample(sample: number): number {
  const out = new Uint8Array(1);
  muLawEncode(Int16Array.of(sample), out);
  return out[0]!;
}

function muLawDecodeSample(code: number): number {
  const out = new Int16Array(1);
  muLawDecode(Uint8Array.of(code), out);
  return out[0]!;
}

/** Half the quantisation step of the segment a code lies in: the largest error of encode → decode. */
function halfStep(code: number): number {
  const exponent = ((~code & 0xff) >> 4) & 0x07;
  return 4 << exponent;
}

describe('G.711 µ-law', () => {
  it('decodes the segment edges of Table 2a (G.711 values × 4)', () => {
    // G.711 outputs 0, 2 … 30 in segment 1, 33 … 93 in segment 2, up to 8031 in segment 8.
    expect(muLawDecodeSample(0xff)).toBe(0);
    expect(muLawDecodeSample(0xf0)).toBe(30 * 4);
    expect(muLawDecodeSample(0xef)).toBe(33 * 4);
    expect(muLawDecodeSample(0xe0)).toBe(93 * 4);
    expect(muLawDecodeSample(0xdf)).toBe(99 * 4);
    expect(muLawDecodeSample(0x80)).toBe(8031 * 4);
    expect(muLawDecodeSample(0x00)).toBe(-8031 * 4);
    expect(muLawDecodeSample(0x7f)).toBe(0);
    expect(muLawDecodeSample(0x6f)).toBe(-33 * 4);
  });

  it('encodes either side of each segment edge into the neighbouring segments', () => {
    expect(muLawEncodeSample(0)).toBe(0xff);
    expect(muLawEncodeSample(-1)).toBe(0x7f);
    expect(muLawEncodeSample(123)).toBe(0xf0); // last value of segment 1
    expect(muLawEncodeSample(124)).toBe(0xef); // first value of segment 2
    expect(muLawEncodeSample(-124)).toBe(0x6f);
    expect(muLawEncodeSample(32767)).toBe(0x80); // clipped to the top code
    expect(muLawEncodeSample(-32768)).toBe(0x00);
  });

  it('brings every code back from decode → encode, except 0x7f ("−0"), which comes back as 0xff', () => {
    const changed: number[] = [];
    for (let code = 0; code < 256; code++) {
      if (muLawEncodeSample(muLawDecodeSample(code)) !== code) changed.push(code);
    }
    expect(changed).toEqual([0x7f]);
    expect(muLawEncodeSample(muLawDecodeSample(0x7f))).toBe(0xff);
  });

  it('keeps the error of encode → decode within half a step for every sample below the clip level', () => {
    const beyond: number[] = [];
    for (let sample = -32635; sample <= 32635; sample++) {
      const code = muLawEncodeSample(sample);
      if (Math.abs(muLawDecodeSample(code) - sample) > halfStep(code)) beyond.push(sample);
    }
    expect(beyond).toEqual([]);
  });

  it('is monotonic: a larger sample never gets a smaller decoded value', () => {
    let previous = -Infinity;
    const descents: number[] = [];
    for (let sample = -32768; sample <= 32767; sample++) {
      const value = muLawDecodeSample(muLawEncodeSample(sample));
      if (value < previous) descents.push(sample);
      previous = value;
    }
    expect(descents).toEqual([]);
  });

  it('converts whole frames into the caller buffers and refuses a buffer that is too small', () => {
    const pcm = Int16Array.from([0, 124, -124, 32767, -32768]);
    const codes = new Uint8Array(8).fill(0xaa);
    expect(muLawEncode(pcm, codes)).toBe(5);
    expect([...codes]).toEqual([0xff, 0xef, 0x6f, 0x80, 0x00, 0xaa, 0xaa, 0xaa]);
    const back = new Int16Array(5);
    expect(muLawDecode(codes.subarray(0, 5), back)).toBe(5);
    expect([...back]).toEqual([0, 132, -132, 32124, -32124]);
    expect(() => muLawEncode(pcm, new Uint8Array(4))).toThrow(/room for 4/);
    expect(() => muLawDecode(codes, new Int16Array(2))).toThrow(/room for 2/);
  });
});
