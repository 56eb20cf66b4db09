// gpiod's tools as the chardev driver calls them: the version probe, gpiodetect and gpiomon output, and gpiomon's
// arguments per version: the bias each button's polarity needs (v2 `-b`, v1 `-B`, v1's `-b` being line-buffered)
// and v2's kernel debounce.

import { describe, expect, it } from 'vitest';
import { biasFor, type GpiodTools, gpiomonArgs, KERNEL_DEBOUNCE_MS, parseGpiodetect, parseGpiomonLine, probeGpiodTools } from '../../../hal/gpio/chardev/gpiodTools.ts';
import { fakeRun, GPIODETECT_PI5, V1, V2_INTERACTIVE, V2_PLAIN } from './gpioRig.ts';

const V2I: GpiodTools = { major: 2, interactive: true };
const V2P: GpiodTools = { major: 2, interactive: false };
const V1T: GpiodTools = { major: 1, interactive: false };

describe('gpiod tools', () => {
  it('probes v2 with and without --interactive, v1, and a missing gpioset', () => {
    expect(probeGpiodTools(fakeRun(V2_INTERACTIVE).run)).toEqual({ ok: true, tools: V2I });
    expect(probeGpiodTools(fakeRun(V2_PLAIN).run)).toEqual({ ok: true, tools: V2P });
    expect(probeGpiodTools(fakeRun(V1).run)).toEqual({ ok: true, tools: V1T });
    expect(probeGpiodTools(fakeRun({}).run)).toMatchObject({ ok: false, error: expect.stringContaining('apt-get install gpiod') });
  });

  it('parses gpiodetect and both gpiomon formats', () => {
    expect(parseGpiodetect(GPIODETECT_PI5).at(-1)).toEqual({ name: 'gpiochip4', label: 'pinctrl-rp1', lines: 54 });
    expect(parseGpiomonLine(V2I, '17 1')).toEqual({ offset: 17, high: true });
    expect(parseGpiomonLine(V2I, '17 2')).toEqual({ offset: 17, high: false });
    expect(parseGpiomonLine(V2I, '17 0')).toBeUndefined();
    expect(parseGpiomonLine(V1T, '17 0')).toEqual({ offset: 17, high: false });
    expect(parseGpiomonLine(V1T, 'Monitoring lines')).toBeUndefined();
  });

  it('an active-low button (wired to ground) is pulled up, an active-high one pulled down', () => {
    expect(biasFor(true)).toBe('pull-up');
    expect(biasFor(false)).toBe('pull-down');
  });

  it('gpiomon v2: the bias with -b and a 5 ms kernel debounce with -p', () => {
    expect(KERNEL_DEBOUNCE_MS).toBe(5);
    expect(gpiomonArgs(V2I, 'gpiochip4', [17, 22], 'pull-up')).toEqual(['-c', 'gpiochip4', '-e', 'both', '-b', 'pull-up', '-p', '5ms', '-F', '%o %e', '17', '22']);
    expect(gpiomonArgs(V2P, 'gpiochip0', [5], 'pull-down')).toEqual(['-c', 'gpiochip0', '-e', 'both', '-b', 'pull-down', '-p', '5ms', '-F', '%o %e', '5']);
  });

  it('gpiomon v1: line-buffered with -b, the bias with -B, no debounce (v1 has none)', () => {
    const args = gpiomonArgs(V1T, 'gpiochip0', [17], 'pull-up');
    expect(args).toEqual(['-b', '-B', 'pull-up', '-F', '%o %e', 'gpiochip0', '17']);
    expect(args).not.toContain('-p');
  });
});
