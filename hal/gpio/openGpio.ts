// Picks and opens the GPIO driver: sysfs through onoff where /sys/class/gpio works and the Pi's chip is found,
// else the character device through gpiod's tools; `auto` tries them in that order and logs the one it took.

import { readdirSync } from 'node:fs';
import type { HalClock, HalLogger } from '../ports.ts';
import { chooseChip, type GpioChip } from './chips.ts';
import { createChardevDevices } from './chardev/chardevDevices.ts';
import { parseGpiodetect, probeGpiodTools, type GpiodTools, type RunSync, type SpawnTool } from './chardev/gpiodTools.ts';
import { runToolSync, spawnTool } from './chardev/spawnTool.ts';
import type { DevicesResult, GpioSpecs } from './devices.ts';
import type { GpioPinFactory } from './sysfs/GpioPin.ts';
import { onoffPinFactory } from './sysfs/onoffGpio.ts';
import { createSysfsDevices } from './sysfs/sysfsDevices.ts';
import { fileWritable, listSysfsChips, sysfsExportFile, sysfsGpioPresent } from './sysfs/sysfsChips.ts';

export type GpioDriverName = 'auto' | 'sysfs' | 'chardev';

/** The system the drivers run on; every part replaceable in tests (defaults: /sys, /dev, onoff, child_process). */
export interface GpioSystem {
  readonly sysRoot?: string;
  readonly devRoot?: string;
  readonly pins?: GpioPinFactory;
  readonly spawn?: SpawnTool;
  readonly runSync?: RunSync;
  /** Whether a file may be written (default: access(2) with W_OK). */
  readonly writable?: (file: string) => boolean;
  /** First restart back-off of gpiomon/gpioset (500 ms). */
  readonly backoffMs?: number;
}

export interface OpenGpioOptions {
  readonly driver: GpioDriverName;
  /** The label (or chip name) of the GPIO chip; default: the Pi's pin controller. */
  readonly chip?: string | undefined;
  readonly specs: GpioSpecs;
  readonly system?: GpioSystem | undefined;
  readonly clock: HalClock;
  readonly logger: HalLogger;
}

type Found<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

function findSysfs(sysRoot: string, chip: string | undefined, writable: (file: string) => boolean): Found<GpioChip> {
  if (!sysfsGpioPresent(sysRoot)) return { ok: false, error: `no sysfs GPIO (${sysRoot}/class/gpio/export)` };
  // Present but read-only (the systemd unit keeps /sys read-only; systemd/sysfs-gpio.conf opens it): exporting
  // would fail at the first pin, so `auto` goes on to the character device instead.
  if (!writable(sysfsExportFile(sysRoot))) return { ok: false, error: `${sysfsExportFile(sysRoot)} is not writable for this process` };
  const choice = chooseChip(listSysfsChips(sysRoot), chip, `${sysRoot}/class/gpio`);
  return choice.ok ? { ok: true, value: choice.chip } : choice;
}

function findChardev(devRoot: string, run: RunSync, chip: string | undefined): Found<{ chip: GpioChip; tools: GpiodTools }> {
  let devices: string[];
  try {
    devices = readdirSync(devRoot).filter((name) => /^gpiochip\d+$/.test(name));
  } catch {
    devices = [];
  }
  if (devices.length === 0) return { ok: false, error: `no GPIO character device (${devRoot}/gpiochip*)` };
  const probe = probeGpiodTools(run);
  if (!probe.ok) return probe;
  const detect = run('gpiodetect', []);
  if (detect.error !== undefined) return { ok: false, error: `gpiodetect: ${detect.error.message}` };
  const choice = chooseChip(parseGpiodetect(detect.stdout), chip, 'gpiodetect');
  return choice.ok ? { ok: true, value: { chip: choice.chip, tools: probe.tools } } : choice;
}

/** Opens the configured buttons, relays and LEDs; not ok with one clear sentence when nothing works. */
export function openGpio(options: OpenGpioOptions): DevicesResult {
  const { driver, chip, specs, clock, logger } = options;
  const system = options.system ?? {};
  const sysRoot = system.sysRoot ?? '/sys';
  const run = system.runSync ?? runToolSync;
  const backoff = system.backoffMs !== undefined ? { backoffMs: system.backoffMs } : {};
  if (specs.buttons.length + specs.relays.length + specs.leds.length === 0) {
    return { ok: true, devices: { buttons: new Map(), relays: new Map(), leds: new Map(), releaseRelays: () => {}, close: () => {} } };
  }
  let sysfsError: string | undefined;
  if (driver !== 'chardev') {
    const found = findSysfs(sysRoot, chip, system.writable ?? fileWritable);
    if (found.ok) {
      logger.info('gpioDriver', { driver: 'sysfs', chip: found.value.name, label: found.value.label, base: found.value.base ?? 0 });
      return createSysfsDevices({ chip: found.value, specs, pins: system.pins ?? onoffPinFactory, clock, logger });
    }
    if (driver === 'sysfs') return { ok: false, error: `gpio.driver sysfs: ${found.error}` };
    sysfsError = found.error;
  }
  const found = findChardev(system.devRoot ?? '/dev', run, chip);
  if (!found.ok) {
    return { ok: false, error: sysfsError === undefined ? `gpio.driver chardev: ${found.error}` : `no GPIO driver works: sysfs: ${sysfsError}; chardev: ${found.error}` };
  }
  const { chip: gpioChip, tools } = found.value;
  logger.info('gpioDriver', { driver: 'chardev', chip: gpioChip.name, label: gpioChip.label, gpiod: tools.major, interactive: tools.interactive });
  return createChardevDevices({ chip: gpioChip, tools, specs, spawn: system.spawn ?? spawnTool, runSync: run, clock, logger, ...backoff });
}
