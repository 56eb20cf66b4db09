// Interop, end to end: what the visitor hears from the door's speaker while the bell's call is set up, with the real
// sipp as the flat's phone and the door station run from its command line in simulator mode, its speaker recorded
// with --sim-speaker (a WAV file rewritten each time the speaker stops, with what it played since it started).
// Early media: a 183 with SDP plays the phone's audio (sipp's rtp_stream) at once, and the 200 with the same SDP keeps
// that stream. Without early media (a 180 alone) the door plays its own ringback, 425 Hz 1 s on / 4 s off; when the
// call fails it plays the busy tone after a 486 (425 Hz, 4 × 480 ms on / 480 ms off) and the special information
// tone after other failures (950, 1400, 1800 Hz, 330 ms each, twice).

import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { muLawEncode } from '../../firmware-app/media/codecs/muLaw.ts';
import { type DoorProcess, PASSWORD, startDoor } from '../support/doorProcess.ts';
import { type SippRun, freePort, runSipp, sippFailure, sippReady } from '../support/sipp.ts';
import { type Pcm, analyseTone, decodeWav, describeTone, readWav, sine } from '../support/toneAnalysis.ts';

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The `key=value` fields of a log line. */
function fields(line: string): Record<string, string> {
  return Object.fromEntries([...line.matchAll(/\b(\w+)=("[^"]*"|\S+)/g)].map((m) => [m[1]!, m[2]!]));
}

/** `seconds` of a `hz` sine as raw µ-law bytes (PCMU), the file format of sipp's rtp_stream. */
function muLawSine(hz: number, seconds: number): Uint8Array {
  const { samples } = sine(hz, 8000, seconds);
  const pcm = Int16Array.from(samples, (x) => Math.round(x * 32767));
  const codes = new Uint8Array(pcm.length);
  muLawEncode(pcm, codes);
  return codes;
}

interface Phone {
  readonly port: number;
  readonly done: Promise<SippRun>;
}

/** sipp as the flat's phone (UAS) running `scenario` on a free port, ready for the INVITE, stopped after the test. */
async function startPhone(scenario: string, files?: Readonly<Record<string, Uint8Array>>): Promise<Phone> {
  const port = await freePort();
  const run = runSipp({ scenario, transport: 'u1', localPort: port, timeoutSeconds: 15, ...(files !== undefined ? { files } : {}) });
  onTestFinished(async () => {
    run.stop();
    await run.done;
  });
  await sippReady('u1', port);
  return { port, done: run.done };
}

/**
 * The door in standalone mode bound to 0.0.0.0 (as the default config), in simulator mode with its speaker recorded,
 * its bell calling sipp's URI directly (a target with `@` goes out as a URI, no registration needed).
 */
async function startDoorCalling(phonePort: number): Promise<{ door: DoorProcess; speaker: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'early-media-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  const speaker = path.join(dir, 'speaker.wav');
  const door = startDoor({
    simulate: true,
    args: ['--sim-speaker', speaker],
    config: {
      sip: {
        mode: 'standalone',
        listen: { host: '0.0.0.0', port: 0, transports: ['udp'] },
        domain: 'doorbell.test',
        users: [{ username: 'flat', password: PASSWORD }],
      },
      doorbell: { callTargets: [`sip:flat@127.0.0.1:${phonePort}`] },
    },
  });
  await door.port('udp');
  return { door, speaker };
}

/** One write of the --sim-speaker file, and when the test noticed it (ms since the watch started). */
interface SpeakerWrite {
  readonly pcm: Pcm;
  readonly atMs: number;
}

/**
 * Polls the speaker file every 20 ms and keeps each version (each write is a new file renamed over the old one, so
 * a new inode). `until(n)` waits, bounded, for n versions.
 */
function watchSpeaker(file: string): { readonly writes: SpeakerWrite[]; until(count: number, timeoutMs: number): Promise<SpeakerWrite[]> } {
  const writes: SpeakerWrite[] = [];
  const started = performance.now();
  let inode: number | undefined;
  const poll = (): void => {
    try {
      const ino = statSync(file).ino;
      if (ino !== inode) {
        const pcm = decodeWav(readFileSync(file));
        inode = ino;
        writes.push({ pcm, atMs: performance.now() - started });
      }
    } catch {
      // Not written yet.
    }
  };
  const timer = setInterval(poll, 20);
  onTestFinished(() => clearInterval(timer));
  return {
    writes,
    until: async (count, timeoutMs) => {
      const deadline = performance.now() + timeoutMs;
      while (writes.length < count && performance.now() < deadline) await pause(20);
      return writes;
    },
  };
}

/** Polls for the speaker's WAV file (written when the speaker stops), bounded by `timeoutMs`. */
async function recording(file: string, timeoutMs = 3000): Promise<Pcm> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return readWav(file);
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`the door's --sim-speaker file: ${String(error)}`, { cause: error });
    }
    await pause(50);
  }
}

