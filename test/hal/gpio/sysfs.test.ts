// The sysfs driver: the chip base found from fake /sys trees (old kernels at 0, Pi 4 at 512, Pi 5 at 571 among other
// chips, a configured label, none), and the onoff devices over a fake Gpio: edges with the clock's time, activeLow,
// outputs exported at rest, relay pulses cut and released on the clock, releaseRelays synchronous, close unexports,
// and the one gpioBias line saying which pulls config.txt must set (sysfs cannot).

import { writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../firmware-app/platform/FakeClock.ts';
import type { ButtonEdge } from '../../../hal/gpio.ts';
import { chooseChip } from '../../../hal/gpio/chips.ts';
import type { GpioSpecs } from '../../../hal/gpio/devices.ts';
import { createSysfsDevices } from '../../../hal/gpio/sysfs/sysfsDevices.ts';
import { listSysfsChips, sysfsGpioPresent } from '../../../hal/gpio/sysfs/sysfsChips.ts';
import { collectingLogger, fakePins, fakeSys } from './gpioRig.ts';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));
function sys(...args: Parameters<typeof fakeSys>): string {
  const tree = fakeSys(...args);
  cleanups.push(tree.cleanup);
  return tree.root;
}
function pick(root: string, label?: string) {
  return chooseChip(listSysfsChips(root), label, `${root}/class/gpio`);
}

describe('sysfs chip base', () => {
  it('old kernel: pinctrl-bcm2835 at base 0', () => {
    const root = sys([{ base: 0, label: 'pinctrl-bcm2835', ngpio: 54 }, { base: 504, label: 'raspberrypi-exp-gpio', ngpio: 8 }]);
    expect(sysfsGpioPresent(root)).toBe(true);
    expect(pick(root)).toMatchObject({ ok: true, chip: { base: 0, label: 'pinctrl-bcm2835', lines: 54 } });
  });

  it('Pi 4 on kernel 6.6+: pinctrl-bcm2711 at 512', () => {
    const root = sys([{ base: 570, label: 'raspberrypi-exp-gpio', ngpio: 8 }, { base: 512, label: 'pinctrl-bcm2711', ngpio: 58 }]);
    expect(pick(root)).toMatchObject({ ok: true, chip: { name: 'gpiochip512', base: 512 } });
  });

  it('Pi 5: pinctrl-rp1 at 571 among the brcmstb chips', () => {
    const root = sys([
      { base: 512, label: 'gpio-brcmstb@107d508500', ngpio: 32 },
      { base: 544, label: 'gpio-brcmstb@107d508520', ngpio: 4 },
      { base: 548, label: 'gpio-brcmstb@107d517c00', ngpio: 17 },
      { base: 565, label: 'gpio-brcmstb@107d517c20', ngpio: 6 },
      { base: 571, label: 'pinctrl-rp1', ngpio: 54 },
    ]);
    expect(pick(root)).toMatchObject({ ok: true, chip: { base: 571, label: 'pinctrl-rp1' } });
  });

  it('a configured label wins over the known ones; an unknown one is a clear error listing what exists', () => {
    const root = sys([{ base: 0, label: 'pinctrl-bcm2835', ngpio: 54 }, { base: 100, label: 'my-expander', ngpio: 16 }]);
    expect(pick(root, 'my-expander')).toMatchObject({ ok: true, chip: { base: 100 } });
    const missing = pick(root, 'pinctrl-rp1');
    expect(missing.ok).toBe(false);
    if (!missing.ok) expect(missing.error).toMatch(/gpio\.chip "pinctrl-rp1".*gpiochip0 \[pinctrl-bcm2835\].*gpiochip100 \[my-expander\]/);
  });

  it('no Pi chip, no chips, no sysfs at all: errors, not guesses', () => {
    const other = pick(sys([{ base: 0, label: 'gpio-mockup-A', ngpio: 8 }]));
    expect(other).toMatchObject({ ok: false, error: expect.stringMatching(/no Raspberry Pi GPIO chip.*gpio-mockup-A.*gpio\.chip/) });
    expect(pick(sys([]))).toMatchObject({ ok: false, error: expect.stringContaining('found: none') });
    expect(sysfsGpioPresent(sys([], true))).toBe(false);
    expect(listSysfsChips('/does/not/exist')).toEqual([]);
  });

  it('a chip directory with a missing or junk file is skipped', () => {
    const root = sys([{ base: 0, label: 'pinctrl-bcm2835', ngpio: 54 }]);
    const broken = sys([{ base: 512, label: 'pinctrl-bcm2711', ngpio: 58 }]);
    writeFileSync(`${broken}/class/gpio/gpiochip512/base`, 'x\n');
    expect(listSysfsChips(broken)).toEqual([]);
    expect(listSysfsChips(root)).toHaveLength(1);
  });
});

const SPECS: GpioSpecs = {
  buttons: [{ id: '1', pin: 17, activeLow: true }],
  relays: [
    { id: 'door', pin: 27, activeLow: false, maxPulseMs: 3000 },
    { id: 'chime', pin: 22, activeLow: true, maxPulseMs: 120_000 },
  ],
  leds: [{ id: 'status', pin: 23, activeLow: false }],
};

