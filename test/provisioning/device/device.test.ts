// The page's view of the device: the status source follows registration and notices relay changes; the actions map
// page requests onto the door application and refuse what does not exist; the hardware self-tests reach the LEDs and
// the door's audio, and refuse while a call holds the devices.
import { describe, expect, it } from 'vitest';
import { FakeLed } from '../../../hal/fake/FakeLed.ts';
import { FakeRelay } from '../../../hal/fake/FakeRelay.ts';
import type { DoorState } from '../../../firmware-app/doorbell/DoorStation.ts';
import { Emitter } from '../../../firmware-app/platform/Emitter.ts';
import { FakeClock } from '../../../firmware-app/platform/FakeClock.ts';
import type { UserAgentEvents } from '../../../firmware-app/sip/ua/UserAgent.ts';
import type { Microphone } from '../../../hal/audio.ts';
import { FakeMicrophone } from '../../../hal/fake/FakeMicrophone.ts';
import { FakeSpeaker } from '../../../hal/fake/FakeSpeaker.ts';
import { DoorAudio } from '../../../firmware-app/media/DoorAudio.ts';
import { type ActionParts, LED_TEST_MS, MIC_TEST_MS, createDeviceActions } from '../../../provisioning/device/actions.ts';
import { memoryLogger } from '../support/fakes.ts';
import { createStatusSource } from '../../../provisioning/device/status.ts';
import type { ConfigOrigin, NotRunning } from '../../../provisioning/ports.ts';

function statusRig(sipMode: 'standalone' | 'registered') {
  const clock = new FakeClock();
  const events = new Emitter<UserAgentEvents>();
  const relay = new FakeRelay('door', 5000, clock);
  const led = new FakeLed('status', clock);
  const door: { state: DoorState } = { state: { kind: 'idle' } };
  const refusals = { notFromRegistrar: 0, wrongToken: 2, notAllowed: 0, rateLimited: 0, notRegistered: 0 };
  let origin: ConfigOrigin = { from: 'file', problems: [] };
  const source = createStatusSource({
    version: '9.9.9', mode: 'simulate', device: { sipMode, ua: { events, refusals }, door, relays: new Map([['door', relay]]), leds: new Map([['status', led]]) },
    events: { recent: () => [{ at: 1, kind: 'buttonPressed', fields: { button: '1' } }] },
    sipMode: () => sipMode, notRunning: () => down, configOrigin: () => origin, clock,
  });
  let down: NotRunning | undefined;
  return { clock, events, relay, led, source, refusals, door, setOrigin: (next: ConfigOrigin) => (origin = next), setDown: (next: NotRunning | undefined) => (down = next) };
}

describe('status source', () => {
  it('reports registration as the UA tells it, with the registrar and the address it saw', () => {
    const rig = statusRig('registered');
    expect(rig.source.snapshot().registration).toEqual({ state: 'registering' });
    rig.events.emit('registered', { expires: 600, registrar: 'sip:pbx', publicAddress: { host: '198.51.100.7', port: 5060 } });
    expect(rig.source.snapshot().registration).toEqual({ state: 'registered', server: 'sip:pbx', publicAddress: '198.51.100.7:5060' });
    rig.events.emit('registrationFailed', { reason: 'rejected', status: 403 });
    expect(rig.source.snapshot().registration).toEqual({ state: 'failed', reason: 'rejected (403)', server: 'sip:pbx' });
    const snapshot = rig.source.snapshot();
    expect(snapshot.refused.wrongToken).toBe(2);
    expect(snapshot.recentEvents).toHaveLength(1);
    expect(snapshot.leds).toEqual([{ id: 'status', pattern: 'off' }]);
  });

  it('calls subscribers on UA events and, while someone listens, on relay changes; stops looking when nobody does', () => {
    const rig = statusRig('standalone');
    expect(rig.source.snapshot().registration).toEqual({ state: 'standalone' });
    let told = 0;
    const off = rig.source.subscribe(() => told++);
    rig.relay.pulse(2000);
    rig.clock.advance(500);
    expect(told).toBe(1);
    expect(rig.source.snapshot().relays).toEqual([{ id: 'door', active: true }]);
    rig.clock.advance(500);
    expect(told).toBe(1); // nothing changed
    rig.clock.advance(1000);
    expect(told).toBe(2); // back at rest
    rig.events.emit('registering', { registrar: 'x', attempt: 1 });
    expect(told).toBe(3);
    off();
    expect(rig.clock.pending).toBe(0); // no poll while nobody listens
  });
});

