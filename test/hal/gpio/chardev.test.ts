// The chardev driver's inputs and tool keeping over a fake spawn: gpiomon per bias (pull-up for active-low buttons,
// pull-down for active-high ones) with v2's kernel debounce, its lines parsed into edges (split chunks, junk), dead
// tools restarted with back-off and one log line per death, a missing tool (ENOENT, or setpriv's 127) given up on.

import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../firmware-app/platform/FakeClock.ts';
import type { ButtonEdge } from '../../../hal/gpio.ts';
import { createChardevDevices } from '../../../hal/gpio/chardev/chardevDevices.ts';
import { chardevRig, ONE_BUTTON, SPECS, V1T, V2I } from './chardevRig.ts';
import { fakeSpawn } from '../support/fakeChild.ts';
import { collectingLogger, fakeRun } from './gpioRig.ts';

describe('chardev inputs', () => {
  it('buttons of both polarities: one gpiomon with pull-up for the active-low one, one with pull-down; 5 ms debounce (v2)', () => {
    const { spawn, mon } = chardevRig();
    expect(spawn.of('gpiomon')).toHaveLength(2);
    expect(mon('pull-up')?.args).toEqual(['-c', 'gpiochip4', '-e', 'both', '-b', 'pull-up', '-p', '5ms', '-F', '%o %e', '17']);
    expect(mon('pull-down')?.args).toEqual(['-c', 'gpiochip4', '-e', 'both', '-b', 'pull-down', '-p', '5ms', '-F', '%o %e', '5']);
  });

  it('buttons of one polarity share one gpiomon', () => {
    const specs = { ...SPECS, buttons: [{ id: '1', pin: 17, activeLow: true }, { id: '2', pin: 22, activeLow: true }] };
    const { spawn, mon } = chardevRig(V2I, specs);
    expect(spawn.of('gpiomon')).toHaveLength(1);
    expect(mon()?.args.slice(4, 6)).toEqual(['-b', 'pull-up']);
    expect(mon()?.args.slice(-2)).toEqual(['17', '22']);
  });

  it('v1 (bookworm): line-buffered -b, bias with -B, no debounce; v1 gpioset flags', () => {
    const { mon, relaySet } = chardevRig(V1T);
    expect(mon('pull-up')?.args).toEqual(['-b', '-B', 'pull-up', '-F', '%o %e', 'gpiochip4', '17']);
    expect(mon('pull-down')?.args).toEqual(['-b', '-B', 'pull-down', '-F', '%o %e', 'gpiochip4', '5']);
    expect(relaySet()?.args).toEqual(['--mode=signal', 'gpiochip4', '27=0']);
  });

  it('a line shared by buttons of both polarities is watched once, with the first one\'s bias, and warned about', () => {
    const specs = { ...SPECS, buttons: [{ id: 'a', pin: 17, activeLow: true }, { id: 'b', pin: 17, activeLow: false }] };
    const { spawn, logger } = chardevRig(V2I, specs);
    expect(spawn.of('gpiomon').map((c) => c.args.slice(4, 6))).toEqual([['-b', 'pull-up']]);
    expect(logger.lines.filter((l) => l.event === 'gpioBiasConflict').map((l) => l.fields)).toEqual([expect.objectContaining({ line: 17, button: 'b' })]);
  });

  it('gpiomon lines become edges with the clock time, activeLow applied, split chunks joined, junk ignored', () => {
    const one: ButtonEdge[] = [];
    const two: ButtonEdge[] = [];
    const r = chardevRig();
    r.d.buttons.get('1')?.onEdge((e) => one.push(e));
    r.d.buttons.get('2')?.onEdge((e) => two.push(e));
    r.clock.advance(500);
    r.mon('pull-up')?.stdout.push('17 2\n');
    r.mon('pull-down')?.stdout.push('5 1');
    r.clock.advance(20);
    r.mon('pull-down')?.stdout.push('\ngarbage line\n');
    r.mon('pull-up')?.stdout.push('17 1\n');
    expect(one).toEqual([{ pressed: true, at: 500 }, { pressed: false, at: 520 }]);
    expect(two).toEqual([{ pressed: true, at: 520 }]);
  });

  it('a dying gpiomon is restarted with doubling back-off, one log line per death, and never throws', () => {
    const { clock, logger, spawn, mon } = chardevRig(V2I, ONE_BUTTON);
    mon()?.close(1, null, 'gpiomon: unable to request lines on chip /dev/gpiochip4: Device or resource busy\n');
    const failed = () => logger.lines.filter((l) => l.event === 'gpioToolFailed');
    expect(failed()).toHaveLength(1);
    expect(failed()[0]?.fields).toMatchObject({ tool: 'gpiomon', retryInMs: 500, reason: expect.stringContaining('resource busy') });
    clock.advance(499);
    expect(spawn.of('gpiomon')).toHaveLength(1);
    clock.advance(1);
    expect(spawn.of('gpiomon')).toHaveLength(2);
    expect(mon()?.args).toContain('pull-up'); // the restarted one keeps its bias
    mon()?.close(1);
    expect(failed()[1]?.fields).toMatchObject({ retryInMs: 1000, failures: 2 });
    clock.advance(1000);
    // This one lives long enough: its death starts the back-off over.
    clock.advance(60_000);
    mon()?.close(null, 'SIGSEGV');
    expect(failed()).toHaveLength(3);
    expect(failed()[2]?.fields).toMatchObject({ retryInMs: 500, failures: 1, reason: 'gpiomon was killed by SIGSEGV' });
    for (let i = 0; i < 20; i++) {
      clock.runNext();
      mon()?.close(1);
    }
    expect(failed().at(-1)?.fields).toMatchObject({ retryInMs: 30_000 });
    expect(failed()).toHaveLength(23);
  });

  it('one of two gpiomons dying leaves the other running', () => {
    const { clock, spawn, mon } = chardevRig();
    const up = mon('pull-up');
    mon('pull-down')?.close(1);
    clock.advance(500);
    expect(spawn.of('gpiomon')).toHaveLength(3);
    expect(up?.signals).toEqual([]);
    expect(mon('pull-down')?.closed).toBe(false);
  });

  it('a tool that is not installed is one error line and no more tries', () => {
    const { clock, logger, spawn, mon } = chardevRig(V2I, ONE_BUTTON);
    mon()?.emit('error', Object.assign(new Error('spawn gpiomon ENOENT'), { code: 'ENOENT' }));
    mon()?.close(-2);
    clock.advance(120_000);
    expect(spawn.of('gpiomon')).toHaveLength(1);
    expect(logger.lines.filter((l) => l.event === 'gpioToolFailed')).toEqual([
      { level: 'error', event: 'gpioToolFailed', fields: expect.objectContaining({ retry: false, reason: expect.stringContaining('not installed') }) },
    ]);
  });

  it('under setpriv a missing tool is exit code 127: also not installed, no more tries', () => {
    const { clock, logger, spawn, mon } = chardevRig(V2I, ONE_BUTTON);
    mon()?.close(127, null, 'setpriv: failed to execute gpiomon: No such file or directory\n');
    clock.advance(120_000);
    expect(spawn.of('gpiomon')).toHaveLength(1);
    expect(logger.lines.filter((l) => l.event === 'gpioToolFailed')).toEqual([
      { level: 'error', event: 'gpioToolFailed', fields: expect.objectContaining({ retry: false, reason: expect.stringMatching(/not installed.*failed to execute gpiomon/) }) },
    ]);
  });

  it('a line the chip lacks is an error naming the device', () => {
    const result = createChardevDevices({
      chip: { name: 'gpiochip0', label: 'pinctrl-bcm2835', lines: 54 },
      tools: V2I,
      specs: { ...SPECS, buttons: [{ id: 'gate', pin: 60, activeLow: false }] },
      spawn: fakeSpawn().spawn,
      runSync: fakeRun({}).run,
      clock: new FakeClock(),
      logger: collectingLogger(),
    });
    expect(result).toMatchObject({ ok: false, error: expect.stringMatching(/^buttons gate: GPIO 60 is not a line of gpiochip0/) });
  });
});
