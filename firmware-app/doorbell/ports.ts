// What the door application is given at construction (ARCHITECTURE.md: plain objects, injected): the UA, the door's
// hardware through the HAL interfaces, the visitor tones, the clock, the code checker and the event log.

import type { Button, Led, Relay } from '../../hal/gpio.ts';
import type { ToneName } from '../media/tones/index.ts';
import type { Clock } from '../platform/Clock.ts';
import type { Logger } from '../platform/Logger.ts';
import type { UserAgent } from '../sip/ua/UserAgent.ts';

/** The part of the UserAgent the door application uses (tests may hand in a UA over the loop transport). */
export type DoorPhone = Pick<UserAgent, 'call' | 'events' | 'registered'>;

/** The door's hardware as the application sees it (HAL interfaces, real or fake). */
export interface DoorHardware {
  readonly buttons: ReadonlyMap<string, Button>;
  readonly relays: ReadonlyMap<string, Relay>;
  readonly leds: ReadonlyMap<string, Led>;
}

/** Tones the visitor hears at the door (media's DoorAudio fits): one owner per call or purpose. */
export interface DoorTones {
  startTone(owner: object, name: ToneName): void;
  stopTone(owner: object): void;
}

/** Wall-clock time for schedules: milliseconds since the epoch (UTC). The monotonic Clock is not wall time. */
export type WallClock = () => number;

/** Checks a typed code against a stored door-code hash (scrypt in platform/doorCodeHash.ts), in constant time. */
export interface CodeHasher {
  verify(code: string, hash: string): Promise<boolean>;
}

/** What happened, for the event log (presses, calls, door openings, failed codes, registration changes). */
export type DoorEventKind =
  | 'buttonPressed'
  | 'callStarted'
  | 'callAnswered'
  | 'callEnded'
  | 'callIncoming'
  | 'doorOpened'
  | 'doorCodeRejected'
  | 'doorCodesLocked'
  | 'registered'
  | 'registrationFailed'
  | 'chimeRang';

/** One entry of the event log: when (wall clock, ms since epoch), what, and safe-to-show facts (never a code). */
export interface DoorEvent {
  readonly at: number;
  readonly kind: DoorEventKind;
  readonly fields: Readonly<Record<string, string | number | boolean>>;
}

/** The bounded, persisted event log (doorbell/EventLog.ts). */
export interface DoorEventSink {
  record(kind: DoorEventKind, fields?: DoorEvent['fields']): void;
}

export interface DoorbellPlatform {
  readonly clock: Clock;
  readonly wallClock: WallClock;
  readonly logger: Logger;
}