describe('status source: which configuration runs', () => {
  it('says file, backup or factory with the reason and the device\'s problems, and startedFromBackup for a backup', () => {
    const rig = statusRig('standalone');
    expect(rig.source.snapshot()).toMatchObject({ startedFromBackup: false, configOrigin: { from: 'file', problems: [] } });
    rig.setOrigin({ from: 'backup', reason: 'not JSON: the text ends too early (line 1, column 9)', problems: [] });
    expect(rig.source.snapshot()).toMatchObject({ startedFromBackup: true, configOrigin: { from: 'backup', reason: 'not JSON: the text ends too early (line 1, column 9)' } });
    const factory: ConfigOrigin = { from: 'factory', reason: 'no such file', keptAs: ['/etc/x/config.json.broken-1'], problems: ['relays.0.pin: relay door has no pin'] };
    rig.setOrigin(factory);
    expect(rig.source.snapshot()).toMatchObject({ startedFromBackup: false, configOrigin: factory });
  });

  it('tells subscribers when the origin changes (a first save after starting from the factory configuration)', () => {
    const rig = statusRig('standalone');
    rig.setOrigin({ from: 'factory', reason: 'no such file', problems: [] });
    let told = 0;
    rig.source.subscribe(() => told++);
    rig.setOrigin({ from: 'file', problems: [] });
    rig.clock.advance(500);
    expect(told).toBe(1);
    expect(rig.source.snapshot().configOrigin.from).toBe('file');
  });
});

describe('status source after a saved change', () => {
  it('rebind follows the new runtime\'s UA and relays, tells subscribers, and no longer hears the old UA', () => {
    const rig = statusRig('registered');
    let told = 0;
    rig.source.subscribe(() => told++);
    const events = new Emitter<UserAgentEvents>();
    rig.source.rebind({ sipMode: 'standalone', ua: { events, refusals: rig.refusals }, door: rig.door, relays: new Map(), leds: new Map() });
    expect(told).toBe(1);
    expect(rig.source.snapshot()).toMatchObject({ sipMode: 'standalone', registration: { state: 'standalone' }, relays: [] });
    rig.events.emit('registered', { expires: 600, registrar: 'old', publicAddress: undefined });
    expect(rig.source.snapshot().registration.state).toBe('standalone');
  });
});

describe('status source while the door application is not running', () => {
  it('says why and when it tries again, with no door, relays or registration; the registration line says not running', () => {
    const rig = statusRig('registered');
    let told = 0;
    rig.source.subscribe(() => told++);
    const notRunning: NotRunning = { reason: 'TransportError BIND_FAILED: cannot bind UDP 0.0.0.0:5060: EADDRINUSE', since: 5, nextTry: 2005, attempts: 1 };
    rig.setDown(notRunning);
    rig.source.rebind(undefined);
    expect(told).toBe(1);
    expect(rig.source.snapshot()).toMatchObject({
      sipMode: 'registered', notRunning, door: { state: 'stopped' }, relays: [], leds: [], refused: {},
      registration: { state: 'failed', reason: `not running: ${notRunning.reason}` },
    });
    expect(rig.source.registration()).toEqual({ state: 'failed', reason: `not running: ${notRunning.reason}` });
    // The old UA is no longer heard.
    rig.events.emit('registered', { expires: 600, registrar: 'old', publicAddress: undefined });
    expect(rig.source.snapshot().registration.state).toBe('failed');
    // Back up: the new runtime's status, no notRunning.
    rig.setDown(undefined);
    const events = new Emitter<UserAgentEvents>();
    rig.source.rebind({ sipMode: 'registered', ua: { events, refusals: rig.refusals }, door: rig.door, relays: new Map(), leds: new Map() });
    const snapshot = rig.source.snapshot();
    expect(snapshot.notRunning).toBeUndefined();
    expect(snapshot).toMatchObject({ registration: { state: 'registering' }, door: { state: 'idle' } });
  });
});

