// The character-device driver: buttons through one gpiomon, relays and LEDs through one gpioset, both on the chip
// found by label and kept running by KeptProcess. Levels are raw; activeLow is applied here, in one place.

import type { HalClock, HalLogger } from '../../ports.ts';
import { BlinkingLed } from '../blink.ts';
import { type GpioChip, pinProblem } from '../chips.ts';
import type { DevicesResult, GpioSpecs, PinSpec } from '../devices.ts';
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
  for (const [kind, list] of [['buttons', specs.buttons], ['relays', specs.relays], ['leds', specs.leds]] as const) {
    for (const spec of list) {
      const problem = pinProblem(kind, spec.id, spec.pin, chip);
      if (problem !== undefined) return { ok: false, error: problem };
    }
  }
  const backoff = options.backoffMs !== undefined ? { backoffMs: options.backoffMs } : {};
  const buttons = new Map<string, EdgeButton>();
  const watched = specs.buttons.map((spec) => {
    const button = new EdgeButton(spec.id, clock, logger);
    buttons.set(spec.id, button);
    return { offset: spec.pin, activeLow: spec.activeLow, button };
  });
  const inputs = new GpiomonInputs({ chip: chip.name, tools, lines: watched, spawn: options.spawn, clock, logger, ...backoff });

  const rest = new Map<number, 0 | 1>();
  for (const spec of [...specs.relays, ...specs.leds]) rest.set(spec.pin, raw(spec, false));
  const outputs = new GpiosetOutputs({ chip: chip.name, tools, rest, spawn: options.spawn, runSync: options.runSync, clock, logger, ...backoff });
  const relays = new Map<string, PulsedRelay>();
  for (const spec of specs.relays) {
    relays.set(spec.id, new PulsedRelay({ id: spec.id, maxPulseMs: spec.maxPulseMs, clock, drive: (on) => outputs.set(spec.pin, raw(spec, on)) }));
  }
  const leds = new Map<string, BlinkingLed>();
  for (const spec of specs.leds) leds.set(spec.id, new BlinkingLed({ id: spec.id, clock, drive: (lit) => outputs.set(spec.pin, raw(spec, lit)) }));

  inputs.start();
  outputs.start();
  if (!tools.interactive) {
    logger.info('gpiosetRestarts', { chip: chip.name, major: tools.major, why: 'gpioset has no --interactive: every output change restarts it' });
  }

  let closed = false;
  const releaseRelays = (): void => {
    for (const relay of relays.values()) relay.close();
    const resting = new Map(specs.relays.map((spec) => [spec.pin, raw(spec, false)] as const));
    if (resting.size > 0) outputs.forceSync(resting);
  };
  return {
    ok: true,
    devices: {
      buttons,
      relays,
      leds,
      releaseRelays: () => {
        if (!closed) releaseRelays();
      },
      close: () => {
        if (closed) return;
        for (const led of leds.values()) led.close();
        releaseRelays();
        closed = true;
        outputs.stop();
        inputs.stop();
      },
    },
  };
}
