// The path around the devices: gain on the microphone, volume on the speaker, the stage sees both ends.

import { describe, expect, it } from 'vitest';
import type { SampleRate } from '../../hal/audio.ts';
import { createAudioPath, type AudioStage } from '../../hal/audioPath.ts';
import type { Microphone, MicrophoneStart, Speaker } from '../../hal/audio.ts';

function devices() {
  let micStart: MicrophoneStart | undefined;
  const written: number[][] = [];
  const microphone: Microphone = { start: (s) => void (micStart = s), stop: () => {} };
  const speaker: Speaker = { start: () => {}, write: (f) => void written.push(Array.from(f)), stop: () => {} };
  return { microphone, speaker, written, capture: (samples: number[]) => micStart!.onFrame(Int16Array.from(samples)) };
}

function recordingStage() {
  const log: string[] = [];
  const stage: AudioStage = {
    reset: (rate: SampleRate) => void log.push(`reset ${rate}`),
    played: (f) => void log.push(`played ${Array.from(f).join(',')}`),
    process: (f) => {
      log.push(`process ${Array.from(f).join(',')}`);
      return f.map((s) => s - 1);
    },
  };
  return { stage, log };
}

describe('createAudioPath', () => {
  it('applies mic gain before the stage and sends on what the stage returns', () => {
    const d = devices();
    const { stage, log } = recordingStage();
    const path = createAudioPath({ ...d, micGain: 2, stage });
    const sent: number[][] = [];
    path.microphone.start({ sampleRate: 16000, onFrame: (f) => void sent.push(Array.from(f)) });
    d.capture([10, 20000]); // 40000 clips to 32767 before the stage
    expect(log).toEqual(['reset 16000', 'process 20,32767']);
    expect(sent).toEqual([[19, 32766]]);
  });

  it('applies speaker volume, and the stage sees the frame as the speaker will play it', () => {
    const d = devices();
    const { stage, log } = recordingStage();
    const path = createAudioPath({ ...d, speakerVolume: 0.5, stage });
    path.speaker.write(Int16Array.of(100, -8));
    expect(log).toEqual(['played 50,-4']);
    expect(d.written).toEqual([[50, -4]]);
  });

  it('gain and volume changes apply from the next frame; the default stage passes audio through', () => {
    const d = devices();
    const path = createAudioPath(d);
    const sent: number[][] = [];
    path.microphone.start({ sampleRate: 8000, onFrame: (f) => void sent.push(Array.from(f)) });
    d.capture([100]);
    path.setMicGain(3);
    d.capture([100]);
    path.speaker.write(Int16Array.of(100));
    path.setSpeakerVolume(0);
    path.speaker.write(Int16Array.of(100));
    expect(sent).toEqual([[100], [300]]);
    expect(d.written).toEqual([[100], [0]]);
  });
});
