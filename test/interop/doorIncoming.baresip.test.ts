// Interop, end to end: calls to the door station (started from its own command line, simulator, 0.0.0.0) from real
// baresip phones registered with its built-in registrar. The allow-listed flat is answered at once and the visitor
// hears the listening tone in the door's speaker (its `--sim-speaker` recording) at the start and again while the call
// lasts; another indoor user, not on the list, is declined with 603 and the door never opens its microphone to it.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { type Baresip, startBaresip } from '../support/baresip.ts';
import { type DoorProcess, startDoor } from '../support/doorProcess.ts';
import { listenerPort } from '../support/ports.ts';
import { type Pcm, readWav } from '../support/toneAnalysis.ts';

const FLAT = 'flat-Pa55word';
const GUEST = 'guest-Pa55word';
/** The listening tone's pitch (media/tones/cadences.ts) and the far end's tone, apart from it. */
const LISTENING_HZ = 1400;
const PHONE_HZ = 600;

async function startIncomingDoor(speaker: string): Promise<{ door: DoorProcess; port: number }> {
  const door = startDoor({
    simulate: true,
    args: ['--sim-speaker', speaker],
    config: {
      sip: {
        mode: 'standalone', listen: { host: '0.0.0.0', port: 0, transports: ['udp'] }, domain: 'doorbell.test',
        users: [{ username: 'flat', password: FLAT }, { username: 'guest', password: GUEST }],
      },
      buttons: [{ id: '1', plan: [{ targets: ['flat'] }] }],
      doorbell: { incoming: { autoAnswer: [{ from: 'flat' }], others: 'reject', listeningTone: { enabled: true, everySec: 2 } } },
    },
  });
  return { door, port: await door.port('udp') };
}

async function phone(user: string, password: string, port: number): Promise<Baresip> {
  const started = startBaresip({ port: await listenerPort('127.0.0.1', 2), account: `<sip:${user}@127.0.0.1:${port};transport=udp>;auth_pass=${password};regint=60`, toneHz: PHONE_HZ });
  onTestFinished(() => started.stop());
  return started;
}

/** Power of `hz` in `samples` (Goertzel), per sample. */
function powerAt(samples: Float64Array, from: number, length: number, hz: number, rate: number): number {
  const k = 2 * Math.cos((2 * Math.PI * hz) / rate);
  let s1 = 0;
  let s2 = 0;
  for (let i = from; i < from + length; i++) {
    const s0 = samples[i]! + k * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return (s1 * s1 + s2 * s2 - k * s1 * s2) / length;
}

/** Start times (s) of the stretches of 50 ms windows where the listening tone is louder than the phone's tone. */
function listeningBursts(pcm: Pcm): number[] {
  const window = Math.round(pcm.sampleRate / 20);
  const bursts: number[] = [];
  let inBurst = false;
  for (let at = 0; at + window <= pcm.samples.length; at += window) {
    const listening = powerAt(pcm.samples, at, window, LISTENING_HZ, pcm.sampleRate);
    const other = powerAt(pcm.samples, at, window, PHONE_HZ, pcm.sampleRate);
    const loud = listening > 1e-6 && listening > other;
    if (loud && !inBurst) bursts.push(at / pcm.sampleRate);
    inBurst = loud;
  }
  return bursts;
}

function context(door: DoorProcess, flat?: Baresip): string {
  const phoneSaid = flat === undefined ? '' : `\n--- baresip:\n${flat.output().replace(/\[\d+:\d\d:\d\d\] audio=\S+ \(bit\/s\)\s*/g, '').slice(-2000)}`;
  return `--- door:\n${door.lines().slice(-30).join('\n')}${phoneSaid}`;
}

describe('calls to the door from baresip', () => {
  it('the allow-listed flat is answered at once, and the door plays the listening tone at the start and every 2 s', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'door-incoming-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const speaker = path.join(dir, 'speaker.wav');
    const { door, port } = await startIncomingDoor(speaker);
    const flat = await phone('flat', FLAT, port);
    await door.waitForLine(/ info bindingAdded user=flat /, 10_000);
    const mark = door.lines().length;
    flat.command(`/dial sip:door@127.0.0.1:${port}`);
    await door.waitForLine(/ callAutoAnswered /, 10_000, mark);
    await door.waitForLine(/ mediaStarted /, 10_000, mark);
    await new Promise((resolve) => setTimeout(resolve, 4500));
    flat.command('/hangup');
    await door.waitForLine(/ mediaStopped /, 10_000, mark);
    await new Promise((resolve) => setTimeout(resolve, 300)); // the speaker's WAV is written when it stops
    const bursts = listeningBursts(readWav(speaker));
    // At the answer (the recording starts then), then at 2 s and 4 s: at least the first two, 2 s apart.
    expect(bursts.length, `${bursts.join(', ')}\n${context(door, flat)}`).toBeGreaterThanOrEqual(2);
    expect(bursts[0]!).toBeLessThan(0.5);
    expect(bursts[1]! - bursts[0]!).toBeGreaterThan(1.7);
    expect(bursts[1]! - bursts[0]!).toBeLessThan(2.3);
  }, 30_000);

  it('another indoor user, not on the list, is declined with 603: no answer, no media', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'door-incoming-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const { door, port } = await startIncomingDoor(path.join(dir, 'speaker.wav'));
    const guest = await phone('guest', GUEST, port);
    await door.waitForLine(/ info bindingAdded user=guest /, 10_000);
    const mark = door.lines().length;
    const from = guest.mark();
    guest.command(`/dial sip:door@127.0.0.1:${port}`);
    await door.waitForLine(/ callRejected .*status=603/, 10_000, mark);
    await guest.waitFor(/603/, 5000, from);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const after = door.lines().slice(mark).join('\n');
    expect(after, context(door, guest)).not.toMatch(/ (mediaStarted|callAutoAnswered|callEstablished) /);
  }, 30_000);
});
