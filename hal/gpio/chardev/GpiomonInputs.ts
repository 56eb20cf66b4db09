// Every button line of one chip watched by one gpiomon process: each output line `<offset> <edge>` becomes an edge
// of the buttons on that line, at the HAL clock's time. Lines are cut at newlines across chunks; junk is ignored.

import type { HalClock, HalLogger } from '../../ports.ts';
import type { EdgeButton } from '../EdgeButton.ts';
import { gpiomonArgs, parseGpiomonLine, type GpiodTools, type SpawnTool } from './gpiodTools.ts';
import { KeptProcess } from './KeptProcess.ts';

export interface WatchedLine {
  readonly offset: number;
  readonly activeLow: boolean;
  readonly button: EdgeButton;
}

export interface GpiomonInputsOptions {
  readonly chip: string;
  readonly tools: GpiodTools;
  readonly lines: readonly WatchedLine[];
  readonly spawn: SpawnTool;
  readonly clock: HalClock;
  readonly logger: HalLogger;
  readonly backoffMs?: number;
}

export class GpiomonInputs {
  readonly #process: KeptProcess | undefined;

  constructor(options: GpiomonInputsOptions) {
    const offsets = [...new Set(options.lines.map((l) => l.offset))];
    if (offsets.length === 0) return;
    const decoder = new TextDecoder();
    this.#process = new KeptProcess({
      tool: 'gpiomon',
      clock: options.clock,
      logger: options.logger,
      launch: () => options.spawn('gpiomon', gpiomonArgs(options.tools, options.chip, offsets)),
      started: (child) => {
        let pending = '';
        child.stdout?.on('data', (chunk) => {
          const text = pending + decoder.decode(chunk, { stream: true });
          const lines = text.split('\n');
          pending = (lines.pop() ?? '').slice(-200); // a line never ends: keep a bounded tail only
          for (const line of lines) {
            const event = parseGpiomonLine(options.tools, line);
            if (event === undefined) continue;
            for (const watched of options.lines) {
              if (watched.offset === event.offset) watched.button.level(event.high !== watched.activeLow);
            }
          }
        });
        child.stdout?.on('error', () => {});
      },
      ...(options.backoffMs !== undefined ? { backoffMs: options.backoffMs } : {}),
    });
  }

  start(): void {
    this.#process?.start();
  }

  stop(): void {
    this.#process?.stop('SIGTERM');
  }
}
