// Every output line of one chip held by one gpioset process. With an interactive gpioset (v2 built with editline) a
// change is a `set <line>=<value>` command on its stdin; otherwise (v1, or v2 without -i) the holder is replaced by
// one started with the new levels. Levels here are raw (the driver applies activeLow), so a restart restores them.

import type { HalClock, HalLogger } from '../../ports.ts';
import { gpiosetCommand, gpiosetHoldArgs, gpiosetOnceArgs, type GpiodTools, type RunSync, type SpawnTool } from './gpiodTools.ts';
import { KeptProcess } from './KeptProcess.ts';

export interface GpiosetOutputsOptions {
  readonly chip: string;
  readonly tools: GpiodTools;
  /** Every output line with its level at rest (raw). */
  readonly rest: ReadonlyMap<number, 0 | 1>;
  readonly spawn: SpawnTool;
  readonly runSync: RunSync;
  readonly clock: HalClock;
  readonly logger: HalLogger;
  readonly backoffMs?: number;
}

export class GpiosetOutputs {
  readonly #o: GpiosetOutputsOptions;
  readonly #levels: Map<number, 0 | 1>;
  readonly #process: KeptProcess;
  readonly #encoder = new TextEncoder();

  constructor(options: GpiosetOutputsOptions) {
    this.#o = options;
    this.#levels = new Map(options.rest);
    this.#process = new KeptProcess({
      tool: 'gpioset',
      clock: options.clock,
      logger: options.logger,
      launch: () => options.spawn('gpioset', gpiosetHoldArgs(options.tools, options.chip, this.#levels)),
      // Nothing useful comes out (prompts), but an unread pipe would fill up and stall it.
      started: (child) => child.stdout?.on('data', () => {}),
      ...(options.backoffMs !== undefined ? { backoffMs: options.backoffMs } : {}),
    });
  }

  /** Starts the holder with every line at rest. */
  start(): void {
    if (this.#levels.size > 0) this.#process.start();
  }

  /** The level each line has now (raw), as the next holder would start with it. */
  level(offset: number): 0 | 1 | undefined {
    return this.#levels.get(offset);
  }

  /** Sets one line (raw level). */
  set(offset: number, level: 0 | 1): void {
    if (this.#levels.get(offset) === level) return;
    this.#levels.set(offset, level);
    if (!this.#o.tools.interactive) {
      this.#process.replace();
      return;
    }
    const stdin = this.#process.child?.stdin;
    // Without a live process the next one starts with the new level: nothing is lost.
    if (stdin && !stdin.destroyed) stdin.write(this.#encoder.encode(gpiosetCommand(new Map([[offset, level]]))));
  }

  /**
   * Every line to the given levels now, synchronously, for exit handlers. Interactive: the command is in the pipe
   * before this returns (node writes to an idle pipe at once). Otherwise the holder is killed (and started again with
   * these levels once gone) and a one-shot gpioset writes them, tried again while the dying holder still has the
   * lines (busy).
   */
  forceSync(levels: ReadonlyMap<number, 0 | 1>): void {
    for (const [offset, level] of levels) this.#levels.set(offset, level);
    if (this.#o.tools.interactive && this.#process.child?.stdin && !this.#process.child.stdin.destroyed) {
      this.#process.child.stdin.write(this.#encoder.encode(gpiosetCommand(levels)));
      return;
    }
    // The holder restarts with these levels once it is gone (unless the process is exiting, which is fine too).
    this.#process.replace('SIGKILL');
    if (this.#process.state !== 'gaveUp') this.#writeOnce();
  }

  /** Stops the holder for good: interactive ones are told to exit after their last command, others killed. */
  stop(): void {
    const stdin = this.#process.child?.stdin;
    if (this.#o.tools.interactive && stdin && !stdin.destroyed) {
      stdin.write(this.#encoder.encode('exit\n'));
      stdin.end();
      this.#process.stop(null); // no restart; the exit command ends it once the last set is applied
      return;
    }
    this.#process.stop('SIGTERM');
  }

  #writeOnce(): void {
    const args = gpiosetOnceArgs(this.#o.tools, this.#o.chip, this.#levels);
    let last = '';
    for (let attempt = 0; attempt < 5; attempt++) {
      const result = this.#o.runSync('gpioset', args);
      if (result.error === undefined && result.status === 0) return;
      last = result.error?.message ?? (result.stderr.trim() || `exit code ${result.status ?? '?'}`);
    }
    this.#o.logger.error('gpioRestWriteFailed', { chip: this.#o.chip, error: last.slice(0, 160) });
  }
}
