// Packet-loss concealment for G.711 on decoded PCM: the last good frame repeated and faded out, then silence.

/** Concealed time after which only silence is played (three 20 ms frames). */
export const CONCEAL_FADE_MS = 60;

/**
 * Fills the gaps the jitter buffer reports. The first concealed frame after a good one repeats it, and over
 * the next 60 ms the repetitions fade linearly to zero (each frame continues the ramp of the one before, so
 * there is no click); from then on it plays silence until a good frame comes. Sample rate independent: it
 * works on whatever frame length it is given (160 samples for G.711, 320 for G.722).
 */
export class PacketLossConcealer {
  readonly #last: Int16Array;
  readonly #fadeSamples: number;
  #haveLast = false;
  /** Samples concealed since the last good frame. */
  #concealed = 0;

  constructor(samplesPerFrame: number, frameMs = 20) {
    this.#last = new Int16Array(samplesPerFrame);
    this.#fadeSamples = Math.round((samplesPerFrame * CONCEAL_FADE_MS) / frameMs);
  }

  /** Records a frame that was decoded from a real packet (call it for every good frame, before playing it). */
  played(pcm: Int16Array): void {
    this.#last.set(pcm.subarray(0, this.#last.length));
    this.#haveLast = true;
    this.#concealed = 0;
  }

  /** Writes one concealment frame into `out` (its length is one frame). */
  conceal(out: Int16Array): void {
    const length = this.#last.length;
    for (let i = 0; i < length; i++) {
      const gain = this.#haveLast ? Math.max(0, 1 - (this.#concealed + i) / this.#fadeSamples) : 0;
      out[i] = gain === 0 ? 0 : Math.round(this.#last[i]! * gain);
    }
    this.#concealed += length;
  }
}
