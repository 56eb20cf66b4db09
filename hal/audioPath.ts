// The processing around the sound devices: mic gain, speaker volume, and the one stage on the microphone path
// where an echo canceller fed with what the speaker plays will sit (identity for now).

import type { Microphone, SampleRate, Speaker } from './audio.ts';
import { applyLevel } from './audioLevel.ts';

/**
 * A stage on the path microphone → encoder. An echo canceller needs both ends: `played` gets every frame the
 * speaker is given (after volume), `process` every microphone frame (after gain) and returns what is sent on.
 */
export interface AudioStage {
  /** A call's audio starts at this rate: drop state from the previous call. */
  reset(sampleRate: SampleRate): void;
  /** The far end's frame, as the speaker will play it. */
  played(frame: Int16Array): void;
  /** The near end's frame; returns the frame to encode (the same array or a new one). */
  process(frame: Int16Array): Int16Array;
}

/** Passes the microphone through unchanged (the slot a later echo canceller fills). */
export const identityStage: AudioStage = {
  reset: () => {},
  played: () => {},
  process: (frame) => frame,
};

export interface AudioPathOptions {
  readonly microphone: Microphone;
  readonly speaker: Speaker;
  /** Linear microphone gain (1 = unchanged); see levelFactor for the accepted range. */
  readonly micGain?: number;
  /** Linear speaker volume (1 = unchanged). */
  readonly speakerVolume?: number;
  readonly stage?: AudioStage;
}

export interface AudioPath {
  /** The microphone as the call sees it: gain, then the stage. */
  readonly microphone: Microphone;
  /** The speaker as the call sees it: volume, then the stage sees the frame, then the device plays it. */
  readonly speaker: Speaker;
  /** Changes apply from the next frame (the config page edits them live). */
  setMicGain(factor: number): void;
  setSpeakerVolume(factor: number): void;
}

/** Wraps a microphone and a speaker (real drivers or fakes) into the path the call uses. */
export function createAudioPath(options: AudioPathOptions): AudioPath {
  const inner = { microphone: options.microphone, speaker: options.speaker };
  const stage = options.stage ?? identityStage;
  let micGain = options.micGain ?? 1;
  let speakerVolume = options.speakerVolume ?? 1;
  const microphone: Microphone = {
    start(start) {
      stage.reset(start.sampleRate);
      const onFrame = start.onFrame;
      inner.microphone.start({ ...start, onFrame: (frame) => onFrame(stage.process(applyLevel(frame, micGain))) });
    },
    stop: () => inner.microphone.stop(),
  };
  const speaker: Speaker = {
    start: (start) => inner.speaker.start(start),
    write(frame) {
      const scaled = applyLevel(frame, speakerVolume);
      stage.played(scaled);
      inner.speaker.write(scaled);
    },
    stop: () => inner.speaker.stop(),
  };
  return {
    microphone,
    speaker,
    setMicGain: (factor) => void (micGain = factor),
    setSpeakerVolume: (factor) => void (speakerVolume = factor),
  };
}
