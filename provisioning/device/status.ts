// The device's live status for the page (GET /api/status, /api/events): registration from the UA's events, the door's
// state, the event log's newest entries, relays and LEDs, refused SIP requests, which configuration runs and why.
// Nothing secret goes in.

import { describePattern, type Led, type Relay } from '../../hal/gpio.ts';
import type { DoorEvent } from '../../firmware-app/doorbell/ports.ts';
import type { DoorState } from '../../firmware-app/doorbell/DoorStation.ts';
import type { Clock, TimerHandle } from '../../firmware-app/platform/Clock.ts';
import type { UserAgent } from '../../firmware-app/sip/ua/UserAgent.ts';
import type { ConfigOrigin, DeviceStatus, NotRunning, StatusSource } from '../ports.ts';

/** What one configuration's runtime brings: replaced (`rebind`) when a saved change starts a new one. */
export interface StatusDevice {
  readonly sipMode: DeviceStatus['sipMode'];
  readonly ua: Pick<UserAgent, 'events' | 'refusals'>;
  readonly door: { readonly state: DoorState };
  readonly relays: ReadonlyMap<string, Relay>;
  readonly leds: ReadonlyMap<string, Led>;
}

export interface StatusParts {
  readonly version: string;
  readonly mode: DeviceStatus['mode'];
  /** Undefined while the door application is not running (`notRunning` says why). */
  readonly device: StatusDevice | undefined;
  /** The SIP mode of the configuration that should run, for the status while nothing runs. */
  readonly sipMode: () => DeviceStatus['sipMode'];
  /** Why the door application is not running and when it tries again; undefined while it runs. */
  readonly notRunning?: () => NotRunning | undefined;
  readonly events: { recent(limit?: number): readonly DoorEvent[] };
  /** Which configuration runs (the store's `origin`): file, backup or factory, why, and what the device lacks. */
  readonly configOrigin: () => ConfigOrigin;
  readonly clock: Clock;
}

/** Entries of the event log the status carries. */
const RECENT = 20;
/** Relays, LEDs and the door's state have no events of their own: looked at this often while someone watches. */
const POLL_MS = 500;

/** The id of the call the door is in, for each state that has one. */
function callOf(state: DoorState): string | undefined {
  switch (state.kind) {
    case 'connected':
    case 'incomingConnected':
      return state.session.call.id;
    case 'incomingRinging':
      return state.call.id;
    default:
      return undefined;
  }
}

export function createStatusSource(parts: StatusParts): StatusSource & {
  /** The registration part alone (systemd's status line reads it every second; a whole snapshot is not needed). */
  registration(): DeviceStatus['registration'];
  /** A new runtime, or none (`undefined`): the door application could not start. */
  rebind(device: StatusDevice | undefined): void;
  close(): void;
} {
  let device = parts.device;
  let registration: DeviceStatus['registration'] = { state: 'standalone' };
  const listeners = new Set<() => void>();
  const notify = (): void => {
    for (const listener of [...listeners]) listener();
  };
  let offs: Array<() => void> = [];
  const follow = (): void => {
    if (device === undefined) {
      offs = [];
      return;
    }
    registration = device.sipMode === 'standalone' ? { state: 'standalone' } : { state: 'registering' };
    offs = [
    device.ua.events.on('registering', (info) => {
      registration = { state: 'registering', server: info.registrar };
      notify();
    }),
    device.ua.events.on('registered', (info) => {
      const publicAddress = info.publicAddress === undefined ? undefined : `${info.publicAddress.host}:${info.publicAddress.port}`;
      registration = { state: 'registered', server: info.registrar, ...(publicAddress !== undefined ? { publicAddress } : {}) };
      notify();
    }),
    device.ua.events.on('registrationFailed', (info) => {
      registration = { state: 'failed', reason: info.status !== undefined ? `${info.reason} (${info.status})` : info.reason, ...(registration.server !== undefined ? { server: registration.server } : {}) };
      notify();
    }),
    ];
  };
  follow();
  /** While nothing runs: no registration, no door, no relays; the reason instead. */
  const downRegistration = (down: NotRunning): DeviceStatus['registration'] => ({ state: 'failed', reason: `not running: ${down.reason}` });
  /** What the running door application (or its absence) adds to the status. */
  const deviceFacts = (): Pick<DeviceStatus, 'sipMode' | 'registration' | 'door' | 'refused' | 'relays' | 'leds' | 'notRunning'> => {
    if (device === undefined) {
      const down = parts.notRunning?.();
      return {
        sipMode: parts.sipMode(), door: { state: 'stopped' }, refused: {}, relays: [], leds: [],
        registration: down === undefined ? { state: 'failed', reason: 'not running' } : downRegistration(down),
        ...(down !== undefined ? { notRunning: down } : {}),
      };
    }
    const call = callOf(device.door.state);
    return {
      sipMode: device.sipMode,
      registration,
      door: { state: device.door.state.kind, ...(call !== undefined ? { call } : {}) },
      refused: { ...device.ua.refusals },
      relays: [...device.relays.values()].map((relay) => ({ id: relay.id, active: relay.active })),
      leds: [...device.leds.values()].map((led) => ({ id: led.id, pattern: describePattern(led.pattern) })),
    };
  };
  const snapshot = (): DeviceStatus => {
    const origin = parts.configOrigin();
    return {
      version: parts.version,
      mode: parts.mode,
      ...deviceFacts(),
      recentEvents: parts.events.recent(RECENT),
      startedFromBackup: origin.from === 'backup',
      configOrigin: origin,
    };
  };
  let poll: TimerHandle | undefined;
  let last = '';
  const look = (): void => {
    poll = parts.clock.setTimer(POLL_MS, look);
    const now = JSON.stringify(snapshot());
    if (now !== last) {
      last = now;
      notify();
    }
  };
  return {
    snapshot,
    registration: () => {
      const down = parts.notRunning?.();
      return device === undefined && down !== undefined ? downRegistration(down) : registration;
    },
    subscribe(listener) {
      listeners.add(listener);
      if (poll === undefined) {
        last = JSON.stringify(snapshot());
        poll = parts.clock.setTimer(POLL_MS, look);
      }
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0) {
          poll?.cancel();
          poll = undefined;
        }
      };
    },
    rebind(next) {
      for (const off of offs) off();
      device = next;
      follow();
      notify();
    },
    close() {
      for (const off of offs) off();
      poll?.cancel();
      poll = undefined;
      listeners.clear();
    },
  };
}
