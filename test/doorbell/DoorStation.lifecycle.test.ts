// The door's LEDs through its states and the registration, stop() in the middle of things, and bad input that must
// cost nothing but a log line.

import { describe, expect, it } from 'vitest';
import { LED_PATTERNS, LED_TEST_PATTERN } from '../../firmware-app/doorbell/Indicators.ts';
import { doorRig } from './support/doorRig.ts';

describe('DoorStation: LEDs', () => {
  it('standalone: on when idle, fast blink while calling or ringing, slow blink in a call, on every LED', async () => {
    const rig = doorRig({ leds: ['status', 'porch'], doorbell: { incoming: { others: 'ring' } } });
    for (const led of rig.leds.values()) expect(led.pattern).toBe('on');
    rig.button().press();
    expect(rig.led('porch').pattern).toEqual(LED_PATTERNS.ringing);
    await rig.settle();
    rig.phone.last.answer();
    expect(rig.led().pattern).toEqual(LED_PATTERNS.inCall);
    rig.phone.last.end('remoteBye');
    expect(rig.led().pattern).toBe('on');
    const incoming = rig.phone.incoming('sip:someone@example.com');
    expect(rig.led().pattern).toEqual(LED_PATTERNS.ringing);
    await rig.advance(1000);
    rig.button().press();
    expect(rig.led().pattern).toEqual(LED_PATTERNS.inCall);
    incoming.end('remoteBye');
    expect(rig.led('porch').changes.map((c) => c.pattern)).toEqual([
      'on', LED_PATTERNS.ringing, LED_PATTERNS.inCall, 'on', LED_PATTERNS.ringing, LED_PATTERNS.inCall, 'on',
    ]);
    expect(rig.lines('ledChanged').filter((l) => l.includes('led=status'))).toEqual([
      'info ledChanged led=status pattern=on',
      'info ledChanged led=status pattern=blink:250/250',
      'info ledChanged led=status pattern=blink:1000/1000',
      'info ledChanged led=status pattern=on',
      'info ledChanged led=status pattern=blink:250/250',
      'info ledChanged led=status pattern=blink:1000/1000',
      'info ledChanged led=status pattern=on',
    ]);
  });

  it('registered mode: unregistered until the UA registers; refused credentials are an error; events only on changes', () => {
    const rig = doorRig({ sipMode: 'registered' });
    expect(rig.led().pattern).toEqual(LED_PATTERNS.unregistered);
    rig.phone.events.emit('registered', { expires: 600, publicAddress: undefined, registrar: 'sip:pbx.example.org' });
    rig.phone.events.emit('registered', { expires: 600, publicAddress: undefined, registrar: 'sip:pbx.example.org' });
    expect(rig.led().pattern).toBe('on');
    rig.phone.events.emit('registrationFailed', { reason: 'timeout', retryInSeconds: 30 });
    expect(rig.led().pattern).toEqual(LED_PATTERNS.unregistered);
    rig.phone.events.emit('registrationFailed', { reason: 'timeout', retryInSeconds: 60 });
    rig.phone.events.emit('registrationFailed', { reason: 'rejected', status: 403, phrase: 'Forbidden', retryInSeconds: 60 });
    expect(rig.led().pattern).toEqual(LED_PATTERNS.error);
    rig.phone.events.emit('registrationFailed', { reason: 'rejected', status: 403, phrase: 'Forbidden', retryInSeconds: 120 });
    rig.phone.events.emit('registered', { expires: 600, publicAddress: undefined, registrar: 'sip:pbx.example.org' });
    expect(rig.led().pattern).toBe('on');
    expect(rig.events.entries).toEqual([
      { kind: 'registered', fields: {} },
      { kind: 'registrationFailed', fields: { reason: 'timeout' } },
      { kind: 'registrationFailed', fields: { reason: 'rejected', status: 403 } },
      { kind: 'registered', fields: {} },
    ]);
  });

  it('registered mode: a UA already registered at start shows ready', () => {
    const rig = doorRig({ sipMode: 'registered', manualStart: true });
    rig.phone.registered = true;
    rig.station.start();
    expect(rig.led().pattern).toBe('on');
    expect(rig.events.kinds()).toEqual(['registered']);
  });

  it('a door relay missing from the hardware: logged once, the error pattern for 10 s, the door goes on', async () => {
    const rig = doorRig({ relays: { gong: 2000 } });
    rig.button().press();
    await rig.settle();
    rig.phone.last.answer();
    rig.phone.type(rig.phone.last, '1234#');
    await rig.settle();
    expect(rig.led().pattern).toEqual(LED_PATTERNS.error);
    rig.phone.type(rig.phone.last, '1234#');
    await rig.settle();
    expect(rig.lines('relayMissing')).toEqual(['warn relayMissing relay=door for=door']);
    expect(rig.events.of('doorOpened')).toEqual([]);
    await rig.advance(10_000);
    expect(rig.led().pattern).toEqual(LED_PATTERNS.inCall);
  });

  it('a chime relay missing from the hardware: calls still go out', async () => {
    const rig = doorRig({ relays: { door: 10_000 } });
    rig.button().press();
    await rig.settle();
    expect(rig.phone.calls).toHaveLength(1);
    expect(rig.lines('relayMissing')).toEqual(['warn relayMissing relay=gong for=chime']);
    expect(rig.events.of('chimeRang')).toEqual([]);
  });
});

