// The fake microphone: tone frequency, WAV looping, and a 20 ms schedule that does not drift over ten minutes.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../firmware-app/platform/FakeClock.ts';
import type { HalClock } from '../../../hal/ports.ts';
import { FakeMicrophone } from '../../../hal/fake/FakeMicrophone.ts';
import { encodeWav } from '../../../hal/fake/wav.ts';
import { toneFrequency } from '../support/toneAnalysis.ts';

function join(frames: Int16Array[]): Int16Array {
  const out = new Int16Array(frames.reduce((n, f) => n + f.length, 0));
  let at = 0;
  for (const f of frames) {
    out.set(f, at);
    at += f.length;
  }
  return out;
}

/** A clock whose timers fire late by a pseudo-random 0–9 ms, as a busy Pi's do. */
function lateClock(clock: FakeClock): HalClock {
  let seed = 12345;
  return {
    now: () => clock.now(),
    setTimer: (ms, fn) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return clock.setTimer(ms + (seed % 10), fn);
    },
  };
}

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('FakeMicrophone', () => {
  it.each([8000, 16000] as const)('plays a 440 Hz tone by default (within 2 %%) at %i Hz in frames of 20 ms', (sampleRate) => {
    const clock = new FakeClock();
    const frames: Int16Array[] = [];
    const mic = new FakeMicrophone({ clock });
    mic.start({ sampleRate, onFrame: (f) => frames.push(f) });
    clock.advance(2000);
    expect(frames).toHaveLength(100);
    expect(frames.every((f) => f.length === sampleRate / 50)).toBe(true);
    const frequency = toneFrequency(join(frames), sampleRate);
    expect(Math.abs(frequency - 440) / 440).toBeLessThan(0.02);
  });

  it('plays another frequency when asked, and silence', () => {
    const clock = new FakeClock();
    const frames: Int16Array[] = [];
    new FakeMicrophone({ clock, sound: { kind: 'tone', frequencyHz: 1000 } }).start({ sampleRate: 8000, onFrame: (f) => frames.push(f) });
    clock.advance(1000);
    expect(Math.abs(toneFrequency(join(frames), 8000) - 1000) / 1000).toBeLessThan(0.02);

    const quiet: Int16Array[] = [];
    new FakeMicrophone({ clock, sound: { kind: 'silence' } }).start({ sampleRate: 8000, onFrame: (f) => quiet.push(f) });
    clock.advance(100);
    expect(quiet).toHaveLength(5);
    expect(quiet.every((f) => f.every((s) => s === 0))).toBe(true);
  });

  it('keeps the 20 ms schedule over a simulated 10 minutes of late timers: no drift, no frame lost', () => {
    const clock = new FakeClock();
    const deliveredAt: number[] = [];
    const mic = new FakeMicrophone({ clock: lateClock(clock) });
    mic.start({ sampleRate: 8000, onFrame: () => deliveredAt.push(clock.now()) });
    clock.advance(600_000);
    // Frame n is complete at (n + 1) · 20 ms; each arrives no earlier, and no later than one timer's lateness.
    expect(deliveredAt.length).toBeGreaterThanOrEqual(29_999);
    expect(deliveredAt.length).toBeLessThanOrEqual(30_000);
    const lateness = deliveredAt.map((t, n) => t - (n + 1) * 20);
    expect(Math.min(...lateness)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...lateness)).toBeLessThan(10);
  });

  it('after a stall, delivers the newest three frames only, and the tone phase follows real time', () => {
    const clock = new FakeClock();
    const frames: Int16Array[] = [];
    const stalled: HalClock = {
      now: () => clock.now(),
      setTimer: (ms, fn) => clock.setTimer(clock.now() === 100 ? ms + 200 : ms, fn),
    };
    const reference: Int16Array[] = [];
    new FakeMicrophone({ clock }).start({ sampleRate: 8000, onFrame: (f) => reference.push(f) });
    new FakeMicrophone({ clock: stalled }).start({ sampleRate: 8000, onFrame: (f) => frames.push(f) });
    clock.advance(1000);
    // 5 frames by 100 ms, then the timer fires at 320 ms: frames 13, 14, 15 (not 5 … 15), then on schedule again.
    expect(frames).toHaveLength(50 - 8);
    expect(Array.from(frames[5]!)).toEqual(Array.from(reference[13]!));
    expect(Array.from(frames.at(-1)!)).toEqual(Array.from(reference.at(-1)!));
  });

  it('stop ends the frames; a consumer may stop it from inside onFrame', () => {
    const clock = new FakeClock();
    let count = 0;
    const mic = new FakeMicrophone({ clock });
    mic.start({ sampleRate: 8000, onFrame: () => void (++count === 2 && mic.stop()) });
    clock.advance(1000);
    expect(count).toBe(2);
    expect(clock.pending).toBe(0);
  });

  it('loops a WAV file at the call rate, resampled when its rate differs', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fakemic-'));
    dirs.push(dir);
    const file = path.join(dir, 'in.wav');
    const samples = Int16Array.from({ length: 100 }, (_, i) => i * 10);
    writeFileSync(file, encodeWav({ sampleRate: 8000, samples }));
    const clock = new FakeClock();
    const loaded = FakeMicrophone.fromWavFile(file, { clock });
    if (!loaded.ok) throw new Error(loaded.error);
    const frames: Int16Array[] = [];
    loaded.value.start({ sampleRate: 8000, onFrame: (f) => frames.push(f) });
    clock.advance(40);
    const played = Array.from(join(frames));
    expect(played.slice(0, 100)).toEqual(Array.from(samples));
    expect(played.slice(100, 200)).toEqual(Array.from(samples));
    expect(played.slice(200, 320)).toEqual(Array.from(samples).concat(Array.from(samples)).slice(0, 120));

    writeFileSync(file, encodeWav({ sampleRate: 16000, samples }));
    const wide = FakeMicrophone.fromWavFile(file, { clock });
    const narrow: Int16Array[] = [];
    if (wide.ok) wide.value.start({ sampleRate: 8000, onFrame: (f) => narrow.push(f) });
    clock.advance(20);
    expect(Array.from(narrow[0]!.subarray(0, 5))).toEqual([0, 20, 40, 60, 80]);
  });

  it('a missing or unsupported --sim-mic file is an error result naming it', () => {
    const clock = new FakeClock();
    const missing = FakeMicrophone.fromWavFile('/nonexistent/x.wav', { clock });
    expect(missing.ok).toBe(false);
    expect(!missing.ok && missing.error).toMatch(/^cannot read \/nonexistent\/x\.wav/);
  });

  it('fail() reports the device lost once and stops the frames', () => {
    const clock = new FakeClock();
    const frames: Int16Array[] = [];
    const outcomes: string[] = [];
    const mic = new FakeMicrophone({ clock });
    mic.start({ sampleRate: 8000, onFrame: (f) => frames.push(f), onFailure: (f) => outcomes.push(`${f.device} ${f.outcome}`) });
    clock.advance(40);
    mic.fail();
    mic.fail();
    clock.advance(1000);
    expect(frames).toHaveLength(2);
    expect(outcomes).toEqual(['microphone gaveUp']);
  });
});
