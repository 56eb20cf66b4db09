// Keeps one recorder or player process alive for the length of a call: restarts a dead one with a short back-off
// (a bounded number of times per call), gives up on a missing device, and reports each incident exactly once.

import type { AudioFailure } from '../audio.ts';
import type { HalClock, HalLogger, HalTimerHandle } from '../ports.ts';

/** How a launched process ended: `final` when restarting cannot help (no such device, no such program). */
export interface ChildDeath {
  readonly reason: string;
  readonly final: boolean;
}

export interface RestartPolicy {
  /** Most restarts in one call (3). */
  readonly maxRestarts?: number;
  /** Wait before the first restart, doubled for each further one (250 ms). */
  readonly backoffMs?: number;
  /** Ceiling of the back-off (2000 ms). */
  readonly maxBackoffMs?: number;
  /** A restarted process that has lived this long counts as recovered (1000 ms). */
  readonly settleMs?: number;
}

export interface ChildSupervisorOptions<C> extends RestartPolicy {
  readonly device: AudioFailure['device'];
  readonly clock: HalClock;
  readonly logger: HalLogger;
  /**
   * Starts one process. `died` may be called any number of times, from any event of that process; only the first
   * call of the current process counts. A throw counts as a death that a restart may cure.
   */
  readonly launch: (died: (death: ChildDeath) => void) => C;
  /** Ends a process this supervisor no longer wants (call ended, or replaced). Must not throw. */
  readonly terminate: (child: C) => void;
}

type State<C> =
  | { readonly kind: 'idle' }
  | { readonly kind: 'running'; readonly child: C; settle: HalTimerHandle | undefined }
  | { readonly kind: 'backoff'; readonly timer: HalTimerHandle }
  | { readonly kind: 'gaveUp' };

/**
 * An incident opens when a process dies during a call and closes when a restarted one has run for `settleMs`
 * (outcome `restarted`), when restarting is hopeless or used up (`gaveUp`: the call goes on without the device),
 * or when the call ends first (`callEnded`). Only then is it logged and reported, in one line with its outcome,
 * so a device that dies and comes back does not fill the log.
 */
export class ChildSupervisor<C> {
  readonly #options: ChildSupervisorOptions<C>;
  readonly #maxRestarts: number;
  readonly #backoffMs: number;
  readonly #maxBackoffMs: number;
  readonly #settleMs: number;
  #state: State<C> = { kind: 'idle' };
  #restarts = 0;
  #incident: string | undefined;
  /** Bumped by every launch, death and stop: events of a process from an older generation are ignored. */
  #generation = 0;
  #onFailure: (failure: AudioFailure) => void = () => {};

  constructor(options: ChildSupervisorOptions<C>) {
    this.#options = options;
    this.#maxRestarts = Math.max(0, options.maxRestarts ?? 3);
    this.#backoffMs = options.backoffMs ?? 250;
    this.#maxBackoffMs = options.maxBackoffMs ?? 2000;
    this.#settleMs = options.settleMs ?? 1000;
  }

  get state(): State<C>['kind'] {
    return this.#state.kind;
  }

  /** The live process, or undefined while idle, backing off or given up. */
  get child(): C | undefined {
    return this.#state.kind === 'running' ? this.#state.child : undefined;
  }

  /** Starts a call's process (ending any previous one first). */
  start(onFailure: (failure: AudioFailure) => void = () => {}): void {
    this.stop();
    this.#restarts = 0;
    this.#incident = undefined;
    this.#onFailure = onFailure;
    this.#launch();
  }

  /** Ends the call's process and every pending timer; an open incident is reported as `callEnded`. */
  stop(): void {
    this.#generation++;
    const state = this.#state;
    this.#state = { kind: 'idle' };
    if (state.kind === 'running') {
      state.settle?.cancel();
      this.#terminate(state.child);
    } else if (state.kind === 'backoff') {
      state.timer.cancel();
    }
    if (this.#incident !== undefined) this.#report('callEnded');
  }

  #launch(): void {
    const generation = ++this.#generation;
    const died = (death: ChildDeath): void => {
      if (generation !== this.#generation) return; // an old process, or this one's second event
      this.#generation++;
      this.#died(death);
    };
    let child: C;
    try {
      child = this.#options.launch(died);
    } catch (error) {
      died({ reason: `cannot start: ${error instanceof Error ? error.message : String(error)}`, final: false });
      return;
    }
    if (generation !== this.#generation) {
      this.#terminate(child); // it died inside launch; the back-off or give-up already took over
      return;
    }
    const state: State<C> = { kind: 'running', child, settle: undefined };
    this.#state = state;
    if (this.#incident !== undefined) {
      state.settle = this.#options.clock.setTimer(this.#settleMs, () => {
        state.settle = undefined;
        if (this.#state === state && this.#incident !== undefined) this.#report('restarted');
      });
    }
  }

  #died(death: ChildDeath): void {
    const state = this.#state;
    if (state.kind === 'running') {
      state.settle?.cancel();
      this.#terminate(state.child); // usually gone already; a process that only closed its pipe is not
    }
    // The first reason names the incident, unless a later one says why restarting is hopeless.
    if (this.#incident === undefined || death.final) this.#incident = death.reason;
    if (death.final || this.#restarts >= this.#maxRestarts) {
      this.#state = { kind: 'gaveUp' };
      this.#report('gaveUp');
      return;
    }
    const wait = Math.min(this.#maxBackoffMs, this.#backoffMs * 2 ** this.#restarts);
    this.#restarts++;
    this.#state = {
      kind: 'backoff',
      timer: this.#options.clock.setTimer(wait, () => {
        if (this.#state.kind === 'backoff') this.#launch();
      }),
    };
  }

  #terminate(child: C): void {
    try {
      this.#options.terminate(child);
    } catch (error) {
      // A driver bug must not unwind into the call; the process is left to its own exit.
      this.#options.logger.error('audioTerminateFailed', {
        device: this.#options.device,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }

  #report(outcome: AudioFailure['outcome']): void {
    const failure: AudioFailure = {
      device: this.#options.device,
      outcome,
      reason: this.#incident ?? 'unknown',
      restarts: this.#restarts,
    };
    this.#incident = undefined;
    const fields = { device: failure.device, outcome, reason: failure.reason, restarts: failure.restarts };
    if (outcome === 'gaveUp') this.#options.logger.error('audioDeviceFailed', fields);
    else this.#options.logger.warn('audioDeviceFailed', fields);
    try {
      this.#onFailure(failure);
    } catch (error) {
      this.#options.logger.error('audioFailureHandlerFailed', {
        device: failure.device,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
}
