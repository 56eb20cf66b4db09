// createHal: the one place that picks real or fake hardware. Simulator: fake microphone (a 440 Hz tone, or the
// `--sim-mic` WAV in a loop) and fake speaker (writes the `--sim-speaker` WAV when a call ends). Device: arecord
// through node-record-lpcm16 and aplay, each running only during a call.

import type { Microphone, Speaker } from './audio.ts';
import { AplaySpeaker } from './audio/AplaySpeaker.ts';
import { lpcm16Recorder } from './audio/lpcm16Recorder.ts';
import { RecorderMicrophone } from './audio/RecorderMicrophone.ts';
import { spawnAudio } from './audio/spawnAudio.ts';
import { createAudioPath, type AudioPath } from './audioPath.ts';
import { FakeMicrophone } from './fake/FakeMicrophone.ts';
import { FakeSpeaker } from './fake/FakeSpeaker.ts';
import type { HalClock, HalLogger } from './ports.ts';

/** What createHal needs from the configuration (hal cannot import firmware-app's config types). */
export interface HalConfig {
  readonly simulate: boolean;
  readonly audio: {
    readonly microphone: { readonly device?: string | undefined; readonly gain: number };
    readonly speaker: { readonly device?: string | undefined; readonly volume: number };
  };
  /** Simulator only: a WAV file the fake microphone loops instead of its 440 Hz tone. */
  readonly simMic?: string | undefined;
  /** Simulator only: the WAV file the fake speaker writes each call's audio into. */
  readonly simSpeaker?: string | undefined;
}

export interface Hal {
  /** The microphone and speaker as a call sees them (gain, volume, the echo-canceller slot). */
  readonly audio: AudioPath;
  /** `fake` in the simulator. */
  readonly kind: 'fake' | 'device';
}

export type HalResult = { readonly ok: true; readonly hal: Hal } | { readonly ok: false; readonly error: string };

export function createHal(config: HalConfig, platform: { readonly clock: HalClock; readonly logger: HalLogger }): HalResult {
  const { clock, logger } = platform;
  let microphone: Microphone;
  let speaker: Speaker;
  if (config.simulate) {
    if (config.simMic !== undefined) {
      const mic = FakeMicrophone.fromWavFile(config.simMic, { clock });
      if (!mic.ok) return { ok: false, error: `--sim-mic ${config.simMic}: ${mic.error}` };
      microphone = mic.value;
    } else {
      microphone = new FakeMicrophone({ clock });
    }
    // Without --sim-speaker nothing is kept: a long simulated call costs no memory.
    speaker = new FakeSpeaker({ ...(config.simSpeaker !== undefined ? { wavPath: config.simSpeaker } : { retain: false }), logger });
  } else {
    const mic = config.audio.microphone.device;
    const out = config.audio.speaker.device;
    microphone = new RecorderMicrophone({ clock, logger, recorder: lpcm16Recorder, ...(mic !== undefined ? { device: mic } : {}) });
    speaker = new AplaySpeaker({ clock, logger, spawn: spawnAudio, ...(out !== undefined ? { device: out } : {}) });
  }
  const audio = createAudioPath({ microphone, speaker, micGain: config.audio.microphone.gain, speakerVolume: config.audio.speaker.volume });
  return { ok: true, hal: { audio, kind: config.simulate ? 'fake' : 'device' } };
}