describe('DoorStation: stop()', () => {
  it('releases a relay mid-pulse, turns the LEDs off, cancels timers and hears nothing more', async () => {
    const rig = doorRig();
    rig.button().press();
    await rig.settle();
    rig.phone.last.answer();
    rig.phone.type(rig.phone.last, '1234#');
    await rig.advance(1000);
    expect(rig.relay('door').active).toBe(true);
    rig.station.stop();
    expect(rig.relay('door').active).toBe(false);
    expect(rig.relay('door').releases).toEqual([{ at: 1000, reason: 'released' }]);
    expect(rig.lines('relayReleased')).toContain('info relayReleased relay=door reason=released');
    expect(rig.led().pattern).toBe('off');
    expect(rig.station.state.kind).toBe('stopped');
    // Nothing hung up: the stack's close does that.
    expect(rig.phone.last.hangups).toEqual([]);
    expect(rig.clock.pending).toBe(0);
    for (const event of ['callIncoming', 'dtmfReceived', 'registered', 'registrationFailed'] as const) expect(rig.phone.events.listenerCount(event)).toBe(0);
    const before = rig.logger.lines.length;
    rig.button().press();
    rig.phone.type(rig.phone.last, '1234#');
    rig.phone.last.end('remoteBye');
    await rig.advance(600_000);
    expect(rig.phone.calls).toHaveLength(1);
    expect(rig.relay('door').pulses).toHaveLength(1);
    expect(rig.logger.lines.slice(before)).toEqual([]);
  });

  it('while calling: the plan\'s timer is cancelled and a call placed late is hung up', async () => {
    const rig = doorRig();
    rig.button().press();
    rig.station.stop();
    await rig.settle();
    expect(rig.phone.last.hangups).toHaveLength(1);
    await rig.advance(60_000);
    expect(rig.phone.calls).toHaveLength(1);
    expect(rig.tones.started).toEqual([]);
  });

  it('while an incoming call rings: its ringer stops, no 480 later', async () => {
    const rig = doorRig({ doorbell: { incoming: { others: 'ring' } } });
    const call = rig.phone.incoming('sip:someone@example.com');
    rig.station.stop();
    expect(rig.tones.playing(call)).toBeUndefined();
    await rig.advance(60_000);
    expect(call.actions).toEqual(['ring']);
  });

  it('twice, or before start, is harmless', () => {
    const rig = doorRig({ manualStart: true });
    rig.station.stop();
    rig.station.stop();
    rig.station.start();
    expect(rig.station.state.kind).toBe('stopped');
    expect(rig.led().pattern).toBe('off');
  });
});

describe('DoorStation: bad input', () => {
  it('a configured button the hardware lacks is logged; a hardware button without a plan still chimes', async () => {
    const rig = doorRig({ buttons: [{ id: '1', plan: [{ targets: ['flat'] }] }, { id: 'garden', plan: [{ targets: ['flat'] }] }], manualStart: true });
    const garden = rig.button('garden');
    rig.buttons.delete('garden');
    rig.buttons.set('side', garden);
    rig.station.start();
    expect(rig.lines('buttonMissing')).toEqual(['warn buttonMissing button=garden']);
    garden.press();
    expect(rig.phone.calls).toEqual([]);
    expect(rig.relay('gong').pulses).toHaveLength(1);
    expect(rig.tones.started).toEqual(['unavailable']);
    expect(rig.station.state.kind).toBe('idle');
    expect(rig.led().pattern).toBe('on');
  });

  it('a failing event sink costs the press its log entry, not the call, and never throws into the button driver', async () => {
    const rig = doorRig();
    rig.events.record = () => {
      throw new Error('disk full');
    };
    expect(() => rig.button().press()).not.toThrow();
    expect(rig.phone.calls).toHaveLength(1);
    expect(rig.relay('gong').pulses).toHaveLength(1);
    await rig.settle();
    // The press's own entry, and the call's (recorded when the UA had placed it): each a log line, no more.
    expect(rig.lines('doorbellFailed')).toEqual([
      'error doorbellFailed in=pressed error="Error: disk full"',
      'error doorbellFailed in=ringPlan error="Error: disk full"',
    ]);
    rig.phone.last.answer();
    expect(rig.station.state.kind).toBe('connected');
  });
});

