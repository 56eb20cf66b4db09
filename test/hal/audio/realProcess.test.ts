// The speaker over real child processes (node itself standing in for aplay), to hold the fakes to node's behaviour:
// an exit while frames are written (EPIPE), a missing program, a device error on stderr. Nothing may throw.

import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../firmware-app/platform/FakeClock.ts';
import type { AudioFailure } from '../../../hal/audio.ts';
import { AplaySpeaker } from '../../../hal/audio/AplaySpeaker.ts';
import { spawnAudio } from '../../../hal/audio/spawnAudio.ts';
import { collectingLogger } from '../support/fakeAudioProcess.ts';

/** Starts a speaker whose "aplay" is `node -e script` (or `command`), writes frames until its one report arrives. */
async function firstFailure(program: { script?: string; command?: string }): Promise<AudioFailure> {
  const logger = collectingLogger();
  const speaker = new AplaySpeaker({
    clock: new FakeClock(),
    logger,
    spawn: () => spawnAudio(program.command ?? process.execPath, program.command ? [] : ['-e', program.script!]),
    maxRestarts: 0,
  });
  const failure = new Promise<AudioFailure>((resolve) => speaker.start({ sampleRate: 8000, onFailure: resolve }));
  let reported: AudioFailure | undefined;
  void failure.then((f) => (reported = f));
  const frame = new Int16Array(160).fill(1000);
  // A frame every 10 ms, as a call would; bounded at 10 s (a child starts and exits in well under a second).
  for (let i = 0; i < 1000 && reported === undefined; i++) {
    speaker.write(frame);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  speaker.stop();
  expect(logger.lines).toHaveLength(1);
  return failure;
}

describe('AplaySpeaker over real processes', () => {
  it('a player that exits while frames are written: EPIPE or its exit is reported once, never thrown', async () => {
    const failure = await firstFailure({ script: 'setTimeout(() => process.exit(3), 20)' });
    expect(failure.outcome).toBe('gaveUp');
    expect(failure.reason).toMatch(/^aplay (exited with code 3|failed: write EPIPE|failed: .*EPIPE)/);
  });

  it('a program that is not installed', async () => {
    const failure = await firstFailure({ command: '/nonexistent/sip-doorbell-aplay' });
    expect(failure.reason).toBe('aplay is not installed');
  });

  it('a device error on stderr is read into the reason and ends the retries at once', async () => {
    const failure = await firstFailure({
      script: 'process.stderr.write("aplay: main:831: audio open error: No such device\\n"); process.exit(1)',
    });
    expect(failure.reason).toBe('aplay exited with code 1: aplay: main:831: audio open error: No such device');
  });
});
