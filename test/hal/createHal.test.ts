// createHal: the simulator's fake microphone (440 Hz, or the --sim-mic WAV) and fake speaker (--sim-speaker WAV),
// refused files reported as results, gain and volume applied; the device kind built without starting anything.
// GPIO: fakes for every configured button, relay and LED in the simulator (pressButton), real drivers on a device
// (a fake /sys and onoff here), a missing pin named in the error, releaseRelays and close.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SampleRate } from '../../hal/audio.ts';
import { createHal, type GpioSystem, type Hal, type HalConfig } from '../../hal/createHal.ts';
import { FakeLed } from '../../hal/fake/FakeLed.ts';
import { FakeRelay } from '../../hal/fake/FakeRelay.ts';
import { decodeWav, encodeWav } from '../../hal/fake/wav.ts';
import type { ButtonEdge } from '../../hal/gpio.ts';
import { fakePins, fakeSys } from './gpio/gpioRig.ts';
import { FakeClock } from '../../firmware-app/platform/FakeClock.ts';
import { collectingLogger, rms, zeroCrossingHz } from '../media/support/mediaRig.ts';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'createhal-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function config(overrides: Partial<HalConfig> & { gain?: number; volume?: number } = {}): HalConfig {
  const { gain, volume, ...rest } = overrides;
  return {
    simulate: true,
    audio: { microphone: { gain: gain ?? 1 }, speaker: { volume: volume ?? 1 } },
    gpio: { driver: 'auto' },
    buttons: [],
    relays: [],
    leds: [],
    ...rest,
  };
}

function build(cfg: HalConfig, gpioSystem?: GpioSystem) {
  const clock = new FakeClock();
  const logger = collectingLogger();
  return { clock, logger, result: createHal(cfg, { clock, logger, gpioSystem }) };
}

const GPIO: Pick<HalConfig, 'buttons' | 'relays' | 'leds'> = {
  buttons: [
    { id: '1', pin: 17, activeLow: true },
    { id: '2', pin: 5, activeLow: true },
  ],
  relays: [{ id: 'door', pin: 27, activeLow: false, maxPulseMs: 3000 }],
  leds: [{ id: 'status', pin: 23, activeLow: false }],
};

function hal(result: ReturnType<typeof createHal>): Hal {
  if (!result.ok) throw new Error(result.error);
  return result.hal;
}

/** Records `ms` of the microphone at `sampleRate` on the fake clock. */
function record(h: Hal, clock: FakeClock, sampleRate: SampleRate, ms: number): Int16Array {
  const frames: Int16Array[] = [];
  h.audio.microphone.start({ sampleRate, onFrame: (f) => frames.push(f) });
  clock.advance(ms);
  h.audio.microphone.stop();
  const out = new Int16Array(frames.reduce((n, f) => n + f.length, 0));
  let at = 0;
  for (const f of frames) {
    out.set(f, at);
    at += f.length;
  }
  return out;
}

function sineWav(hz: number, sampleRate: SampleRate, seconds: number): Uint8Array {
  const samples = Int16Array.from({ length: sampleRate * seconds }, (_, i) => Math.round(10_000 * Math.sin((2 * Math.PI * hz * i) / sampleRate)));
  return encodeWav({ sampleRate, samples });
}

