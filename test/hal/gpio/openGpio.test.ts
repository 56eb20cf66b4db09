// Driver selection: auto takes sysfs where the export file and the Pi's chip are there, else the character device
// where /dev/gpiochip* and gpiod's tools are; one gpioDriver line says which; nothing working is one clear error.

import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../firmware-app/platform/FakeClock.ts';
import type { GpioSpecs } from '../../../hal/gpio/devices.ts';
import { type GpioSystem, openGpio } from '../../../hal/gpio/openGpio.ts';
import { fakeSpawn } from '../support/fakeChild.ts';
import { collectingLogger, fakeDev, fakePins, fakeRun, fakeSys, GPIODETECT_PI4, GPIODETECT_PI5, V2_INTERACTIVE } from './gpioRig.ts';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));
function track<T extends { cleanup(): void }>(t: T): T {
  cleanups.push(t.cleanup);
  return t;
}

const SPECS: GpioSpecs = {
  buttons: [{ id: '1', pin: 17, activeLow: true }],
  relays: [{ id: 'door', pin: 27, activeLow: false, maxPulseMs: 3000 }],
  leds: [],
};

function open(driver: 'auto' | 'sysfs' | 'chardev', system: GpioSystem, chip?: string, specs: GpioSpecs = SPECS) {
  const logger = collectingLogger();
  const result = openGpio({ driver, chip, specs, system, clock: new FakeClock(), logger });
  return { result, logger, driverLine: logger.lines.find((l) => l.event === 'gpioDriver') };
}

const PI4_SYS = [{ base: 512, label: 'pinctrl-bcm2711', ngpio: 58 }];

describe('openGpio', () => {
  it('auto on a Pi 4 with sysfs: sysfs at base 512, logged once', () => {
    const pins = fakePins();
    const { result, driverLine, logger } = open('auto', { sysRoot: track(fakeSys(PI4_SYS)).root, pins: pins.factory });
    expect(result.ok).toBe(true);
    expect(driverLine?.fields).toEqual({ driver: 'sysfs', chip: 'gpiochip512', label: 'pinctrl-bcm2711', base: 512 });
    expect(logger.events().filter((e) => e === 'gpioDriver')).toHaveLength(1);
    expect([...pins.pins.keys()]).toEqual([529, 539]);
  });

  it('auto without sysfs GPIO (trixie): chardev on the chip gpiodetect names pinctrl-rp1', () => {
    const spawn = fakeSpawn();
    const { result, driverLine } = open('auto', {
      sysRoot: track(fakeSys([], true)).root,
      devRoot: track(fakeDev(['gpiochip0', 'gpiochip4'])).root,
      spawn: spawn.spawn,
      runSync: fakeRun({ ...V2_INTERACTIVE, gpiodetect: { stdout: GPIODETECT_PI5 } }).run,
    });
    expect(result.ok).toBe(true);
    expect(driverLine?.fields).toMatchObject({ driver: 'chardev', chip: 'gpiochip4', label: 'pinctrl-rp1', gpiod: 2, interactive: true });
    expect(spawn.of('gpiomon')[0]?.args.slice(0, 2)).toEqual(['-c', 'gpiochip4']);
  });

  it('auto with sysfs present but no Pi chip in it falls through to chardev', () => {
    const { result, driverLine } = open('auto', {
      sysRoot: track(fakeSys([{ base: 0, label: 'gpio-mockup-A', ngpio: 8 }])).root,
      devRoot: track(fakeDev(['gpiochip0'])).root,
      spawn: fakeSpawn().spawn,
      runSync: fakeRun({ ...V2_INTERACTIVE, gpiodetect: { stdout: GPIODETECT_PI4 } }).run,
    });
    expect(result.ok).toBe(true);
    expect(driverLine?.fields).toMatchObject({ driver: 'chardev', label: 'pinctrl-bcm2711' });
  });

  it('auto with sysfs present but read-only (the systemd unit without its sysfs drop-in) takes chardev; sysfs forced says why', () => {
    const sysRoot = track(fakeSys(PI4_SYS)).root;
    const asked: string[] = [];
    const readOnly = (file: string): boolean => {
      asked.push(file);
      return false;
    };
    const { result, driverLine } = open('auto', {
      sysRoot, writable: readOnly,
      devRoot: track(fakeDev(['gpiochip0'])).root,
      spawn: fakeSpawn().spawn,
      runSync: fakeRun({ ...V2_INTERACTIVE, gpiodetect: { stdout: GPIODETECT_PI4 } }).run,
    });
    expect(result.ok).toBe(true);
    expect(driverLine?.fields).toMatchObject({ driver: 'chardev', label: 'pinctrl-bcm2711' });
    expect(asked).toEqual([`${sysRoot}/class/gpio/export`]);
    const forced = open('sysfs', { sysRoot, writable: readOnly });
    expect(forced.result).toMatchObject({ ok: false, error: expect.stringContaining('/class/gpio/export is not writable') });
  });

  it('sysfs forced where there is none, chardev forced without tools, auto with nothing: clear errors', () => {
    const noSys = track(fakeSys([], true)).root;
    const dev = track(fakeDev(['gpiochip0'])).root;
    expect(open('sysfs', { sysRoot: noSys }).result).toMatchObject({ ok: false, error: expect.stringMatching(/^gpio\.driver sysfs: no sysfs GPIO/) });
    expect(open('chardev', { devRoot: dev, runSync: fakeRun({}).run }).result).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^gpio\.driver chardev: gpioset is not installed/),
    });
    const none = open('auto', { sysRoot: noSys, devRoot: track(fakeDev([])).root, runSync: fakeRun({}).run });
    expect(none.result).toMatchObject({ ok: false, error: expect.stringMatching(/no GPIO driver works: sysfs: .*; chardev: no GPIO character device/) });
    expect(none.driverLine).toBeUndefined();
  });

  it('chardev forced even where sysfs works; a configured chip label that gpiodetect lacks is an error', () => {
    const system = {
      sysRoot: track(fakeSys(PI4_SYS)).root,
      devRoot: track(fakeDev(['gpiochip0'])).root,
      spawn: fakeSpawn().spawn,
      runSync: fakeRun({ ...V2_INTERACTIVE, gpiodetect: { stdout: GPIODETECT_PI4 } }).run,
    };
    expect(open('chardev', system).driverLine?.fields).toMatchObject({ driver: 'chardev' });
    expect(open('chardev', system, 'pinctrl-rp1').result).toMatchObject({ ok: false, error: expect.stringContaining('gpio.chip "pinctrl-rp1"') });
  });

  it('nothing configured: no driver is opened and nothing is required of the system', () => {
    const { result, driverLine } = open('sysfs', { sysRoot: '/does/not/exist' }, undefined, { buttons: [], relays: [], leds: [] });
    expect(result.ok && result.devices.buttons.size).toBe(0);
    expect(driverLine).toBeUndefined();
  });
});
