// The GPIO chips the sysfs interface lists (/sys/class/gpio/gpiochip*/base, label, ngpio), read synchronously at
// start-up. The root is injectable so tests build a fake tree in a temporary directory.

import { accessSync, constants, existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { GpioChip } from '../chips.ts';

/** Is the sysfs GPIO interface there at all (kernels without CONFIG_GPIO_SYSFS have no export file)? */
export function sysfsGpioPresent(sysRoot: string): boolean {
  return existsSync(path.join(sysRoot, 'class', 'gpio', 'export'));
}

/** The path of the file a pin is exported through. */
export function sysfsExportFile(sysRoot: string): string {
  return path.join(sysRoot, 'class', 'gpio', 'export');
}

/**
 * May this process export pins? Not under the systemd unit's read-only /sys (EROFS) unless its sysfs drop-in is
 * installed, nor for a user outside the gpio group (EACCES).
 */
export function fileWritable(file: string): boolean {
  try {
    accessSync(file, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** Every gpiochip under `<sysRoot>/class/gpio` with a readable base, label and ngpio, sorted by base. */
export function listSysfsChips(sysRoot: string): GpioChip[] {
  const dir = path.join(sysRoot, 'class', 'gpio');
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => /^gpiochip\d+$/.test(name));
  } catch {
    return [];
  }
  const chips: GpioChip[] = [];
  for (const name of names) {
    const base = readNumber(path.join(dir, name, 'base'));
    const lines = readNumber(path.join(dir, name, 'ngpio'));
    const label = readText(path.join(dir, name, 'label'));
    if (base === undefined || lines === undefined || label === undefined) continue;
    chips.push({ name, label, lines, base });
  }
  return chips.sort((a, b) => (a.base ?? 0) - (b.base ?? 0));
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
}

function readNumber(file: string): number | undefined {
  const text = readText(file);
  if (text === undefined || !/^\d+$/.test(text)) return undefined;
  return Number(text);
}
