// Concealment on decoded PCM: the last frame repeated while it fades out over 60 ms, then silence.
import { describe, expect, it } from 'vitest';
import { PacketLossConcealer } from '../../../firmware-app/media/jitter/PacketLossConcealer.ts';

const frame = (value: number, length = 160): Int16Array => new Int16Array(length).fill(value);

describe('PacketLossConcealer', () => {
  it('repeats the last good frame with a linear fade that reaches zero after 60 ms, then plays silence', () => {
    const plc = new PacketLossConcealer(160);
    plc.played(frame(3000));
    const out = new Int16Array(160);
    const firsts: number[] = [];
    const lasts: number[] = [];
    for (let n = 0; n < 4; n++) {
      plc.conceal(out);
      firsts.push(out[0]!);
      lasts.push(out[159]!);
    }
    expect(firsts).toEqual([3000, 2000, 1000, 0]);
    // Each frame continues the ramp of the one before: no step between frames.
    expect(lasts[0]).toBe(Math.round(3000 * (1 - 159 / 480)));
    expect(lasts.slice(2)).toEqual([Math.round(3000 * (1 / 480)), 0]);
    plc.conceal(out);
    expect(out.every((sample) => sample === 0)).toBe(true);
  });

  it('starts again from full level after a good frame', () => {
    const plc = new PacketLossConcealer(160);
    const out = new Int16Array(160);
    plc.played(frame(-1000));
    plc.conceal(out);
    plc.conceal(out);
    plc.played(frame(500));
    plc.conceal(out);
    expect(out[0]).toBe(500);
  });

  it('plays silence when nothing was received yet, and works at 16 kHz frames too', () => {
    const out = frame(7, 320);
    new PacketLossConcealer(320).conceal(out);
    expect(out.every((sample) => sample === 0)).toBe(true);
    const wide = new PacketLossConcealer(320);
    wide.played(frame(960, 320));
    wide.conceal(out);
    expect([out[0], out[319]]).toEqual([960, Math.round(960 * (1 - 319 / 960))]);
  });
});