describe('createHal (simulator)', () => {
  it('without flags: fake devices, the microphone plays a 440 Hz tone in 20 ms frames on the clock', () => {
    const { clock, result } = build(config());
    const h = hal(result);
    expect(h.kind).toBe('fake');
    const samples = record(h, clock, 8000, 1000);
    expect(samples).toHaveLength(50 * 160);
    expect(zeroCrossingHz(samples, 8000)).toBeCloseTo(440, -1);
    const wide = record(h, clock, 16000, 500);
    expect(wide).toHaveLength(25 * 320);
    expect(zeroCrossingHz(wide, 16000)).toBeCloseTo(440, -1);
  });

  it('--sim-mic with a missing file: not ok, the error names the flag, the path and why', () => {
    const missing = path.join(tempDir(), 'nope.wav');
    const { result } = build(config({ simMic: missing }));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toContain('--sim-mic');
    expect(result.error).toContain(missing);
    expect(result.error).toMatch(/ENOENT|no such file/i);
    // A flag's mistake, not the config's: the door gives up instead of trying again.
    expect(result.fromFlags).toBe(true);
  });

  it('--sim-mic with a file that is not a 16-bit mono WAV: not ok, with a clear error', () => {
    const dir = tempDir();
    const text = path.join(dir, 'notes.wav');
    writeFileSync(text, 'this is not audio');
    const textResult = build(config({ simMic: text })).result;
    expect(textResult).toMatchObject({ ok: false, error: expect.stringContaining(text) });
    const stereo = path.join(dir, 'stereo.wav');
    const bytes = sineWav(440, 8000, 1);
    new DataView(bytes.buffer).setUint16(22, 2, true); // channels = 2
    writeFileSync(stereo, bytes);
    expect(build(config({ simMic: stereo })).result).toMatchObject({ ok: false, error: expect.stringMatching(/--sim-mic .*stereo\.wav: .+/) });
  });

  it('--sim-mic with a WAV: the microphone loops it (resampled to the call\'s rate)', () => {
    const file = path.join(tempDir(), 'mic.wav');
    writeFileSync(file, sineWav(1000, 8000, 1));
    const { clock, result } = build(config({ simMic: file }));
    const h = hal(result);
    expect(zeroCrossingHz(record(h, clock, 8000, 2000), 8000)).toBeCloseTo(1000, -1);
    expect(zeroCrossingHz(record(h, clock, 16000, 1000), 16000)).toBeCloseTo(1000, -1);
  });

  it('--sim-speaker: the call\'s audio is written to the WAV when the speaker stops, at the call\'s rate', () => {
    const file = path.join(tempDir(), 'out.wav');
    const { result } = build(config({ simSpeaker: file }));
    const h = hal(result);
    h.audio.speaker.start({ sampleRate: 16000 });
    h.audio.speaker.write(new Int16Array(320).fill(1200));
    h.audio.speaker.write(new Int16Array(320).fill(-50));
    expect(() => readFileSync(file)).toThrow();
    h.audio.speaker.stop();
    const decoded = decodeWav(readFileSync(file));
    if (!decoded.ok) throw new Error(decoded.error);
    expect(decoded.value.sampleRate).toBe(16000);
    expect(decoded.value.samples).toHaveLength(640);
    expect([decoded.value.samples[0], decoded.value.samples[639]]).toEqual([1200, -50]);
  });

  it('--sim-speaker into a directory that does not exist: logged when the call ends, not thrown', () => {
    const { result, logger } = build(config({ simSpeaker: path.join(tempDir(), 'missing', 'out.wav') }));
    const h = hal(result);
    h.audio.speaker.start({ sampleRate: 8000 });
    h.audio.speaker.write(new Int16Array(160));
    expect(() => h.audio.speaker.stop()).not.toThrow();
    expect(logger.lines.map((l) => l.event)).toContain('simSpeakerNotWritten');
  });

  it('the configured gain and volume apply to the fake devices', () => {
    const file = path.join(tempDir(), 'out.wav');
    const { clock, result } = build(config({ gain: 0.5, volume: 2, simSpeaker: file }));
    const h = hal(result);
    const level = rms(record(h, clock, 8000, 500));
    // The fake tone is half scale: RMS 16384 / √2 unscaled, half of it at gain 0.5.
    expect(level).toBeGreaterThan(5500);
    expect(level).toBeLessThan(6100);
    h.audio.speaker.start({ sampleRate: 8000 });
    h.audio.speaker.write(new Int16Array(160).fill(300));
    h.audio.speaker.stop();
    const decoded = decodeWav(readFileSync(file));
    expect(decoded.ok && decoded.value.samples[0]).toBe(600);
  });
});

describe('createHal (device)', () => {
  it('builds the arecord/aplay devices without starting either (nothing runs between calls)', () => {
    const { clock, result } = build(config({ simulate: false, simMic: '/does/not/matter.wav' }));
    const h = hal(result);
    expect(h.kind).toBe('device');
    expect(clock.pending).toBe(0);
  });
});