const seconds = (pcm: Pcm): number => pcm.samples.length / pcm.sampleRate;

/** The part of `pcm` from `from` to `to` seconds. */
function part(pcm: Pcm, from: number, to: number): Pcm {
  return { sampleRate: pcm.sampleRate, samples: pcm.samples.slice(Math.round(from * pcm.sampleRate), Math.round(to * pcm.sampleRate)) };
}

/** RMS level (dBFS) of each `windowMs` window. */
function levels(pcm: Pcm, windowMs: number): number[] {
  const size = Math.round((pcm.sampleRate * windowMs) / 1000);
  const out: number[] = [];
  for (let at = 0; at + size <= pcm.samples.length; at += size) {
    let energy = 0;
    for (let i = at; i < at + size; i++) energy += pcm.samples[i]! ** 2;
    out.push(10 * Math.log10(energy / size + 1e-20));
  }
  return out;
}

/** Runs of `windowMs` windows louder than -40 dBFS, as [start, end) in seconds. */
function bursts(pcm: Pcm, windowMs: number): Array<{ start: number; end: number }> {
  const runs: Array<{ start: number; end: number }> = [];
  levels(pcm, windowMs).forEach((db, i) => {
    const loud = db > -40;
    const last = runs.at(-1);
    if (loud && last !== undefined && last.end === i * windowMs / 1000) last.end = (i + 1) * windowMs / 1000;
    else if (loud) runs.push({ start: i * windowMs / 1000, end: (i + 1) * windowMs / 1000 });
  });
  return runs;
}

/** One line per window: `#` loud, `.` quiet, for failure messages. */
function levelMap(pcm: Pcm, windowMs: number): string {
  return levels(pcm, windowMs).map((db) => (db > -40 ? '#' : '.')).join('');
}

/** Asserts that `pcm` holds `hz` within 2 % at SNR ≥ 20 dB (analysed whole: the caller cuts the part). */
function expectTone(pcm: Pcm, hz: number, what: string, context: () => string): void {
  const report = analyseTone(pcm, { trimSeconds: 0 });
  const message = `${what}: ${describeTone(report)}\n${context()}`;
  expect(report.tone, message).toBeDefined();
  expect(Math.abs(report.tone!.frequencyHz - hz) / hz, message).toBeLessThan(0.02);
  expect(report.tone!.snrDb, message).toBeGreaterThanOrEqual(20);
}

/** Linux's table of UDP sockets, where there is one. */
const UDP_TABLE = '/proc/net/udp';

/** Bytes waiting in, and datagrams dropped by, the UDP socket bound to 127.0.0.1:`port` (from UDP_TABLE). */
function udpSocket(port: number): { queued: number; drops: number } | undefined {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  for (const line of readFileSync(UDP_TABLE, 'latin1').split('\n')) {
    const columns = line.trim().split(/\s+/);
    if (columns[1] === local) return { queued: Number.parseInt(columns[4]!.split(':')[1]!, 16), drops: Number(columns[12]) };
  }
  return undefined;
}

