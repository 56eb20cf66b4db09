// Interop, end to end: real audio between the door station (run from its command line in simulator mode, its
// microphone its default 440 Hz tone or a WAV file given with --sim-mic, its speaker recorded with --sim-speaker)
// and the real baresip as the flat's phone (playing 1 kHz, recording what it hears), over each codec and over SRTP,
// in both call directions. Both recordings must hold the other side's tone: frequency within 2 %, SNR at least
// 20 dB, at the codec's sample rate. A first test checks the rig itself with two baresips.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { type Baresip, type BaresipCodec, type BaresipOptions, startBaresip } from '../support/baresip.ts';
import { type DoorProcess, PASSWORD, startDoor } from '../support/doorProcess.ts';
import { listenerPort } from '../support/ports.ts';
import { type Pcm, analyseTone, describeTone, encodeWav, readWav, sine } from '../support/toneAnalysis.ts';
import { type TracedMessage, assertNoWildcardAddresses } from '../support/wire.ts';

const RATE: Record<BaresipCodec, number> = { PCMU: 8000, PCMA: 8000, G722: 16000 };
/** The phone's tone lasts this long; it hangs up when it ends. */
const TONE_SECONDS = 3;

/** A temp directory removed when the test finishes. */
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'media-interop-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** baresip on a free port (it binds port + 1 too), stopped when the test finishes. */
async function phone(options: Omit<BaresipOptions, 'port'>): Promise<Baresip> {
  const started = startBaresip({ port: await listenerPort('127.0.0.1', 2), ...options });
  onTestFinished(() => started.stop());
  return started;
}

/** The end of what a phone printed, without its once-a-tick status lines. */
function tail(of: Baresip, chars = 2500): string {
  return of.output().replace(/\[\d+:\d\d:\d\d\] audio=\S+ \(bit\/s\)\s*/g, '').slice(-chars);
}