describe('createHal GPIO (simulator)', () => {
  it('a fake for every configured button, relay and LED, pins ignored; pressButton presses it', () => {
    const { clock, result } = build(config({ ...GPIO, buttons: [{ id: '1', activeLow: true }, { id: '2', pin: 999, activeLow: false }] }));
    const h = hal(result);
    expect([...h.buttons.keys()]).toEqual(['1', '2']);
    expect(h.relays.get('door')).toBeInstanceOf(FakeRelay);
    expect(h.leds.get('status')).toBeInstanceOf(FakeLed);
    const edges: ButtonEdge[] = [];
    h.buttons.get('2')?.onEdge((e) => edges.push(e));
    clock.advance(10);
    expect(h.simulator?.pressButton('2')).toBe(true);
    clock.advance(1000);
    expect(edges).toEqual([{ pressed: true, at: 10 }, { pressed: false, at: 110 }]);
    expect(h.simulator?.pressButton('nope')).toBe(false);
  });

  it('relays keep their maximum; releaseRelays and close put them to rest; close turns LEDs off', () => {
    const { result } = build(config(GPIO));
    const h = hal(result);
    const door = h.relays.get('door') as FakeRelay;
    expect(door.pulse(9000)).toBe(3000);
    h.releaseRelays();
    h.releaseRelays();
    expect(door.releases.map((r) => r.reason)).toEqual(['closed']);
    h.leds.get('status')?.set('on');
    door.pulse(100);
    h.close();
    expect(door.active).toBe(false);
    expect((h.leds.get('status') as FakeLed).state).toBe('off');
  });
});

describe('createHal GPIO (device)', () => {
  const trees: (() => void)[] = [];
  afterEach(() => trees.splice(0).forEach((c) => c()));
  function pi4(pins = fakePins()): GpioSystem {
    const tree = fakeSys([{ base: 512, label: 'pinctrl-bcm2711', ngpio: 58 }]);
    trees.push(tree.cleanup);
    return { sysRoot: tree.root, pins: pins.factory };
  }

  it('a button, relay or LED without a pin is not wired: one warning naming it, left out, the rest runs', () => {
    const { result, logger } = build(config({ simulate: false, ...GPIO, buttons: [{ id: '1', activeLow: true }, { id: '2', pin: 22, activeLow: true }], relays: [{ id: 'door', activeLow: false, maxPulseMs: 1000 }] }), pi4());
    const h = hal(result);
    expect([...h.buttons.keys()]).toEqual(['2']);
    expect(h.relays.has('door')).toBe(false);
    expect(logger.lines.filter((l) => l.event === 'gpioNotWired').map((l) => l.fields)).toEqual([
      { button: '1', detail: 'no pin (a BCM GPIO number) configured' },
      { relay: 'door', detail: 'no pin (a BCM GPIO number) configured' },
    ]);
  });

  it('nothing wired at all: no GPIO driver is opened (a laptop without GPIO starts)', () => {
    const { result, logger } = build(config({ simulate: false, ...GPIO, buttons: [{ id: '1', activeLow: true }], relays: [], leds: [] }), { sysRoot: '/nonexistent', pins: fakePins().factory });
    expect(hal(result).buttons.size).toBe(0);
    expect(logger.lines.some((l) => l.event === 'gpioDriver')).toBe(false);
  });

  it('real drivers on the fake sysfs: no simulator, relays pulse the pin, releaseRelays and close', () => {
    const pins = fakePins();
    const { result, logger, clock } = build(config({ simulate: false, ...GPIO }), pi4(pins));
    const h = hal(result);
    expect(h.simulator).toBeUndefined();
    expect(logger.lines.find((l) => l.event === 'gpioDriver')?.fields).toMatchObject({ driver: 'sysfs', base: 512 });
    const pin = pins.pins.get(539);
    expect(h.relays.get('door')?.pulse(5000)).toBe(3000);
    expect(pin?.value).toBe(1);
    h.releaseRelays();
    expect(pin?.value).toBe(0);
    h.close();
    expect([...pins.pins.values()].every((p) => p.unexported)).toBe(true);
    expect(clock.pending).toBe(0);
  });

  it('a pin the chip lacks is not ok, naming it', () => {
    const { result } = build(config({ simulate: false, ...GPIO, leds: [{ id: 'hall', pin: 70, activeLow: false }] }), pi4());
    expect(result).toMatchObject({ ok: false, error: expect.stringMatching(/^leds hall: GPIO 70 is not a line/) });
  });
});
