// G.711 µ-law (ITU-T G.711 §2, Table 2a): 16-bit linear PCM <-> 8-bit codes, through tables built at load.

import { InternalError } from '../../errors.ts';

/*
 * The segment rule, on 16-bit samples (the 14-bit G.711 range scaled by 4): the magnitude is clipped to
 * 32635 and biased by 132 (33 in G.711's units), so that the segments start at powers of two. The
 * exponent (segment, 0..7) is the position of the highest set bit above bit 7, the mantissa the 4 bits
 * below it. The code is sign | exponent | mantissa with every bit inverted (G.711 transmits µ-law
 * inverted). Decoding gives the middle of the quantisation interval: ((mantissa·8 + 132) << exponent) − 132.
 */
const BIAS = 132;
const CLIP = 32635;

function encodeSample(sample: number): number {
  const sign = sample < 0 ? 0x80 : 0;
  const magnitude = Math.min(sample < 0 ? -sample : sample, CLIP) + BIAS;
  let exponent = 7;
  while (exponent > 0 && (magnitude & (0x80 << exponent)) === 0) exponent--;
  const mantissa = (magnitude >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

function decodeCode(code: number): number {
  const bits = ~code & 0xff;
  const exponent = (bits >> 4) & 0x07;
  const magnitude = ((((bits & 0x0f) << 3) + BIAS) << exponent) - BIAS;
  return bits & 0x80 ? -magnitude : magnitude;
}

/** Code of every 16-bit sample, indexed by the sample's two's-complement bits (sample & 0xffff). */
const ENCODE = new Uint8Array(65536);
/** Linear value of every code. */
const DECODE = new Int16Array(256);
for (let bits = 0; bits < 65536; bits++) ENCODE[bits] = encodeSample((bits << 16) >> 16);
for (let code = 0; code < 256; code++) DECODE[code] = decodeCode(code);

/**
 * Encodes `pcm` into `out` (one byte per sample); returns `pcm.length`. Both 0x7f ("−0") and 0xff ("+0") decode to
 * 0; 0 encodes to 0xff, so 0x7f is the one code that does not come back from decode → encode. Decoded values lie in
 * −32124 … 32124.
 */
export function muLawEncode(pcm: Int16Array, out: Uint8Array): number {
  if (out.length < pcm.length) throw new InternalError('CODEC_BUFFER', `µ-law: ${pcm.length} samples, room for ${out.length}`);
  for (let i = 0; i < pcm.length; i++) out[i] = ENCODE[pcm[i]! & 0xffff]!;
  return pcm.length;
}

/** Decodes `codes` into `out` (one sample per byte); returns `codes.length`. */
export function muLawDecode(codes: Uint8Array, out: Int16Array): number {
  if (out.length < codes.length) throw new InternalError('CODEC_BUFFER', `µ-law: ${codes.length} codes, room for ${out.length}`);
  for (let i = 0; i < codes.length; i++) out[i] = DECODE[codes[i]!]!;
  return codes.length;
}
