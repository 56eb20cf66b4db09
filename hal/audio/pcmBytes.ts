// 16-bit little-endian PCM bytes (what arecord writes and aplay reads with -f S16_LE) to and from Int16Array frames.

/** `samples` as S16_LE bytes, in a new buffer (explicit byte order, so it holds on any host). */
export function toS16le(samples: Int16Array): Uint8Array {
  const bytes = new Uint8Array(samples.length * 2);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < samples.length; i++) view.setInt16(i * 2, samples[i]!, true);
  return bytes;
}

/** Reads `count` S16_LE samples from `bytes` at `offset` into a new array. */
export function fromS16le(bytes: Uint8Array, offset: number, count: number): Int16Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Int16Array(count);
  for (let i = 0; i < count; i++) out[i] = view.getInt16(offset + i * 2, true);
  return out;
}

/**
 * Cuts a byte stream into frames of `samplesPerFrame` samples. A pipe delivers chunks of any size, even an odd
 * number of bytes, so the tail of one chunk is kept and joined to the next.
 */
export class FrameAssembler {
  readonly #frameBytes: number;
  readonly #pending: Uint8Array;
  #filled = 0;

  constructor(samplesPerFrame: number) {
    this.#frameBytes = samplesPerFrame * 2;
    this.#pending = new Uint8Array(this.#frameBytes);
  }

  /** Calls `emit` once per complete frame in `chunk` (with what was left over before). */
  push(chunk: Uint8Array, emit: (frame: Int16Array) => void): void {
    let at = 0;
    while (at < chunk.length) {
      const take = Math.min(this.#frameBytes - this.#filled, chunk.length - at);
      this.#pending.set(chunk.subarray(at, at + take), this.#filled);
      this.#filled += take;
      at += take;
      if (this.#filled === this.#frameBytes) {
        this.#filled = 0;
        emit(fromS16le(this.#pending, 0, this.#frameBytes / 2));
      }
    }
  }

  /** Drops a partial frame (a new recorder process starts a new stream). */
  reset(): void {
    this.#filled = 0;
  }
}