describe('device actions', () => {
  const calls: string[] = [];
  const station = {
    press: (id: string) => (calls.push(`press ${id}`), id === '1'),
    openDoor: (relay: string, by: string) => (calls.push(`open ${relay} ${by}`), relay === 'door' ? 3000 : 0),
    testRelay: (relay: string, ms: number) => (calls.push(`test ${relay} ${ms}`), ms),
  };

  it('open-door, test-call and pulse-relay go to the station; unknown relays and buttons are refused with a code', () => {
    const actions = createDeviceActions(() => ({ station, relays: ['door', 'gong'], doorRelay: 'door', buttons: ['1'] }), false);
    expect(actions.openDoor()).toEqual({ ok: true, detail: 'relay door pulsed for 3000 ms' });
    expect(actions.openDoor('gate')).toMatchObject({ ok: false, code: 'UNKNOWN_RELAY' });
    expect(actions.openDoor('gong')).toMatchObject({ ok: false, code: 'RELAY_FAILED' });
    expect(actions.testCall()).toMatchObject({ ok: true });
    expect(actions.testCall('9')).toMatchObject({ ok: false, code: 'UNKNOWN_BUTTON' });
    expect(actions.pulseRelay('gong', 200)).toEqual({ ok: true, detail: 'relay gong pulsed for 200 ms' });
    expect(actions.pulseRelay('gong', -5)).toMatchObject({ ok: false, code: 'INVALID' });
    expect(actions.pressButton).toBeUndefined();
    expect(calls).toEqual(['open door page', 'open gong page', 'press 1', 'press 9', 'test gong 200']);
  });

  it('offers virtual button presses only in the simulator', () => {
    const pressed: string[] = [];
    const actions = createDeviceActions(() => ({ station, relays: [], doorRelay: 'door', buttons: ['1'], pressVirtualButton: (id) => (pressed.push(id), id === '1') }), true);
    expect(actions.pressButton?.('1')).toMatchObject({ ok: true });
    expect(actions.pressButton?.('2')).toMatchObject({ ok: false, code: 'UNKNOWN_BUTTON' });
    expect(pressed).toEqual(['1', '2']);
  });
});

