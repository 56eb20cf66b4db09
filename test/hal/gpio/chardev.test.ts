// The chardev driver over a fake spawn: gpiod's version and --interactive probed, gpiomon's lines parsed into edges
// (v2 and v1 formats, split chunks, junk), gpioset commanded on stdin (interactive) or restarted with new levels,
// dead tools restarted with back-off and one log line per death, releaseRelays synchronous, close stops everything.

import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../firmware-app/platform/FakeClock.ts';
import type { ButtonEdge } from '../../../hal/gpio.ts';
import { createChardevDevices } from '../../../hal/gpio/chardev/chardevDevices.ts';
import { type GpiodTools, parseGpiodetect, parseGpiomonLine, probeGpiodTools } from '../../../hal/gpio/chardev/gpiodTools.ts';
import type { GpioSpecs } from '../../../hal/gpio/devices.ts';
import { collectingLogger, fakeRun, fakeSpawn, GPIODETECT_PI5, V1, V2_INTERACTIVE, V2_PLAIN } from './gpioRig.ts';

const V2I: GpiodTools = { major: 2, interactive: true };
const V2P: GpiodTools = { major: 2, interactive: false };
const V1T: GpiodTools = { major: 1, interactive: false };

const SPECS: GpioSpecs = {
  buttons: [
    { id: '1', pin: 17, activeLow: true },
    { id: '2', pin: 5, activeLow: false },
  ],
  relays: [{ id: 'door', pin: 27, activeLow: false, maxPulseMs: 3000 }],
  leds: [{ id: 'status', pin: 23, activeLow: true }],
};

function rig(tools: GpiodTools = V2I, specs: GpioSpecs = SPECS, runAnswers: Parameters<typeof fakeRun>[0] = { gpioset: {} }) {
  const clock = new FakeClock();
  const logger = collectingLogger();
  const spawn = fakeSpawn();
  const run = fakeRun(runAnswers);
  const result = createChardevDevices({ chip: { name: 'gpiochip4', label: 'pinctrl-rp1', lines: 54 }, tools, specs, spawn: spawn.spawn, runSync: run.run, clock, logger });
  if (!result.ok) throw new Error(result.error);
  const mon = () => spawn.of('gpiomon').at(-1);
  const set = () => spawn.of('gpioset').at(-1);
  return { clock, logger, spawn, run, d: result.devices, mon, set };
}

describe('gpiod tools', () => {
  it('probes v2 with and without --interactive, v1, and a missing gpioset', () => {
    expect(probeGpiodTools(fakeRun(V2_INTERACTIVE).run)).toEqual({ ok: true, tools: V2I });
    expect(probeGpiodTools(fakeRun(V2_PLAIN).run)).toEqual({ ok: true, tools: V2P });
    expect(probeGpiodTools(fakeRun(V1).run)).toEqual({ ok: true, tools: V1T });
    expect(probeGpiodTools(fakeRun({}).run)).toMatchObject({ ok: false, error: expect.stringContaining('apt-get install gpiod') });
  });

  it('parses gpiodetect and both gpiomon formats', () => {
    expect(parseGpiodetect(GPIODETECT_PI5).at(-1)).toEqual({ name: 'gpiochip4', label: 'pinctrl-rp1', lines: 54 });
    expect(parseGpiomonLine(V2I, '17 1')).toEqual({ offset: 17, high: true });
    expect(parseGpiomonLine(V2I, '17 2')).toEqual({ offset: 17, high: false });
    expect(parseGpiomonLine(V2I, '17 0')).toBeUndefined();
    expect(parseGpiomonLine(V1T, '17 0')).toEqual({ offset: 17, high: false });
    expect(parseGpiomonLine(V1T, 'Monitoring lines')).toBeUndefined();
  });
});

