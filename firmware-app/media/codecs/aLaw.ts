// G.711 A-law (ITU-T G.711 §2, Table 1a): 16-bit linear PCM <-> 8-bit codes, through tables built at load.

import { InternalError } from '../../errors.ts';

/*
 * The segment rule, on the 13-bit magnitude G.711 works with (a 16-bit sample shifted right by 3; a negative
 * sample s gives (−s − 1) >> 3, so −1 … −8 share the smallest step with 0 … 7). Segment 0 covers 0 … 31 in
 * steps of 2; segment k (1 … 7) covers 16·2^k … 32·2^k − 1 in steps of 2^k. The code is
 * sign (1 = positive) | segment | mantissa, with the even bits inverted (XOR 0x55). Decoding gives the middle
 * of the interval, scaled back by 8.
 */
const EVEN_BITS = 0x55;

function encodeSample(sample: number): number {
  const positive = sample >= 0;
  const magnitude = (positive ? sample : -sample - 1) >> 3;
  let segment = 0;
  let mantissa = magnitude >> 1;
  if (magnitude >= 32) {
    segment = 31 - Math.clz32(magnitude) - 4;
    mantissa = (magnitude >> segment) & 0x0f;
  }
  return ((positive ? 0x80 : 0) | (segment << 4) | mantissa) ^ EVEN_BITS;
}

function decodeCode(code: number): number {
  const bits = code ^ EVEN_BITS;
  const segment = (bits >> 4) & 0x07;
  const mantissa = bits & 0x0f;
  const magnitude = segment === 0 ? (mantissa << 1) + 1 : ((mantissa + 16) << segment) + (1 << (segment - 1));
  return bits & 0x80 ? magnitude << 3 : -(magnitude << 3);
}

/** Code of every 16-bit sample, indexed by the sample's two's-complement bits (sample & 0xffff). */
const ENCODE = new Uint8Array(65536);
/** Linear value of every code. */
const DECODE = new Int16Array(256);
for (let bits = 0; bits < 65536; bits++) ENCODE[bits] = encodeSample((bits << 16) >> 16);
for (let code = 0; code < 256; code++) DECODE[code] = decodeCode(code);


/** Encodes `pcm` into `out` (one byte per sample); returns `pcm.length`. */
export function aLawEncode(pcm: Int16Array, out: Uint8Array): number {
  if (out.length < pcm.length) throw new InternalError('CODEC_BUFFER', `A-law: ${pcm.length} samples, room for ${out.length}`);
  for (let i = 0; i < pcm.length; i++) out[i] = ENCODE[pcm[i]! & 0xffff]!;
  return pcm.length;
}

/** Decodes `codes` into `out` (one sample per byte); returns `codes.length`. */
export function aLawDecode(codes: Uint8Array, out: Int16Array): number {
  if (out.length < codes.length) throw new InternalError('CODEC_BUFFER', `A-law: ${codes.length} codes, room for ${out.length}`);
  for (let i = 0; i < codes.length; i++) out[i] = DECODE[codes[i]!]!;
  return codes.length;
}