describe('device self-tests', () => {
  const station = { press: () => true, openDoor: () => 0, testRelay: () => 0 };
  /** The door's audio over a half-scale tone, or over `microphone`. */
  function audioRig(microphone?: Microphone) {
    const clock = new FakeClock();
    const mic = microphone ?? new FakeMicrophone({ clock, sound: { kind: 'tone', amplitude: 0.5 } });
    const audio = new DoorAudio({ clock, microphone: mic, speaker: new FakeSpeaker(), logger: memoryLogger() });
    return { clock, audio };
  }

  it('the LED test asks the station for 3 s of blinking; refused when the station cannot, or has stopped', () => {
    const asked: number[] = [];
    let running = true;
    const withLeds = { ...station, testLeds: (ms: number) => (asked.push(ms), running) };
    const actions = createDeviceActions(() => ({ station: withLeds, relays: [], doorRelay: 'door', buttons: [] }), false);
    expect(actions.ledTest()).toEqual({ ok: true, detail: 'every LED blinks fast for 3 s' });
    running = false;
    expect(actions.ledTest()).toMatchObject({ ok: false, code: 'STOPPED' });
    expect(asked).toEqual([LED_TEST_MS, LED_TEST_MS]);
    expect(createDeviceActions(() => ({ station, relays: [], doorRelay: 'door', buttons: [] }), false).ledTest()).toMatchObject({ ok: false, code: 'UNAVAILABLE' });
  });

  it('the speaker test plays a tone; the microphone test answers the tone\'s level; both AUDIO_BUSY while a call holds the devices', async () => {
    const { clock, audio } = audioRig();
    const actions = createDeviceActions(() => ({ station, audio, relays: [], doorRelay: 'door', buttons: [] }), false);
    expect(actions.speakerTest()).toMatchObject({ ok: true });
    expect(audio.tone).toBe('doorOpened');
    const pending = actions.micTest();
    clock.advance(MIC_TEST_MS);
    const result = await pending;
    if (!result.ok) throw new Error(result.message);
    expect(Math.abs(result.levelDbfs - -9.03)).toBeLessThan(1); // a sine at half scale: 20·log10(0.5 / √2)
    expect(result.detail).toBe(`microphone level ${result.levelDbfs.toFixed(1)} dBFS`);
    const call = audio.claim({}, 8000);
    expect(actions.speakerTest()).toMatchObject({ ok: false, code: 'AUDIO_BUSY' });
    expect(await actions.micTest()).toMatchObject({ ok: false, code: 'AUDIO_BUSY' });
    call?.release();
  });

  it('a call starting during the microphone test ends it at once: CANCELLED, and the call has the devices', async () => {
    const { clock, audio } = audioRig();
    const actions = createDeviceActions(() => ({ station, audio, relays: [], doorRelay: 'door', buttons: [] }), false);
    const pending = actions.micTest();
    clock.advance(MIC_TEST_MS / 2);
    const call = {};
    expect(audio.claim(call, 8000)).toBeDefined();
    expect(await pending).toEqual({ ok: false, code: 'CANCELLED', message: 'a call started: the microphone and speaker went to the call; test again when it is over' });
    expect(audio.holder).toBe(call);
  });

  it('a microphone that delivers nothing is reported as such; without audio parts both tests are unavailable', async () => {
    const { clock, audio } = audioRig({ start: () => {}, stop: () => {} });
    const actions = createDeviceActions(() => ({ station, audio, relays: [], doorRelay: 'door', buttons: [] }), false);
    const pending = actions.micTest();
    clock.advance(MIC_TEST_MS);
    expect(await pending).toMatchObject({ ok: false, code: 'MIC_SILENT' });
    const none = createDeviceActions(() => ({ station, relays: [], doorRelay: 'door', buttons: [] }), false);
    expect(none.speakerTest()).toMatchObject({ ok: false, code: 'UNAVAILABLE' });
    expect(await none.micTest()).toMatchObject({ ok: false, code: 'UNAVAILABLE' });
  });
});

describe('device actions while the door application is not running', () => {
  it('every action answers NOT_RUNNING and nothing reaches a station; once running they go through', async () => {
    const calls: string[] = [];
    const station = { press: () => (calls.push('press'), true), openDoor: (relay: string, by: string) => (calls.push(`open ${relay} ${by}`), 3000), testRelay: () => (calls.push('test'), 500) };
    const now: { parts?: ActionParts } = {};
    const actions = createDeviceActions(() => now.parts, true);
    for (const result of [actions.openDoor(), actions.testCall(), actions.pulseRelay('door'), actions.ledTest(), actions.speakerTest(), await actions.micTest(), actions.pressButton?.('1')]) {
      expect(result).toMatchObject({ ok: false, code: 'NOT_RUNNING' });
    }
    now.parts = { station, relays: ['door'], doorRelay: 'door', buttons: ['1'] };
    expect(actions.openDoor()).toMatchObject({ ok: true });
    expect(calls).toEqual(['open door page']);
  });
});
