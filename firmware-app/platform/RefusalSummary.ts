// RefusalSummary: counts refusals (requests, connections) by reason and source, and logs one line per interval.

import type { Clock, TimerHandle } from './Clock.ts';
import type { LogFields, Logger } from './Logger.ts';

/** One summary line per minute: a flood costs 1 line/min instead of one per packet, yet an operator sees it soon. */
export const DEFAULT_SUMMARY_INTERVAL_MS = 60_000;

/**
 * Sources remembered per interval, for `sources=`, `topSource=` and the first-refusal debug line. A flood from
 * more addresses than this is still counted; only the per-source detail stops growing.
 */
const MAX_SOURCES_PER_INTERVAL = 256;

export interface RefusalSummaryOptions<Reason extends string> {
  readonly clock: Clock;
  readonly logger: Logger;
  /** The info line's event name, e.g. `requestsRefused`. */
  readonly event: string;
  /** The debug line's event name for the first refusal of a source within an interval, e.g. `requestRefused`. */
  readonly firstEvent: string;
  /** Every reason, in the order the summary line lists them. */
  readonly reasons: readonly Reason[];
  readonly intervalMs?: number;
  /** Fields every line starts with, e.g. `{ protocol: 'tcp' }`. */
  readonly fields?: LogFields;
}

/**
 * Refusals are noted here and never logged one by one: the first one from a source in an interval gets a debug
 * line, and the interval ends with one info line `event interval=60s reason=n … sources=n topSource=host
 * topSourceCount=n`. Nothing is logged and no timer runs while nothing is refused.
 */
export class RefusalSummary<Reason extends string> {
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #event: string;
  readonly #firstEvent: string;
  readonly #reasons: readonly Reason[];
  readonly #intervalMs: number;
  readonly #fields: LogFields;
  #counts = new Map<Reason, number>();
  #sources = new Map<string, number>();
  #untrackedSources = false;
  #timer: TimerHandle | undefined;

  constructor(options: RefusalSummaryOptions<Reason>) {
    this.#clock = options.clock;
    this.#logger = options.logger;
    this.#event = options.event;
    this.#firstEvent = options.firstEvent;
    this.#reasons = options.reasons;
    this.#intervalMs = options.intervalMs ?? DEFAULT_SUMMARY_INTERVAL_MS;
    this.#fields = options.fields ?? {};
  }

  /** Counts one refusal of `source` (a bare host) for `reason`; `fields` only go into the first-refusal debug line. */
  note(reason: Reason, source: string, fields: LogFields = {}): void {
    this.#counts.set(reason, (this.#counts.get(reason) ?? 0) + 1);
    const seen = this.#sources.get(source);
    if (seen !== undefined) {
      this.#sources.set(source, seen + 1);
    } else if (this.#sources.size < MAX_SOURCES_PER_INTERVAL) {
      this.#sources.set(source, 1);
      this.#logger.debug(this.#firstEvent, { ...this.#fields, source, reason, ...fields });
    } else {
      this.#untrackedSources = true;
    }
    this.#timer ??= this.#clock.setTimer(this.#intervalMs, () => this.flush());
  }

  /** Logs the summary of the refusals noted so far (if any) and starts a new interval. */
  flush(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
    if (this.#counts.size === 0) return;
    const fields: Record<string, string | number | boolean> = { ...this.#fields, interval: `${Math.round(this.#intervalMs / 1000)}s` };
    for (const reason of this.#reasons) {
      const count = this.#counts.get(reason);
      if (count !== undefined) fields[reason] = count;
    }
    let top: [string, number] | undefined;
    for (const entry of this.#sources) if (top === undefined || entry[1] > top[1]) top = entry;
    fields['sources'] = this.#untrackedSources ? `>${MAX_SOURCES_PER_INTERVAL}` : this.#sources.size;
    if (top !== undefined) {
      fields['topSource'] = top[0];
      fields['topSourceCount'] = top[1];
    }
    this.#logger.info(this.#event, fields);
    this.#counts = new Map();
    this.#sources = new Map();
    this.#untrackedSources = false;
  }
}
