// The constants of ITU-T G.722 (11/88) §3–4: QMF taps, quantiser levels, scale-factor steps and the inverse log.

/*
 * Scaling: G.722 writes its inverse-quantiser outputs as 16-bit words meant for `(DET · QM) >> 15`, eight
 * times the values below; these tables hold them divided by 8 and the code uses `(DET · value) >> 12`, the same
 * integer for every DET and code. Decision levels and output levels are in the spec's own units.
 */

/** Transmit and receive QMF taps h0 … h23 (G.722 Table 11, × 2^13). Symmetric: h[i] = h[23 − i]. */
export const QMF_TAPS: Int32Array = Int32Array.of(
  3, -11, -11, 53, 12, -156, 32, 362, -210, -805, 951, 3876,
  3876, 951, -805, -210, 362, 32, -156, 12, 53, -11, -11, 3,
);

/**
 * Lower sub-band decision levels Q6(1) … Q6(29) (G.722 Table 6), to be scaled by DETL. The quantiser interval
 * `mil` (1 … 30) of a difference is 1 + the number of levels it reaches; interval 30 is open above.
 */
export const LOW_DECISION_LEVELS: Int32Array = Int32Array.of(
  35, 72, 110, 150, 190, 233, 276, 323, 370, 422, 473, 530, 587, 650, 714,
  786, 858, 940, 1023, 1121, 1219, 1339, 1458, 1612, 1765, 1980, 2195, 2557, 2919,
);

/** Lower sub-band output level of interval mil = 1 … 30 (index mil − 1): the middle of each interval. */
const LOW_OUTPUT_LEVELS: readonly number[] = [
  17, 54, 91, 130, 170, 211, 254, 300, 347, 396, 447, 501, 558, 618, 682,
  750, 822, 899, 982, 1072, 1170, 1279, 1399, 1535, 1689, 1873, 2088, 2376, 2738, 3101,
];

/** The number of lower sub-band quantiser intervals on each side of zero. */
export const LOW_INTERVALS = 30;

/**
 * The 6-bit code IL of interval `mil` on one side of zero (G.722 Table 6, columns ILN and ILP): positive
 * differences count down from 61, negative ones 63, 62 and then from 31 down to 4 (so that the two top bits of a
 * positive code are 1x and of a negative one 0x, except for the two smallest intervals).
 */
export function lowCode(mil: number, negative: boolean): number {
  if (!negative) return 62 - mil;
  return mil <= 2 ? 64 - mil : 34 - mil;
}

/**
 * Lower sub-band inverse quantiser of 64 kbit/s mode (QM6, G.722 Table 6), indexed by the 6-bit code.
 * Codes 0 … 3 are never sent; they decode as the smallest negative level, as the ITU reference does.
 */
export const LOW_INVERSE_6: Int32Array = (() => {
  const table = new Int32Array(64).fill(-LOW_OUTPUT_LEVELS[0]!);
  for (let mil = 1; mil <= LOW_INTERVALS; mil++) {
    table[lowCode(mil, false)] = LOW_OUTPUT_LEVELS[mil - 1]!;
    table[lowCode(mil, true)] = -LOW_OUTPUT_LEVELS[mil - 1]!;
  }
  return table;
})();

/**
 * Lower sub-band inverse quantiser used by the predictor (QM4, G.722 Table 7), indexed by the code's top four
 * bits IL >> 2: the encoder and every decoder mode adapt on these 4 bits alone, so all modes stay in step.
 */
export const LOW_INVERSE_4: Int32Array = Int32Array.of(
  0, -2557, -1612, -1121, -786, -530, -323, -150,
  2557, 1612, 1121, 786, 530, 323, 150, 0,
);

/**
 * Lower sub-band log scale-factor step WL(RIL42(IL >> 2)) (G.722 Table 8 through RIL42), indexed by IL >> 2:
 * large differences widen the quantiser, small ones narrow it.
 */
export const LOW_LOG_STEP: Int32Array = Int32Array.of(
  -60, 3042, 1198, 538, 334, 172, 58, -30,
  3042, 1198, 538, 334, 172, 58, -30, -60,
);

/** Largest lower sub-band log scale factor NBL (G.722 §3.5, LOGSCL). */
export const LOW_LOG_MAX = 18432;

/** Higher sub-band decision level Q2 (G.722 Table 9), to be scaled by DETH. */
export const HIGH_DECISION_LEVEL = 564;

/** Higher sub-band inverse quantiser QM2 (G.722 Table 9), indexed by the 2-bit code IH. */
export const HIGH_INVERSE: Int32Array = Int32Array.of(-926, -202, 926, 202);

/** Higher sub-band log scale-factor step WH(RIH2(IH)) (G.722 Table 10), indexed by IH. */
export const HIGH_LOG_STEP: Int32Array = Int32Array.of(798, -214, 798, -214);

/** Largest higher sub-band log scale factor NBH (G.722 §3.5, LOGSCH). */
export const HIGH_LOG_MAX = 22528;

/** The inverse log ILB (G.722 §3.5, SCALEL): round(2048 · 2^(i/32)) for i = 0 … 31. */
export const INVERSE_LOG: Int32Array = Int32Array.of(
  2048, 2093, 2139, 2186, 2233, 2282, 2332, 2383, 2435, 2489, 2543, 2599, 2656, 2714, 2774, 2834,
  2896, 2960, 3025, 3091, 3158, 3228, 3298, 3371, 3444, 3520, 3597, 3676, 3756, 3838, 3922, 4008,
);
