// The one file that touches onoff (sysfs GPIO): a GpioPinFactory over onoff's Gpio, loaded on first use so the
// simulator and the tests never load its native epoll add-on.

import { createRequire } from 'node:module';
import type { GpioPinFactory } from './GpioPin.ts';

type Onoff = typeof import('onoff');

let onoff: Onoff | undefined;

/** Exports the global sysfs number `gpio` through onoff (throws as onoff does: no permission, no such line). */
export const onoffPinFactory: GpioPinFactory = (gpio, direction, edge, options) => {
  onoff ??= createRequire(import.meta.url)('onoff') as Onoff;
  return new onoff.Gpio(gpio, direction, edge, options);
};
