// G.722 sub-band ADPCM, 64 kbit/s mode: the lower band's 6-bit and the higher band's 2-bit quantisers (§3.3–3.4, §4).

import { saturate16, SubBandState } from './SubBandState.ts';
import {
  HIGH_DECISION_LEVEL,
  HIGH_INVERSE,
  HIGH_LOG_MAX,
  HIGH_LOG_STEP,
  LOW_DECISION_LEVELS,
  LOW_INTERVALS,
  LOW_INVERSE_4,
  LOW_INVERSE_6,
  LOW_LOG_MAX,
  LOW_LOG_STEP,
  lowCode,
} from './tables.ts';

/** A lower sub-band state after reset (DETL = 32, G.722 §3.6). */
export function createLowBand(): SubBandState {
  return new SubBandState(32, LOW_LOG_MAX, 8);
}

/** A higher sub-band state after reset (DETH = 8, G.722 §3.6). */
export function createHighBand(): SubBandState {
  return new SubBandState(8, HIGH_LOG_MAX, 10);
}

/** |e| as the quantisers compare it: the one's complement for a negative difference, −(e + 1). */
function magnitude(difference: number): number {
  return difference < 0 ? -(difference + 1) : difference;
}

function clampSubBand(value: number): number {
  return value > 16383 ? 16383 : value < -16384 ? -16384 : value;
}

/** The lower band's predictor update from a 6-bit code: it adapts on the top four bits only (INVQAL, LOGSCL). */
function adaptLow(band: SubBandState, code: number): void {
  const code4 = code >> 2;
  band.adapt((band.scale * LOW_INVERSE_4[code4]!) >> 12, LOW_LOG_STEP[code4]!);
}

/** Quantises one lower sub-band sample xL into its 6-bit code IL (QUANTL) and adapts `band`. */
export function encodeLow(band: SubBandState, xl: number): number {
  const difference = saturate16(xl - band.predicted);
  const wd = magnitude(difference);
  let mil = 1;
  while (mil < LOW_INTERVALS && wd >= (LOW_DECISION_LEVELS[mil - 1]! * band.scale) >> 12) mil++;
  const code = lowCode(mil, difference < 0);
  adaptLow(band, code);
  return code;
}

/** Reconstructs one lower sub-band sample rL from its 6-bit code (INVQBL, RECONS, LIMIT) and adapts `band`. */
export function decodeLow(band: SubBandState, code: number): number {
  const reconstructed = clampSubBand(band.predicted + ((band.scale * LOW_INVERSE_6[code]!) >> 12));
  adaptLow(band, code);
  return reconstructed;
}

/** Quantises one higher sub-band sample xH into its 2-bit code IH (QUANTH) and adapts `band`. */
export function encodeHigh(band: SubBandState, xh: number): number {
  const difference = saturate16(xh - band.predicted);
  const outer = magnitude(difference) >= (HIGH_DECISION_LEVEL * band.scale) >> 12;
  // Table 9: IH 0 and 1 are the outer and inner negative intervals, 2 and 3 the outer and inner positive ones.
  const code = (difference < 0 ? 0 : 2) + (outer ? 0 : 1);
  band.adapt((band.scale * HIGH_INVERSE[code]!) >> 12, HIGH_LOG_STEP[code]!);
  return code;
}

/** Reconstructs one higher sub-band sample rH from its 2-bit code (INVQAH, RECONS, LIMIT) and adapts `band`. */
export function decodeHigh(band: SubBandState, code: number): number {
  const d = (band.scale * HIGH_INVERSE[code]!) >> 12;
  const reconstructed = clampSubBand(band.predicted + d);
  band.adapt(d, HIGH_LOG_STEP[code]!);
  return reconstructed;
}
