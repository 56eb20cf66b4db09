// The door's relays as the application uses them: pulses logged with what the HAL granted, returns to rest logged,
// a relay the configuration names but the hardware lacks logged once (and the door carries on without it).

import type { Relay } from '../../hal/gpio.ts';
import type { Logger } from '../platform/Logger.ts';

/** What a pulse is for, in the log. */
export type PulsePurpose = 'chime' | 'door' | 'selfTest';

export class DoorRelays {
  readonly #relays: ReadonlyMap<string, Relay>;
  readonly #logger: Logger;
  readonly #onFault: (relay: string) => void;
  readonly #missingLogged = new Set<string>();
  #unsubscribe: Array<() => void> = [];

  /** `onFault` hears of every pulse that could not be given (the LEDs show an error). */
  constructor(relays: ReadonlyMap<string, Relay>, logger: Logger, onFault: (relay: string) => void) {
    this.#relays = relays;
    this.#logger = logger;
    this.#onFault = onFault;
  }

  /** Logs every relay's returns to rest from now on, chime and door alike. */
  start(): void {
    for (const relay of this.#relays.values()) {
      this.#unsubscribe.push(relay.onReleased((reason) => this.#logger.info('relayReleased', { relay: relay.id, reason })));
    }
  }

  /** Drives relay `id` for `ms` (the HAL cuts it to the relay's maximum); returns the milliseconds granted, 0 for none. */
  pulse(id: string, ms: number, purpose: PulsePurpose): number {
    const relay = this.#relays.get(id);
    if (relay === undefined) {
      if (!this.#missingLogged.has(id)) {
        this.#missingLogged.add(id);
        this.#logger.warn('relayMissing', { relay: id, for: purpose });
      }
      this.#onFault(id);
      return 0;
    }
    const granted = relay.pulse(ms);
    if (granted <= 0) {
      this.#logger.warn('relayRefused', { relay: id, askedMs: ms, for: purpose });
      this.#onFault(id);
      return 0;
    }
    this.#logger.info('relayPulsed', { relay: id, ms: granted, for: purpose });
    return granted;
  }

  /** Every relay back to rest now (logged), then no more logging. */
  stop(): void {
    for (const relay of this.#relays.values()) relay.release();
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    this.#unsubscribe = [];
  }
}
