// InactivityWatchdog on the fake clock: silence ends the call once, packets keep it alive, hold suspends it.
import { describe, expect, it } from 'vitest';
import { InactivityWatchdog } from '../../../firmware-app/media/rtp/InactivityWatchdog.ts';
import { FakeClock } from '../../../firmware-app/platform/FakeClock.ts';

function setup(timeoutMs = 30_000) {
  const clock = new FakeClock();
  const expired: Array<[number, number]> = [];
  const watchdog = new InactivityWatchdog({ clock, timeoutMs, expired: (silent) => expired.push([clock.now(), silent]) });
  return { clock, expired, watchdog };
}

/** Packets every 20 ms for `ms`. */
function stream(clock: FakeClock, watchdog: InactivityWatchdog, ms: number): void {
  for (let t = 0; t < ms; t += 20) {
    clock.advance(20);
    watchdog.heard();
  }
}

describe('InactivityWatchdog', () => {
  it('expires once when nothing arrives for the timeout after start', () => {
    const { clock, expired, watchdog } = setup();
    watchdog.start();
    clock.advance(29_999);
    expect(expired).toEqual([]);
    clock.advance(1);
    expect(expired).toEqual([[30_000, 30_000]]);
    clock.advance(120_000);
    expect(expired).toHaveLength(1);
    expect(watchdog.state).toBe('expired');
  });

  it('is kept alive by packets and expires the timeout after the last one', () => {
    const { clock, expired, watchdog } = setup();
    watchdog.start();
    stream(clock, watchdog, 100_000);
    expect(expired).toEqual([]);
    clock.advance(30_000);
    expect(expired).toEqual([[130_000, 30_000]]);
    expect(clock.pending).toBe(0);
  });

  it('does not expire on hold, however long, and gives a full timeout after resume', () => {
    const { clock, expired, watchdog } = setup();
    watchdog.start();
    stream(clock, watchdog, 1000);
    watchdog.hold();
    clock.advance(3_600_000);
    expect(expired).toEqual([]);
    expect(watchdog.state).toBe('held');
    watchdog.resume();
    clock.advance(29_000);
    expect(expired).toEqual([]);
    clock.advance(1000);
    expect(expired).toEqual([[3_631_000, 30_000]]);
  });

  it('never fires after stop, nor before start', () => {
    const { clock, expired, watchdog } = setup(1000);
    clock.advance(5000);
    watchdog.heard();
    expect(watchdog.state).toBe('idle');
    watchdog.start();
    watchdog.stop();
    clock.advance(5000);
    watchdog.resume();
    clock.advance(5000);
    expect(expired).toEqual([]);
    expect(clock.pending).toBe(0);
  });
});
