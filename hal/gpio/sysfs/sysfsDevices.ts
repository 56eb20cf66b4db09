// The sysfs driver: every button, relay and LED is one onoff Gpio at the global number base + BCM. Buttons watch
// both edges (their pulls cannot be set here: one gpioBias line says what config.txt needs); outputs start at rest
// (the level written with the export, so a relay never twitches at start-up) and are written synchronously, which is
// what lets releaseRelays run inside a process 'exit' handler.

import type { HalClock, HalLogger } from '../../ports.ts';
import { BlinkingLed } from '../blink.ts';
import { type GpioChip, specsProblem } from '../chips.ts';
import { type DevicesResult, driverDevices, type GpioSpecs } from '../devices.ts';
import { EdgeButton } from '../EdgeButton.ts';
import { PulsedRelay } from '../pulse.ts';
import type { GpioPin, GpioPinFactory, PinLevel } from './GpioPin.ts';

export interface SysfsDevicesOptions {
  readonly chip: GpioChip;
  readonly specs: GpioSpecs;
  readonly pins: GpioPinFactory;
  readonly clock: HalClock;
  readonly logger: HalLogger;
}

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export function createSysfsDevices(options: SysfsDevicesOptions): DevicesResult {
  const { chip, specs, clock, logger } = options;
  const base = chip.base ?? 0;
  const problem = specsProblem(specs, chip);
  if (problem !== undefined) return { ok: false, error: problem };
  const opened: GpioPin[] = [];
  const open = (kind: string, id: string, pin: number, direction: 'in' | 'high' | 'low', activeLow: boolean): GpioPin | string => {
    try {
      const gpio = options.pins(base + pin, direction, direction === 'in' ? 'both' : 'none', { activeLow });
      opened.push(gpio);
      return gpio;
    } catch (error) {
      return `${kind} ${id}: cannot open GPIO ${pin} (sysfs ${base + pin}): ${message(error)}`;
    }
  };
  const letGo = (): void => {
    for (const gpio of opened.splice(0)) {
      try {
        gpio.unwatchAll();
        gpio.unexport();
      } catch (error) {
        logger.warn('gpioUnexportFailed', { error: message(error) });
      }
    }
  };
  const fail = (error: string): DevicesResult => {
    letGo();
    return { ok: false, error };
  };
  const write = (gpio: GpioPin, what: string, id: string, value: PinLevel): void => {
    try {
      gpio.writeSync(value);
    } catch (error) {
      logger.error('gpioWriteFailed', { [what]: id, value, error: message(error) });
    }
  };

  logBias(specs, logger);
  const buttons = new Map<string, EdgeButton>();
  for (const spec of specs.buttons) {
    const gpio = open('buttons', spec.id, spec.pin, 'in', spec.activeLow);
    if (typeof gpio === 'string') return fail(gpio);
    const button = new EdgeButton(spec.id, clock, logger);
    // onoff applies activeLow to what it reads: 1 is always "pressed".
    gpio.watch((err, value) => {
      if (err) logger.warn('gpioReadFailed', { button: spec.id, error: message(err) });
      else button.level(value === 1);
    });
    buttons.set(spec.id, button);
  }
  // With activeLow, rest is the high level; sysfs takes "high"/"low" as raw levels, whatever active_low says.
  const restDirection = (activeLow: boolean): 'high' | 'low' => (activeLow ? 'high' : 'low');
  const relays = new Map<string, PulsedRelay>();
  const relayPins: GpioPin[] = [];
  for (const spec of specs.relays) {
    const gpio = open('relays', spec.id, spec.pin, restDirection(spec.activeLow), spec.activeLow);
    if (typeof gpio === 'string') return fail(gpio);
    relayPins.push(gpio);
    relays.set(spec.id, new PulsedRelay({ id: spec.id, maxPulseMs: spec.maxPulseMs, clock, drive: (on) => write(gpio, 'relay', spec.id, on ? 1 : 0) }));
  }
  const leds = new Map<string, BlinkingLed>();
  for (const spec of specs.leds) {
    const gpio = open('leds', spec.id, spec.pin, restDirection(spec.activeLow), spec.activeLow);
    if (typeof gpio === 'string') return fail(gpio);
    leds.set(spec.id, new BlinkingLed({ id: spec.id, clock, drive: (lit) => write(gpio, 'led', spec.id, lit ? 1 : 0) }));
  }

  const releaseRelays = (): void => {
    for (const relay of relays.values()) relay.close();
    // Written again even when the relay believes it is at rest: this is the last word before the process goes.
    relayPins.forEach((gpio, i) => write(gpio, 'relay', specs.relays[i]?.id ?? '?', 0));
  };
  return driverDevices({
    buttons,
    relays,
    leds,
    releaseRelays,
    close: () => {
      releaseRelays();
      for (const led of leds.values()) led.close();
      letGo();
    },
  });
}

/**
 * sysfs cannot set a line's pull, and GPIO 9-27 of a Pi are pulled down at reset: an active-low button wired to ground
 * would never make an edge. One line at start names the pins and what config.txt needs (or external resistors).
 */
function logBias(specs: GpioSpecs, logger: HalLogger): void {
  if (specs.buttons.length === 0) return;
  const lines = specs.buttons.map((spec) => `gpio=${spec.pin}=ip,${spec.activeLow ? 'pu' : 'pd'}`);
  logger.warn('gpioBias', {
    pins: specs.buttons.map((spec) => spec.pin).join(','),
    detail: 'the sysfs driver cannot set pull-ups or pull-downs on buttons',
    hint: `add ${[...new Set(lines)].join(' and ')} to /boot/firmware/config.txt (or fit external resistors)`,
  });
}
