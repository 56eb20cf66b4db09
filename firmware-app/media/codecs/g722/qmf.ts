// G.722's quadrature mirror filters: 16 kHz PCM ⇄ the lower and higher 8 kHz sub-bands (ITU-T G.722 §3.2, §4.4).

import { saturate16 } from './SubBandState.ts';
import { QMF_TAPS } from './tables.ts';

/*
 * Scaling. G.722 takes 14-bit PCM and gives its sub-band signals a 15-bit range; we take and give 16-bit PCM.
 * The taps sum to 2^13, so a 16-bit DC level x reaches the lower band as x/2 (the spec's range), and the
 * receive side, whose taps meet each sub-band sample twice, doubles it back. The extra two input bits are kept
 * rather than dropped, as FFmpeg does, so 16-bit audio is not truncated to 14 bits first.
 */
const TRANSMIT_SHIFT = 14;
const RECEIVE_SHIFT = 11;

/** The transmit QMF: splits each pair of 16 kHz samples into one lower and one higher sub-band sample. */
export class TransmitQmf {
  /** The lower sub-band sample xL of the last `split`. */
  low = 0;
  /** The higher sub-band sample xH of the last `split`. */
  high = 0;
  /** x(j), x(j−1) … x(j−23): the last 24 input samples, newest first. */
  readonly #history = new Int32Array(24);

  /** Takes x(j−1) and x(j) (in time order) and sets `low` and `high`. */
  split(earlier: number, later: number): void {
    const x = this.#history;
    for (let k = 23; k > 1; k--) x[k] = x[k - 2]!;
    x[1] = earlier;
    x[0] = later;
    // xA = Σ h(2i)·x(j − 2i), xB = Σ h(2i + 1)·x(j − 2i − 1); xL = xA + xB, xH = xA − xB.
    let evenSum = 0;
    let oddSum = 0;
    for (let i = 0; i < 24; i += 2) {
      evenSum += QMF_TAPS[i]! * x[i]!;
      oddSum += QMF_TAPS[i + 1]! * x[i + 1]!;
    }
    this.low = (evenSum + oddSum) >> TRANSMIT_SHIFT;
    this.high = (evenSum - oddSum) >> TRANSMIT_SHIFT;
  }
}

/** The receive QMF: joins one lower and one higher sub-band sample into two 16 kHz samples. */
export class ReceiveQmf {
  /** The earlier of the two output samples of the last `join`. */
  first = 0;
  /** The later of the two output samples of the last `join`. */
  second = 0;
  /** xd = rL − rH and xs = rL + rH of the last 12 sub-band samples, newest first. */
  readonly #difference = new Int32Array(12);
  readonly #sum = new Int32Array(12);

  /** Takes rL(j) and rH(j) and sets `first` and `second`. */
  join(low: number, high: number): void {
    const xd = this.#difference;
    const xs = this.#sum;
    for (let i = 11; i > 0; i--) {
      xd[i] = xd[i - 1]!;
      xs[i] = xs[i - 1]!;
    }
    xd[0] = low - high;
    xs[0] = low + high;
    // xout1 = Σ h(2i)·xd(j − i), xout2 = Σ h(2i + 1)·xs(j − i).
    let first = 0;
    let second = 0;
    for (let i = 0; i < 12; i++) {
      first += QMF_TAPS[2 * i]! * xd[i]!;
      second += QMF_TAPS[2 * i + 1]! * xs[i]!;
    }
    this.first = saturate16(first >> RECEIVE_SHIFT);
    this.second = saturate16(second >> RECEIVE_SHIFT);
  }
}