describe('early media: sipp answers 183 with SDP and streams 1 kHz, then 200 with the same SDP', () => {
  it('the tone plays from the 183 on, through the 200, on one stream; the door\'s RTP reaches sipp', async () => {
    const phone = await startPhone('uas-early-media.xml', { 'tone.ulaw': muLawSine(1000, 1) });
    const { door, speaker } = await startDoorCalling(phone.port);
    const mark = door.lines().length;
    const context = (): string => `--- door:\n${door.lines().slice(mark).join('\n')}`;
    door.ring();
    const started = fields(await door.waitForLine(/ mediaStarted /, 10_000, mark));
    await door.waitForLine(/ callEstablished /, 5000, mark);
    // sipp 3.6.1 does not read its rtp_stream socket: what the door sent waits there (or is dropped once it is full).
    await pause(200);
    const procNet = existsSync(UDP_TABLE);
    const sippSocket = procNet ? udpSocket(Number(/:(\d+)$/.exec(started.remote ?? '')?.[1])) : undefined;
    await door.waitForLine(/ callEnded .*reason=remoteBye/, 5000, mark);
    const run = await phone.done;
    expect(run.code, sippFailure(run, door.lines())).toBe(0);

    // sipp's 183 named its rtp_stream port; that is where the door sends, and its RTP got there.
    const answered = /SIP\/2\.0 183 Session Progress[\s\S]*?m=audio (\d+) /.exec(run.traces);
    expect(started, context()).toMatchObject({ codec: 'PCMU', remote: `127.0.0.1:${answered?.[1]}`, srtp: 'no' });
    if (procNet) {
      expect(sippSocket, `no socket on sipp's RTP port\n${context()}`).toBeDefined();
      expect(sippSocket!.queued + sippSocket!.drops, `${JSON.stringify(sippSocket)}\n${context()}`).toBeGreaterThan(0);
    }

    // One stream: started once, at the 183, before the call was established, and not again at the 200.
    const events = door.lines().slice(mark).map((line) => / info (mediaStarted|callEstablished|mediaStopped) /.exec(line)?.[1]).filter((e) => e !== undefined);
    expect(events, context()).toEqual(['mediaStarted', 'callEstablished', 'mediaStopped']);

    // 2 s of early media and 1 s of the call, heard without a gap (the first 100 ms: the jitter buffer fills).
    const pcm = await recording(speaker);
    const map = (): string => `${levelMap(pcm, 20)}\n${context()}`;
    expect(seconds(pcm), map()).toBeGreaterThan(2.7);
    expect(seconds(pcm), map()).toBeLessThan(3.6);
    expectTone(part(pcm, 0.1, 1), 1000, 'the first second (early media)', map);
    expectTone(part(pcm, 1, 1.9), 1000, 'the second second (early media)', map);
    expectTone(part(pcm, 2.1, seconds(pcm) - 0.1), 1000, 'after the 200', map);
    const quiet = levels(part(pcm, 0.1, seconds(pcm) - 0.1), 20).filter((db) => db <= -40).length;
    expect(quiet, `20 ms windows without the tone\n${map()}`).toBeLessThanOrEqual(2);
  }, 20_000);
});