describe('chardev devices', () => {
  it('starts one gpiomon for all buttons and one gpioset holding every output at rest (v2 interactive)', () => {
    const { spawn, mon, set } = rig();
    expect(spawn.children).toHaveLength(2);
    expect(mon()?.args).toEqual(['-c', 'gpiochip4', '-e', 'both', '-F', '%o %e', '17', '5']);
    // The LED is active-low: its rest is the raw high level.
    expect(set()?.args).toEqual(['-i', '-c', 'gpiochip4', '27=0', '23=1']);
  });

  it('v1 (bookworm) gets v1 flags', () => {
    const { mon, set } = rig(V1T);
    expect(mon()?.args).toEqual(['-b', '-F', '%o %e', 'gpiochip4', '17', '5']);
    expect(set()?.args).toEqual(['--mode=signal', 'gpiochip4', '27=0', '23=1']);
  });

  it('gpiomon lines become edges with the clock time, activeLow applied, split chunks joined, junk ignored', () => {
    const one: ButtonEdge[] = [];
    const two: ButtonEdge[] = [];
    const r = rig();
    r.d.buttons.get('1')?.onEdge((e) => one.push(e));
    r.d.buttons.get('2')?.onEdge((e) => two.push(e));
    r.clock.advance(500);
    r.mon()?.print('17 2\n5 1');
    r.clock.advance(20);
    r.mon()?.print('\ngarbage line\n17 1\n');
    expect(one).toEqual([{ pressed: true, at: 500 }, { pressed: false, at: 520 }]);
    expect(two).toEqual([{ pressed: true, at: 520 }]);
  });

  it('interactive gpioset: a pulse and its end are set commands on stdin, raw levels per activeLow', () => {
    const { clock, d, set, spawn } = rig();
    expect(d.relays.get('door')?.pulse(10_000)).toBe(3000);
    clock.advance(3000);
    d.leds.get('status')?.set('on');
    expect(set()?.input).toBe('set 27=1\nset 27=0\nset 23=0\n');
    expect(spawn.of('gpioset')).toHaveLength(1);
  });

  it('gpioset without --interactive: each change restarts it with the new levels once the old one is gone', () => {
    const { d, set, spawn } = rig(V2P);
    const first = set();
    d.relays.get('door')?.pulse(1000);
    expect(first?.signals).toEqual(['SIGTERM']);
    d.leds.get('status')?.set('on'); // a second change while the first one is pending: one restart, latest levels
    expect(first?.signals).toEqual(['SIGTERM']);
    first?.die(null, 'SIGTERM');
    expect(spawn.of('gpioset')).toHaveLength(2);
    expect(set()?.args).toEqual(['-c', 'gpiochip4', '27=1', '23=0']);
  });

  it('a gpioset that ignores SIGTERM when replaced gets SIGKILL a second later', () => {
    const { clock, d, set, spawn } = rig(V2P);
    const stuck = set();
    d.leds.get('status')?.set('on');
    clock.advance(999);
    expect(stuck?.signals).toEqual(['SIGTERM']);
    clock.advance(1);
    expect(stuck?.signals).toEqual(['SIGTERM', 'SIGKILL']);
    stuck?.die(null, 'SIGKILL');
    expect(spawn.of('gpioset')).toHaveLength(2);
    expect(clock.pending).toBe(0); // the escalation is cancelled once the process is gone
  });

  it('a dying gpiomon is restarted with doubling back-off, one log line per death, and never throws', () => {
    const { clock, logger, spawn, mon } = rig();
    mon()?.die(1, null, 'gpiomon: unable to request lines on chip /dev/gpiochip4: Device or resource busy\n');
    const failed = () => logger.lines.filter((l) => l.event === 'gpioToolFailed');
    expect(failed()).toHaveLength(1);
    expect(failed()[0]?.fields).toMatchObject({ tool: 'gpiomon', retryInMs: 500, reason: expect.stringContaining('resource busy') });
    clock.advance(499);
    expect(spawn.of('gpiomon')).toHaveLength(1);
    clock.advance(1);
    expect(spawn.of('gpiomon')).toHaveLength(2);
    mon()?.die(1);
    expect(failed()[1]?.fields).toMatchObject({ retryInMs: 1000, failures: 2 });
    clock.advance(1000);
    // This one lives long enough: its death starts the back-off over.
    clock.advance(60_000);
    mon()?.die(null, 'SIGSEGV');
    expect(failed()).toHaveLength(3);
    expect(failed()[2]?.fields).toMatchObject({ retryInMs: 500, failures: 1, reason: 'gpiomon was killed by SIGSEGV' });
    for (let i = 0; i < 20; i++) {
      clock.runNext();
      mon()?.die(1);
    }
    expect(failed().at(-1)?.fields).toMatchObject({ retryInMs: 30_000 });
    expect(failed()).toHaveLength(23);
  });

  it('a tool that is not installed is one error line and no more tries', () => {
    const { clock, logger, spawn, mon } = rig();
    mon()?.emit('error', Object.assign(new Error('spawn gpiomon ENOENT'), { code: 'ENOENT' }));
    mon()?.die(-2);
    clock.advance(120_000);
    expect(spawn.of('gpiomon')).toHaveLength(1);
    expect(logger.lines.filter((l) => l.event === 'gpioToolFailed')).toEqual([
      { level: 'error', event: 'gpioToolFailed', fields: expect.objectContaining({ retry: false, reason: expect.stringContaining('not installed') }) },
    ]);
  });

  it('a restarted gpioset comes back with the levels of the moment (a relay driven during the gap)', () => {
    const { clock, d, set } = rig();
    set()?.die(1);
    d.relays.get('door')?.pulse(2000);
    clock.advance(500);
    expect(set()?.args).toEqual(['-i', '-c', 'gpiochip4', '27=1', '23=1']);
  });

  it('releaseRelays, interactive: the rest command is on stdin before it returns', () => {
    const { d, set } = rig();
    d.relays.get('door')?.pulse(2000);
    d.releaseRelays();
    expect(set()?.input.endsWith('set 27=0\n')).toBe(true);
    expect(d.relays.get('door')?.active).toBe(false);
  });

  it('releaseRelays, non-interactive: the holder is killed and a one-shot gpioset writes the rest levels synchronously', () => {
    const { d, set, run } = rig(V2P, SPECS, { 'gpioset -t 0 -c gpiochip4 27=0 23=1': { status: 0 } });
    const holder = set();
    d.relays.get('door')?.pulse(2000);
    holder?.die(null, 'SIGTERM');
    const second = set();
    d.releaseRelays();
    expect(second?.signals).toContain('SIGKILL');
    expect(run.calls).toEqual(['gpioset -t 0 -c gpiochip4 27=0 23=1']);
  });

  it('the one-shot is tried again while the dying holder keeps the line busy, then logged', () => {
    const { d, run, logger } = rig(V1T, SPECS, { gpioset: { status: 1, stderr: 'error setting the GPIO line values: Device or resource busy' } });
    d.releaseRelays();
    expect(run.calls.length).toBe(5);
    expect(run.calls[0]).toBe('gpioset --mode=exit gpiochip4 27=0 23=1');
    expect(logger.events()).toContain('gpioRestWriteFailed');
  });

  it('close: LEDs off and relays at rest, gpioset told to exit, gpiomon terminated, nothing restarted', () => {
    const { clock, d, set, mon, spawn } = rig();
    d.relays.get('door')?.pulse(2000);
    d.leds.get('status')?.set({ blink: { onMs: 100, offMs: 100 } });
    d.close();
    // The LED goes dark first (raw high: active-low), the relay's rest is said once more as the last word.
    expect(set()?.input).toMatch(/set 23=1\nset 27=0\n(set 27=0\n)?exit\n$/);
    expect(set()?.stdin.ended).toBe(true);
    expect(mon()?.signals).toEqual(['SIGTERM']);
    mon()?.die(null, 'SIGTERM');
    set()?.die(0);
    clock.advance(60_000);
    expect(spawn.children).toHaveLength(2);
    expect(clock.pending).toBe(0);
  });

  it('a line the chip lacks is an error naming the device', () => {
    const clock = new FakeClock();
    const result = createChardevDevices({
      chip: { name: 'gpiochip0', label: 'pinctrl-bcm2835', lines: 54 },
      tools: V2I,
      specs: { ...SPECS, buttons: [{ id: 'gate', pin: 60, activeLow: false }] },
      spawn: fakeSpawn().spawn,
      runSync: fakeRun({}).run,
      clock,
      logger: collectingLogger(),
    });
    expect(result).toMatchObject({ ok: false, error: expect.stringMatching(/^buttons gate: GPIO 60 is not a line of gpiochip0/) });
  });
});
