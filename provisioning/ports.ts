// What the provisioning web page is given at construction (main.ts composes it): the configuration store, the device's
// live status, the actions a user may start from the page, and where its own state (admin password, sessions) lives.

import type { DoorEvent } from '../firmware-app/doorbell/ports.ts';

/** The config sections the page reads and writes: `GET`/`PUT /api/config/<section>`. */
export const CONFIG_SECTIONS = ['sip', 'media', 'audio', 'gpio', 'buttons', 'relays', 'leds', 'schedules', 'doorbell', 'web'] as const;
export type ConfigSection = (typeof CONFIG_SECTIONS)[number];

/** Field errors by dotted path inside the section (`account.password`), one message each, never the value. */
export type FieldErrors = Readonly<Record<string, string>>;

export type SaveResult = { readonly ok: true } | { readonly ok: false; readonly fields: FieldErrors };

/** The configuration store as the page sees it (firmware-app/config/store.ts). */
export interface ConfigStoreApi {
  /**
   * The section as the browser may see it: every secret (SIP passwords, door code hashes) replaced by
   * `{ "set": true }` or `{ "set": false }`, never its value.
   */
  read(section: ConfigSection): unknown;
  /**
   * Validates `value` as the new section against the whole configuration, saves atomically and applies it. A secret
   * left out (or `{ "set": true }`) keeps its stored value; door codes may come as `{ name, code, … }` (the store
   * hashes the code). Invalid input saves nothing and answers field errors.
   */
  write(section: ConfigSection, value: unknown): Promise<SaveResult>;
  /** The whole configuration with every secret replaced by `{ "set": bool }` (`GET /api/export`). */
  exportRedacted(): unknown;
  /**
   * The whole configuration with every secret replaced by `seal(secret, path)` (`path` like `sip.account.password`):
   * the encrypted export. The plain secrets reach `seal` only.
   */
  exportSealed(seal: (secret: string, path: string) => unknown): unknown;
  /**
   * Replaces the whole configuration with `value` (secrets in plain text, or left out / `{ "set": … }` to keep the
   * stored ones): validated as a write of every section, saved atomically and applied; invalid input saves nothing
   * and answers field errors keyed by full dotted path (`sip.account.registrar`).
   */
  importConfig(value: unknown): Promise<SaveResult>;
  /** Back to the factory configuration (setup starts again). */
  factoryReset(): Promise<void>;
  /** At start the file was unreadable or invalid and the `.bak` was used: the status page says so. */
  readonly startedFromBackup: boolean;
}

/** The live facts the status page shows; safe to send (no secrets). */
export interface DeviceStatus {
  readonly version: string;
  readonly mode: 'simulate' | 'device';
  readonly sipMode: 'standalone' | 'registered';
  readonly registration: { readonly state: 'registered' | 'registering' | 'failed' | 'standalone'; readonly reason?: string; readonly server?: string; readonly publicAddress?: string };
  /** The door's state (idle, calling, connected, …) and the current call's id when there is one. */
  readonly door: { readonly state: string; readonly call?: string };
  /** Refused out-of-dialog SIP requests by reason since start. */
  readonly refused: Readonly<Record<string, number>>;
  /** Newest first. */
  readonly recentEvents: readonly DoorEvent[];
  readonly relays: ReadonlyArray<{ readonly id: string; readonly active: boolean }>;
  readonly leds: ReadonlyArray<{ readonly id: string; readonly pattern: string }>;
  readonly startedFromBackup: boolean;
  /** Which configuration runs and why; the page shows a notice unless it is the file with no problems. */
  readonly configOrigin: ConfigOrigin;
  /**
   * Present while the door application is not running: the saved configuration could not start (the SIP port taken,
   * the listen address gone, a GPIO line busy). The page still answers; the device tries again on its own.
   */
  readonly notRunning?: NotRunning;
}

/** Why the door is down and when it tries again; safe to send (an error's words, no values from the config). */
export interface NotRunning {
  readonly reason: string;
  /** Wall-clock milliseconds of the first failed start of this stretch. */
  readonly since: number;
  /** Wall-clock milliseconds of the next try. */
  readonly nextTry: number;
  /** Failed starts in a row. */
  readonly attempts: number;
}

/**
 * Which configuration the device runs (firmware-app/config/store.ts): the file; its `.bak` because the file was
 * unusable; or the factory configuration, in memory, because neither was usable or there was none (a fresh install).
 * An unusable file is never overwritten: the first save moves it aside (`keptAs`). Safe to send: no values.
 */
export interface ConfigOrigin {
  readonly from: 'file' | 'backup' | 'factory';
  /** Why not the file (absent for `file`): `no such file`, `not JSON: …`, field errors without values. */
  readonly reason?: string;
  /** The names the unusable file and backup were moved to by the first save. */
  readonly keptAs?: readonly string[];
  /** What this device cannot do with the running configuration (a door code's relay without a pin); it runs without. */
  readonly problems: readonly string[];
}

/** The event log (doorbell/EventLog.ts) for `GET /api/log`. */
export interface EventLogSource {
  /** The newest `limit` events (all by default), newest first. */
  recent(limit?: number): readonly DoorEvent[];
}

/** Where the status comes from; `subscribe` calls back on every change (server-sent events). */
export interface StatusSource {
  snapshot(): DeviceStatus;
  subscribe(listener: () => void): () => void;
}

export type ActionResult = { readonly ok: true; readonly detail?: string } | { readonly ok: false; readonly code: string; readonly message: string };

/** What the page may make the device do. */
export interface DeviceActions {
  /** Pulses a door relay as a door code would (default: the first door code's relay, else `door`). */
  openDoor(relay?: string): ActionResult;
  /** Rings button `button`'s plan (default: the first) as a press would. */
  testCall(button?: string): ActionResult;
  /** Self-test: pulses relay `relay` for `ms` (cut to its maximum). */
  pulseRelay(relay: string, ms?: number): ActionResult;
  /** Self-test: every LED blinks fast (100/100) for 3 s, then shows the door's status again. */
  ledTest(): ActionResult;
  /** Self-test: the speaker plays a short tone; refused (`AUDIO_BUSY`) while a call holds the devices. */
  speakerTest(): ActionResult;
  /** Self-test: about 2 s of the microphone and its RMS level; refused (`AUDIO_BUSY`) while a call holds the devices. */
  micTest(): Promise<MicTestResult>;
  /** Simulator only: presses virtual button `id`; undefined on a device. */
  readonly pressButton?: (id: string) => ActionResult;
}

/** The microphone self-test's answer: the level heard in dBFS (−96 for silence, 0 for full scale). */
export type MicTestResult =
  | { readonly ok: true; readonly detail: string; readonly levelDbfs: number }
  | { readonly ok: false; readonly code: string; readonly message: string };

/** The page's own state files (admin password hash, setup code, session secret) live in this directory, mode 0700. */
export interface ProvisioningPaths {
  readonly stateDir: string;
}
