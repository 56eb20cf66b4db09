// The narrow shape of one sysfs GPIO as the driver uses it (onoff's Gpio fits, and so does the tests' fake).

export type PinLevel = 0 | 1;

export interface GpioPin {
  writeSync(value: PinLevel): void;
  watch(callback: (err: Error | null | undefined, value: PinLevel) => void): void;
  unwatchAll(): void;
  unexport(): void;
}

/** Creates a pin: the global sysfs number (base + BCM), direction, edge, activeLow (onoff's constructor). */
export type GpioPinFactory = (
  gpio: number,
  direction: 'in' | 'high' | 'low',
  edge: 'none' | 'both',
  options: { readonly activeLow: boolean },
) => GpioPin;
