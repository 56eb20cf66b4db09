// The supervised microphone over a fake recorder: frames, stop, restart after a death, missing device, no throws.

import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../firmware-app/platform/FakeClock.ts';
import type { AudioFailure } from '../../../hal/audio.ts';
import { RecorderMicrophone } from '../../../hal/audio/RecorderMicrophone.ts';
import { collectingLogger, fakeRecorders, s16le } from '../support/fakeAudioProcess.ts';

function setup(device?: string) {
  const clock = new FakeClock();
  const logger = collectingLogger();
  const recorders = fakeRecorders();
  const mic = new RecorderMicrophone({ clock, logger, recorder: recorders.factory, ...(device ? { device } : {}) });
  const frames: Int16Array[] = [];
  const failures: AudioFailure[] = [];
  const start = () => mic.start({ sampleRate: 8000, onFrame: (f) => frames.push(f), onFailure: (f) => failures.push(f) });
  const latest = () => recorders.started.at(-1)!.process;
  return { clock, logger, recorders, mic, frames, failures, start, latest };
}

const ramp = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);

describe('RecorderMicrophone', () => {
  it('starts a recorder at the call rate on the configured device and cuts its bytes into 20 ms frames', () => {
    const t = setup('plughw:1,0');
    t.start();
    expect(t.recorders.started.map((r) => r.options)).toEqual([{ sampleRate: 8000, device: 'plughw:1,0' }]);
    const bytes = s16le(ramp(0, 400));
    // Odd-sized chunks: a frame and a sample may be split across chunks.
    t.latest().stdout.push(bytes.subarray(0, 301));
    t.latest().stdout.push(bytes.subarray(301, 700));
    t.latest().stdout.push(bytes.subarray(700));
    expect(t.frames.map((f) => f.length)).toEqual([160, 160]);
    expect(Array.from(t.frames[0]!)).toEqual(ramp(0, 160));
    expect(Array.from(t.frames[1]!)).toEqual(ramp(160, 160));
  });

  it('kills the recorder when the call ends; nothing is delivered, restarted or reported afterwards', () => {
    const t = setup();
    t.start();
    const process = t.latest();
    t.mic.stop();
    expect(process.signals).toEqual(['SIGTERM']);
    process.stdout.push(s16le(ramp(0, 160)));
    t.clock.advance(10_000);
    expect(t.frames).toEqual([]);
    expect(t.recorders.started).toHaveLength(1);
    expect(t.logger.lines).toEqual([]);
    expect(t.failures).toEqual([]);
  });

  it('a recorder that ignores SIGTERM is killed with SIGKILL 2 s later', () => {
    const t = setup();
    t.start();
    const stuck = t.latest();
    stuck.kill = (signal = 'SIGTERM') => {
      stuck.signals.push(signal);
      return true; // delivered, and ignored
    };
    t.mic.stop();
    t.clock.advance(1999);
    expect(stuck.signals).toEqual(['SIGTERM']);
    t.clock.advance(1);
    expect(stuck.signals).toEqual(['SIGTERM', 'SIGKILL']);
    expect(t.logger.lines).toEqual([]);
  });

  it('restarts a recorder that exits mid-call after a short back-off, and reports the incident once', () => {
    const t = setup();
    t.start();
    t.latest().close(1);
    expect(t.recorders.started).toHaveLength(1);
    t.clock.advance(249);
    expect(t.recorders.started).toHaveLength(1);
    t.clock.advance(1);
    expect(t.recorders.started).toHaveLength(2);
    t.latest().stdout.push(s16le(ramp(0, 160)));
    expect(t.frames).toHaveLength(1);
    expect(t.logger.lines).toEqual([]); // not yet known whether the restart holds
    t.clock.advance(1000);
    const failure = { device: 'microphone', outcome: 'restarted', reason: 'arecord exited with code 1', restarts: 1 };
    expect(t.failures).toEqual([failure]);
    expect(t.logger.lines).toEqual([{ level: 'warn', event: 'audioDeviceFailed', fields: failure }]);
    t.clock.advance(60_000);
    expect(t.logger.lines).toHaveLength(1);
  });

  it('gives up after three restarts in a call (back-off 250, 500, 1000 ms) with one line, and a new call starts afresh', () => {
    const t = setup();
    t.start();
    const startedAt: number[] = [];
    for (let i = 0; i < 4; i++) {
      startedAt.push(t.clock.now());
      t.latest().close(null, 'SIGSEGV');
      t.clock.runNext();
    }
    expect(startedAt).toEqual([0, 250, 750, 1750]);
    expect(t.recorders.started).toHaveLength(4);
    t.clock.advance(60_000);
    expect(t.recorders.started).toHaveLength(4);
    expect(t.logger.lines).toEqual([
      {
        level: 'error',
        event: 'audioDeviceFailed',
        fields: { device: 'microphone', outcome: 'gaveUp', reason: 'arecord was killed by SIGSEGV', restarts: 3 },
      },
    ]);
    t.mic.stop();
    expect(t.logger.lines).toHaveLength(1);
    t.start();
    t.latest().close(1);
    t.clock.advance(250);
    expect(t.recorders.started).toHaveLength(6);
  });

  it('a missing capture device: one clear line, no restart, the call goes on without a microphone', () => {
    const t = setup('plughw:9,0');
    t.start();
    t.latest().close(1, null, 'arecord: main:850: audio open error: No such file or directory\n');
    t.clock.advance(60_000);
    expect(t.recorders.started).toHaveLength(1);
    expect(t.failures).toEqual([
      {
        device: 'microphone',
        outcome: 'gaveUp',
        reason: 'arecord exited with code 1: arecord: main:850: audio open error: No such file or directory',
        restarts: 0,
      },
    ]);
    expect(t.logger.lines.map((l) => [l.level, l.event])).toEqual([['error', 'audioDeviceFailed']]);
    t.mic.stop();
    expect(t.logger.lines).toHaveLength(1);
  });

  it('arecord not installed: the spawn error is reported once as final, never thrown', () => {
    const t = setup();
    t.start();
    expect(() => t.latest().failToSpawn()).not.toThrow();
    t.clock.advance(10_000);
    expect(t.failures.map((f) => [f.outcome, f.reason])).toEqual([['gaveUp', 'arecord is not installed']]);
    expect(t.recorders.started).toHaveLength(1);
  });

  it('a device that vanishes after a restart names the missing device, in the one line of the incident', () => {
    const t = setup();
    t.start();
    t.latest().close(1, null, 'overrun!!!\n');
    t.clock.advance(250);
    t.latest().close(1, null, 'arecord: audio open error: No such device\n');
    t.clock.advance(60_000);
    expect(t.logger.lines).toHaveLength(1);
    expect(t.failures).toEqual([
      { device: 'microphone', outcome: 'gaveUp', reason: 'arecord exited with code 1: arecord: audio open error: No such device', restarts: 1 },
    ]);
  });

  it('a call that ends while the recorder waits to restart: one callEnded line, no recorder started later', () => {
    const t = setup();
    t.start();
    t.latest().close(1);
    t.mic.stop();
    t.clock.advance(10_000);
    expect(t.recorders.started).toHaveLength(1);
    expect(t.failures.map((f) => f.outcome)).toEqual(['callEnded']);
    expect(t.logger.lines).toHaveLength(1);
  });

  it('a recorder factory that throws counts as a death: retried, never thrown into the caller', () => {
    const clock = new FakeClock();
    const logger = collectingLogger();
    const recorders = fakeRecorders();
    let calls = 0;
    const mic = new RecorderMicrophone({
      clock,
      logger,
      recorder: (options) => {
        if (calls++ === 0) throw new Error('EAGAIN');
        return recorders.factory(options);
      },
    });
    expect(() => mic.start({ sampleRate: 16000, onFrame: () => {} })).not.toThrow();
    clock.advance(250);
    expect(recorders.started.map((r) => r.options.sampleRate)).toEqual([16000]);
    clock.advance(1000);
    expect(logger.lines.map((l) => l.fields.reason)).toEqual(['cannot start: EAGAIN']);
    mic.stop();
  });

  it('a frame consumer that throws does not unwind into the stream; it is logged once per call', () => {
    const t = setup();
    t.mic.start({
      sampleRate: 8000,
      onFrame: () => {
        throw new Error('encoder broke');
      },
    });
    expect(() => t.latest().stdout.push(s16le(ramp(0, 480)))).not.toThrow();
    expect(t.logger.lines).toEqual([
      { level: 'error', event: 'audioFrameHandlerFailed', fields: { device: 'microphone', error: 'encoder broke' } },
    ]);
  });

  it('a second start ends the first recorder before starting a new one', () => {
    const t = setup();
    t.start();
    const first = t.latest();
    t.start();
    expect(first.signals).toEqual(['SIGTERM']);
    expect(t.recorders.started).toHaveLength(2);
    t.clock.advance(10_000);
    expect(t.recorders.started).toHaveLength(2);
    expect(t.logger.lines).toEqual([]);
  });
});