describe('no early media: the door\'s own tones', () => {
  it('180 then 486: ringback (1 s of 425 Hz, then silence) until the 486, then the busy tone (4 × 480 ms on/off)', async () => {
    const phone = await startPhone('uas-ringing-busy.xml');
    const { door, speaker } = await startDoorCalling(phone.port);
    const watch = watchSpeaker(speaker);
    const mark = door.lines().length;
    const context = (): string =>
      `--- speaker writes: ${watch.writes.map((w) => `at ${Math.round(w.atMs)} ms\n${levelMap(w.pcm, 20)}`).join('\n')}\n--- door:\n${door.lines().slice(mark).join('\n')}`;
    door.ring();
    await door.waitForLine(/ callRinging /, 5000, mark);
    const ended = fields(await door.waitForLine(/ callEnded /, 8000, mark));
    expect(ended, context()).toMatchObject({ reason: 'rejected', status: '486' });
    const writes = await watch.until(2, 8000);
    await pause(300); // a third write would show up here
    expect(writes.length, context()).toBe(2);
    const run = await phone.done;
    expect(run.code, sippFailure(run, door.lines())).toBe(0);

    // The ringback repeats until it is stopped: the file is written when the 486 ends it, 2.5 s after the 180.
    const [ringback, busy] = writes as [SpeakerWrite, SpeakerWrite];
    expect(ringback.atMs, context()).toBeGreaterThan(2000);
    expect(seconds(ringback.pcm), context()).toBeGreaterThan(2.2);
    expect(seconds(ringback.pcm), context()).toBeLessThan(2.9);
    const rang = bursts(ringback.pcm, 20);
    expect(rang.length, context()).toBe(1);
    expect(rang[0]!.start, context()).toBeLessThanOrEqual(0.04);
    expect(Math.abs(rang[0]!.end - rang[0]!.start - 1), context()).toBeLessThanOrEqual(0.04);
    expectTone(part(ringback.pcm, 0.02, 0.98), 425, 'the ringback burst', context);

    // The busy tone starts the speaker again; the file is rewritten when it ends, 3.84 s later.
    expect(busy.atMs - ringback.atMs, context()).toBeGreaterThan(3500);
    expect(Math.abs(seconds(busy.pcm) - 3.84), context()).toBeLessThanOrEqual(0.1);
    const beeps = bursts(busy.pcm, 20);
    expect(beeps.length, context()).toBe(4);
    beeps.forEach((beep, i) => {
      expect(Math.abs(beep.end - beep.start - 0.48), context()).toBeLessThanOrEqual(0.04);
      expect(Math.abs(beep.start - 0.96 * i), context()).toBeLessThanOrEqual(0.04);
      expectTone(part(busy.pcm, beep.start + 0.02, beep.end - 0.02), 425, `busy burst ${i + 1}`, context);
    });
  }, 25_000);

  it('480 at once: the special information tone, 950, 1400 and 1800 Hz, twice', async () => {
    const phone = await startPhone('uas-unavailable.xml');
    const { door, speaker } = await startDoorCalling(phone.port);
    const watch = watchSpeaker(speaker);
    const mark = door.lines().length;
    const context = (): string =>
      `--- speaker writes: ${watch.writes.map((w) => `at ${Math.round(w.atMs)} ms\n${levelMap(w.pcm, 10)}`).join('\n')}\n--- door:\n${door.lines().slice(mark).join('\n')}`;
    door.ring();
    const ended = fields(await door.waitForLine(/ callEnded /, 8000, mark));
    expect(ended, context()).toMatchObject({ reason: 'rejected', status: '480' });
    const writes = await watch.until(1, 6000);
    await pause(300);
    expect(writes.length, context()).toBe(1);
    const run = await phone.done;
    expect(run.code, sippFailure(run, door.lines())).toBe(0);

    // 330 ms tones with 30 ms gaps (10 ms windows see those), 1 s of silence between the two sequences.
    const pcm = writes[0]!.pcm;
    expect(Math.abs(seconds(pcm) - 3.1), context()).toBeLessThanOrEqual(0.1);
    const tones = bursts(pcm, 10);
    expect(tones.length, context()).toBe(6);
    const hz = [950, 1400, 1800, 950, 1400, 1800];
    tones.forEach((tone, i) => {
      expect(Math.abs(tone.end - tone.start - 0.33), context()).toBeLessThanOrEqual(0.03);
      expectTone(part(pcm, tone.start + 0.02, tone.end - 0.02), hz[i]!, `tone ${i + 1}`, context);
    });
    expect(Math.abs(tones[3]!.start - tones[2]!.end - 1), context()).toBeLessThanOrEqual(0.05);
  }, 20_000);
});
