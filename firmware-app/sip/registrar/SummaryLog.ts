// One log line per interval for an event a peer can repeat at will (a failed or refused REGISTER): counted, never a line per packet.

import type { Clock, TimerHandle } from '../../platform/Clock.ts';
import type { LogFields, Logger } from '../../platform/Logger.ts';

/** At most one line per minute per kind of event: a flood of wrong REGISTERs writes 60 lines an hour, not thousands. */
export const SUMMARY_INTERVAL_MS = 60_000;
/** Distinct sources and users are counted up to this many (a flood of spoofed sources must not grow memory). */
const MAX_DISTINCT = 1000;

export interface SummaryLogOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly level: 'info' | 'warn';
  readonly event: string;
  /** Name of the field that says what kind of event it was (`reason`, `cause`). */
  readonly kindField: string;
  readonly intervalMs?: number;
}

/** What one event adds to the summary; `source` and `user` are counted as distinct values. */
export interface SummaryEvent extends Readonly<Record<string, string | number | boolean>> {
  readonly source: string;
  readonly user: string;
}

/**
 * Writes the first event after a quiet interval at once, and whatever follows within the interval
 * as one line when it ends: `count` events, how many of each kind (`<kindField>s`), how many
 * distinct `sources` and `users`, and the fields of the last event. So an admin sees a single
 * wrong password without delay, and a flood costs one line a minute.
 */
export class SummaryLog {
  readonly #o: SummaryLogOptions;
  readonly #intervalMs: number;
  #lastLineAt: number | undefined;
  #timer: TimerHandle | undefined;
  #count = 0;
  #kinds = new Map<string, number>();
  #sources = new Set<string>();
  #users = new Set<string>();
  #last: SummaryEvent | undefined;

  constructor(options: SummaryLogOptions) {
    this.#o = options;
    this.#intervalMs = options.intervalMs ?? SUMMARY_INTERVAL_MS;
  }

  record(kind: string, event: SummaryEvent): void {
    this.#count++;
    this.#kinds.set(kind, (this.#kinds.get(kind) ?? 0) + 1);
    if (this.#sources.size < MAX_DISTINCT) this.#sources.add(event.source);
    if (this.#users.size < MAX_DISTINCT) this.#users.add(event.user);
    this.#last = { ...event, [this.#o.kindField]: kind };
    if (this.#timer !== undefined) return;
    const now = this.#o.clock.now();
    const quietSince = this.#lastLineAt === undefined ? Infinity : now - this.#lastLineAt;
    if (quietSince >= this.#intervalMs) {
      this.#flush();
      return;
    }
    this.#timer = this.#o.clock.setTimer(this.#intervalMs - quietSince, () => {
      this.#timer = undefined;
      this.#flush();
    });
  }

  #flush(): void {
    if (this.#count === 0 || this.#last === undefined) return;
    const fields: Record<string, string | number | boolean> = { ...this.#last, count: this.#count };
    if (this.#count > 1) {
      fields[`${this.#o.kindField}s`] = [...this.#kinds].map(([kind, n]) => `${kind}=${n}`).join(',');
      fields['sources'] = distinct(this.#sources);
      fields['users'] = distinct(this.#users);
    }
    this.#o.logger[this.#o.level](this.#o.event, fields as LogFields);
    this.#lastLineAt = this.#o.clock.now();
    this.#count = 0;
    this.#kinds = new Map();
    this.#sources = new Set();
    this.#users = new Set();
    this.#last = undefined;
  }
}

function distinct(values: ReadonlySet<string>): number | string {
  return values.size < MAX_DISTINCT ? values.size : `${MAX_DISTINCT}+`;
}
