// createHal: the one place that picks real or fake hardware. Simulator: fake microphone (a 440 Hz tone, or the
// `--sim-mic` WAV in a loop), fake speaker (writes the `--sim-speaker` WAV when a call ends), fake buttons, relays
// and LEDs (pins ignored). Device: arecord through node-record-lpcm16 and aplay, each running only during a call,
// and GPIO through sysfs (onoff) or the character device (gpiod's tools), see gpio/openGpio.ts.

import type { Microphone, Speaker } from './audio.ts';
import { AplaySpeaker } from './audio/AplaySpeaker.ts';
import { lpcm16Recorder } from './audio/lpcm16Recorder.ts';
import { RecorderMicrophone } from './audio/RecorderMicrophone.ts';
import { spawnAudio } from './audio/spawnAudio.ts';
import { createAudioPath, type AudioPath } from './audioPath.ts';
import { FakeButton } from './fake/FakeButton.ts';
import { FakeLed } from './fake/FakeLed.ts';
import { FakeMicrophone } from './fake/FakeMicrophone.ts';
import { FakeRelay } from './fake/FakeRelay.ts';
import { FakeSpeaker } from './fake/FakeSpeaker.ts';
import type { Button, Led, Relay } from './gpio.ts';
import { type GpioDevices, type GpioSpecs, type PinSpec, driverDevices } from './gpio/devices.ts';
import { type GpioDriverName, type GpioSystem, openGpio } from './gpio/openGpio.ts';
import type { HalClock, HalLogger } from './ports.ts';

export type { GpioSystem } from './gpio/openGpio.ts';

interface PinConfig {
  readonly id: string;
  /** The BCM GPIO number; required on a device, ignored by the simulator. */
  readonly pin?: number | undefined;
  readonly activeLow: boolean;
}

/** What createHal needs from the configuration (hal cannot import firmware-app's config types). */
export interface HalConfig {
  readonly simulate: boolean;
  readonly audio: {
    readonly microphone: { readonly device?: string | undefined; readonly gain: number };
    readonly speaker: { readonly device?: string | undefined; readonly volume: number };
  };
  /** Simulator only: a WAV file the fake microphone loops instead of its 440 Hz tone. */
  readonly simMic?: string | undefined;
  /** Simulator only: the WAV file the fake speaker writes each call's audio into. */
  readonly simSpeaker?: string | undefined;
  readonly gpio: { readonly driver: GpioDriverName; readonly chip?: string | undefined };
  readonly buttons: readonly PinConfig[];
  readonly relays: readonly (PinConfig & { readonly maxPulseMs: number })[];
  readonly leds: readonly PinConfig[];
}

export interface Hal {
  /** The microphone and speaker as a call sees them (gain, volume, the echo-canceller slot). */
  readonly audio: AudioPath;
  /** `fake` in the simulator. */
  readonly kind: 'fake' | 'device';
  readonly buttons: ReadonlyMap<string, Button>;
  /** Every pulse cut to the relay's maxPulseMs and never above 30 s. */
  readonly relays: ReadonlyMap<string, Relay>;
  readonly leds: ReadonlyMap<string, Led>;
  /** Simulator only: presses a configured button (false for an unknown id). */
  readonly simulator?: { pressButton(id: string): boolean };
  /** Every relay to rest now, synchronously (for process 'exit', 'uncaughtException', SIGTERM); idempotent. */
  releaseRelays(): void;
  /** Relays to rest, LEDs off, GPIO let go (unexported, gpiod tools stopped). Idempotent. */
  close(): void;
}

/** `fromFlags`: the failure comes from the command line (a --sim-mic file that is no WAV file), not the config. */
export type HalResult = { readonly ok: true; readonly hal: Hal } | { readonly ok: false; readonly error: string; readonly fromFlags?: boolean };

export interface HalPlatform {
  readonly clock: HalClock;
  readonly logger: HalLogger;
  /** Tests: a fake /sys and /dev, onoff and child_process stand-ins. */
  readonly gpioSystem?: GpioSystem | undefined;
}

