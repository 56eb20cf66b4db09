// The real microphone recorder: node-record-lpcm16 running arecord (the ALSA recorder on the Pi), raw 16-bit mono.

import recorder from 'node-record-lpcm16';
import type { Recorder, RecorderFactory } from './Recorder.ts';

/**
 * Spawns `arecord -q -r <rate> -c 1 -t raw -f S16_LE [-D device] -`. The package's own spawn is not injectable,
 * which is why the microphone takes a RecorderFactory and tests pass a fake one.
 */
export const lpcm16Recorder: RecorderFactory = (options) => {
  const recording = recorder.record({
    recorder: 'arecord',
    sampleRate: options.sampleRate,
    channels: 1,
    audioType: 'raw',
    ...(options.device === undefined ? {} : { device: options.device }),
  });
  const handle: Recorder = {
    command: 'arecord',
    process: recording.process,
    stream: recording.stream(),
    stop: () => {
      try {
        recording.stop();
      } catch {
        // Already gone: nothing to end.
      }
    },
  };
  return handle;
};
