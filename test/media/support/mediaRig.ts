// Test support for the media tests: one "side" of a call (MediaSession, DoorAudio, fake microphone and speaker, fake
// ports) on a FakeClock, recorded session events, and small checks on audio and RTP (frequency by zero crossings).

import { DoorAudio } from '../../../firmware-app/media/DoorAudio.ts';
import { type Body, MediaSession, type MediaSessionEvents, type MediaSettings } from '../../../firmware-app/media/MediaSession.ts';
import { parseRtp, type RtpPacket } from '../../../firmware-app/media/rtp/packet.ts';
import type { Random } from '../../../firmware-app/media/rtp/random.ts';
import type { NegotiatedAudio } from '../../../firmware-app/media/sdp/negotiated.ts';
import type { FakeClock } from '../../../firmware-app/platform/FakeClock.ts';
import type { Logger, LogFields } from '../../../firmware-app/platform/Logger.ts';
import { createNodeSrtpCrypto } from '../../../firmware-app/platform/srtpCrypto.ts';
import { FakeMicrophone } from '../../../hal/fake/FakeMicrophone.ts';
import { FakeSpeaker } from '../../../hal/fake/FakeSpeaker.ts';
import type { FakeSound } from '../../../hal/fake/sounds.ts';
import { FakeMediaPorts, type FakeNetwork } from './fakeMediaPorts.ts';

type Report = Readonly<Record<string, string | number | boolean>>;

/** MediaSessionEvents that keep what they were told. */
export interface RecordedEvents extends MediaSessionEvents {
  readonly dtmfs: { readonly digit: string; readonly durationMs: number }[];
  readonly failures: string[];
  readonly starts: Report[];
  readonly stops: Report[];
}

export function recordEvents(secureSignalling = false): RecordedEvents {
  const dtmfs: RecordedEvents['dtmfs'] = [];
  const failures: string[] = [];
  const starts: Report[] = [];
  const stops: Report[] = [];
  return {
    secureSignalling,
    dtmfs,
    failures,
    starts,
    stops,
    dtmf: (info) => void dtmfs.push(info),
    failed: (reason) => void failures.push(reason),
    started: (report) => void starts.push(report),
    stopped: (report) => void stops.push(report),
  };
}