/** Polls for a WAV file that parses (the recorder flushes it when the call ends), bounded by `timeoutMs`. */
async function recording(file: () => string | undefined, what: string, timeoutMs = 3000): Promise<Pcm> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const name = file();
    try {
      if (name !== undefined) return readWav(name);
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`${what}: ${String(error)}`, { cause: error });
    }
    if (Date.now() > deadline) throw new Error(`${what}: no recording within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Asserts that `pcm` holds `frequency` within 2 % at SNR ≥ 20 dB, at `rate`. */
function expectTone(pcm: Pcm, frequency: number, rate: number, what: string, context: () => string): void {
  const report = analyseTone(pcm);
  const message = `${what}: ${describeTone(report)}\n${context()}`;
  expect(report.sampleRate, message).toBe(rate);
  expect(report.tone, message).toBeDefined();
  expect(Math.abs(report.tone!.frequencyHz - frequency) / frequency, message).toBeLessThan(0.02);
  expect(report.tone!.snrDb, message).toBeGreaterThanOrEqual(20);
}

/** The `m=audio` port and protocol of the SDP in a message. */
function mediaLine(message: TracedMessage | undefined): { port: number; proto: string } | undefined {
  const match = /^m=audio (\d+) (\S+)/m.exec(message?.sdp ?? '');
  return match === null ? undefined : { port: Number(match[1]), proto: match[2]! };
}

describe('the rig: baresip hears baresip', () => {
  it('two baresips in a call record each other\'s tone at the codec\'s rate, and DTMF crosses', async () => {
    const answerer = await phone({ account: '<sip:a@127.0.0.1>;regint=0;answermode=auto', toneSeconds: 1.5, codecs: ['G722'] });
    await answerer.waitFor(/baresip is ready/);
    const caller = await phone({ account: '<sip:b@127.0.0.1>;regint=0', toneHz: 440, codecs: ['G722'] });
    await caller.waitFor(/baresip is ready/);
    caller.command(`/dial sip:a@127.0.0.1:${answerer.port}`);
    await caller.waitFor(/Call established/);
    caller.sendDigits('1#77');
    await answerer.waitFor(/received event: '1'[\s\S]*received event: '#'[\s\S]*received event: '7' \(end=1\)[\s\S]*received event: '7' \(end=1\)/, 5000);
    await caller.waitFor(/terminated/, 5000);
    await answerer.waitFor(/terminated/, 5000);
    const context = (): string => `--- caller:\n${tail(caller, 1500)}\n--- answerer:\n${tail(answerer, 1500)}`;
    expectTone(await recording(caller.heardFile, 'the caller\'s recording'), 1000, 16000, 'the caller heard', context);
    expectTone(await recording(answerer.heardFile, 'the answerer\'s recording'), 440, 16000, 'the answerer heard', context);
  }, 15_000);
});

/** The `key=value` fields of a log line. */
function fields(line: string): Record<string, string> {
  return Object.fromEntries([...line.matchAll(/\b(\w+)=("[^"]*"|\S+)/g)].map((m) => [m[1]!, m[2]!]));
}

interface MediaDoor {
  readonly door: DoorProcess;
  readonly port: number;
  /** The --sim-speaker file. */
  readonly speaker: string;
  readonly rtpPorts: { readonly min: number; readonly max: number };
  /** The frequency its microphone plays. */
  readonly micHz: number;
}

/**
 * The door station in standalone mode bound to 0.0.0.0 (as the default config) with `flat` and the bell calling
 * it, in simulator mode, its speaker recorded, RTP in a range of its own. Its microphone plays its default 440 Hz
 * tone, or `mic` (--sim-mic: a WAV played in a loop).
 */
async function startMediaDoor(srtp: 'off' | 'optional' | 'required' = 'optional', mic?: { readonly hz: number; readonly pcm: Pcm }): Promise<MediaDoor> {
  const dir = tempDir();
  const speaker = path.join(dir, 'speaker.wav');
  const args = ['--sim-speaker', speaker];
  if (mic !== undefined) {
    writeFileSync(path.join(dir, 'mic.wav'), encodeWav(mic.pcm));
    args.push('--sim-mic', path.join(dir, 'mic.wav'));
  }
  const base = await listenerPort('0.0.0.0', 12);
  const rtpPorts = { min: base + (base % 2), max: base + (base % 2) + 9 };
  const door = startDoor({
    simulate: true,
    args,
    config: {
      sip: {
        mode: 'standalone',
        listen: { host: '0.0.0.0', port: 0, transports: ['udp'] },
        domain: 'doorbell.test',
        users: [{ username: 'flat', password: PASSWORD }],
      },
      // The flat may call the door and listen in; the listening tone that tells the visitor so is off here, so that
      // the door's recording holds baresip's tone alone.
      doorbell: { callTargets: ['flat'], incoming: { autoAnswer: [{ from: 'flat' }], listeningTone: { enabled: false } } },
      media: { codecs: ['PCMU', 'PCMA', 'G722'], srtp, rtpPorts, rtpTimeoutSec: 30 },
    },
  });
  return { door, port: await door.port('udp'), speaker, rtpPorts, micHz: mic?.hz ?? 440 };
}

/**
 * After a call of the door with `flat`: the door's mediaStarted line names the codec and SRTP, and baresip's media
 * address; the door's SDP uses a port of its range and the right profile; each side recorded the other's tone.
 */
async function expectTwoWayAudio(rig: MediaDoor, flat: Baresip, codec: BaresipCodec, srtp: boolean, from: number): Promise<void> {
  const { door } = rig;
  const context = (): string => `--- door:\n${door.lines().slice(-40).join('\n')}\n--- baresip:\n${tail(flat)}`;
  // A wait that fails says what baresip saw too (its SIP trace holds both SDPs).
  const within = <T>(wait: Promise<T>): Promise<T> =>
    wait.catch((error: unknown) => {
      throw new Error(`${error instanceof Error ? error.message : String(error)}\n--- baresip:\n${tail(flat, 6000)}`, { cause: error });
    });
  const started = await within(door.waitForLine(/ mediaStarted /, 10_000, from));
  await within(door.waitForLine(/ mediaStopped /, TONE_SECONDS * 1000 + 8000, from));
  await flat.waitFor(/terminated/, 5000);

  const messages = flat.messages();
  const ours = mediaLine(messages.find((m) => m.direction === 'sent' && m.sdp !== ''));
  const theirs = mediaLine(messages.find((m) => m.direction === 'received' && m.sdp !== ''));
  expect(fields(started), context()).toMatchObject({ codec, srtp: srtp ? 'yes' : 'no', remote: `127.0.0.1:${ours?.port}` });
  expect(theirs?.proto, context()).toBe(srtp ? 'RTP/SAVP' : 'RTP/AVP');
  expect(theirs?.port, context()).toBeGreaterThanOrEqual(rig.rtpPorts.min);
  expect(theirs?.port, context()).toBeLessThanOrEqual(rig.rtpPorts.max);
  assertNoWildcardAddresses(messages);

  expectTone(await recording(() => rig.speaker, 'the door\'s --sim-speaker file'), 1000, RATE[codec], 'the door\'s speaker played', context);
  expectTone(await recording(flat.heardFile, 'baresip\'s recording'), rig.micHz, RATE[codec], 'baresip heard', context);
}

describe.each([
  ['PCMU', false],
  ['PCMA', false],
  ['G722', false],
  ['PCMU', true],
] as const)('the door rings baresip, which answers with %s (SRTP: %s)', (codec, srtp) => {
  it('each side hears the other\'s tone for the length of the call', async () => {
    const rig = await startMediaDoor(srtp ? 'required' : 'optional');
    const flat = await phone({
      account: `<sip:flat@127.0.0.1:${rig.port};transport=udp>;auth_pass=${PASSWORD};answermode=auto;regint=60`,
      codecs: [codec],
      srtp,
      toneSeconds: TONE_SECONDS,
    });
    await rig.door.waitForLine(/ info bindingAdded user=flat /, 10_000);
    const mark = rig.door.lines().length;
    rig.door.ring();
    await expectTwoWayAudio(rig, flat, codec, srtp, mark);
  }, 25_000);
});

// The door's microphone plays a WAV file here (--sim-mic) at the other G.711/G.722 rate: it is resampled.
describe.each([
  ['PCMA', 16000],
  ['G722', 8000],
] as const)('baresip calls the door offering %s alone; the door\'s microphone plays a %s Hz WAV file', (codec, micRate) => {
  it('the door answers with it; each side hears the other\'s tone', async () => {
    // 330 whole cycles: the loop has no seam.
    const rig = await startMediaDoor('optional', { hz: 660, pcm: sine(660, micRate, 0.5) });
    const flat = await phone({
      account: `<sip:flat@127.0.0.1:${rig.port};transport=udp>;auth_pass=${PASSWORD};regint=60`,
      codecs: [codec],
      toneSeconds: TONE_SECONDS,
    });
    await rig.door.waitForLine(/ info bindingAdded user=flat /, 10_000);
    const mark = rig.door.lines().length;
    flat.command(`/dial sip:door@127.0.0.1:${rig.port}`);
    await expectTwoWayAudio(rig, flat, codec, false, mark);
  }, 25_000);
});
