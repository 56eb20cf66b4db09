// The supervised aplay speaker over a fake spawn: arguments, bytes, flush on stop, EPIPE, restart, missing aplay.

import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../firmware-app/platform/FakeClock.ts';
import type { AudioFailure } from '../../../hal/audio.ts';
import { AplaySpeaker } from '../../../hal/audio/AplaySpeaker.ts';
import { collectingLogger, s16le } from '../support/fakeAudioProcess.ts';
import { fakeSpawn } from '../support/fakeChild.ts';

function setup(options: { device?: string; maxQueuedMs?: number } = {}) {
  const clock = new FakeClock();
  const logger = collectingLogger();
  const spawned = fakeSpawn({ closesOnKill: true });
  const speaker = new AplaySpeaker({ clock, logger, spawn: spawned.spawn, ...options });
  const failures: AudioFailure[] = [];
  const start = (sampleRate: 8000 | 16000 = 8000) => speaker.start({ sampleRate, onFailure: (f) => failures.push(f) });
  const latest = () => spawned.children.at(-1)!;
  return { clock, logger, spawned, speaker, failures, start, latest };
}

const bytesOf = (chunks: Uint8Array[]) => Array.from(Buffer.concat(chunks));

describe('AplaySpeaker', () => {
  it('spawns aplay for raw 16-bit little-endian mono at the call rate on the configured device', () => {
    const t = setup({ device: 'plughw:1,0' });
    t.start(16000);
    expect(t.latest().command).toBe('aplay');
    expect(t.latest().args).toEqual(['-q', '-t', 'raw', '-f', 'S16_LE', '-r', '16000', '-c', '1', '-D', 'plughw:1,0']);
  });

  it('writes each frame as S16_LE bytes to aplay', () => {
    const t = setup();
    t.start();
    t.speaker.write(Int16Array.of(1, -2, 32767));
    t.speaker.write(Int16Array.of(-32768));
    expect(bytesOf(t.latest().stdin.chunks)).toEqual(Array.from(s16le([1, -2, 32767, -32768])));
  });

  it('stop closes stdin so aplay plays out what it has, and kills it only if it has not exited 2 s later', () => {
    const t = setup();
    t.start();
    const slow = t.latest();
    t.speaker.stop();
    expect(slow.stdin.ended).toBe(true);
    expect(slow.signals).toEqual([]);
    t.clock.advance(2000);
    expect(slow.signals).toEqual(['SIGTERM']);

    t.start();
    const prompt = t.latest();
    t.speaker.stop();
    prompt.close(0);
    t.clock.advance(10_000);
    expect(prompt.signals).toEqual([]);
    expect(t.logger.lines).toEqual([]);
  });

  it('EPIPE from an aplay that died is not thrown; frames are dropped during the back-off, then go to the new one', () => {
    const t = setup();
    t.start();
    const first = t.latest();
    first.stdin.break();
    expect(() => t.speaker.write(Int16Array.of(7))).not.toThrow();
    first.close(1);
    t.speaker.write(Int16Array.of(8));
    t.clock.advance(250);
    expect(t.spawned.children).toHaveLength(2);
    t.speaker.write(Int16Array.of(9));
    expect(bytesOf(t.latest().stdin.chunks)).toEqual(Array.from(s16le([9])));
    expect(t.speaker.droppedFrames).toBe(1);
    t.clock.advance(1000);
    expect(t.failures).toEqual([{ device: 'speaker', outcome: 'restarted', reason: 'aplay exited with code 1', restarts: 1 }]);
    expect(t.logger.lines.map((l) => [l.level, l.event])).toEqual([['warn', 'audioDeviceFailed']]);
  });

  it('EPIPE before the exit of an aplay that lost its device: the exit and its stderr decide, no restart', () => {
    const t = setup();
    t.start();
    t.latest().stdin.break();
    t.speaker.write(Int16Array.of(1));
    t.latest().close(1, null, 'aplay: main:831: audio open error: No such device\n');
    t.clock.advance(10_000);
    expect(t.spawned.children).toHaveLength(1);
    expect(t.failures.map((f) => [f.outcome, f.reason])).toEqual([
      ['gaveUp', 'aplay exited with code 1: aplay: main:831: audio open error: No such device'],
    ]);
  });

  it('EPIPE from an aplay that does not exit: after 500 ms it counts as its death, and it is replaced', () => {
    const t = setup();
    t.start();
    const stuck = t.latest();
    stuck.stdin.break();
    t.speaker.write(Int16Array.of(1));
    t.clock.advance(499);
    expect(stuck.signals).toEqual([]);
    t.clock.advance(1);
    expect(stuck.signals).toEqual(['SIGTERM']); // its stdin is gone: nothing to play out, no reason to wait
    t.clock.advance(250);
    expect(t.spawned.children).toHaveLength(2);
    t.clock.advance(1000);
    expect(t.failures.map((f) => [f.outcome, f.reason])).toEqual([['restarted', 'aplay failed: write EPIPE']]);
  });

  it('aplay not installed: one line, writes are dropped, nothing throws', () => {
    const t = setup();
    t.start();
    t.latest().failToSpawn();
    expect(() => t.speaker.write(Int16Array.of(1))).not.toThrow();
    t.clock.advance(10_000);
    expect(t.spawned.children).toHaveLength(1);
    expect(t.failures.map((f) => [f.outcome, f.reason])).toEqual([['gaveUp', 'aplay is not installed']]);
    t.speaker.stop();
    expect(t.logger.lines).toHaveLength(1);
  });

  it('a missing playback device gives up at once with the ALSA message', () => {
    const t = setup({ device: 'hw:5' });
    t.start();
    t.latest().close(1, null, 'aplay: main:831: audio open error: No such file or directory\n');
    t.clock.advance(10_000);
    expect(t.spawned.children).toHaveLength(1);
    expect(t.logger.lines).toEqual([
      {
        level: 'error',
        event: 'audioDeviceFailed',
        fields: {
          device: 'speaker',
          outcome: 'gaveUp',
          reason: 'aplay exited with code 1: aplay: main:831: audio open error: No such file or directory',
          restarts: 0,
        },
      },
    ]);
  });

  it('drops frames instead of queueing when aplay falls more than 200 ms behind', () => {
    const t = setup();
    t.start();
    t.latest().stdin.writableLength = 3200; // 200 ms at 8 kHz, 16-bit
    t.speaker.write(Int16Array.of(1));
    expect(t.latest().stdin.chunks).toEqual([]);
    t.latest().stdin.writableLength = 3198;
    t.speaker.write(Int16Array.of(2));
    expect(t.latest().stdin.chunks).toHaveLength(1);
    expect(t.speaker.droppedFrames).toBe(1);
  });

  it('writes before start and after stop are dropped', () => {
    const t = setup();
    t.speaker.write(Int16Array.of(1));
    t.start();
    const process = t.latest();
    t.speaker.stop();
    t.speaker.write(Int16Array.of(2));
    expect(process.stdin.chunks).toEqual([]);
  });
});
