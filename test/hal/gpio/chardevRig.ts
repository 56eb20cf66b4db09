// The chardev driver over the fake spawn and a fake clock: the door relay on GPIO 27, the status LED (active-low) on
// 23, an active-low bell button on 17 and an active-high one on 5; helpers find the latest gpiomon per bias and the
// latest gpioset of the relays and of the LEDs.

import { FakeClock } from '../../../firmware-app/platform/FakeClock.ts';
import { createChardevDevices } from '../../../hal/gpio/chardev/chardevDevices.ts';
import type { GpiodTools } from '../../../hal/gpio/chardev/gpiodTools.ts';
import type { GpioSpecs } from '../../../hal/gpio/devices.ts';
import { type FakeChild, fakeSpawn } from '../support/fakeChild.ts';
import { collectingLogger, fakeRun } from './gpioRig.ts';

export const V2I: GpiodTools = { major: 2, interactive: true };
export const V2P: GpiodTools = { major: 2, interactive: false };
export const V1T: GpiodTools = { major: 1, interactive: false };

export const SPECS: GpioSpecs = {
  buttons: [
    { id: '1', pin: 17, activeLow: true },
    { id: '2', pin: 5, activeLow: false },
  ],
  relays: [{ id: 'door', pin: 27, activeLow: false, maxPulseMs: 3000 }],
  leds: [{ id: 'status', pin: 23, activeLow: true }],
};

const holds = (child: FakeChild, pin: number): boolean => child.args.some((a) => a.startsWith(`${pin}=`));

export function chardevRig(tools: GpiodTools = V2I, specs: GpioSpecs = SPECS, runAnswers: Parameters<typeof fakeRun>[0] = { gpioset: {} }) {
  const clock = new FakeClock();
  const logger = collectingLogger();
  const spawn = fakeSpawn();
  const run = fakeRun(runAnswers);
  const result = createChardevDevices({ chip: { name: 'gpiochip4', label: 'pinctrl-rp1', lines: 54 }, tools, specs, spawn: spawn.spawn, runSync: run.run, clock, logger });
  if (!result.ok) throw new Error(result.error);
  const mons = (bias?: string) => spawn.of('gpiomon').filter((c) => bias === undefined || c.args.includes(bias));
  return {
    clock,
    logger,
    spawn,
    run,
    d: result.devices,
    mons,
    /** The latest gpiomon (of this bias). */
    mon: (bias?: string) => mons(bias).at(-1),
    relaySets: () => spawn.of('gpioset').filter((c) => holds(c, 27)),
    ledSets: () => spawn.of('gpioset').filter((c) => holds(c, 23)),
    relaySet: () => spawn.of('gpioset').filter((c) => holds(c, 27)).at(-1),
    ledSet: () => spawn.of('gpioset').filter((c) => holds(c, 23)).at(-1),
  };
}

/** One polarity of button only (a single gpiomon). */
export const ONE_BUTTON: GpioSpecs = { ...SPECS, buttons: [{ id: '1', pin: 17, activeLow: true }] };
