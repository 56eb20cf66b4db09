// The door's one microphone and one speaker, shared by the calls and the visitor tones. One call's media holds them
// at a time (a lease); a tone (ringback, busy, door opened) mixes over the call's audio, or plays alone when no call
// holds the speaker, paced on the injected clock. The page's self-tests give way at once to a call.

import type { Microphone, SampleRate, Speaker } from '../../hal/audio.ts';
import type { Clock, TimerHandle } from '../platform/Clock.ts';
import type { Logger } from '../platform/Logger.ts';
import { FLOOR_DBFS, measureLevel, type MicLevel } from './micLevel.ts';
import { Pacer } from './rtp/Pacer.ts';
import { createTone, mixInto, type ToneName, type ToneSource } from './tones/index.ts';

export interface DoorAudioOptions {
  readonly clock: Clock;
  readonly microphone: Microphone;
  readonly speaker: Speaker;
  readonly logger: Logger;
}

/** A call's hold on the devices, from `claim` to `release`. */
export interface AudioLease {
  readonly sampleRate: SampleRate;
  /** The oldest microphone frame not yet taken, or undefined when none is waiting (the caller sends silence). */
  takeMicFrame(): Int16Array | undefined;
  /** Microphone frames waiting. */
  readonly queuedMicFrames: number;
  /** Plays one 20 ms frame of the far end; a tone playing now is mixed into it (the array is modified). */
  play(frame: Int16Array): void;
  release(): void;
}

interface Lease extends AudioLease {
  readonly owner: object;
  readonly mic: Int16Array[];
}

interface Tone {
  readonly name: ToneName;
  readonly owners: Set<object>;
  source: ToneSource;
  rate: SampleRate;
}

/** The microphone self-test's answer: the level heard, or `cancelled` when a call took the devices first. */
export type MicTestLevel = MicLevel & { readonly cancelled: boolean };

/** The microphone self-test while it runs: its devices' owner, and how to end it at once. */
interface MicTest {
  readonly owner: object;
  cancel(): void;
}

/** Microphone frames kept for the sender at most (120 ms, two 60 ms packets): beyond that the oldest is dropped. */
const MIC_QUEUE = 6;
/** Tones alone play at this rate. */
const TONE_RATE: SampleRate = 8000;

export class DoorAudio {
  readonly #options: DoorAudioOptions;
  #lease: Lease | undefined;
  #tone: Tone | undefined;
  /** The speaker's rate while it runs (for a lease or a tone alone). */
  #speakerRate: SampleRate | undefined;
  #tonePacer: Pacer | undefined;
  readonly #toneFrame = new Int16Array(TONE_RATE / 50 * 2);
  /** Owner of the speaker self-test's tone. */
  readonly #selfTest = {};
  #micTest: MicTest | undefined;

  constructor(options: DoorAudioOptions) {
    this.#options = options;
  }

  /** Who holds the devices now (the status page, tests). */
  get holder(): object | undefined {
    return this.#lease?.owner;
  }

  get tone(): ToneName | undefined {
    return this.#tone?.name;
  }

  /**
   * The devices for `owner`'s call at `sampleRate`, or undefined while another call holds them. A self-test gives way:
   * the microphone test ends at once (cancelled) and the speaker test's tone stops.
   */
  claim(owner: object, sampleRate: SampleRate): AudioLease | undefined {
    if (this.#micTest?.owner !== owner) {
      this.#micTest?.cancel();
      this.stopTone(this.#selfTest);
    }
    const current = this.#lease;
    if (current !== undefined) return current.owner === owner && current.sampleRate === sampleRate ? current : undefined;
    this.#stopTonePacer();
    this.#startSpeaker(sampleRate);
    const mic: Int16Array[] = [];
    const lease: Lease = {
      owner,
      sampleRate,
      mic,
      takeMicFrame: () => mic.shift(),
      get queuedMicFrames() {
        return mic.length;
      },
      play: (frame) => {
        if (this.#lease !== lease) return;
        const tone = this.#tone;
        // Tones come in 20 ms frames; a frame of another length (never from RtpStream) plays without one.
        if (tone !== undefined && frame.length === sampleRate / 50) {
          const part = this.#toneAt(tone, sampleRate, frame.length);
          if (part === undefined) this.#endTone();
          else mixInto(frame, part);
        }
        this.#options.speaker.write(frame);
      },
      release: () => this.#release(lease),
    };
    this.#lease = lease;
    this.#options.microphone.start({
      sampleRate,
      onFrame: (frame) => {
        if (mic.length >= MIC_QUEUE) mic.shift();
        mic.push(frame);
      },
      onFailure: (failure) => this.#options.logger.warn('audioDevice', { device: failure.device, outcome: failure.outcome, reason: failure.reason }),
    });
    return lease;
  }

