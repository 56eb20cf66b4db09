// Keeps the door application running from the saved configuration. Saved changes apply one after the other once the
// door is idle (a call in progress is never cut); a configuration that cannot start (the SIP port taken, the listen
// address gone after a DHCP change, a GPIO line busy) leaves the process up, without the door application, saying
// why, and tried again on a back-off: exiting instead would run into systemd's start limit and leave the door dead
// with the page unreachable. One step at a time: starts, stops and retries never overlap.

import type { Clock, TimerHandle } from './Clock.ts';
import type { Logger } from './Logger.ts';

/** What the supervisor needs of one configuration's runtime. */
export interface SupervisedRuntime<C> {
  readonly config: C;
  /** True while stopping would cut something off (a call): a change waits for it. */
  busy(): boolean;
  stop(): Promise<void>;
}

/** `final`: no retry can fix it (a command-line flag names a file that is no WAV file): the first start gives up. */
export type StartResult<R> = { readonly ok: true; readonly runtime: R } | { readonly ok: false; readonly reason: string; readonly final?: boolean };

/** Why nothing runs, since when (wall clock), when the next try is, and how many starts failed in a row. */
export interface NotRunning {
  readonly reason: string;
  readonly since: number;
  readonly nextTry: number;
  readonly attempts: number;
}

export interface SupervisorOptions<C, R extends SupervisedRuntime<C>> {
  start(config: C): Promise<StartResult<R>>;
  readonly clock: Clock;
  /** Wall-clock milliseconds, for the times the page shows. */
  readonly wallClock: () => number;
  readonly logger: Logger;
  /** Called whenever the runtime changes: a new one, or none (down). */
  onChange(runtime: R | undefined): void;
  /** Delays between failed starts, the last repeated (default 2 s, 5 s, 15 s, 30 s, then every 60 s). */
  readonly retryMs?: readonly number[];
  /** How often a waiting change looks whether the door is idle. */
  readonly idlePollMs?: number;
}

export interface RuntimeSupervisor<C, R> {
  current(): R | undefined;
  notRunning(): NotRunning | undefined;
  /** The first start: `running`, `retrying` (down, a retry scheduled) or `impossible` (a final failure, no retry). */
  start(config: C): Promise<'running' | 'retrying' | 'impossible'>;
  /** A saved configuration: replaces the running one when the door is idle, or ends a wait for a retry at once. */
  apply(config: C): void;
  /** No more starts; the running runtime stops. */
  stop(): Promise<void>;
}

const RETRY_MS = [2000, 5000, 15_000, 30_000, 60_000];

export function createRuntimeSupervisor<C, R extends SupervisedRuntime<C>>(options: SupervisorOptions<C, R>): RuntimeSupervisor<C, R> {
  const { clock, logger } = options;
  const retryMs = options.retryMs ?? RETRY_MS;
  const idlePollMs = options.idlePollMs ?? 500;
  let running: R | undefined;
  let down: NotRunning | undefined;
  /** The configuration a retry starts: the newest saved. */
  let wanted: C | undefined;
  let retry: TimerHandle | undefined;
  let stopping = false;
  /** The first start is under way; a final failure there ends the supervision (`impossible`). */
  let first = false;
  let impossible = false;
  let queue: Promise<void> = Promise.resolve();

  /** Runs `step` after every earlier step; a step that throws (a bug) is logged, the queue goes on. */
  const enqueue = (step: () => Promise<void>): Promise<void> => {
    queue = queue.then(step).catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      logger.error('supervisorFailed', { error: message });
      // Nothing runs and nothing is due: down, with a retry, rather than silent for good.
      if (!stopping && running === undefined && retry === undefined) wentDown(`supervisor: ${message}`);
    });
    return queue;
  };
  const sleep = (ms: number): Promise<void> => new Promise((resolve) => clock.setTimer(ms, resolve));
  /** A start that throws (a bug) counts as one that failed: it is logged and tried again like the rest. */
  const startSafely = async (config: C): Promise<StartResult<R>> => {
    try {
      return await options.start(config);
    } catch (error) {
      return { ok: false, reason: `start failed: ${error instanceof Error ? error.message : String(error)}` };
    }
  };
  /** A stop that throws is logged; the runtime counts as stopped (what it held is what the next start may lack). */
  const stopSafely = async (runtime: R): Promise<void> => {
    try {
      await runtime.stop();
    } catch (error) {
      logger.error('stopFailed', { error: error instanceof Error ? error.message : String(error) });
    }
  };

  const wentDown = (reason: string): void => {
    retry?.cancel();
    const attempts = (down?.attempts ?? 0) + 1;
    const delay = retryMs[Math.min(attempts, retryMs.length) - 1] ?? 60_000;
    const now = options.wallClock();
    down = { reason, since: down?.since ?? now, nextTry: now + delay, attempts };
    logger.error('notRunning', { reason, attempt: attempts, retryInSec: Math.round(delay / 1000) });
    retry = clock.setTimer(delay, () => {
      retry = undefined;
      void enqueue(tryWanted);
    });
    options.onChange(undefined);
  };
  const cameUp = (runtime: R): void => {
    retry?.cancel();
    retry = undefined;
    running = runtime;
    if (down !== undefined) logger.info('runningAgain', { attempts: down.attempts + 1 });
    down = undefined;
    options.onChange(runtime);
  };

  /** A start while nothing runs (the first, a retry, or a change that arrived while down). */
  const tryWanted = async (): Promise<void> => {
    if (stopping || running !== undefined || wanted === undefined) return;
    const result = await startSafely(wanted);
    if (stopping) {
      if (result.ok) await stopSafely(result.runtime);
      return;
    }
    if (result.ok) cameUp(result.runtime);
    else if (result.final === true && first) impossible = true;
    else wentDown(result.reason);
  };

  /** A saved change while a runtime runs: wait until idle, stop it, start the change or, failing that, the old one. */
  const replace = async (): Promise<void> => {
    const previous = running;
    if (previous === undefined) return tryWanted();
    while (previous.busy() && !stopping) await sleep(idlePollMs);
    const next = wanted;
    if (stopping || next === undefined || next === previous.config) return;
    await stopSafely(previous);
    running = undefined;
    const started = await startSafely(next);
    if (started.ok) {
      cameUp(started.runtime);
      logger.info('configApplied');
      return;
    }
    const again = await startSafely(previous.config);
    if (again.ok) {
      // The saved change stays saved (a restart tries it); now the old configuration runs.
      cameUp(again.runtime);
      logger.error('configApplyFailed', { reason: started.reason, detail: 'the previous configuration runs again' });
      return;
    }
    logger.error('configApplyFailed', { reason: started.reason, detail: 'neither the new nor the previous configuration could start' });
    wentDown(started.reason);
  };

  return {
    current: () => running,
    notRunning: () => down,
    async start(config) {
      wanted = config;
      first = true;
      await enqueue(tryWanted);
      first = false;
      return impossible ? 'impossible' : running !== undefined ? 'running' : 'retrying';
    },
    apply(config) {
      wanted = config;
      // Down: no need to wait for the retry's timer.
      if (running === undefined) {
        retry?.cancel();
        retry = undefined;
      }
      void enqueue(replace);
    },
    async stop() {
      stopping = true;
      retry?.cancel();
      retry = undefined;
      await queue;
      // Still `current()` while it stops: the exit handler can put its relays to rest should the process end now.
      if (running !== undefined) await stopSafely(running);
      running = undefined;
    },
  };
}
