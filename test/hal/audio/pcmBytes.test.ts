// S16_LE conversion and the frame assembler.

import { describe, expect, it } from 'vitest';
import { FrameAssembler, fromS16le, toS16le } from '../../../hal/audio/pcmBytes.ts';

describe('S16_LE', () => {
  it('writes little-endian and reads back the same samples', () => {
    const samples = Int16Array.of(0, 1, -1, 32767, -32768, 0x1234);
    const bytes = toS16le(samples);
    expect(Array.from(bytes.subarray(0, 4))).toEqual([0, 0, 1, 0]);
    expect(Array.from(bytes.subarray(10, 12))).toEqual([0x34, 0x12]);
    expect(Array.from(fromS16le(bytes, 0, samples.length))).toEqual(Array.from(samples));
  });
});

describe('FrameAssembler', () => {
  it('emits whole frames from chunks of any size and keeps the remainder; reset drops it', () => {
    const frames: number[][] = [];
    const assembler = new FrameAssembler(2);
    const bytes = toS16le(Int16Array.of(1, 2, 3, 4, 5));
    assembler.push(bytes.subarray(0, 1), (f) => frames.push(Array.from(f)));
    assembler.push(bytes.subarray(1, 7), (f) => frames.push(Array.from(f)));
    expect(frames).toEqual([[1, 2]]);
    assembler.push(bytes.subarray(7, 9), (f) => frames.push(Array.from(f)));
    expect(frames).toEqual([[1, 2], [3, 4]]);
    assembler.push(bytes.subarray(9), (f) => frames.push(Array.from(f)));
    assembler.reset();
    assembler.push(toS16le(Int16Array.of(7, 8)), (f) => frames.push(Array.from(f)));
    expect(frames).toEqual([[1, 2], [3, 4], [7, 8]]);
  });
});