function devices(specs: GpioSpecs = SPECS, failOn: number[] = []) {
  const clock = new FakeClock();
  const logger = collectingLogger();
  const { factory, pins } = fakePins(failOn);
  const result = createSysfsDevices({ chip: { name: 'gpiochip512', label: 'pinctrl-bcm2711', lines: 58, base: 512 }, specs, pins: factory, clock, logger });
  if (!result.ok) return { clock, logger, pins, error: result.error, d: undefined };
  return { clock, logger, pins, error: undefined, d: result.devices };
}

describe('sysfs devices (onoff)', () => {
  it('pins are opened at base + BCM: buttons as inputs on both edges, outputs at rest with activeLow honoured', () => {
    const { pins } = devices();
    expect(pins.get(512 + 17)).toMatchObject({ direction: 'in', edge: 'both', activeLow: true });
    expect(pins.get(512 + 27)).toMatchObject({ direction: 'low', activeLow: false });
    // Active-low relay: rest is the raw high level, written with the export.
    expect(pins.get(512 + 22)).toMatchObject({ direction: 'high', activeLow: true });
    expect(pins.get(512 + 23)).toMatchObject({ direction: 'low' });
  });

  it('button edges carry the HAL clock time; a read error is logged, not an edge', () => {
    const { clock, logger, pins, d } = devices();
    const edges: ButtonEdge[] = [];
    d?.buttons.get('1')?.onEdge((e) => edges.push(e));
    clock.advance(1234);
    pins.get(529)?.fire(1);
    clock.advance(80);
    pins.get(529)?.fire(0);
    pins.get(529)?.fire(1, new Error('EIO'));
    expect(edges).toEqual([{ pressed: true, at: 1234 }, { pressed: false, at: 1314 }]);
    expect(logger.events()).toContain('gpioReadFailed');
  });

  it('a relay pulse is cut to its maximum and released on the clock; the 120 s config is cut to 30 s', () => {
    const { clock, pins, d } = devices();
    const door = d?.relays.get('door');
    expect(door?.pulse(10_000)).toBe(3000);
    expect(pins.get(539)?.writes).toEqual([1]);
    clock.advance(2999);
    expect(door?.active).toBe(true);
    clock.advance(1);
    expect(pins.get(539)?.writes).toEqual([1, 0]);
    expect(d?.relays.get('chime')?.maxPulseMs).toBe(30_000);
  });

  it('releaseRelays drives every relay to rest synchronously, even one it believes at rest; idempotent', () => {
    const { clock, pins, d } = devices();
    const reasons: string[] = [];
    d?.relays.get('door')?.onReleased((r) => reasons.push(r));
    d?.relays.get('door')?.pulse(2000);
    d?.releaseRelays();
    expect(pins.get(539)?.value).toBe(0);
    expect(pins.get(534)?.writes).toEqual([0]);
    expect(reasons).toEqual(['closed']);
    d?.releaseRelays();
    expect(reasons).toEqual(['closed']);
    expect(clock.pending).toBe(0);
  });

  it('LED blink writes the pin on the clock; close turns it off, releases relays and unexports every pin', () => {
    const { clock, pins, d } = devices();
    d?.leds.get('status')?.set({ blink: { onMs: 100, offMs: 100 } });
    clock.advance(250);
    expect(pins.get(535)?.writes).toEqual([1, 0, 1]);
    d?.relays.get('door')?.pulse(1000);
    d?.close();
    expect(pins.get(535)?.value).toBe(0);
    expect(pins.get(539)?.value).toBe(0);
    expect([...pins.values()].every((p) => p.unexported)).toBe(true);
    expect(clock.pending).toBe(0);
    expect(() => d?.close()).not.toThrow();
  });

  it('a pin the chip lacks, or one that cannot be opened, is an error naming it; pins opened so far are let go', () => {
    expect(devices({ ...SPECS, leds: [{ id: 'hall', pin: 58, activeLow: false }] }).error).toMatch(/leds hall: GPIO 58 is not a line of gpiochip512/);
    const failed = devices(SPECS, [512 + 22]);
    expect(failed.error).toMatch(/relays chime: cannot open GPIO 22 \(sysfs 534\): EACCES/);
    expect(failed.pins.get(529)?.unexported).toBe(true);
    expect(failed.pins.get(539)?.unexported).toBe(true);
  });

  it('a write that fails is logged, never thrown into the caller', () => {
    const { logger, pins, d } = devices();
    pins.get(539)?.unexport();
    expect(() => d?.relays.get('door')?.pulse(500)).not.toThrow();
    expect(logger.lines.find((l) => l.event === 'gpioWriteFailed')?.fields).toMatchObject({ relay: 'door', value: 1 });
  });

  it('pulls cannot be set through sysfs: one gpioBias line at start names the buttons and the config.txt lines', () => {
    const specs: GpioSpecs = { ...SPECS, buttons: [...SPECS.buttons, { id: '2', pin: 5, activeLow: false }] };
    const { logger } = devices(specs);
    const bias = logger.lines.filter((l) => l.event === 'gpioBias');
    expect(bias).toHaveLength(1);
    expect(bias[0]?.level).toBe('warn');
    expect(bias[0]?.fields).toMatchObject({ pins: '17,5', hint: expect.stringMatching(/gpio=17=ip,pu and gpio=5=ip,pd to \/boot\/firmware\/config\.txt/) });
    expect(devices({ ...SPECS, buttons: [] }).logger.events()).not.toContain('gpioBias');
  });
});