export function createHal(config: HalConfig, platform: HalPlatform): HalResult {
  const { clock, logger } = platform;
  const gpio = config.simulate ? simulatedGpio(config, clock) : deviceGpio(config, platform);
  if (!gpio.ok) return gpio;
  let microphone: Microphone;
  let speaker: Speaker;
  if (config.simulate) {
    if (config.simMic !== undefined) {
      const mic = FakeMicrophone.fromWavFile(config.simMic, { clock });
      if (!mic.ok) return { ok: false, error: `--sim-mic ${config.simMic}: ${mic.error}`, fromFlags: true };
      microphone = mic.value;
    } else {
      microphone = new FakeMicrophone({ clock });
    }
    // Without --sim-speaker nothing is kept: a long simulated call costs no memory.
    speaker = new FakeSpeaker({ ...(config.simSpeaker !== undefined ? { wavPath: config.simSpeaker } : { retain: false }), logger });
  } else {
    const mic = config.audio.microphone.device;
    const out = config.audio.speaker.device;
    microphone = new RecorderMicrophone({ clock, logger, recorder: lpcm16Recorder, ...(mic !== undefined ? { device: mic } : {}) });
    speaker = new AplaySpeaker({ clock, logger, spawn: spawnAudio, ...(out !== undefined ? { device: out } : {}) });
  }
  const audio = createAudioPath({ microphone, speaker, micGain: config.audio.microphone.gain, speakerVolume: config.audio.speaker.volume });
  const { devices } = gpio;
  const hal: Hal = {
    audio,
    kind: config.simulate ? 'fake' : 'device',
    buttons: devices.buttons,
    relays: devices.relays,
    leds: devices.leds,
    ...(gpio.simulator !== undefined ? { simulator: gpio.simulator } : {}),
    releaseRelays: () => devices.releaseRelays(),
    close: () => devices.close(),
  };
  return { ok: true, hal };
}

type GpioResult =
  | { readonly ok: true; readonly devices: GpioDevices; readonly simulator?: { pressButton(id: string): boolean } }
  | { readonly ok: false; readonly error: string };

function simulatedGpio(config: HalConfig, clock: HalClock): GpioResult {
  const buttons = new Map(config.buttons.map((b) => [b.id, new FakeButton(b.id, clock)] as const));
  const relays = new Map(config.relays.map((r) => [r.id, new FakeRelay(r.id, r.maxPulseMs, clock)] as const));
  const leds = new Map(config.leds.map((l) => [l.id, new FakeLed(l.id, clock)] as const));
  const releaseRelays = (): void => relays.forEach((relay) => relay.close());
  const made = driverDevices({
    buttons,
    relays,
    leds,
    releaseRelays,
    close: () => {
      releaseRelays();
      leds.forEach((led) => led.set('off'));
    },
  });
  if (!made.ok) return made;
  const simulator = {
    pressButton: (id: string): boolean => {
      const button = buttons.get(id);
      button?.press();
      return button !== undefined;
    },
  };
  return { ok: true, devices: made.devices, simulator };
}

function deviceGpio(config: HalConfig, platform: HalPlatform): GpioResult {
  // An item without a pin is not wired (the defaults name a relay `door` and an LED `status` without pins): one
  // warning each, and the application finds it missing, rather than a device that refuses to start.
  const pinned = <T extends PinConfig>(kind: string, list: readonly T[]): (T & PinSpec)[] => {
    const out: (T & PinSpec)[] = [];
    for (const item of list) {
      if (item.pin === undefined) platform.logger.warn('gpioNotWired', { [kind]: item.id, detail: 'no pin (a BCM GPIO number) configured' });
      else out.push({ ...item, pin: item.pin });
    }
    return out;
  };
  const specs: GpioSpecs = { buttons: pinned('button', config.buttons), relays: pinned('relay', config.relays), leds: pinned('led', config.leds) };
  return openGpio({ driver: config.gpio.driver, chip: config.gpio.chip, specs, system: platform.gpioSystem, clock: platform.clock, logger: platform.logger });
}
