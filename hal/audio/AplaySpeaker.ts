// The real speaker: aplay reading raw S16_LE mono from its stdin, supervised for the length of a call.

import type { Speaker, SpeakerStart } from '../audio.ts';
import type { HalClock, HalLogger, HalTimerHandle } from '../ports.ts';
import { type PipedProcess, StderrTail } from '../childProcess.ts';
import { deathOf, type SpawnAudio } from './audioProcess.ts';
import { ChildSupervisor, type ChildDeath, type RestartPolicy } from './ChildSupervisor.ts';
import { toS16le } from './pcmBytes.ts';

export interface AplaySpeakerOptions extends RestartPolicy {
  readonly clock: HalClock;
  readonly logger: HalLogger;
  /** node:child_process spawn with stdin and stderr piped (spawnAudio), or a fake in tests. */
  readonly spawn: SpawnAudio;
  /** ALSA playback device; the system default when absent. */
  readonly device?: string;
  /** Audio queued for aplay beyond which new frames are dropped, not buffered (200 ms): latency stays bounded. */
  readonly maxQueuedMs?: number;
  /** After `stop`, how long aplay may take to play out what it was given before it is killed (2000 ms). */
  readonly drainMs?: number;
}

interface Player {
  readonly process: PipedProcess;
  killTimer: HalTimerHandle | undefined;
  /** Set when stdin failed: the death is reported from 'close', or from this timer if no 'close' comes. */
  pipeGrace: HalTimerHandle | undefined;
  closed: boolean;
}

const COMMAND = 'aplay';
/** How long a broken stdin waits for the process's 'close' before it counts as the death itself. */
const PIPE_GRACE_MS = 500;

/** The aplay arguments for one call: raw 16-bit little-endian mono at the call's rate. */
export function aplayArgs(sampleRate: number, device: string | undefined): string[] {
  const args = ['-q', '-t', 'raw', '-f', 'S16_LE', '-r', String(sampleRate), '-c', '1'];
  if (device !== undefined) args.push('-D', device);
  return args;
}

/**
 * `start` spawns aplay, `write` feeds it, `stop` closes its stdin so it plays out the rest and exits (and kills it
 * if it has not after `drainMs`: a player is never left running). A write to an aplay that just died (EPIPE) is
 * reported through the process's death, never thrown; the ChildSupervisor restarts it.
 */
export class AplaySpeaker implements Speaker {
  readonly #options: AplaySpeakerOptions;
  readonly #supervisor: ChildSupervisor<Player>;
  #sampleRate = 8000;
  #dropped = 0;

  constructor(options: AplaySpeakerOptions) {
    this.#options = options;
    this.#supervisor = new ChildSupervisor<Player>({
      ...options,
      device: 'speaker',
      launch: (died) => this.#launch(died),
      terminate: (player) => this.#terminate(player),
    });
  }

  /** Frames dropped since the last start (no player, or aplay not keeping up). */
  get droppedFrames(): number {
    return this.#dropped;
  }

  start(options: SpeakerStart): void {
    this.#supervisor.stop();
    this.#sampleRate = options.sampleRate;
    this.#dropped = 0;
    this.#supervisor.start(options.onFailure);
  }

  write(frame: Int16Array): void {
    const stdin = this.#supervisor.child?.process.stdin;
    const maxQueued = ((this.#options.maxQueuedMs ?? 200) * this.#sampleRate * 2) / 1000;
    if (stdin == null || stdin.destroyed || stdin.writableLength >= maxQueued) {
      this.#dropped++;
      return;
    }
    try {
      stdin.write(toS16le(frame));
    } catch {
      this.#dropped++; // a write after the pipe closed; its 'error' event reports the death
    }
  }

  stop(): void {
    this.#supervisor.stop();
  }

  #launch(died: (death: ChildDeath) => void): Player {
    const process = this.#options.spawn(COMMAND, aplayArgs(this.#sampleRate, this.#options.device));
    const player: Player = { process, killTimer: undefined, pipeGrace: undefined, closed: false };
    const stderr = new StderrTail();
    stderr.attach(process.stderr);
    process.on('error', (error) => died(deathOf(COMMAND, { error }, stderr.line)));
    process.on('close', (code, signal) => {
      player.closed = true;
      player.killTimer?.cancel();
      player.pipeGrace?.cancel();
      died(deathOf(COMMAND, { code, signal }, stderr.line));
    });
    // EPIPE when aplay exits with frames still coming (without a listener it would crash us). Its 'close' follows
    // with the exit code and stderr, which say why (a missing device ends the retries), so that is awaited, briefly.
    process.stdin?.on('error', (error) => {
      player.pipeGrace ??= this.#options.clock.setTimer(PIPE_GRACE_MS, () => died(deathOf(COMMAND, { error }, stderr.line)));
    });
    return player;
  }

  #terminate(player: Player): void {
    if (player.closed) return;
    const stdin = player.process.stdin;
    if (stdin == null || stdin.destroyed) {
      player.process.kill('SIGTERM'); // nothing left to play out
      return;
    }
    try {
      stdin.end();
    } catch {
      // The pipe broke just now; the kill below still ends the process.
    }
    player.killTimer ??= this.#options.clock.setTimer(this.#options.drainMs ?? 2000, () => {
      if (!player.closed) player.process.kill('SIGTERM');
    });
  }
}
