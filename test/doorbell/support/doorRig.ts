// The door application on fakes: FakeClock, fake buttons, relays and LEDs, a FakePhone, recorded tones and events,
// the real door codes (with a hasher that compares plain text) and the real schedules on a settable wall clock.

import type { z } from 'zod';
import { FakeButton } from '../../../hal/fake/FakeButton.ts';
import { FakeLed } from '../../../hal/fake/FakeLed.ts';
import { FakeRelay } from '../../../hal/fake/FakeRelay.ts';
import { ButtonSchema, DoorbellSchema, type DoorCodeConfig, type TimeWindow } from '../../../firmware-app/config/schema.ts';
import { DoorCodes } from '../../../firmware-app/doorbell/DoorCodes.ts';
import { DoorStation } from '../../../firmware-app/doorbell/DoorStation.ts';
import type { SipMode } from '../../../firmware-app/doorbell/incomingCalls.ts';
import type { DoorEventKind, DoorEventSink, DoorTones } from '../../../firmware-app/doorbell/ports.ts';
import { Schedules } from '../../../firmware-app/doorbell/schedule.ts';
import type { ToneName } from '../../../firmware-app/media/tones/index.ts';
import { FakeClock } from '../../../firmware-app/platform/FakeClock.ts';
import { memoryLogger } from '../../sip/transport/helpers.ts';
import { FakePhone } from './fakePhone.ts';

/** Monday 2 March 2026, 12:00 UTC: `day` is open, `night` closed. */
export const NOON = Date.UTC(2026, 2, 2, 12, 0);
const EVERY_DAY = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export const SCHEDULES: Record<string, TimeWindow[]> = {
  day: [{ days: [...EVERY_DAY], from: '08:00', to: '20:00' }],
  night: [{ days: [...EVERY_DAY], from: '20:00', to: '08:00' }],
};

/** The family's code is 1234, the parcel service's 999 (only by day, on the parcel box). */
export const CODES: DoorCodeConfig[] = [
  { name: 'family', hash: 'plain:1234', relay: 'door', pulseMs: 3000 },
  { name: 'parcel', hash: 'plain:999', relay: 'box', pulseMs: 1000, schedule: 'day' },
];

export class RecordingTones implements DoorTones {
  /** `start <name>` and `stop`, with the owner, in order. */
  readonly log: Array<{ readonly op: string; readonly owner: object; readonly at: number }> = [];
  readonly #playing = new Map<object, ToneName>();
  readonly #clock: FakeClock;

  constructor(clock: FakeClock) {
    this.#clock = clock;
  }

  startTone(owner: object, name: ToneName): void {
    this.#playing.set(owner, name);
    this.log.push({ op: `start ${name}`, owner, at: this.#clock.now() });
  }

  stopTone(owner: object): void {
    this.#playing.delete(owner);
    this.log.push({ op: 'stop', owner, at: this.#clock.now() });
  }

  /** Tones started, by name, in order. */
  get started(): string[] {
    return this.log.filter((e) => e.op.startsWith('start ')).map((e) => e.op.slice(6));
  }

  /** What `owner` asked for last and has not stopped (finite tones are not ended by time here). */
  playing(owner: object): ToneName | undefined {
    return this.#playing.get(owner);
  }
}

export class RecordingEvents implements DoorEventSink {
  readonly entries: Array<{ readonly kind: DoorEventKind; readonly fields: Readonly<Record<string, string | number | boolean>> }> = [];

  record(kind: DoorEventKind, fields: Readonly<Record<string, string | number | boolean>> = {}): void {
    this.entries.push({ kind, fields });
  }

  kinds(): DoorEventKind[] {
    return this.entries.map((e) => e.kind);
  }

  of(kind: DoorEventKind): Array<Readonly<Record<string, string | number | boolean>>> {
    return this.entries.filter((e) => e.kind === kind).map((e) => e.fields);
  }
}

export interface RigOptions {
  readonly buttons?: ReadonlyArray<z.input<typeof ButtonSchema>>;
  readonly doorbell?: z.input<typeof DoorbellSchema>;
  readonly sipMode?: SipMode;
  /** Relays the hardware has (id → maxPulseMs); default door, box and the gong of the chime. */
  readonly relays?: Readonly<Record<string, number>>;
  readonly leds?: readonly string[];
  /** Leave the station unstarted. */
  readonly manualStart?: boolean;
}

export type Rig = ReturnType<typeof doorRig>;

export function doorRig(options: RigOptions = {}) {
  const clock = new FakeClock();
  let wall = NOON;
  const logger = memoryLogger();
  const phone = new FakePhone();
  const buttonConfig = (options.buttons ?? [{ id: '1', plan: [{ targets: ['flat'], ringSec: 30 }] }]).map((b) => ButtonSchema.parse(b));
  const doorbell = DoorbellSchema.parse(options.doorbell ?? { chime: { relay: 'gong', pulseMs: 500 } });
  const buttons = new Map(buttonConfig.map((b) => [b.id, new FakeButton(b.id, clock)]));
  const relays = new Map(Object.entries(options.relays ?? { door: 10_000, box: 5_000, gong: 2_000 }).map(([id, max]) => [id, new FakeRelay(id, max, clock)]));
  const leds = new Map((options.leds ?? ['status']).map((id) => [id, new FakeLed(id, clock)]));
  const tones = new RecordingTones(clock);
  const events = new RecordingEvents();
  const schedules = new Schedules({ schedules: SCHEDULES, timeZone: 'UTC', wallClock: () => wall });
  const codes = new DoorCodes({
    codes: CODES, entry: doorbell.codeEntry, schedules, clock, logger, events,
    hasher: { verify: async (code, hash) => hash === `plain:${code}` },
  });
  const station = new DoorStation({
    buttons: buttonConfig, doorbell, sipMode: options.sipMode ?? 'standalone', phone,
    hardware: { buttons, relays, leds }, tones, codes, schedules, events,
    platform: { clock, wallClock: () => wall, logger },
  });
  if (options.manualStart !== true) station.start();
  return {
    clock, logger, phone, buttons, relays, leds, tones, events, station, doorbell,
    button: (id = '1') => buttons.get(id)!,
    relay: (id: string) => relays.get(id)!,
    led: (id = 'status') => leds.get(id)!,
    /** Wall-clock time for the schedules (the monotonic clock does not move it). */
    setWall(ms: number) {
      wall = ms;
    },
    /** Log lines with this event name. */
    lines: (event: string) => logger.lines.filter((line) => line.split(' ')[1] === event),
    /** Lets promises run (the UA's call(), the code checks, answer()). */
    settle: () => new Promise<void>((resolve) => setImmediate(resolve)),
    /** Advances the clock and lets promises run. */
    async advance(ms: number) {
      clock.advance(ms);
      await new Promise<void>((resolve) => setImmediate(resolve));
    },
  };
}
