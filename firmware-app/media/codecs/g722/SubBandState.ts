// One G.722 sub-band's ADPCM state: the adaptive predictor and the quantiser scale factor (ITU-T G.722 §3.5–3.6).

import { INVERSE_LOG } from './tables.ts';

/** Saturates to a 16-bit two's-complement word, as G.722's 16-bit arithmetic does. */
export function saturate16(value: number): number {
  return value > 32767 ? 32767 : value < -32768 ? -32768 : value;
}

function clamp(value: number, low: number, high: number): number {
  return value > high ? high : value < low ? low : value;
}

/**
 * The state both sub-bands share in shape: a pole-zero predictor (two poles, six zeros) fed by the quantised
 * difference signal, and a scale factor adapted in the log domain. An encoder and the decoder that receives
 * its codes run the same updates on the same inputs, so their states stay identical.
 */
export class SubBandState {
  /** Predictor output s = sp + sz for the next sample (SL or SH). */
  predicted = 0;
  /** Quantiser scale factor DET (DETL or DETH); always a multiple of 4. */
  scale: number;
  /** Log scale factor NB (NBL or NBH). */
  #logScale = 0;
  /** Zero-section output sz for the next sample (SZL or SZH). */
  #zeroOutput = 0;
  /** Pole coefficients a1, a2 (AL1, AL2), in units of 2^-14. */
  #a1 = 0;
  #a2 = 0;
  /** Zero coefficients b1 … b6 (BL1 … BL6), in units of 2^-14. */
  readonly #b = new Int32Array(6);
  /** Past quantised differences d(j−1) … d(j−6) (DLT1 … DLT6). */
  readonly #pastDifferences = new Int32Array(6);
  /** Signs (true = negative) of the partially reconstructed signal p one and two samples back. */
  #p1Negative = false;
  #p2Negative = false;
  /** The previous reconstructed signal r(j−1), doubled and saturated as FILTEP uses it. */
  #r1Doubled = 0;
  readonly #logMax: number;
  readonly #scaleShift: number;

  /**
   * @param initialScale DET after reset (32 for the lower band, 8 for the higher one).
   * @param logMax the upper limit of NB (18432 lower, 22528 higher).
   * @param scaleShift the exponent offset of SCALEL/SCALEH (8 lower, 10 higher).
   */
  constructor(initialScale: number, logMax: number, scaleShift: number) {
    this.scale = initialScale;
    this.#logMax = logMax;
    this.#scaleShift = scaleShift;
  }

  /**
   * Runs one sample's adaptation with the quantised difference `d` (DLT or DH, computed with the current
   * scale) and the log-domain step of its code (WL or WH): PARREC, RECONS, UPPOL2, UPPOL1, UPZERO, DELAYA,
   * FILTEP, FILTEZ and PREDIC, then LOGSCL/LOGSCH and SCALEL/SCALEH.
   */
  adapt(d: number, logStep: number): void {
    this.#adaptPredictor(d);
    this.#logScale = clamp(((this.#logScale * 127) >> 7) + logStep, 0, this.#logMax);
    const exponent = (this.#logScale >> 11) - this.#scaleShift;
    const mantissa = INVERSE_LOG[(this.#logScale >> 6) & 31]!;
    this.scale = (exponent >= 0 ? mantissa << exponent : mantissa >> -exponent) << 2;
  }

  #adaptPredictor(d: number): void {
    // The sign of p = sz + d drives the pole updates; zero counts as positive (the sign bit of the word).
    const pNegative = this.#zeroOutput + d < 0;
    const rDoubled = saturate16((this.predicted + d) * 2);

    // UPPOL2: a2 ← a2·(1 − 2^-7) ∓ 4·a1·2^-7 + ±2^-7. The spec's 4·a1 saturates at 16 bits, hence a1 within ±8191.
    const a1Limited = clamp(this.#a1, -8191, 8191);
    const a1Term = (pNegative !== this.#p1Negative ? a1Limited : -a1Limited) >> 5;
    const a2 = clamp(a1Term + (pNegative === this.#p2Negative ? 128 : -128) + ((this.#a2 * 127) >> 7), -12288, 12288);
    // UPPOL1: a1 ← a1·(1 − 2^-8) ± 3·2^-8, kept within 1 − 2^-4 − a2 for stability.
    const a1Limit = 15360 - a2;
    this.#a1 = clamp((pNegative === this.#p1Negative ? 192 : -192) + ((this.#a1 * 255) >> 8), -a1Limit, a1Limit);
    this.#a2 = a2;
    this.#p2Negative = this.#p1Negative;
    this.#p1Negative = pNegative;

    // UPZERO: b_i ← b_i·(1 − 2^-8) + 2^-7·sgn(d)·sgn(d(j−i)); only the leak when d is 0. Then DELAYA.
    const b = this.#b;
    const past = this.#pastDifferences;
    for (let i = 0; i < 6; i++) {
      const leaked = (b[i]! * 255) >> 8;
      b[i] = d === 0 ? leaked : leaked + ((past[i]! < 0) === (d < 0) ? 128 : -128);
    }
    for (let i = 5; i > 0; i--) past[i] = past[i - 1]!;
    past[0] = d;

    // FILTEZ and FILTEP on the new coefficients, then PREDIC.
    let zeroOutput = 0;
    for (let i = 0; i < 6; i++) zeroOutput += (saturate16(past[i]! * 2) * b[i]!) >> 15;
    const poleOutput = ((this.#a1 * rDoubled) >> 15) + ((a2 * this.#r1Doubled) >> 15);
    this.#r1Doubled = rDoubled;
    this.#zeroOutput = zeroOutput;
    this.predicted = saturate16(zeroOutput + poleOutput);
  }
}
