// The character-device driver: buttons through gpiomon (one per bias: pull-up for active-low buttons, pull-down for
// active-high ones), relays through one gpioset and LEDs through another, all on the chip found by label and kept
// running by KeptProcess. Levels are raw; activeLow is applied here, in one place.

import type { HalClock, HalLogger } from '../../ports.ts';
import { BlinkingLed } from '../blink.ts';
import { type GpioChip, specsProblem } from '../chips.ts';
import { type DevicesResult, driverDevices, type GpioSpecs, type PinSpec } from '../devices.ts';
import { EdgeButton } from '../EdgeButton.ts';
import { PulsedRelay } from '../pulse.ts';
import type { GpiodTools, RunSync, SpawnTool } from './gpiodTools.ts';
import { GpiomonInputs } from './GpiomonInputs.ts';
import { GpiosetOutputs } from './GpiosetOutputs.ts';

export interface ChardevDevicesOptions {
  readonly chip: GpioChip;
  readonly tools: GpiodTools;
  readonly specs: GpioSpecs;
  readonly spawn: SpawnTool;
  readonly runSync: RunSync;
  readonly clock: HalClock;
  readonly logger: HalLogger;
  /** First restart back-off of the tools (500 ms). */
  readonly backoffMs?: number;
}

/** The raw level of an output that should be active (or not). */
const raw = (spec: PinSpec, active: boolean): 0 | 1 => (active !== spec.activeLow ? 1 : 0);

export function createChardevDevices(options: ChardevDevicesOptions): DevicesResult {
  const { chip, tools, specs, clock, logger } = options;
  const problem = specsProblem(specs, chip);
  if (problem !== undefined) return { ok: false, error: problem };
  const backoff = options.backoffMs !== undefined ? { backoffMs: options.backoffMs } : {};
  const buttons = new Map<string, EdgeButton>();
  const watched = specs.buttons.map((spec) => {
    const button = new EdgeButton(spec.id, clock, logger);
    buttons.set(spec.id, button);
    return { offset: spec.pin, activeLow: spec.activeLow, button };
  });
  const inputs = new GpiomonInputs({ chip: chip.name, tools, lines: watched, spawn: options.spawn, clock, logger, ...backoff });

  // Relays and LEDs each get their own gpioset: without --interactive every change restarts the process, and an LED
  // change must never let go of (or re-request) the door relay's line.
  const restOf = (list: readonly PinSpec[]): Map<number, 0 | 1> => new Map(list.map((spec) => [spec.pin, raw(spec, false)] as const));
  const gpioset = (rest: Map<number, 0 | 1>): GpiosetOutputs =>
    new GpiosetOutputs({ chip: chip.name, tools, rest, spawn: options.spawn, runSync: options.runSync, clock, logger, ...backoff });
  const relayOutputs = gpioset(restOf(specs.relays));
  const ledOutputs = gpioset(restOf(specs.leds));
  const relays = new Map<string, PulsedRelay>();
  for (const spec of specs.relays) {
    relays.set(spec.id, new PulsedRelay({ id: spec.id, maxPulseMs: spec.maxPulseMs, clock, drive: (on) => relayOutputs.set(spec.pin, raw(spec, on)) }));
  }
  // Without --interactive a blink would restart the LEDs' gpioset on every phase (10 times a second for 100/100 ms):
  // blink patterns are shown as steady on there instead.
  const steadyBlink = !tools.interactive;
  const leds = new Map<string, BlinkingLed>();
  for (const spec of specs.leds) {
    leds.set(spec.id, new BlinkingLed({ id: spec.id, clock, steadyBlink, drive: (lit) => ledOutputs.set(spec.pin, raw(spec, lit)) }));
  }

  inputs.start();
  relayOutputs.start();
  ledOutputs.start();
  if (!tools.interactive) {
    logger.info('gpiosetRestarts', { chip: chip.name, major: tools.major, why: 'gpioset has no --interactive: every relay change restarts the relays\' gpioset' });
    if (leds.size > 0) {
      logger.info('gpioLedSteady', { leds: [...leds.keys()].join(','), why: 'gpioset has no --interactive: blink patterns show as steady on' });
    }
  }

  const releaseRelays = (): void => {
    for (const relay of relays.values()) relay.close();
    if (specs.relays.length > 0) relayOutputs.forceSync(restOf(specs.relays));
  };
  return driverDevices({
    buttons,
    relays,
    leds,
    releaseRelays,
    close: () => {
      for (const led of leds.values()) led.close();
      // A gpioset without --interactive was only asked to restart with the LEDs off: write it before letting go.
      if (!tools.interactive && specs.leds.length > 0) ledOutputs.forceSync(restOf(specs.leds));
      releaseRelays();
      ledOutputs.stop();
      relayOutputs.stop();
      inputs.stop();
    },
  });
}
