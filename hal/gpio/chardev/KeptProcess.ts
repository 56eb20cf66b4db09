// Keeps one gpiomon or gpioset running for the life of the HAL: a process that dies is started again after a
// back-off (doubling up to a ceiling, reset once a process has lived a while), each death is one log line, a tool
// that is not installed is one error line and no more tries. Nothing here throws into the caller.

import type { HalClock, HalLogger, HalTimerHandle } from '../../ports.ts';
import { type PipedProcess, StderrTail } from '../../childProcess.ts';

/** The exit code of an exec wrapper (and of a shell) whose program does not exist. */
const NOT_FOUND_EXIT_CODE = 127;

export interface KeptProcessOptions {
  /** The program, for logs (`gpiomon`, `gpioset`). */
  readonly tool: string;
  readonly clock: HalClock;
  readonly logger: HalLogger;
  /** Starts the process (with the arguments that are right at this moment). May throw: counted as a death. */
  readonly launch: () => PipedProcess;
  /** Told about each process started, before any of its output (attach stdout readers here). */
  readonly started?: (child: PipedProcess) => void;
  /** First wait before a restart (500 ms), doubled per death in a row up to maxBackoffMs (30 s). */
  readonly backoffMs?: number;
  readonly maxBackoffMs?: number;
  /** A process that lived this long before dying starts the back-off over (10 s). */
  readonly settleMs?: number;
}

type State =
  | { readonly kind: 'idle' }
  | { readonly kind: 'running'; readonly child: PipedProcess; readonly since: number; replace: boolean; escalate?: HalTimerHandle }
  | { readonly kind: 'backoff'; readonly timer: HalTimerHandle }
  | { readonly kind: 'gaveUp' }
  | { readonly kind: 'stopped' };

export class KeptProcess {
  readonly #o: KeptProcessOptions;
  #state: State = { kind: 'idle' };
  /** Deaths in a row (a process that settled resets it). */
  #failures = 0;

  constructor(options: KeptProcessOptions) {
    this.#o = options;
  }

  get state(): State['kind'] {
    return this.#state.kind;
  }

  /** The live process, if one runs. */
  get child(): PipedProcess | undefined {
    return this.#state.kind === 'running' ? this.#state.child : undefined;
  }

  start(): void {
    if (this.#state.kind === 'idle') this.#launch();
  }

  /**
   * Ends the running process on purpose and starts the next one as soon as it is gone (with the arguments of that
   * moment). While backing off, the next start is simply left to its timer.
   */
  replace(signal: NodeJS.Signals = 'SIGTERM'): void {
    const state = this.#state;
    if (state.kind !== 'running') return;
    if (!state.replace || signal === 'SIGKILL') this.#kill(state.child, signal);
    state.replace = true;
    // A process that ignores SIGTERM must not freeze the outputs: it gets SIGKILL a second later.
    state.escalate ??= this.#o.clock.setTimer(1000, () => {
      if (this.#state === state) this.#kill(state.child, 'SIGKILL');
    });
  }

  /** No more restarts; the running process gets `signal` synchronously (none: it is ending by itself). */
  stop(signal: NodeJS.Signals | null = 'SIGTERM'): void {
    const state = this.#state;
    this.#state = { kind: 'stopped' };
    if (state.kind === 'running') state.escalate?.cancel();
    if (state.kind === 'running' && signal !== null) this.#kill(state.child, signal);
    else if (state.kind === 'backoff') state.timer.cancel();
  }

  #launch(): void {
    const { tool, clock } = this.#o;
    let child: PipedProcess;
    try {
      child = this.#o.launch();
    } catch (error) {
      this.#died(undefined, `${tool} could not start: ${error instanceof Error ? error.message : String(error)}`, false);
      return;
    }
    const state: State = { kind: 'running', child, since: clock.now(), replace: false };
    this.#state = state;
    const stderr = new StderrTail();
    stderr.attach(child.stderr);
    let over = false;
    const end = (reason: string, final: boolean): void => {
      if (over) return;
      over = true;
      state.escalate?.cancel();
      if (this.#state !== state) return; // stopped, or replaced and already relaunched
      if (state.replace) {
        this.#launch();
        return;
      }
      this.#died(state, reason, final);
    };
    child.on('error', (error) => {
      const missing = (error as { code?: unknown }).code === 'ENOENT';
      end(missing ? `${tool} is not installed (apt-get install gpiod)` : `${tool} failed: ${error.message}`, missing);
    });
    child.on('close', (code, signal) => {
      // 127: the wrapper that runs the tool (setpriv, see spawnTool.ts) could not find it, as a shell would say.
      if (code === NOT_FOUND_EXIT_CODE && signal === null) {
        end(`${tool} is not installed (apt-get install gpiod)${stderr.line === '' ? '' : `: ${stderr.line}`}`, true);
        return;
      }
      const how = signal !== null ? `was killed by ${signal}` : `exited with code ${code ?? '?'}`;
      end(stderr.line === '' ? `${tool} ${how}` : `${tool} ${how}: ${stderr.line}`, false);
    });
    child.stdin?.on('error', () => {}); // a dead child's stdin: its close event tells the story
    try {
      this.#o.started?.(child);
    } catch (error) {
      this.#o.logger.error('gpioToolHandlerFailed', { tool, error: error instanceof Error ? error.message : String(error) });
    }
  }

  #died(state: { readonly since: number } | undefined, reason: string, final: boolean): void {
    const { tool, clock, logger } = this.#o;
    if (state !== undefined && clock.now() - state.since >= (this.#o.settleMs ?? 10_000)) this.#failures = 0;
    this.#failures++;
    if (final) {
      this.#state = { kind: 'gaveUp' };
      logger.error('gpioToolFailed', { tool, reason, failures: this.#failures, retry: false });
      return;
    }
    const wait = Math.min(this.#o.maxBackoffMs ?? 30_000, (this.#o.backoffMs ?? 500) * 2 ** (this.#failures - 1));
    logger.warn('gpioToolFailed', { tool, reason, failures: this.#failures, retryInMs: wait });
    this.#state = {
      kind: 'backoff',
      timer: clock.setTimer(wait, () => {
        if (this.#state.kind === 'backoff') this.#launch();
      }),
    };
  }

  #kill(child: PipedProcess, signal: NodeJS.Signals): void {
    try {
      child.kill(signal);
    } catch (error) {
      this.#o.logger.warn('gpioToolKillFailed', { tool: this.#o.tool, error: error instanceof Error ? error.message : String(error) });
    }
  }
}
