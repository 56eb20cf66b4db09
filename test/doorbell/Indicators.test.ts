// The status LEDs: one pattern per door status, set (and logged) only when it changes; a relay fault for 10 s.

import { describe, expect, it } from 'vitest';
import { FakeLed } from '../../hal/fake/FakeLed.ts';
import { FAULT_SHOW_MS, Indicators, LED_PATTERNS, LED_TEST_PATTERN, ledPattern } from '../../firmware-app/doorbell/Indicators.ts';
import { FakeClock } from '../../firmware-app/platform/FakeClock.ts';
import { describePattern } from '../../hal/gpio.ts';
import { memoryLogger } from '../sip/transport/helpers.ts';

describe('ledPattern', () => {
  it.each([
    [{ registration: 'registered', activity: 'idle' }, false, 'on'],
    [{ registration: 'pending', activity: 'idle' }, false, 'blink:100/1900'],
    [{ registration: 'failed', activity: 'idle' }, false, 'blink:100/1900'],
    [{ registration: 'authFailed', activity: 'idle' }, false, 'blink:100/100'],
    [{ registration: 'registered', activity: 'ringing' }, false, 'blink:250/250'],
    [{ registration: 'failed', activity: 'ringing' }, false, 'blink:250/250'],
    [{ registration: 'authFailed', activity: 'inCall' }, false, 'blink:1000/1000'],
    [{ registration: 'registered', activity: 'inCall' }, true, 'blink:100/100'],
  ] as const)('%o (fault %s) → %s', (status, fault, expected) => {
    expect(describePattern(ledPattern(status, fault))).toBe(expected);
  });

  it('every pattern is distinct', () => {
    const all = Object.values(LED_PATTERNS).map(describePattern);
    expect(new Set(all).size).toBe(all.length);
  });
});

describe('Indicators', () => {
  it('sets and logs each LED only when its pattern changes', () => {
    const clock = new FakeClock();
    const logger = memoryLogger();
    const leds = [new FakeLed('a', clock), new FakeLed('b', clock)];
    const indicators = new Indicators(leds, clock, logger);
    indicators.show({ registration: 'registered', activity: 'idle' });
    indicators.show({ registration: 'registered', activity: 'idle' });
    indicators.show({ registration: 'registered', activity: 'ringing' });
    expect(leds[1]!.changes.map((c) => describePattern(c.pattern))).toEqual(['on', 'blink:250/250']);
    expect(logger.lines).toEqual([
      'info ledChanged led=a pattern=on', 'info ledChanged led=b pattern=on',
      'info ledChanged led=a pattern=blink:250/250', 'info ledChanged led=b pattern=blink:250/250',
    ]);
  });

  it('shows a fault for FAULT_SHOW_MS from the last one, then the status again; off() ends it', () => {
    const clock = new FakeClock();
    const led = new FakeLed('a', clock);
    const indicators = new Indicators([led], clock, memoryLogger());
    indicators.show({ registration: 'registered', activity: 'inCall' });
    indicators.fault();
    expect(led.pattern).toEqual(LED_PATTERNS.error);
    clock.advance(FAULT_SHOW_MS - 1000);
    indicators.fault();
    indicators.show({ registration: 'registered', activity: 'idle' });
    expect(led.pattern).toEqual(LED_PATTERNS.error);
    clock.advance(FAULT_SHOW_MS - 1);
    expect(led.pattern).toEqual(LED_PATTERNS.error);
    clock.advance(1);
    expect(led.pattern).toBe('on');
    indicators.fault();
    indicators.off();
    expect(led.pattern).toBe('off');
    expect(clock.pending).toBe(0);
  });
});

describe('Indicators.test: the page LED self-test', () => {
  it('blinks every LED 100/100 for the test time whatever the status, then shows the status as it is by then', () => {
    const clock = new FakeClock();
    const leds = [new FakeLed('a', clock), new FakeLed('b', clock)];
    const indicators = new Indicators(leds, clock, memoryLogger());
    indicators.show({ registration: 'registered', activity: 'idle' });
    indicators.test(3000);
    for (const led of leds) expect(led.pattern).toEqual(LED_TEST_PATTERN);
    expect(describePattern(LED_TEST_PATTERN)).toBe('blink:100/100');
    indicators.show({ registration: 'registered', activity: 'ringing' }); // a press during the test: held back
    clock.advance(2999);
    for (const led of leds) expect(led.pattern).toEqual(LED_TEST_PATTERN);
    clock.advance(1);
    for (const led of leds) expect(led.pattern).toEqual(LED_PATTERNS.ringing);
  });

  it('a second test starts the time over; off() ends the test and no timer is left', () => {
    const clock = new FakeClock();
    const led = new FakeLed('a', clock);
    const indicators = new Indicators([led], clock, memoryLogger());
    indicators.show({ registration: 'registered', activity: 'idle' });
    indicators.test(3000);
    clock.advance(2000);
    indicators.test(3000);
    clock.advance(2000);
    expect(led.pattern).toEqual(LED_TEST_PATTERN);
    clock.advance(1000);
    expect(led.pattern).toBe('on');
    indicators.test(3000);
    indicators.off();
    expect(led.pattern).toBe('off');
    expect(clock.pending).toBe(0);
  });
});
