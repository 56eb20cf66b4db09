// G.722 (64 kbit/s mode): frame numbers, state continuity, round trips, and FFmpeg's independent codec as the reference.
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { InternalError } from '../../../firmware-app/errors.ts';
import type { Codec } from '../../../firmware-app/media/codecs/Codec.ts';
import { createG722Codec } from '../../../firmware-app/media/codecs/g722/g722Codec.ts';
import { INVERSE_LOG, LOW_INTERVALS, LOW_INVERSE_6, lowCode } from '../../../firmware-app/media/codecs/g722/tables.ts';

const RATE = 16000;
/** Input to output delay of the two QMFs in samples, measured below on a signal that is not periodic. */
const DELAY = 22;

function tone(hz: number, amplitude: number, samples: number): Int16Array {
  return Int16Array.from({ length: samples }, (_, i) => Math.round(amplitude * Math.sin((2 * Math.PI * hz * i) / RATE)));
}

/** A linear sweep 100 Hz → 6 kHz (amplitude 12000) plus uniform noise (±1000) from a seeded generator. */
function sweepWithNoise(seconds: number): Int16Array {
  let seed = 12345;
  const samples = RATE * seconds;
  const rate = (6000 - 100) / seconds;
  return Int16Array.from({ length: samples }, (_, i) => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    const t = i / RATE;
    return Math.round(12000 * Math.sin(2 * Math.PI * (100 * t + (rate / 2) * t * t)) + (seed / 2 ** 32 - 0.5) * 2000);
  });
}

function encodeAll(codec: Codec, pcm: Int16Array): Uint8Array {
  const out = new Uint8Array(pcm.length / 2);
  expect(codec.encode(pcm, out)).toBe(out.length);
  return out;
}

function decodeAll(codec: Codec, payload: Uint8Array): Int16Array {
  const out = new Int16Array(payload.length * 2);
  expect(codec.decode(payload, out)).toBe(out.length);
  return out;
}

/** SNR in dB of `output` against `input` delayed by `lag`, skipping the first 100 ms while the adaptation settles. */
function snr(input: Int16Array, output: Int16Array, lag = DELAY): number {
  let signal = 0;
  let noise = 0;
  for (let i = RATE / 10; i + lag < output.length; i++) {
    signal += input[i]! ** 2;
    noise += (input[i]! - output[i + lag]!) ** 2;
  }
  return 10 * Math.log10(signal / noise);
}

/** The first index where `a` and `b` differ (in value or length), or −1: a readable failure for long arrays. */
function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) if (a[i] !== b[i]) return i;
  return -1;
}