/** A deterministic Random: `first` in turn, then a linear congruential sequence from `seed`. */
export function scriptedRandom(seed: number, ...first: number[]): Random {
  let state = seed >>> 0;
  return () => {
    const next = first.shift();
    if (next !== undefined) return next;
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

export interface LogLine {
  readonly level: string;
  readonly event: string;
  readonly fields: LogFields;
}

export function collectingLogger(): Logger & { readonly lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at = (level: string) => (event: string, fields: LogFields = {}) => void lines.push({ level, event, fields });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

export interface SideOptions {
  readonly address: string;
  readonly network?: FakeNetwork;
  readonly settings?: Partial<MediaSettings>;
  readonly secureSignalling?: boolean;
  readonly sound?: FakeSound;
  readonly seed?: number;
  readonly firstPort?: number;
  /** Another side's microphone, speaker and DoorAudio: two calls of one door (parallel forks) share them. */
  readonly devices?: Pick<Side, 'mic' | 'speaker' | 'audio'>;
}

/** One end of a call: the door's media as main.ts wires it, with fakes for sockets and devices. */
export interface Side {
  readonly address: string;
  readonly mic: FakeMicrophone;
  readonly speaker: FakeSpeaker;
  readonly audio: DoorAudio;
  readonly ports: FakeMediaPorts;
  readonly events: RecordedEvents;
  readonly session: MediaSession;
}

export function makeSide(clock: FakeClock, options: SideOptions): Side {
  const mic = options.devices?.mic ?? new FakeMicrophone({ clock, ...(options.sound !== undefined ? { sound: options.sound } : {}) });
  const speaker = options.devices?.speaker ?? new FakeSpeaker();
  const audio = options.devices?.audio ?? new DoorAudio({ clock, microphone: mic, speaker, logger: collectingLogger() });
  const ports = new FakeMediaPorts({ ...(options.network !== undefined ? { network: options.network } : {}), firstPort: options.firstPort ?? 40000 });
  const events = recordEvents(options.secureSignalling ?? false);
  const settings: MediaSettings = { codecs: ['PCMU', 'PCMA', 'G722'], srtp: 'off', rtpTimeoutMs: 30_000, ...options.settings };
  const session = new MediaSession({
    address: options.address,
    clock,
    random: scriptedRandom(options.seed ?? 1),
    wallClockMs: () => 1_750_000_000_000 + clock.now(),
    ports,
    audio,
    crypto: createNodeSrtpCrypto(),
    settings,
    events,
  });
  return { address: options.address, mic, speaker, audio, ports, events, session };
}

/** Lets every pending promise callback run (the session starts its stream once the port pair's promise settles). */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Offer from `a`, answer from `b`, answer back to `a`; both streams running afterwards. */
export async function connect(a: Side, b: Side): Promise<{ readonly offer: Body; readonly answer: Body }> {
  const offer = await a.session.createOffer();
  const answer = await b.session.createAnswer(offer);
  await a.session.setAnswer(answer);
  await settle();
  return { offer, answer };
}

export function sdpText(body: Body): string {
  return new TextDecoder().decode(body.bytes);
}

export function sdpBody(text: string, contentType = 'application/sdp'): Body {
  return { contentType, bytes: new TextEncoder().encode(text) };
}

/** Advances in steps, so the FakeClock's timer list stays short over long simulated times. */
export function run(clock: FakeClock, ms: number, stepMs = 1000): void {
  for (let left = ms; left > 0; left -= stepMs) clock.advance(Math.min(stepMs, left));
}

export function rtpOf(bytes: Uint8Array): RtpPacket {
  const parsed = parseRtp(bytes);
  if (!parsed.ok) throw new Error(`not RTP: ${parsed.reason}`);
  return parsed.packet;
}

/** The RTCP packet types in one compound packet (RFC 3550 §6.1: each packet's length word says where the next starts). */
export function rtcpTypes(compound: Uint8Array): number[] {
  const types: number[] = [];
  for (let at = 0; at + 4 <= compound.length; at += (((compound[at + 2]! << 8) | compound[at + 3]!) + 1) * 4) types.push(compound[at + 1]!);
  return types;
}

/** The frequency of a steady tone, from the number of sign changes (rough, but independent of any FFT). */
export function zeroCrossingHz(samples: Int16Array, sampleRate: number): number {
  let crossings = 0;
  for (let i = 1; i < samples.length; i++) if (samples[i - 1]! < 0 !== samples[i]! < 0) crossings++;
  return crossings / 2 / (samples.length / sampleRate);
}

export function rms(samples: Int16Array): number {
  let sum = 0;
  for (const s of samples) sum += s * s;
  return samples.length === 0 ? 0 : Math.sqrt(sum / samples.length);
}

/** The last `seconds` of what a speaker played. */
export function lastPlayed(speaker: FakeSpeaker, seconds: number): { readonly sampleRate: number; readonly samples: Int16Array } {
  const played = speaker.played;
  if (played === undefined) throw new Error('the speaker never started');
  const count = Math.round(played.sampleRate * seconds);
  return { sampleRate: played.sampleRate, samples: played.samples.subarray(Math.max(0, played.samples.length - count)) };
}

/**
 * A negotiated PCMU stream with the far end at `peer` (telephone-event `te`: the number we send with and the one we
 * receive with), the way the SDP layer would hand it to RtpStream; `overrides` change any field.
 */
export function negotiatedAudio(
  peer: { readonly address: string; readonly port: number },
  te: { readonly send: number; readonly receive: number } | undefined,
  overrides: Partial<NegotiatedAudio> = {},
): NegotiatedAudio {
  return {
    mediaIndex: 0,
    proto: 'RTP/AVP',
    remoteAddress: peer.address,
    remotePort: peer.port,
    remoteRtcpPort: peer.port + 1,
    codec: { name: 'PCMU', payloadType: 0, rtpClockRate: 8000, sampleRate: 8000 },
    receivePayloadType: 0,
    ...(te === undefined ? {} : { telephoneEvent: { payloadType: te.send, clockRate: 8000, events: new Set([...Array(16).keys()]), receivePayloadType: te.receive } }),
    sendPtime: 20,
    direction: 'sendrecv',
    remoteHold: false,
    remoteCrypto: [],
    ...overrides,
  };
}
