// The page's microphone self-test: the RMS level of what the microphone hears for a moment, in dBFS (0 dBFS is a
// full-scale square wave; a full-scale sine is −3 dBFS), captured through the door's audio lease on the injected clock.

import type { Clock } from '../platform/Clock.ts';
import type { AudioLease } from './DoorAudio.ts';

/** The quietest level reported: below it 16-bit samples hold no signal (silence reads as this, not −Infinity). */
export const FLOOR_DBFS = -96;
/** How often the lease's microphone queue is emptied (it holds 120 ms). */
const READ_EVERY_MS = 40;

/** Sums the squares of 16-bit samples; `dbfs` is their RMS relative to full scale. */
export class LevelMeter {
  #sumSquares = 0;
  #samples = 0;

  add(frame: Int16Array): void {
    for (const sample of frame) this.#sumSquares += sample * sample;
    this.#samples += frame.length;
  }

  get samples(): number {
    return this.#samples;
  }

  /** 20·log10(RMS / 32768), one decimal, never below FLOOR_DBFS (nothing heard yet reads as the floor). */
  get dbfs(): number {
    if (this.#samples === 0 || this.#sumSquares === 0) return FLOOR_DBFS;
    const rms = Math.sqrt(this.#sumSquares / this.#samples);
    const dbfs = Math.max(FLOOR_DBFS, Math.round(200 * Math.log10(rms / 32768)) / 10);
    return dbfs === 0 ? 0 : dbfs; // never −0 (a full-scale square rounds to it)
  }
}

export interface MicLevel {
  readonly levelDbfs: number;
  /** 20 ms frames heard (0: the microphone delivered nothing, not wired or failing). */
  readonly frames: number;
}

/**
 * Listens on `lease` for `ms`, then releases it and resolves with the level heard. The lease's queue is emptied every
 * 40 ms, well inside the 120 ms it keeps.
 */
export function measureLevel(lease: Pick<AudioLease, 'takeMicFrame' | 'release'>, clock: Clock, ms: number): Promise<MicLevel> {
  const meter = new LevelMeter();
  let frames = 0;
  const drain = (): void => {
    for (let frame = lease.takeMicFrame(); frame !== undefined; frame = lease.takeMicFrame()) {
      meter.add(frame);
      frames++;
    }
  };
  const until = clock.now() + ms;
  return new Promise((resolve) => {
    const tick = (): void => {
      drain();
      const left = until - clock.now();
      if (left > 0) {
        clock.setTimer(Math.min(READ_EVERY_MS, left), tick);
        return;
      }
      lease.release();
      resolve({ levelDbfs: meter.dbfs, frames });
    };
    clock.setTimer(Math.min(READ_EVERY_MS, ms), tick);
  });
}
