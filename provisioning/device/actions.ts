// What the page may make the device do (POST /api/actions/…, /api/simulate/button/<id>), on the door application and,
// in the simulator, on its virtual buttons. Each answer says what happened in words safe to show.

import type { DoorStation } from '../../firmware-app/doorbell/DoorStation.ts';
import type { ActionResult, DeviceActions } from '../ports.ts';

export interface ActionParts {
  readonly station: Pick<DoorStation, 'press' | 'openDoor' | 'testRelay'>;
  /** Relay ids the configuration names, and the relay door codes open (the first code's; else `door`). */
  readonly relays: readonly string[];
  readonly doorRelay: string;
  /** Button ids in configuration order. */
  readonly buttons: readonly string[];
  /** Simulator only: presses a virtual button as a finger would (edges, debounce and all). */
  readonly pressVirtualButton?: (id: string) => boolean;
}

const fail = (code: string, message: string): ActionResult => ({ ok: false, code, message });

/** `current` gives the parts of now: a saved configuration replaces the door application and its relays. */
export function createDeviceActions(current: () => ActionParts, simulator: boolean): DeviceActions {
  const press = simulator ? (id: string): boolean => current().pressVirtualButton?.(id) ?? false : undefined;
  return {
    openDoor(relay = current().doorRelay) {
      const parts = current();
      if (!parts.relays.includes(relay)) return fail('UNKNOWN_RELAY', `no relay ${relay}`);
      const ms = parts.station.openDoor(relay, 'page');
      return ms > 0 ? { ok: true, detail: `relay ${relay} pulsed for ${ms} ms` } : fail('RELAY_FAILED', `relay ${relay} could not be pulsed (not wired?)`);
    },
    testCall(button = current().buttons[0]) {
      const parts = current();
      if (button === undefined || !parts.station.press(button)) return fail('UNKNOWN_BUTTON', `no button ${button ?? ''}`.trim());
      return { ok: true, detail: `button ${button}'s plan rings` };
    },
    pulseRelay(relay, ms = 500) {
      const parts = current();
      if (!parts.relays.includes(relay)) return fail('UNKNOWN_RELAY', `no relay ${relay}`);
      if (!Number.isInteger(ms) || ms <= 0) return fail('INVALID', 'ms must be a positive whole number');
      const granted = parts.station.testRelay(relay, ms);
      return granted > 0 ? { ok: true, detail: `relay ${relay} pulsed for ${granted} ms` } : fail('RELAY_FAILED', `relay ${relay} could not be pulsed (not wired?)`);
    },
    ...(press !== undefined
      ? { pressButton: (id: string): ActionResult => (press(id) ? { ok: true, detail: `button ${id} pressed` } : fail('UNKNOWN_BUTTON', `no button ${id}`)) }
      : {}),
  };
}
