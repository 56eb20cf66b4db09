// DoorAudio: one call at a time holds the microphone and speaker; tones play alone on their own pacer or mix into the
// call's frames; a tone wanted by two owners stops only when both let it go.

import { describe, expect, it } from 'vitest';
import type { Microphone, MicrophoneStart, Speaker, SpeakerStart } from '../../hal/audio.ts';
import { FakeSpeaker } from '../../hal/fake/FakeSpeaker.ts';
import { DoorAudio } from '../../firmware-app/media/DoorAudio.ts';
import { FakeClock } from '../../firmware-app/platform/FakeClock.ts';
import { collectingLogger, zeroCrossingHz } from './support/mediaRig.ts';

/** A microphone the test feeds by hand. */
class ManualMicrophone implements Microphone {
  readonly starts: MicrophoneStart[] = [];
  running = false;
  start(options: MicrophoneStart): void {
    this.starts.push(options);
    this.running = true;
  }
  stop(): void {
    this.running = false;
  }
  push(value: number): void {
    if (this.running) this.starts.at(-1)!.onFrame(new Int16Array(160).fill(value));
  }
}

/** A FakeSpeaker that also counts its starts and stops. */
class CountingSpeaker implements Speaker {
  readonly inner = new FakeSpeaker();
  readonly starts: SpeakerStart[] = [];
  stops = 0;
  start(options: SpeakerStart): void {
    this.starts.push(options);
    this.inner.start(options);
  }
  write(frame: Int16Array): void {
    this.inner.write(frame);
  }
  stop(): void {
    this.stops++;
    this.inner.stop();
  }
  get samples(): Int16Array {
    return this.inner.played?.samples ?? new Int16Array(0);
  }
}

function rig() {
  const clock = new FakeClock();
  const microphone = new ManualMicrophone();
  const speaker = new CountingSpeaker();
  const logger = collectingLogger();
  const audio = new DoorAudio({ clock, microphone, speaker, logger });
  return { clock, microphone, speaker, logger, audio };
}

/** Milliseconds of `samples` (at `rate`) that are not silent, counted in 20 ms frames. */
function soundingFrames(samples: Int16Array, rate: number): boolean[] {
  const size = rate / 50;
  const frames: boolean[] = [];
  for (let at = 0; at + size <= samples.length; at += size) frames.push(samples.subarray(at, at + size).some((s) => s !== 0));
  return frames;
}

describe('DoorAudio: leases', () => {
  it('one lease at a time: another owner gets undefined until release; the holder asking again gets its own lease', () => {
    const { audio, microphone, speaker } = rig();
    const a = {};
    const b = {};
    const lease = audio.claim(a, 8000);
    expect(lease).toBeDefined();
    expect(audio.holder).toBe(a);
    expect(audio.claim(b, 8000)).toBeUndefined();
    expect(audio.claim(a, 8000)).toBe(lease);
    expect(audio.claim(a, 16000)).toBeUndefined();
    expect(microphone.starts.map((s) => s.sampleRate)).toEqual([8000]);
    expect(speaker.starts.map((s) => s.sampleRate)).toEqual([8000]);
    lease!.release();
    expect(microphone.running).toBe(false);
    expect(speaker.inner.running).toBe(false);
    const second = audio.claim(b, 16000);
    expect(audio.holder).toBe(b);
    expect(speaker.starts.map((s) => s.sampleRate)).toEqual([8000, 16000]);
    // The old lease is dead: its release and its frames change nothing.
    lease!.release();
    expect(audio.holder).toBe(b);
    lease!.play(new Int16Array(160).fill(5));
    expect(speaker.samples).toHaveLength(0);
    second!.play(new Int16Array(320).fill(7));
    expect(Array.from(speaker.samples.subarray(0, 3))).toEqual([7, 7, 7]);
  });

  it('the microphone queue keeps the newest 6 frames (two 60 ms packets); taking empties it; release drops what is left', () => {
    const { audio, microphone } = rig();
    const lease = audio.claim({}, 8000)!;
    for (let i = 1; i <= 8; i++) microphone.push(i);
    expect(lease.queuedMicFrames).toBe(6);
    const taken = Array.from({ length: 7 }, () => lease.takeMicFrame()?.[0]);
    expect(taken).toEqual([3, 4, 5, 6, 7, 8, undefined]);
    expect(lease.queuedMicFrames).toBe(0);
    microphone.push(9);
    lease.release();
    expect(lease.takeMicFrame()).toBeUndefined();
  });

  it('a device failure is logged, not thrown', () => {
    const { audio, microphone, logger } = rig();
    audio.claim({}, 8000);
    microphone.starts[0]!.onFailure?.({ device: 'microphone', outcome: 'gaveUp', reason: 'gone', restarts: 0 });
    expect(logger.lines).toEqual([{ level: 'warn', event: 'audioDevice', fields: { device: 'microphone', outcome: 'gaveUp', reason: 'gone' } }]);
  });
});

