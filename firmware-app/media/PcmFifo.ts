// A small FIFO of PCM samples between the decoder and the speaker: packets of any length (10, 20, 30, 60 ms) in,
// 20 ms frames out, so the speaker is fed in real time whatever packet time the far end chose.

import { InternalError } from '../errors.ts';

export class PcmFifo {
  readonly #buffer: Int16Array;
  #start = 0;
  #length = 0;

  constructor(capacity: number) {
    this.#buffer = new Int16Array(capacity);
  }

  /** Samples waiting. */
  get available(): number {
    return this.#length;
  }

  /** Appends `samples`; the oldest samples are dropped when they do not fit (a bounded backlog, never an error). */
  push(samples: Int16Array): void {
    const capacity = this.#buffer.length;
    let input = samples;
    if (input.length > capacity) input = input.subarray(input.length - capacity);
    const overflow = this.#length + input.length - capacity;
    if (overflow > 0) this.#skip(overflow);
    let at = (this.#start + this.#length) % capacity;
    let from = 0;
    while (from < input.length) {
      const run = Math.min(input.length - from, capacity - at);
      this.#buffer.set(input.subarray(from, from + run), at);
      from += run;
      at = (at + run) % capacity;
    }
    this.#length += input.length;
  }

  /** Fills `out` completely; throws when fewer samples wait (the caller checks `available` first). */
  read(out: Int16Array): void {
    if (out.length > this.#length) throw new InternalError('PCM_FIFO_UNDERRUN', `read ${out.length} of ${this.#length} samples`);
    const capacity = this.#buffer.length;
    let to = 0;
    while (to < out.length) {
      const run = Math.min(out.length - to, capacity - this.#start);
      out.set(this.#buffer.subarray(this.#start, this.#start + run), to);
      to += run;
      this.#start = (this.#start + run) % capacity;
    }
    this.#length -= out.length;
  }

  #skip(count: number): void {
    this.#start = (this.#start + count) % this.#buffer.length;
    this.#length -= count;
  }
}