/** Power of `pcm` at `hz` (Goertzel). */
function powerAt(pcm: Int16Array, hz: number): number {
  const coefficient = 2 * Math.cos((2 * Math.PI * hz) / RATE);
  let s1 = 0;
  let s2 = 0;
  for (const x of pcm) {
    const s0 = x + coefficient * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return s1 * s1 + s2 * s2 - coefficient * s1 * s2;
}

describe('G.722 codec', () => {
  it('carries RFC 3551 payload type 9 and the 8000 Hz RTP clock over 16 kHz audio: 320 samples ⇄ 160 octets', () => {
    const codec = createG722Codec();
    expect(codec).toMatchObject({ name: 'G722', payloadType: 9, clockRate: 8000, sampleRate: 16000, samplesPerFrame: 320, timestampPerFrame: 160 });
    const payload = new Uint8Array(200).fill(0xaa);
    expect(codec.encode(tone(1000, 8000, 320), payload)).toBe(160);
    expect(payload[160]).toBe(0xaa);
    expect(codec.decode(payload.subarray(0, 160), new Int16Array(400))).toBe(320);
  });

  it('idles on silence: 0xfa from reset, the higher band at IH = 3 throughout, and output within ±4 (−78 dBFS)', () => {
    // From reset DETL is 32, and 0 reaches the first three decision levels (35, 72, 110 scaled by 32/4096 round
    // to 0): interval 4, IL = 58. The lower band then wanders among small intervals, as every G.722 does.
    const codec = createG722Codec();
    const payload = encodeAll(codec, new Int16Array(RATE));
    expect(payload.subarray(0, 20).every((octet) => octet === 0xfa)).toBe(true);
    expect(payload.every((octet) => octet >> 6 === 3)).toBe(true);
    expect(decodeAll(codec, payload).every((sample) => Math.abs(sample) <= 4)).toBe(true);
  });

  it('refuses an output buffer that is too small, and an odd sample count, with InternalError', () => {
    const codec = createG722Codec();
    expect(() => codec.encode(new Int16Array(320), new Uint8Array(159))).toThrow(InternalError);
    expect(() => codec.encode(new Int16Array(320), new Uint8Array(159))).toThrow(/room for 159 octets/);
    expect(() => codec.encode(new Int16Array(321), new Uint8Array(200))).toThrow(/not whole pairs/);
    expect(() => codec.decode(new Uint8Array(160), new Int16Array(319))).toThrow(InternalError);
  });

  it('has the inverse log of SCALEL as 2048 · 2^(i/32) and a one-to-one 6-bit code assignment', () => {
    expect([...INVERSE_LOG]).toEqual(Array.from({ length: 32 }, (_, i) => Math.round(2048 * 2 ** (i / 32))));
    const codes = new Set<number>();
    for (let mil = 1; mil <= LOW_INTERVALS; mil++) {
      codes.add(lowCode(mil, false));
      codes.add(lowCode(mil, true));
      expect(LOW_INVERSE_6[lowCode(mil, true)]).toBe(-LOW_INVERSE_6[lowCode(mil, false)]!);
    }
    expect(codes.size).toBe(60);
    expect([...codes].every((code) => code >= 4 && code <= 63)).toBe(true);
  });

  it('carries a 1 kHz tone with its frequency and at least 40 dB SNR (measured 47 dB)', () => {
    const input = tone(1000, 10000, RATE);
    const codec = createG722Codec();
    const output = decodeAll(codec, encodeAll(codec, input));
    expect(snr(input, output)).toBeGreaterThan(40);
    const settled = output.subarray(RATE / 10);
    const atTone = powerAt(settled, 1000);
    for (const hz of [500, 900, 1100, 2000, 3000, 5000]) expect(atTone).toBeGreaterThan(1000 * powerAt(settled, hz));
  });

  it('delays by 22 samples: the alignment that gives a sweep its best SNR', () => {
    const input = sweepWithNoise(1);
    const codec = createG722Codec();
    const output = decodeAll(codec, encodeAll(codec, input));
    let best = 0;
    for (let lag = 0; lag < 64; lag++) if (snr(input, output, lag) > snr(input, output, best)) best = lag;
    expect(best).toBe(DELAY);
  });

  it('keeps its state across frames: 20 ms frames encode and decode exactly as the whole signal in one go', () => {
    const input = sweepWithNoise(1);
    const whole = createG722Codec();
    const wholePayload = encodeAll(whole, input);
    const wholeOutput = decodeAll(whole, wholePayload);
    const framed = createG722Codec();
    const payload = new Uint8Array(160);
    const output = new Int16Array(320);
    for (let offset = 0; offset < input.length; offset += 320) {
      expect(framed.encode(input.subarray(offset, offset + 320), payload)).toBe(160);
      expect([...payload]).toEqual([...wholePayload.subarray(offset / 2, offset / 2 + 160)]);
      expect(framed.decode(payload, output)).toBe(320);
      expect([...output]).toEqual([...wholeOutput.subarray(offset, offset + 320)]);
    }
  });

  it('keeps encoder and decoder state apart, and each codec object apart from every other', () => {
    const input = sweepWithNoise(1);
    const expectedPayload = encodeAll(createG722Codec(), input);
    const expectedOutput = decodeAll(createG722Codec(), expectedPayload);
    const other = encodeAll(createG722Codec(), tone(440, 20000, 640));
    // One codec decodes before it encodes, the other encodes before it decodes; a third runs in between.
    const decodesFirst = createG722Codec();
    decodesFirst.decode(other, new Int16Array(640));
    createG722Codec().encode(tone(3000, 20000, 640), new Uint8Array(320));
    expect(firstDifference(encodeAll(decodesFirst, input), expectedPayload)).toBe(-1);
    const encodesFirst = createG722Codec();
    encodesFirst.encode(tone(3000, 20000, 640), new Uint8Array(320));
    expect(firstDifference(decodeAll(encodesFirst, expectedPayload), expectedOutput)).toBe(-1);
  });

  it('survives full-scale input without wrapping: a ±32767 square wave comes back with the right sign', () => {
    const input = Int16Array.from({ length: RATE }, (_, i) => (Math.floor(i / 40) % 2 === 0 ? 32767 : -32768));
    const codec = createG722Codec();
    const payload = encodeAll(codec, input);
    expect(payload.every((octet) => (octet & 0x3f) >= 4)).toBe(true);
    const output = decodeAll(codec, payload);
    // Away from the edges, where the band limit rings, every sample keeps the input's sign and most of its size.
    const wrong: number[] = [];
    for (let i = RATE / 10; i + DELAY < output.length; i++) {
      const phase = i % 40;
      if (phase >= 10 && phase < 30 && Math.sign(output[i + DELAY]!) * Math.sign(input[i]!) !== 1) wrong.push(i);
      if (phase >= 10 && phase < 30 && Math.abs(output[i + DELAY]!) < 16384) wrong.push(i);
    }
    expect(wrong).toEqual([]);
  });
});

const hasFfmpeg = spawnSync('ffmpeg', ['-hide_banner', '-version'], { timeout: 10_000 }).status === 0;
const run = promisify(execFile);

describe.skipIf(!hasFfmpeg)('G.722 against FFmpeg (skipped without the ffmpeg command; scripts/test.sh installs it)', () => {
  const dir = hasFfmpeg ? mkdtempSync(path.join(tmpdir(), 'g722-')) : '';
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  let runs = 0;
  async function ffmpeg(inputArgs: string[], input: Uint8Array, outputArgs: string[]): Promise<Uint8Array> {
    runs++;
    const inFile = path.join(dir, `in${runs}.bin`);
    const outFile = path.join(dir, `out${runs}.bin`);
    writeFileSync(inFile, input);
    await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...inputArgs, '-i', inFile, ...outputArgs, outFile], { timeout: 10_000 });
    return new Uint8Array(readFileSync(outFile));
  }
  const PCM = ['-f', 's16le', '-ar', '16000', '-ac', '1'];
  const G722 = ['-f', 'g722'];
  const ffmpegEncode = (pcm: Int16Array) => ffmpeg(PCM, new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength), ['-c:a', 'g722', ...G722]);
  const ffmpegDecode = async (payload: Uint8Array) => {
    const bytes = await ffmpeg(G722, payload, PCM);
    return new Int16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2);
  };

  it('encodes a sweep with noise byte for byte as FFmpeg does, which decodes it at least 24 dB above the error (measured 26.7)', async () => {
    // The bound: the noise is white up to 8 kHz and G.722 carries only up to 7 kHz, and the higher band has 2 bits.
    const input = sweepWithNoise(3);
    const ours = encodeAll(createG722Codec(), input);
    expect(firstDifference(ours, await ffmpegEncode(input))).toBe(-1);
    const decoded = await ffmpegDecode(ours);
    expect(decoded.length).toBe(input.length);
    expect(snr(input, decoded)).toBeGreaterThan(24);
  });

  it('encodes full-scale noise, squares and Nyquist-rate input (the saturating paths) byte for byte as FFmpeg does', async () => {
    let seed = 99;
    const input = Int16Array.from({ length: 3 * RATE }, (_, i) => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      if (i < RATE) return seed & 0x8000 ? 32767 : -32768;
      return i < 2 * RATE ? (Math.floor(i / 5) % 2 ? 32767 : -32768) : i % 2 ? 32767 : -32768;
    });
    expect(firstDifference(encodeAll(createG722Codec(), input), await ffmpegEncode(input))).toBe(-1);
  });

  it('decodes what FFmpeg encoded exactly as FFmpeg decodes it', async () => {
    const payload = await ffmpegEncode(sweepWithNoise(3));
    expect(firstDifference(decodeAll(createG722Codec(), payload), await ffmpegDecode(payload))).toBe(-1);
  });

  it('decodes arbitrary octets (every code, unused ones too) exactly as FFmpeg does', async () => {
    let seed = 7;
    const payload = Uint8Array.from({ length: 32000 }, () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) >>> 24);
    expect(firstDifference(decodeAll(createG722Codec(), payload), await ffmpegDecode(payload))).toBe(-1);
  });
});