describe('DoorStation: review fixes', () => {
  it('a press whose call path throws at once (a bug) still rings the chime and is logged', () => {
    const rig = doorRig();
    rig.tones.stopTone = () => {
      throw new Error('bug below');
    };
    expect(() => rig.button().press()).not.toThrow();
    expect(rig.relay('gong').pulses).toHaveLength(1);
    expect(rig.lines('buttonPressed')).toHaveLength(1);
    expect(rig.lines('doorbellFailed')).toEqual(['error doorbellFailed in=pressed error="Error: bug below"']);
  });

  it('the busy tone of the last bell call stops when a caller is answered at once (it must not run into the listening tone)', async () => {
    const rig = doorRig({ doorbell: { incoming: { autoAnswer: [{ from: 'anna' }] } } });
    rig.button().press();
    await rig.settle();
    rig.phone.last.end('rejected', 486);
    await rig.settle();
    expect(rig.tones.started).toEqual(['busy']);
    const busyOwner = rig.tones.log.at(-1)!.owner;
    rig.phone.incoming('sip:anna@192.0.2.10', 'anna');
    expect(rig.tones.playing(busyOwner)).toBeUndefined();
    expect(rig.tones.started).toEqual(['busy', 'listening']);
  });
});

describe('DoorStation: what the page may do', () => {
  it('press(id) rings that button\'s plan like a press; an unknown id is refused', async () => {
    const rig = doorRig();
    expect(rig.station.press('nope')).toBe(false);
    expect(rig.phone.calls).toHaveLength(0);
    expect(rig.station.press('1')).toBe(true);
    await rig.settle();
    expect(rig.phone.calls).toHaveLength(1);
    expect(rig.lines('buttonPressed')).toHaveLength(1);
  });

  it('openDoor pulses the relay for its door code\'s time, logged and recorded with who opened it; testRelay pulses as asked', () => {
    const rig = doorRig();
    expect(rig.station.openDoor('door', 'page')).toBe(3000);
    expect(rig.relay('door').pulses).toEqual([{ at: 0, askedMs: 3000, ms: 3000 }]);
    expect(rig.lines('doorOpened')).toEqual(['info doorOpened relay=door by=page ms=3000']);
    expect(rig.events.of('doorOpened')).toEqual([{ relay: 'door', by: 'page' }]);
    expect(rig.tones.started).toEqual(['doorOpened']);
    expect(rig.station.openDoor('missing', 'page')).toBe(0);
    expect(rig.station.testRelay('box', 200)).toBe(200);
    expect(rig.lines('relayPulsed').at(-1)).toBe('info relayPulsed relay=box ms=200 for=selfTest');
  });

  it('once stopped (a saved change replaces it), neither openDoor nor testRelay drives a relay', () => {
    const rig = doorRig();
    rig.station.stop();
    expect(rig.station.openDoor('door', 'page')).toBe(0);
    expect(rig.station.testRelay('box', 200)).toBe(0);
    expect(rig.relay('door').pulses).toEqual([]);
    expect(rig.lines('doorOpened')).toEqual([]);
  });
});

describe('DoorStation: LED self-test', () => {
  it('testLeds blinks every LED fast for the time asked, then the LEDs show the door state again; refused once stopped', async () => {
    const rig = doorRig({ leds: ['status', 'porch'] });
    expect(rig.station.testLeds(3000)).toBe(true);
    for (const led of rig.leds.values()) expect(led.pattern).toEqual(LED_TEST_PATTERN);
    await rig.advance(2999);
    expect(rig.led('porch').pattern).toEqual(LED_TEST_PATTERN);
    await rig.advance(1);
    for (const led of rig.leds.values()) expect(led.pattern).toBe('on');
    rig.station.stop();
    expect(rig.station.testLeds(3000)).toBe(false);
    expect(rig.led().pattern).toBe('off');
  });
});
