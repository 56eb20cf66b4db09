// What a GPIO driver builds from the configuration: buttons, relays and LEDs by id, a synchronous way to put every
// relay to rest (for exit handlers), and close; and the one place the drivers' parts become those devices.

import type { Button, Led, Relay } from '../gpio.ts';

/** A configured button, relay or LED with its BCM number. */
export interface PinSpec {
  readonly id: string;
  readonly pin: number;
  readonly activeLow: boolean;
}

export interface RelaySpec extends PinSpec {
  readonly maxPulseMs: number;
}

export interface GpioSpecs {
  readonly buttons: readonly PinSpec[];
  readonly relays: readonly RelaySpec[];
  readonly leds: readonly PinSpec[];
}

export interface GpioDevices {
  readonly buttons: ReadonlyMap<string, Button>;
  readonly relays: ReadonlyMap<string, Relay>;
  readonly leds: ReadonlyMap<string, Led>;
  /** Every relay to rest now, synchronously (safe in process 'exit' handlers); idempotent. */
  releaseRelays(): void;
  /** Relays to rest, LEDs off, pins and child processes let go. Idempotent. */
  close(): void;
}

export type DevicesResult = { readonly ok: true; readonly devices: GpioDevices } | { readonly ok: false; readonly error: string };

/**
 * A driver's devices made safe to hand out: its `close` (which puts the relays to rest itself) runs once, and its
 * `releaseRelays` does nothing once close has run.
 */
export function driverDevices(parts: GpioDevices): DevicesResult {
  let closed = false;
  return {
    ok: true,
    devices: {
      buttons: parts.buttons,
      relays: parts.relays,
      leds: parts.leds,
      releaseRelays: () => {
        if (!closed) parts.releaseRelays();
      },
      close: () => {
        if (closed) return;
        parts.close();
        closed = true;
      },
    },
  };
}
