// The page's self-tests give way to a call at once: a call claiming the devices (an incoming call answered, a bell
// press's call answered or its early media) or a tone a call starts (ringback) ends a running microphone test on the
// spot, and the speaker test's tone stops when a call takes the speaker. All on the fake clock.

import { describe, expect, it } from 'vitest';
import { FakeMicrophone } from '../../hal/fake/FakeMicrophone.ts';
import { FakeSpeaker } from '../../hal/fake/FakeSpeaker.ts';
import { DoorAudio } from '../../firmware-app/media/DoorAudio.ts';
import { FakeClock } from '../../firmware-app/platform/FakeClock.ts';
import { collectingLogger } from './support/mediaRig.ts';

function rig() {
  const clock = new FakeClock();
  const microphone = new FakeMicrophone({ clock, sound: { kind: 'tone', frequencyHz: 1000, amplitude: 0.5 } });
  const speaker = new FakeSpeaker();
  const audio = new DoorAudio({ clock, microphone, speaker, logger: collectingLogger() });
  return { clock, microphone, speaker, audio };
}

/** Lets the promise callbacks that are due run. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('DoorAudio: a call during the microphone self-test', () => {
  it('a call claiming the devices gets them at once, at its own rate, and the test answers cancelled', async () => {
    const r = rig();
    const pending = r.audio.testMicrophone(2000);
    expect(pending).toBeDefined();
    r.clock.advance(500); // half a second into the test
    const call = {};
    const lease = r.audio.claim(call, 16000);
    expect(lease).toBeDefined();
    expect(r.audio.holder).toBe(call);
    expect(await pending).toEqual({ levelDbfs: -96, frames: 0, cancelled: true });
    // The call hears the microphone from now on: its frames arrive within one frame time, at 16 kHz.
    r.clock.advance(20);
    expect(lease!.takeMicFrame()?.length).toBe(320);
    lease!.release();
    expect(r.microphone.state).toBe('idle');
    expect(r.clock.pending).toBe(0); // the test left no timer behind
  });

  it('a tone a call starts (ringback after a bell press) ends the test at once and plays alone on the speaker', async () => {
    const r = rig();
    const pending = r.audio.testMicrophone(2000);
    r.clock.advance(300);
    const call = {};
    r.audio.startTone(call, 'ringback');
    expect(await pending).toMatchObject({ cancelled: true });
    expect(r.audio.holder).toBeUndefined();
    expect(r.microphone.state).toBe('idle');
    r.clock.advance(200);
    expect(r.speaker.played?.samples.some((sample) => sample !== 0)).toBe(true);
    r.audio.stopTone(call);
  });

  it('a test left alone still measures to its end, and the devices are free again after it', async () => {
    const r = rig();
    const pending = r.audio.testMicrophone(2000);
    if (pending === undefined) throw new Error('refused');
    r.clock.advance(1999);
    await settle();
    r.clock.advance(1);
    const level = await pending;
    expect(level.cancelled).toBe(false);
    expect(level.frames).toBeGreaterThanOrEqual(99);
    expect(r.audio.holder).toBeUndefined();
    expect(r.clock.pending).toBe(0);
  });

  it('the test itself playing no tone, its own claim does not cancel it; a second test is still refused meanwhile', async () => {
    const r = rig();
    const pending = r.audio.testMicrophone(1000);
    expect(r.audio.testMicrophone(1000)).toBeUndefined();
    r.clock.advance(1000);
    expect(await pending).toMatchObject({ cancelled: false });
  });
});

describe('DoorAudio: a call during the speaker self-test', () => {
  it('the test tone stops when a call takes the speaker: it must not sound into the conversation', () => {
    const r = rig();
    expect(r.audio.testSpeaker()).toBe(true);
    expect(r.audio.tone).toBe('doorOpened');
    const lease = r.audio.claim({}, 8000);
    expect(lease).toBeDefined();
    expect(r.audio.tone).toBeUndefined();
    lease!.release();
  });

  it('a tone the door itself plays meanwhile (the page opening the door) is not stopped by a call', () => {
    const r = rig();
    const door = {};
    r.audio.startTone(door, 'doorOpened');
    const lease = r.audio.claim({}, 8000);
    expect(r.audio.tone).toBe('doorOpened');
    lease!.release();
  });
});
