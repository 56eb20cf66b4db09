// The drivers' shared assembly: the first pin a chip lacks is the error (buttons, relays, LEDs in that order), close
// runs the driver's own close once, and releaseRelays does nothing after close (the pins are let go by then).

import { describe, expect, it } from 'vitest';
import { type GpioChip, specsProblem } from '../../../hal/gpio/chips.ts';
import { driverDevices, type GpioSpecs } from '../../../hal/gpio/devices.ts';

const CHIP: GpioChip = { name: 'gpiochip0', label: 'pinctrl-bcm2711', lines: 58 };

describe('specsProblem', () => {
  it('names the first button, relay or LED whose pin the chip lacks, and nothing when it has them all', () => {
    const specs: GpioSpecs = {
      buttons: [{ id: '1', pin: 17, activeLow: true }],
      relays: [{ id: 'door', pin: 58, activeLow: false, maxPulseMs: 3000 }],
      leds: [{ id: 'status', pin: -1, activeLow: false }],
    };
    expect(specsProblem(specs, CHIP)).toBe('relays door: GPIO 58 is not a line of gpiochip0 [pinctrl-bcm2711] (it has 58: 0-57)');
    expect(specsProblem({ ...specs, relays: [] }, CHIP)).toMatch(/^leds status: GPIO -1 /);
    expect(specsProblem({ ...specs, relays: [], leds: [] }, CHIP)).toBeUndefined();
  });
});

describe('driverDevices', () => {
  function made() {
    const calls: string[] = [];
    const result = driverDevices({
      buttons: new Map(),
      relays: new Map(),
      leds: new Map(),
      releaseRelays: () => calls.push('release'),
      close: () => calls.push('close'),
    });
    if (!result.ok) throw new Error(result.error);
    return { devices: result.devices, calls };
  }

  it('passes releaseRelays through as often as it is called until close', () => {
    const { devices, calls } = made();
    devices.releaseRelays();
    devices.releaseRelays();
    expect(calls).toEqual(['release', 'release']);
  });

  it('runs the driver\'s close once; releaseRelays after it does nothing', () => {
    const { devices, calls } = made();
    devices.close();
    devices.close();
    devices.releaseRelays();
    expect(calls).toEqual(['close']);
  });
});
