// Interop, end to end over the configuration page's real HTTP API: the door station started from its command line
// (simulator) takes a saved change without a restart (a new button rings at once, the process and its pid stay), and a
// change saved during a call waits until the call is over: the call is not dropped. Invalid input saves nothing.

import { readFileSync } from 'node:fs';
import { describe, expect, it, onTestFinished } from 'vitest';
import { type Baresip, startBaresip } from '../support/baresip.ts';
import { type DoorProcess, startDoor } from '../support/doorProcess.ts';
import { type PageApi, setUpPage } from '../support/pageApi.ts';
import { listenerPort } from '../support/ports.ts';

const PASSWORD = 'flat-Pa55word';

async function startLiveDoor(): Promise<{ door: DoorProcess; port: number; api: PageApi }> {
  const door = startDoor({
    simulate: true,
    config: {
      sip: { mode: 'standalone', listen: { host: '0.0.0.0', port: 0, transports: ['udp'] }, domain: 'doorbell.test', users: [{ username: 'flat', password: PASSWORD }] },
      buttons: [{ id: 'front', plan: [{ targets: ['flat'], ringSec: 30 }] }],
    },
  });
  const port = await door.port('udp');
  return { door, port, api: await setUpPage(door) };
}

async function phone(port: number): Promise<Baresip> {
  const flat = startBaresip({ port: await listenerPort('127.0.0.1', 2), account: `<sip:flat@127.0.0.1:${port};transport=udp>;auth_pass=${PASSWORD};answermode=auto;regint=60` });
  onTestFinished(() => flat.stop());
  return flat;
}

function context(door: DoorProcess): string {
  return `--- door:\n${door.lines().slice(-30).join('\n')}`;
}

describe('the configuration page applies saved changes live', () => {
  it('a new button rings at once without a restart; invalid input answers field errors and changes nothing', async () => {
    const { door, api } = await startLiveDoor();
    const buttons = (await (await api.get('api/config/buttons')).json()) as Array<{ id: string }>;
    expect(buttons.map((b) => b.id)).toEqual(['front']);
    const before = readFileSync(door.configFile, 'utf8');
    const invalid = await api.put('api/config/buttons', [{ id: 'front', plan: [{ targets: ['nobody'], ringSec: 2 }] }]);
    expect(invalid.status).toBe(400);
    const { error } = (await invalid.json()) as { error: { code: string; fields: Record<string, string> } };
    expect(error.code).toBe('INVALID');
    expect(Object.keys(error.fields).sort()).toEqual(['0.plan.0.ringSec', '0.plan.0.targets.0']);
    expect(readFileSync(door.configFile, 'utf8')).toBe(before);

    const mark = door.lines().length;
    const saved = await api.put('api/config/buttons', [...buttons, { id: 'back', activeLow: true, plan: [{ targets: ['flat'], ringSec: 30 }] }]);
    expect(saved.status, context(door)).toBe(200);
    await door.waitForLine(/ configApplied/, 10_000, mark);
    door.ring('back');
    await door.waitForLine(/ buttonPressed button=back /, 5000, mark);
    expect(door.lines().slice(mark).some((l) => / started /.test(l)), 'no restart of the process').toBe(false);
    expect(JSON.parse(readFileSync(door.configFile, 'utf8')).buttons.map((b: { id: string }) => b.id)).toEqual(['front', 'back']);
  }, 40_000);

  it('a change saved during a call waits until the call is over: the call is not dropped', async () => {
    const { door, port, api } = await startLiveDoor();
    const flat = await phone(port);
    await door.waitForLine(/ info bindingAdded user=flat /, 10_000);
    const mark = door.lines().length;
    door.ring();
    await door.waitForLine(/ mediaStarted /, 10_000, mark);
    const doorbell = (await (await api.get('api/config/doorbell')).json()) as Record<string, unknown>;
    expect((await api.put('api/config/doorbell', { ...doorbell, maxCallSec: 600 })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const during = door.lines().slice(mark);
    expect(during.some((l) => / configApplied/.test(l)), context(door)).toBe(false);
    expect(during.some((l) => / mediaStopped /.test(l)), `the call went on\n${context(door)}`).toBe(false);
    flat.command('/hangup');
    await door.waitForLine(/ mediaStopped /, 10_000, mark);
    await door.waitForLine(/ configApplied/, 10_000, mark);
    expect(JSON.parse(readFileSync(door.configFile, 'utf8')).doorbell.maxCallSec).toBe(600);
  }, 40_000);

  it('self-tests from the page on the running door: LEDs blink and come back, the microphone has a level, the speaker plays', async () => {
    const { door, api } = await startLiveDoor();
    const mark = door.lines().length;
    expect((await api.post('api/actions/led-test')).status).toBe(200);
    await door.waitForLine(/ ledChanged led=status pattern=blink:100\/100/, 2000, mark);
    await door.waitForLine(/ ledChanged led=status pattern=on/, 6000, mark);
    const mic = await api.post('api/actions/mic-test');
    expect(mic.status, context(door)).toBe(200);
    const { levelDbfs } = (await mic.json()) as { levelDbfs: number };
    // The simulator's microphone plays its 440 Hz tone: a level well above silence, below full scale.
    expect(levelDbfs).toBeGreaterThan(-40);
    expect(levelDbfs).toBeLessThan(0);
    expect((await api.post('api/actions/speaker-test')).status).toBe(200);
    expect((await api.post('api/actions/pulse-relay', { relay: 'door', ms: 200 })).status).toBe(200);
    await door.waitForLine(/ relayPulsed relay=door ms=200 for=selfTest/, 2000, mark);
  }, 30_000);
});
