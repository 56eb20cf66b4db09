// The device's live status for the page (GET /api/status, /api/events): registration from the UA's events, the door's
// state, the event log's newest entries, relays and LEDs, refused SIP requests. Nothing secret goes in.

import { describePattern, type Led, type Relay } from '../../hal/gpio.ts';
import type { DoorEvent } from '../../firmware-app/doorbell/ports.ts';
import type { DoorState } from '../../firmware-app/doorbell/DoorStation.ts';
import type { Clock, TimerHandle } from '../../firmware-app/platform/Clock.ts';
import type { UserAgent } from '../../firmware-app/sip/ua/UserAgent.ts';
import type { DeviceStatus, StatusSource } from '../ports.ts';

export interface StatusParts {
  readonly version: string;
  readonly mode: DeviceStatus['mode'];
  readonly sipMode: DeviceStatus['sipMode'];
  readonly ua: Pick<UserAgent, 'events' | 'refusals'>;
  readonly door: { readonly state: DoorState };
  readonly events: { recent(limit?: number): readonly DoorEvent[] };
  readonly relays: ReadonlyMap<string, Relay>;
  readonly leds: ReadonlyMap<string, Led>;
  readonly startedFromBackup: () => boolean;
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

export function createStatusSource(parts: StatusParts): StatusSource & { close(): void } {
  let registration: DeviceStatus['registration'] = parts.sipMode === 'standalone' ? { state: 'standalone' } : { state: 'registering' };
  const listeners = new Set<() => void>();
  const notify = (): void => {
    for (const listener of [...listeners]) listener();
  };
  const offs = [
    parts.ua.events.on('registering', (info) => {
      registration = { state: 'registering', server: info.registrar };
      notify();
    }),
    parts.ua.events.on('registered', (info) => {
      const publicAddress = info.publicAddress === undefined ? undefined : `${info.publicAddress.host}:${info.publicAddress.port}`;
      registration = { state: 'registered', server: info.registrar, ...(publicAddress !== undefined ? { publicAddress } : {}) };
      notify();
    }),
    parts.ua.events.on('registrationFailed', (info) => {
      registration = { state: 'failed', reason: info.status !== undefined ? `${info.reason} (${info.status})` : info.reason, ...(registration.server !== undefined ? { server: registration.server } : {}) };
      notify();
    }),
  ];
  const snapshot = (): DeviceStatus => {
    const call = callOf(parts.door.state);
    return {
      version: parts.version,
      mode: parts.mode,
      sipMode: parts.sipMode,
      registration,
      door: { state: parts.door.state.kind, ...(call !== undefined ? { call } : {}) },
      refused: { ...parts.ua.refusals },
      recentEvents: parts.events.recent(RECENT),
      relays: [...parts.relays.values()].map((relay) => ({ id: relay.id, active: relay.active })),
      leds: [...parts.leds.values()].map((led) => ({ id: led.id, pattern: describePattern(led.pattern) })),
      startedFromBackup: parts.startedFromBackup(),
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
    close() {
      for (const off of offs) off();
      poll?.cancel();
      poll = undefined;
      listeners.clear();
    },
  };
}
