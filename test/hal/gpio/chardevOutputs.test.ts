// The chardev driver's outputs over a fake spawn: relays and LEDs in two gpiosets, so an LED change never restarts
// the relays' process; interactive gpiosets take `set` commands (and LEDs blink), others are restarted with the new
// levels (and LEDs show blink patterns steady on, said once); releaseRelays synchronous; close stops everything.

import { describe, expect, it } from 'vitest';
import { chardevRig, SPECS, V1T, V2P } from './chardevRig.ts';

const BLINK = { blink: { onMs: 100, offMs: 100 } } as const;

describe('chardev outputs', () => {
  it('relays and LEDs each get their own gpioset, holding their lines at rest (v2 interactive)', () => {
    const { spawn, relaySet, ledSet } = chardevRig();
    expect(spawn.of('gpioset')).toHaveLength(2);
    expect(relaySet()?.args).toEqual(['-i', '-c', 'gpiochip4', '27=0']);
    // The LED is active-low: its rest is the raw high level.
    expect(ledSet()?.args).toEqual(['-i', '-c', 'gpiochip4', '23=1']);
  });

  it('interactive gpioset: a pulse and its end are set commands to the relays\' gpioset, the LED to its own', () => {
    const { clock, d, relaySet, ledSet, spawn } = chardevRig();
    expect(d.relays.get('door')?.pulse(10_000)).toBe(3000);
    clock.advance(3000);
    d.leds.get('status')?.set('on');
    expect(relaySet()?.stdin.text).toBe('set 27=1\nset 27=0\n');
    expect(ledSet()?.stdin.text).toBe('set 23=0\n');
    expect(spawn.of('gpioset')).toHaveLength(2);
  });

  it('interactive gpioset: LEDs keep blinking, one set command per phase', () => {
    const { clock, d, ledSet, logger } = chardevRig();
    d.leds.get('status')?.set(BLINK);
    clock.advance(250);
    expect(ledSet()?.stdin.text).toBe('set 23=0\nset 23=1\nset 23=0\n');
    expect(logger.events()).not.toContain('gpioLedSteady');
  });

  it('without --interactive: a relay change restarts only the relays\' gpioset, with the new levels once the old one is gone', () => {
    const { d, relaySet, ledSet, spawn } = chardevRig(V2P);
    const first = relaySet();
    const leds = ledSet();
    d.relays.get('door')?.pulse(1000);
    expect(first?.signals).toEqual(['SIGTERM']);
    d.relays.get('door')?.pulse(1000); // still driven: nothing new to set, no second signal
    expect(first?.signals).toEqual(['SIGTERM']);
    first?.close(null, 'SIGTERM');
    expect(spawn.of('gpioset')).toHaveLength(3);
    expect(relaySet()?.args).toEqual(['-c', 'gpiochip4', '27=1']);
    expect(leds?.signals).toEqual([]);
  });

  it('without --interactive: LED changes restart only the LEDs\' gpioset, never touching the relay line', () => {
    const { d, relaySet, ledSet, relaySets } = chardevRig(V2P);
    const relay = relaySet();
    const led = ledSet();
    d.leds.get('status')?.set('on');
    expect(led?.signals).toEqual(['SIGTERM']);
    led?.close(null, 'SIGTERM');
    expect(ledSet()?.args).toEqual(['-c', 'gpiochip4', '23=0']);
    expect(relay?.signals).toEqual([]);
    expect(relaySets()).toHaveLength(1);
  });

  it('without --interactive: a blink shows steady on, nothing respawns per phase, said once (gpioLedSteady)', () => {
    const { clock, d, ledSet, ledSets, logger } = chardevRig(V2P);
    d.leds.get('status')?.set(BLINK);
    ledSet()?.close(null, 'SIGTERM');
    expect(ledSets()).toHaveLength(2);
    clock.advance(10_000);
    expect(ledSets()).toHaveLength(2);
    expect(ledSet()?.signals).toEqual([]);
    expect(ledSet()?.args).toEqual(['-c', 'gpiochip4', '23=0']); // lit (active-low)
    expect(d.leds.get('status')?.pattern).toEqual(BLINK);
    expect(logger.lines.filter((l) => l.event === 'gpioLedSteady').map((l) => l.fields)).toEqual([expect.objectContaining({ leds: 'status' })]);
  });

  it('v1 is never interactive: steady LEDs too', () => {
    const { clock, d, ledSets, logger } = chardevRig(V1T);
    d.leds.get('status')?.set(BLINK);
    ledSets()[0]?.close(null, 'SIGTERM');
    clock.advance(1000);
    expect(ledSets().map((c) => c.args)).toEqual([['--mode=signal', 'gpiochip4', '23=1'], ['--mode=signal', 'gpiochip4', '23=0']]);
    expect(logger.events()).toContain('gpioLedSteady');
  });

  it('a gpioset that ignores SIGTERM when replaced gets SIGKILL a second later', () => {
    const { clock, d, relaySet, relaySets } = chardevRig(V2P);
    const stuck = relaySet();
    d.relays.get('door')?.pulse(2000);
    clock.advance(999);
    expect(stuck?.signals).toEqual(['SIGTERM']);
    clock.advance(1);
    expect(stuck?.signals).toEqual(['SIGTERM', 'SIGKILL']);
    stuck?.close(null, 'SIGKILL');
    expect(relaySets()).toHaveLength(2);
    d.relays.get('door')?.release();
    relaySet()?.close(null, 'SIGTERM');
    expect(clock.pending).toBe(0); // the escalations are cancelled once the processes are gone
  });

  it('a restarted gpioset comes back with the levels of the moment (a relay driven during the gap)', () => {
    const { clock, d, relaySet } = chardevRig();
    relaySet()?.close(1);
    d.relays.get('door')?.pulse(2000);
    clock.advance(500);
    expect(relaySet()?.args).toEqual(['-i', '-c', 'gpiochip4', '27=1']);
  });

  it('releaseRelays, interactive: the rest command is on stdin before it returns', () => {
    const { d, relaySet } = chardevRig();
    d.relays.get('door')?.pulse(2000);
    d.releaseRelays();
    expect(relaySet()?.stdin.text.endsWith('set 27=0\n')).toBe(true);
    expect(d.relays.get('door')?.active).toBe(false);
  });

  it('releaseRelays, non-interactive: the relays\' holder is killed and a one-shot gpioset writes their rest synchronously', () => {
    const { d, relaySet, ledSet, run } = chardevRig(V2P, SPECS, { 'gpioset -t 0 -c gpiochip4 27=0': { status: 0 } });
    d.relays.get('door')?.pulse(2000);
    relaySet()?.close(null, 'SIGTERM');
    const second = relaySet();
    d.releaseRelays();
    expect(second?.signals).toContain('SIGKILL');
    expect(run.calls).toEqual(['gpioset -t 0 -c gpiochip4 27=0']);
    expect(ledSet()?.signals).toEqual([]);
  });

  it('the one-shot is tried again while the dying holder keeps the line busy, then logged', () => {
    const { d, run, logger } = chardevRig(V1T, SPECS, { gpioset: { status: 1, stderr: 'error setting the GPIO line values: Device or resource busy' } });
    d.releaseRelays();
    expect(run.calls.length).toBe(5);
    expect(run.calls[0]).toBe('gpioset --mode=exit gpiochip4 27=0');
    expect(logger.events()).toContain('gpioRestWriteFailed');
  });

  it('close, interactive: LED off and relay at rest, both gpiosets told to exit, gpiomons terminated, nothing restarted', () => {
    const { clock, d, relaySet, ledSet, mons, spawn } = chardevRig();
    d.relays.get('door')?.pulse(2000);
    d.leds.get('status')?.set(BLINK);
    d.close();
    expect(ledSet()?.stdin.text).toMatch(/set 23=1\nexit\n$/);
    expect(relaySet()?.stdin.text).toMatch(/set 27=0\n(set 27=0\n)?exit\n$/);
    expect(relaySet()?.stdin.ended && ledSet()?.stdin.ended).toBe(true);
    expect(mons().map((m) => m.signals)).toEqual([['SIGTERM'], ['SIGTERM']]);
    for (const child of spawn.children) child.close(0);
    clock.advance(60_000);
    expect(spawn.children).toHaveLength(4);
    expect(clock.pending).toBe(0);
  });

  it('close, non-interactive: a lit LED is written off by a one-shot before its gpioset is let go', () => {
    const { clock, d, ledSet, run, spawn } = chardevRig(V2P);
    d.leds.get('status')?.set('on');
    ledSet()?.close(null, 'SIGTERM');
    d.close();
    expect(run.calls).toContain('gpioset -t 0 -c gpiochip4 23=1');
    for (const child of spawn.children) if (!child.closed) child.close(null, 'SIGTERM');
    clock.advance(60_000);
    expect(spawn.children).toHaveLength(5);
    expect(clock.pending).toBe(0);
  });
});