  /**
   * Plays `name` for `owner`: a repeating tone (ringback) until every owner that asked for it stopped it, a finite
   * one until it ends. A different tone replaces the one playing; the same one asked again keeps its cadence.
   */
  startTone(owner: object, name: ToneName): void {
    // The visitor must hear it now (ringback as a call starts, the door opening), not after the microphone test.
    if (owner !== this.#selfTest) this.#micTest?.cancel();
    const tone = this.#tone;
    if (tone !== undefined && tone.name === name) {
      tone.owners.add(owner);
      return;
    }
    const rate = this.#lease?.sampleRate ?? TONE_RATE;
    this.#tone = { name, owners: new Set([owner]), source: createTone(name, rate), rate };
    if (this.#lease === undefined) this.#startTonePacer();
  }

  /** `owner` no longer wants its tone; it stops when nobody does. */
  stopTone(owner: object): void {
    const tone = this.#tone;
    if (tone === undefined || !tone.owners.delete(owner) || tone.owners.size > 0) return;
    this.#endTone();
  }

  /**
   * The page's speaker self-test: the door-opened tone, alone on the speaker. False (nothing played) while a call
   * holds the devices: the test must not sound into someone's conversation.
   */
  testSpeaker(): boolean {
    if (this.#lease !== undefined) return false;
    this.startTone(this.#selfTest, 'doorOpened');
    return true;
  }

  /**
   * The page's microphone self-test: the devices held at 8 kHz for `ms`, then released, and the level heard.
   * Undefined while a call (or another test) holds them. A call starting meanwhile (its ringback or its media) ends
   * the test at once: the devices go to the call and the answer is `cancelled`.
   */
  testMicrophone(ms: number): Promise<MicTestLevel> | undefined {
    if (this.#micTest !== undefined) return undefined; // one test at a time: a second must not cancel the first
    const owner = {};
    const lease = this.claim(owner, 8000);
    if (lease === undefined) return undefined;
    const { clock } = this.#options;
    // measureLevel schedules one timer at a time; the latest is kept so that a cancel leaves none behind.
    let timer: TimerHandle | undefined;
    const tracked: Clock = { now: () => clock.now(), setTimer: (after, fn) => (timer = clock.setTimer(after, fn)) };
    return new Promise((resolve) => {
      const test: MicTest = {
        owner,
        cancel: () => {
          if (this.#micTest !== test) return;
          this.#micTest = undefined;
          timer?.cancel();
          lease.release();
          resolve({ levelDbfs: FLOOR_DBFS, frames: 0, cancelled: true });
        },
      };
      this.#micTest = test;
      measureLevel(lease, tracked, ms).then((level) => {
        if (this.#micTest === test) this.#micTest = undefined;
        resolve({ ...level, cancelled: false });
      }, () => test.cancel());
    });
  }

  /** Stops everything (shutdown). */
  close(): void {
    this.#micTest?.cancel();
    this.#tone = undefined;
    this.#stopTonePacer();
    if (this.#lease !== undefined) this.#release(this.#lease);
    else this.#stopSpeaker();
  }

  #release(lease: Lease): void {
    if (this.#lease !== lease) return;
    this.#lease = undefined;
    lease.mic.length = 0;
    this.#options.microphone.stop();
    if (this.#tone !== undefined) {
      this.#tone.source = createTone(this.#tone.name, TONE_RATE);
      this.#tone.rate = TONE_RATE;
      this.#startTonePacer();
    } else {
      this.#stopSpeaker();
    }
  }

  /** The tone's next frame of `length` samples at `rate` (a new source if the rate changed), or undefined at its end. */
  #toneAt(tone: Tone, rate: SampleRate, length: number): Int16Array | undefined {
    if (tone.rate !== rate) {
      tone.source = createTone(tone.name, rate);
      tone.rate = rate;
    }
    const frame = this.#toneFrame.length >= length ? this.#toneFrame.subarray(0, length) : new Int16Array(length);
    return tone.source.next(frame) ? frame : undefined;
  }

  #endTone(): void {
    this.#tone = undefined;
    if (this.#tonePacer === undefined) return;
    this.#stopTonePacer();
    if (this.#lease === undefined) this.#stopSpeaker();
  }

  #startTonePacer(): void {
    if (this.#tonePacer !== undefined) return;
    this.#startSpeaker(TONE_RATE);
    const pacer = new Pacer({
      clock: this.#options.clock,
      send: () => {
        const tone = this.#tone;
        if (tone === undefined) return;
        const frame = this.#toneAt(tone, TONE_RATE, TONE_RATE / 50);
        if (frame === undefined) {
          this.#endTone();
          return;
        }
        this.#options.speaker.write(frame);
      },
    });
    this.#tonePacer = pacer;
    pacer.start();
  }

  #stopTonePacer(): void {
    this.#tonePacer?.stop();
    this.#tonePacer = undefined;
  }

  /** Keeps the speaker running across a tone → call handover at the same rate (no aplay restart, no gap). */
  #startSpeaker(rate: SampleRate): void {
    if (this.#speakerRate === rate) return;
    if (this.#speakerRate !== undefined) this.#options.speaker.stop();
    this.#speakerRate = rate;
    this.#options.speaker.start({
      sampleRate: rate,
      onFailure: (failure) => this.#options.logger.warn('audioDevice', { device: failure.device, outcome: failure.outcome, reason: failure.reason }),
    });
  }

  #stopSpeaker(): void {
    if (this.#speakerRate === undefined) return;
    this.#speakerRate = undefined;
    this.#options.speaker.stop();
  }
}