describe('DoorAudio: tones', () => {
  it('a tone alone plays on the speaker at 8 kHz, one frame per 20 ms of the clock, with its cadence', () => {
    const { clock, audio, speaker } = rig();
    audio.startTone({}, 'ringback');
    expect(speaker.starts.map((s) => s.sampleRate)).toEqual([8000]);
    clock.advance(990);
    expect(speaker.samples).toHaveLength(50 * 160);
    const hz = zeroCrossingHz(speaker.samples, 8000);
    expect(hz).toBeGreaterThan(410);
    expect(hz).toBeLessThan(440);
    clock.advance(5000); // 1 s on, 4 s off, on again
    const sounding = soundingFrames(speaker.samples, 8000);
    expect(sounding).toHaveLength(300);
    expect(sounding.slice(0, 50).every(Boolean)).toBe(true);
    expect(sounding.slice(50, 250).some(Boolean)).toBe(false);
    expect(sounding.slice(250, 300).every(Boolean)).toBe(true);
  });

  it('a finite tone (busy) ends by itself: exactly its 3.84 s are played, then the speaker stops', () => {
    const { clock, audio, speaker } = rig();
    audio.startTone({}, 'busy');
    clock.advance(10_000);
    expect(audio.tone).toBeUndefined();
    expect(speaker.inner.running).toBe(false);
    expect(speaker.samples).toHaveLength((3840 / 20) * 160);
    expect(clock.pending).toBe(0);
  });

  it('a tone mixes into the lease\'s frames at the lease\'s rate, with no pacer of its own; frames after it pass unchanged', () => {
    const { clock, audio, speaker } = rig();
    const lease = audio.claim({}, 16000)!;
    audio.startTone({}, 'listening'); // 1400 Hz for 200 ms
    clock.advance(1000);
    expect(speaker.samples).toHaveLength(0);
    const frames: Int16Array[] = [];
    for (let i = 0; i < 10; i++) {
      const frame = new Int16Array(320).fill(1000);
      lease.play(frame);
      frames.push(frame);
    }
    const mixed = speaker.samples;
    expect(mixed).toHaveLength(3200);
    const tone = mixed.map((s) => s - 1000);
    expect(zeroCrossingHz(tone.subarray(320, 2880), 16000)).toBeGreaterThan(1350);
    expect(zeroCrossingHz(tone.subarray(320, 2880), 16000)).toBeLessThan(1450);
    expect(frames[5]!.some((s) => s !== 1000)).toBe(true); // mixed in place
    lease.play(new Int16Array(320).fill(1000)); // the tone has ended
    expect(audio.tone).toBeUndefined();
    lease.play(new Int16Array(320).fill(-3));
    expect(speaker.samples.subarray(-320).every((s) => s === -3)).toBe(true);
  });

  it('the same tone asked by two owners keeps its cadence and stops only when both stopped', () => {
    const { clock, audio, speaker } = rig();
    const first = {};
    const second = {};
    audio.startTone(first, 'ringback');
    clock.advance(500);
    audio.startTone(second, 'ringback');
    clock.advance(2000); // a restart at 500 ms would sound until 1.5 s
    const sounding = soundingFrames(speaker.samples, 8000);
    expect(sounding.slice(0, 50).every(Boolean)).toBe(true);
    expect(sounding.slice(50).some(Boolean)).toBe(false);
    audio.stopTone(first);
    expect(audio.tone).toBe('ringback');
    expect(speaker.inner.running).toBe(true);
    audio.stopTone({}); // not an owner: nothing happens
    expect(audio.tone).toBe('ringback');
    audio.stopTone(second);
    expect(audio.tone).toBeUndefined();
    expect(speaker.inner.running).toBe(false);
  });

  it('tone → call at the same rate keeps the speaker running; released while the tone is wanted, it plays alone again', () => {
    const { clock, audio, speaker, microphone } = rig();
    const owner = {};
    audio.startTone(owner, 'ringback');
    clock.advance(100);
    const lease = audio.claim({}, 8000)!;
    expect(speaker.starts).toHaveLength(1);
    expect(speaker.stops).toBe(0);
    const written = speaker.samples.length;
    clock.advance(1000);
    expect(speaker.samples.length).toBe(written); // no pacer of its own while a call holds the speaker
    lease.release();
    expect(microphone.running).toBe(false);
    expect(speaker.inner.running).toBe(true);
    clock.advance(200);
    expect(speaker.samples.length).toBeGreaterThan(written);
    audio.close();
    expect(speaker.inner.running).toBe(false);
    expect(clock.pending).toBe(0);
  });

  it('a different tone replaces the one playing', () => {
    const { clock, audio } = rig();
    audio.startTone({}, 'ringback');
    audio.startTone({}, 'doorOpened');
    expect(audio.tone).toBe('doorOpened');
    clock.advance(1000);
    expect(audio.tone).toBeUndefined();
  });

  it('a frame shorter than 20 ms played while a tone mixes plays unmixed and does not throw', () => {
    // ToneSource.next throws on a buffer shorter than 20 ms; thrown from the playout pacer it would end the call's audio.
    const { audio } = rig();
    const lease = audio.claim({}, 8000)!;
    audio.startTone({}, 'doorOpened');
    expect(() => lease.play(new Int16Array(80))).not.toThrow();
  });
});
