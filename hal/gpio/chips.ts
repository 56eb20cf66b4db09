// Which GPIO chip carries the header pins: the chip whose label is configured, or else the first known Raspberry Pi
// pin controller, and whether it has the configured pins. Shared by the sysfs driver (chips from /sys/class/gpio) and
// the chardev driver (from gpiodetect).

import type { GpioSpecs } from './devices.ts';

/** One GPIO chip as the system lists it. */
export interface GpioChip {
  /** `gpiochip512` under sysfs, `gpiochip0` for the character device. */
  readonly name: string;
  readonly label: string;
  /** Lines it has (a BCM number must be below it). */
  readonly lines: number;
  /** The sysfs global number of its line 0 (sysfs only). */
  readonly base?: number;
}

/**
 * The Pi's header pin controllers, newest first: Pi 5 (RP1), Pi 4 (BCM2711), Pi 3 / Zero / older (BCM2835). Since
 * kernel 6.6 their sysfs base is no longer 0 (512 on a Pi 4, 571 on a Pi 5), which is why it is looked up by label.
 */
export const KNOWN_PI_LABELS: readonly string[] = ['pinctrl-rp1', 'pinctrl-bcm2711', 'pinctrl-bcm2835'];

export type ChipChoice = { readonly ok: true; readonly chip: GpioChip } | { readonly ok: false; readonly error: string };

/** Picks the chip by the configured label (or chip name), else by the known Pi labels; a clear error otherwise. */
export function chooseChip(chips: readonly GpioChip[], configured: string | undefined, where: string): ChipChoice {
  const seen = chips.length === 0 ? 'none' : chips.map((c) => `${c.name} [${c.label}]`).join(', ');
  if (configured !== undefined && configured !== '') {
    const chip = chips.find((c) => c.label === configured) ?? chips.find((c) => c.name === configured);
    if (chip !== undefined) return { ok: true, chip };
    return { ok: false, error: `gpio.chip "${configured}": no such GPIO chip in ${where} (found: ${seen})` };
  }
  for (const label of KNOWN_PI_LABELS) {
    const chip = chips.find((c) => c.label === label);
    if (chip !== undefined) return { ok: true, chip };
  }
  return {
    ok: false,
    error: `no Raspberry Pi GPIO chip (${KNOWN_PI_LABELS.join(', ')}) in ${where} (found: ${seen}); set gpio.chip to the label of yours`,
  };
}

/** The error for a pin the chip does not have, or undefined when it has it. */
export function pinProblem(kind: string, id: string, pin: number, chip: GpioChip): string | undefined {
  if (Number.isInteger(pin) && pin >= 0 && pin < chip.lines) return undefined;
  return `${kind} ${id}: GPIO ${pin} is not a line of ${chip.name} [${chip.label}] (it has ${chip.lines}: 0-${chip.lines - 1})`;
}

/** The error for the first configured button, relay or LED (in that order) whose pin the chip does not have. */
export function specsProblem(specs: GpioSpecs, chip: GpioChip): string | undefined {
  for (const [kind, list] of [['buttons', specs.buttons], ['relays', specs.relays], ['leds', specs.leds]] as const) {
    for (const spec of list) {
      const problem = pinProblem(kind, spec.id, spec.pin, chip);
      if (problem !== undefined) return problem;
    }
  }
  return undefined;
}
