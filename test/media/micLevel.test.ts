// The microphone self-test: the RMS level in dBFS of what the microphone hears, captured through DoorAudio's lease on
// the fake clock; and the speaker self-test's tone, both refused while a call holds the devices.

import { describe, expect, it } from 'vitest';
import { FakeMicrophone } from '../../hal/fake/FakeMicrophone.ts';
import { FakeSpeaker } from '../../hal/fake/FakeSpeaker.ts';
import { DoorAudio } from '../../firmware-app/media/DoorAudio.ts';
import { FLOOR_DBFS, LevelMeter, type MicLevel } from '../../firmware-app/media/micLevel.ts';
import { FakeClock } from '../../firmware-app/platform/FakeClock.ts';
import type { FakeSound } from '../../hal/fake/sounds.ts';
import { collectingLogger } from './support/mediaRig.ts';

function rig(sound?: FakeSound) {
  const clock = new FakeClock();
  const microphone = new FakeMicrophone({ clock, ...(sound !== undefined ? { sound } : {}) });
  const speaker = new FakeSpeaker();
  const audio = new DoorAudio({ clock, microphone, speaker, logger: collectingLogger() });
  return { clock, microphone, speaker, audio };
}

/** Runs the 2 s test to its end on the fake clock. */
async function measure(r: ReturnType<typeof rig>): Promise<MicLevel> {
  const pending = r.audio.testMicrophone(2000);
  if (pending === undefined) throw new Error('refused');
  r.clock.advance(2000);
  return pending;
}

describe('LevelMeter', () => {
  it('reads a full-scale square wave as 0 dBFS, a half-scale one as −6 dBFS, and silence or nothing as the floor', () => {
    const square = (amplitude: number): Int16Array => Int16Array.from({ length: 160 }, (_, i) => (i % 2 === 0 ? amplitude : -amplitude));
    const full = new LevelMeter();
    full.add(square(32767));
    expect(full.dbfs).toBe(0);
    const half = new LevelMeter();
    half.add(square(16384));
    half.add(square(16384));
    expect(half.dbfs).toBe(-6);
    expect(half.samples).toBe(320);
    const quiet = new LevelMeter();
    expect(quiet.dbfs).toBe(FLOOR_DBFS);
    quiet.add(new Int16Array(160));
    expect(quiet.dbfs).toBe(FLOOR_DBFS);
  });
});

describe('DoorAudio.testMicrophone', () => {
  it.each([
    [0.5, -9.03], // a sine's RMS is its peak / √2: 20·log10(0.5 / √2)
    [0.1, -23.01],
  ])('a tone at amplitude %s reads %s dBFS within 1 dB, over 2 s of frames, and the microphone is stopped after', async (amplitude, expected) => {
    const r = rig({ kind: 'tone', frequencyHz: 1000, amplitude });
    const level = await measure(r);
    expect(Math.abs(level.levelDbfs - expected)).toBeLessThan(1);
    expect(level.frames).toBeGreaterThanOrEqual(99);
    expect(level.frames).toBeLessThanOrEqual(100);
    expect(r.microphone.state).toBe('idle');
    expect(r.audio.holder).toBeUndefined();
    expect(r.clock.pending).toBe(0);
  });

  it('a silent microphone reads the floor', async () => {
    expect((await measure(rig({ kind: 'silence' }))).levelDbfs).toBe(FLOOR_DBFS);
  });

  it('is refused while a call holds the devices, and the call keeps them; a call during a test takes them at once', async () => {
    const r = rig();
    const call = {};
    const lease = r.audio.claim(call, 16000);
    expect(lease).toBeDefined();
    expect(r.audio.testMicrophone(2000)).toBeUndefined();
    expect(r.audio.holder).toBe(call);
    lease!.release();
    const pending = r.audio.testMicrophone(2000);
    expect(pending).toBeDefined();
    expect(r.audio.testMicrophone(2000)).toBeUndefined(); // a second test meanwhile
    expect(r.audio.claim(call, 8000)).toBeDefined(); // the test gives way (DoorAudio.selfTest.test.ts)
    expect(await pending).toMatchObject({ cancelled: true });
  });
});

describe('DoorAudio.testSpeaker', () => {
  it('plays the door-opened tone alone on the speaker, and is refused while a call holds the devices', () => {
    const r = rig();
    expect(r.audio.testSpeaker()).toBe(true);
    expect(r.audio.tone).toBe('doorOpened');
    r.clock.advance(200);
    expect(r.speaker.played?.samples.some((s) => s !== 0)).toBe(true);
    r.clock.advance(10_000);
    expect(r.audio.tone).toBeUndefined(); // a finite tone: it ends by itself
    const lease = r.audio.claim({}, 8000);
    expect(r.audio.testSpeaker()).toBe(false);
    expect(r.audio.tone).toBeUndefined();
    lease!.release();
  });
});
