// What each tone the door plays to the visitor is made of: frequencies and on/off cadences (ITU-T E.180, ETSI ES 201 970).

export type ToneName = 'ringback' | 'busy' | 'unavailable' | 'doorOpened' | 'listening' | 'callEnding';

/** Fade-in and fade-out of every tone burst unless a segment says otherwise: short enough not to blur the cadence. */
export const DEFAULT_RAMP_MS = 5;

/** One part of a tone: a sine of `hz` for `ms` milliseconds, faded in and out, or silence when `hz` is 0. */
export interface ToneSegment {
  readonly hz: number;
  /** Whole milliseconds, so that the length is a whole number of samples at 8 and 16 kHz. */
  readonly ms: number;
  readonly attackMs?: number;
  readonly releaseMs?: number;
}

export interface ToneCadence {
  readonly segments: readonly ToneSegment[];
  /** Starts over after the last segment instead of ending. */
  readonly repeats: boolean;
}

const silence = (ms: number): ToneSegment => ({ hz: 0, ms });

/*
 * The call progress tones as a caller in Germany or Austria knows them from the public network: 425 Hz, the
 * frequency ETSI ES 201 970 (and ETR 187 for tones generated in terminals) recommends. Cadences as ITU-T E.180
 * Supplement 2 lists them for Germany: ringing tone 1.0 s on / 4.0 s off; busy tone 0.48 s on / 0.48 s off.
 * The special information tone is ITU-T E.180's: 950, 1400 and 1800 Hz, 330 ± 70 ms each, gaps of
 * at most 30 ms between them, 1 s of silence before the sequence repeats.
 */
const BUSY_CYCLES = 4;
const SIT_SEQUENCES = 2;
const SIT_GAP_MS = 30;
const SIT_PAUSE_MS = 1000;
/** The call-time warning: this many short beeps. */
const CALL_ENDING_BEEPS = 3;

function busy(): ToneSegment[] {
  const cycle = [{ hz: 425, ms: 480 }, silence(480)];
  return Array.from({ length: BUSY_CYCLES }, () => cycle).flat();
}

function specialInformationTone(): ToneSegment[] {
  const sequence = [{ hz: 950, ms: 330 }, silence(SIT_GAP_MS), { hz: 1400, ms: 330 }, silence(SIT_GAP_MS), { hz: 1800, ms: 330 }];
  const segments: ToneSegment[] = [];
  for (let i = 0; i < SIT_SEQUENCES; i++) {
    if (i > 0) segments.push(silence(SIT_PAUSE_MS));
    segments.push(...sequence);
  }
  return segments;
}

function callEnding(): ToneSegment[] {
  const beep = { hz: 1400, ms: 160 };
  return Array.from({ length: CALL_ENDING_BEEPS }, (_, i) => (i === 0 ? [beep] : [silence(160), beep])).flat();
}

/** Every tone by name. Finite tones end with their last segment; only ringback repeats. */
export const TONE_CADENCES: Readonly<Record<ToneName, ToneCadence>> = {
  ringback: { segments: [{ hz: 425, ms: 1000 }, silence(4000)], repeats: true },
  busy: { segments: busy(), repeats: false },
  unavailable: { segments: specialInformationTone(), repeats: false },
  // Our own: a rising fourth (about E5 to A5), the second note fading out slowly like a chime.
  doorOpened: {
    segments: [
      { hz: 660, ms: 150, releaseMs: 20 },
      { hz: 880, ms: 150, releaseMs: 80 },
    ],
    repeats: false,
  },
  // Our own: the short beep that tells the visitor someone at the flat is listening in.
  listening: { segments: [{ hz: 1400, ms: 200 }], repeats: false },
  // Our own: three short beeps, the listening tone's pitch, before the door ends a call at its maximum time.
  callEnding: { segments: callEnding(), repeats: false },
};
