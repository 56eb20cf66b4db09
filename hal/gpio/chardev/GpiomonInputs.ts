// The button lines of one chip watched by gpiomon: one process per bias (a gpiomon applies one bias to all its
// lines), so active-low buttons get their pull-up and active-high ones their pull-down even when both kinds are wired.
// Each output line `<offset> <edge>` becomes an edge of the buttons on that line, at the HAL clock's time. Lines are
// cut at newlines across chunks; junk is ignored.

import type { PipedProcess } from '../../childProcess.ts';
import type { HalClock, HalLogger } from '../../ports.ts';
import type { EdgeButton } from '../EdgeButton.ts';
import { biasFor, gpiomonArgs, parseGpiomonLine, type GpiodTools, type LineBias, type SpawnTool } from './gpiodTools.ts';
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

/** The offsets to watch per bias; a line that two buttons of opposite polarity share keeps its first one's bias. */
export function groupByBias(lines: readonly WatchedLine[], logger: HalLogger): Map<LineBias, number[]> {
  const biasOf = new Map<number, LineBias>();
  for (const line of lines) {
    const bias = biasFor(line.activeLow);
    const first = biasOf.get(line.offset);
    if (first === undefined) biasOf.set(line.offset, bias);
    else if (first !== bias) logger.warn('gpioBiasConflict', { line: line.offset, button: line.button.id, bias: first, detail: 'buttons of both polarities on one line' });
  }
  const groups = new Map<LineBias, number[]>();
  for (const [offset, bias] of biasOf) groups.set(bias, [...(groups.get(bias) ?? []), offset]);
  return groups;
}

export class GpiomonInputs {
  readonly #processes: KeptProcess[] = [];

  constructor(options: GpiomonInputsOptions) {
    for (const [bias, offsets] of groupByBias(options.lines, options.logger)) {
      this.#processes.push(
        new KeptProcess({
          tool: 'gpiomon',
          clock: options.clock,
          logger: options.logger,
          launch: () => options.spawn('gpiomon', gpiomonArgs(options.tools, options.chip, offsets, bias)),
          started: (child) => readEdges(child, options),
          ...(options.backoffMs !== undefined ? { backoffMs: options.backoffMs } : {}),
        }),
      );
    }
  }

  start(): void {
    for (const kept of this.#processes) kept.start();
  }

  stop(): void {
    for (const kept of this.#processes) kept.stop('SIGTERM');
  }
}

function readEdges(child: PipedProcess, options: GpiomonInputsOptions): void {
  const decoder = new TextDecoder();
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
}
