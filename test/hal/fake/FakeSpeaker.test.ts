// The fake speaker: keeps what it plays and writes each call's audio to a WAV file when the call ends.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeSpeaker } from '../../../hal/fake/FakeSpeaker.ts';
import { decodeWav } from '../../../hal/fake/wav.ts';
import { collectingLogger } from '../support/fakeAudioProcess.ts';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'fakespeaker-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('FakeSpeaker', () => {
  it('writes the call audio to the WAV file when stopped: 16-bit mono at the call rate, every frame in order', () => {
    const file = path.join(tempDir(), 'out.wav');
    const speaker = new FakeSpeaker({ wavPath: file });
    speaker.start({ sampleRate: 16000 });
    const frame = Int16Array.from({ length: 320 }, (_, i) => i - 160);
    frame[0] = 32767;
    speaker.write(frame);
    frame[0] = -32768; // the speaker keeps a copy, not the caller's array
    speaker.write(frame);
    speaker.stop();
    const decoded = decodeWav(readFileSync(file));
    if (!decoded.ok) throw new Error(decoded.error);
    expect(decoded.value.sampleRate).toBe(16000);
    expect(decoded.value.samples).toHaveLength(640);
    expect(decoded.value.samples[0]).toBe(32767);
    expect(decoded.value.samples[320]).toBe(-32768);
    expect(Array.from(decoded.value.samples.subarray(1, 4))).toEqual([-159, -158, -157]);
  });

  it('each call replaces the file; nothing is written before the call ends; writes outside a call are dropped', () => {
    const file = path.join(tempDir(), 'out.wav');
    const speaker = new FakeSpeaker({ wavPath: file });
    speaker.write(Int16Array.of(9));
    speaker.start({ sampleRate: 8000 });
    speaker.write(Int16Array.of(1, 2));
    expect(() => readFileSync(file)).toThrow();
    speaker.stop();
    speaker.write(Int16Array.of(3));
    speaker.start({ sampleRate: 8000 });
    speaker.write(Int16Array.of(4));
    speaker.stop();
    const decoded = decodeWav(readFileSync(file));
    expect(decoded.ok && Array.from(decoded.value.samples)).toEqual([4]);
    expect(speaker.played && Array.from(speaker.played.samples)).toEqual([4]);
  });

  it('joins frames that straddle its one-second chunks, in order; with retain: false it keeps nothing', () => {
    const speaker = new FakeSpeaker();
    speaker.start({ sampleRate: 8000 });
    const frames = Array.from({ length: 7 }, (_, f) => Int16Array.from({ length: 3000 }, (_, i) => (f * 3000 + i) % 30000));
    for (const frame of frames) speaker.write(frame);
    const played = speaker.played!;
    expect(played.samples.length).toBe(21000);
    expect(Array.from(played.samples).every((v, i) => v === i % 30000)).toBe(true);
    const forgetful = new FakeSpeaker({ retain: false });
    forgetful.start({ sampleRate: 8000 });
    for (const frame of frames) forgetful.write(frame);
    expect(forgetful.played!.samples.length).toBe(0);
  });

  it('a WAV file it cannot write is logged, not thrown', () => {
    const logger = collectingLogger();
    const speaker = new FakeSpeaker({ wavPath: path.join(tempDir(), 'missing-dir', 'out.wav'), logger });
    speaker.start({ sampleRate: 8000 });
    expect(() => speaker.stop()).not.toThrow();
    expect(logger.lines.map((l) => [l.level, l.event])).toEqual([['warn', 'simSpeakerNotWritten']]);
  });

  it('fail() reports the device lost once and drops later frames', () => {
    const speaker = new FakeSpeaker();
    const outcomes: string[] = [];
    speaker.start({ sampleRate: 8000, onFailure: (f) => outcomes.push(`${f.device} ${f.outcome}`) });
    speaker.write(Int16Array.of(1));
    speaker.fail();
    speaker.fail();
    speaker.write(Int16Array.of(2));
    expect(outcomes).toEqual(['speaker gaveUp']);
    expect(speaker.played && Array.from(speaker.played.samples)).toEqual([1]);
  });
});
