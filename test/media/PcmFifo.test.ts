// PcmFifo: packets of any length in, fixed frames out, across the ring's wrap, with a bounded backlog.
import { describe, expect, it } from 'vitest';
import { PcmFifo } from '../../firmware-app/media/PcmFifo.ts';

const ramp = (from: number, count: number): Int16Array => Int16Array.from({ length: count }, (_, i) => from + i);

describe('PcmFifo', () => {
  it('turns 240-sample packets into 160-sample frames in order, across the wrap of its ring', () => {
    const fifo = new PcmFifo(400);
    const out: number[] = [];
    let next = 0;
    for (let tick = 0; tick < 30; tick++) {
      if (fifo.available < 160) {
        fifo.push(ramp(next, 240));
        next += 240;
      }
      const frame = new Int16Array(160);
      fifo.read(frame);
      out.push(...frame);
    }
    expect(out).toEqual(Array.from({ length: 30 * 160 }, (_, i) => i));
  });

  it('drops the oldest samples when full, and refuses to read more than it holds', () => {
    const fifo = new PcmFifo(100);
    fifo.push(ramp(0, 80));
    fifo.push(ramp(80, 80));
    expect(fifo.available).toBe(100);
    const frame = new Int16Array(100);
    fifo.read(frame);
    expect(frame[0]).toBe(60);
    expect(frame[99]).toBe(159);
    expect(() => fifo.read(new Int16Array(1))).toThrow(/PCM|read/);
    fifo.push(ramp(0, 250));
    expect(fifo.available).toBe(100);
    fifo.read(frame);
    expect(frame[0]).toBe(150);
  });
});
