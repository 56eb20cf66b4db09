// Test stand-ins for the GPIO drivers: a log that keeps its lines, a fake onoff Gpio, a fake /sys tree in a temp
// directory, a fake synchronous runner and gpiod's answers (the fake spawn is ../support/fakeChild.ts).

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RunResult, RunSync } from '../../../hal/gpio/chardev/gpiodTools.ts';
import type { GpioPin, GpioPinFactory, PinLevel } from '../../../hal/gpio/sysfs/GpioPin.ts';
import type { HalLogFields, HalLogger } from '../../../hal/ports.ts';

export interface LogLine {
  readonly level: string;
  readonly event: string;
  readonly fields: HalLogFields;
}

export function collectingLogger(): HalLogger & { readonly lines: LogLine[]; events(): string[] } {
  const lines: LogLine[] = [];
  const at = (level: string) => (event: string, fields: HalLogFields = {}) => void lines.push({ level, event, fields });
  return { lines, events: () => lines.map((l) => l.event), debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

export class FakePin implements GpioPin {
  readonly writes: PinLevel[] = [];
  unexported = false;
  #watchers: ((err: Error | null | undefined, value: PinLevel) => void)[] = [];
  constructor(
    readonly gpio: number,
    readonly direction: string,
    readonly edge: string,
    readonly activeLow: boolean,
  ) {}
  writeSync(value: PinLevel): void {
    if (this.unexported) throw new Error('EBADF: unexported');
    this.writes.push(value);
  }
  watch(callback: (err: Error | null | undefined, value: PinLevel) => void): void {
    this.#watchers.push(callback);
  }
  unwatchAll(): void {
    this.#watchers = [];
  }
  unexport(): void {
    this.unexported = true;
  }
  /** What onoff reports after an interrupt (value already inverted by activeLow, as onoff does). */
  fire(value: PinLevel, err?: Error): void {
    for (const w of [...this.#watchers]) w(err ?? null, value);
  }
  /** The last value written, or the value the export direction set. */
  get value(): PinLevel {
    const last = this.writes.at(-1);
    if (last !== undefined) return last;
    const rawHigh = this.direction === 'high';
    return (rawHigh !== this.activeLow ? 1 : 0) as PinLevel;
  }
}

export function fakePins(failOn: readonly number[] = []): { factory: GpioPinFactory; pins: Map<number, FakePin> } {
  const pins = new Map<number, FakePin>();
  const factory: GpioPinFactory = (gpio, direction, edge, options) => {
    if (failOn.includes(gpio)) throw new Error(`EACCES: permission denied, open '/sys/class/gpio/gpio${gpio}/value'`);
    const pin = new FakePin(gpio, direction, edge, options.activeLow);
    pins.set(gpio, pin);
    return pin;
  };
  return { factory, pins };
}

/** A /sys tree with these chips (and /sys/class/gpio/export unless `noExport`); removed by `cleanup`. */
export function fakeSys(chips: readonly { base: number; label: string; ngpio: number }[], noExport = false): { root: string; cleanup(): void } {
  const root = mkdtempSync(path.join(tmpdir(), 'fakesys-'));
  const gpio = path.join(root, 'class', 'gpio');
  mkdirSync(gpio, { recursive: true });
  if (!noExport) writeFileSync(path.join(gpio, 'export'), '');
  for (const chip of chips) {
    const dir = path.join(gpio, `gpiochip${chip.base}`);
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'base'), `${chip.base}\n`);
    writeFileSync(path.join(dir, 'label'), `${chip.label}\n`);
    writeFileSync(path.join(dir, 'ngpio'), `${chip.ngpio}\n`);
  }
  return { root, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/** A /dev with these gpiochip files. */
export function fakeDev(names: readonly string[]): { root: string; cleanup(): void } {
  const root = mkdtempSync(path.join(tmpdir(), 'fakedev-'));
  for (const name of names) writeFileSync(path.join(root, name), '');
  return { root, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/** A synchronous runner answering from a table `command args…` → result; records each call. */
export function fakeRun(answers: Record<string, Partial<RunResult>>): { run: RunSync; calls: string[] } {
  const calls: string[] = [];
  const run: RunSync = (command, args) => {
    const key = [command, ...args].join(' ');
    calls.push(key);
    const answer = answers[key] ?? answers[command] ?? { error: { code: 'ENOENT', message: `spawnSync ${command} ENOENT` } };
    return { status: 0, stdout: '', stderr: '', ...answer };
  };
  return { run, calls };
}

export const GPIODETECT_PI4 = 'gpiochip0 [pinctrl-bcm2711] (58 lines)\ngpiochip1 [raspberrypi-exp-gpio] (8 lines)\n';
export const GPIODETECT_PI5 =
  'gpiochip0 [gpio-brcmstb@107d508500] (32 lines)\ngpiochip1 [gpio-brcmstb@107d508520] (4 lines)\n' +
  'gpiochip2 [gpio-brcmstb@107d517c00] (17 lines)\ngpiochip3 [gpio-brcmstb@107d517c20] (6 lines)\ngpiochip4 [pinctrl-rp1] (54 lines)\n';
/** gpiod v2 with an interactive gpioset; v2 without; v1.6.3 (bookworm). */
export const V2_INTERACTIVE = { 'gpioset --version': { stdout: 'gpioset (libgpiod) v2.2.1\n' }, 'gpioset --help': { stdout: '  -i, --interactive\tset the lines then wait\n' } };
export const V2_PLAIN = { 'gpioset --version': { stdout: 'gpioset (libgpiod) v2.2.1\n' }, 'gpioset --help': { stdout: '  -l, --active-low\n' } };
export const V1 = { 'gpioset --version': { stdout: 'gpioset (libgpiod) v1.6.3\nCopyright (C) 2017-2018\n' } };
