// SummaryLog: counts an event a peer can repeat at will (a refused request, a dropped connection, a failed REGISTER)
// and writes at most one line per interval on the injected Clock, never one line per packet.

import type { Clock, TimerHandle } from './Clock.ts';
import type { LogFields, Logger } from './Logger.ts';

/** One line a minute: a flood costs 60 lines an hour instead of one per packet, yet an operator sees it soon. */
export const SUMMARY_INTERVAL_MS = 60_000;

/** Distinct sources (and `distinct` values) kept per interval: a flood from more is still counted, as `sources=>1000`. */
export const MAX_DISTINCT = 1000;

export interface SummaryLogOptions<Kind extends string> {
  readonly clock: Clock;
  readonly logger: Logger;
  /** The summary line's event name, e.g. `requestsRefused`, `registerAuthFailed`. */
  readonly event: string;
  /** The summary line's level (default `info`). */
  readonly level?: 'info' | 'warn';
  /**
   * - `debug`: the first event of each source within an interval gets a debug line `firstEvent` of its own; the
   *   interval, started by the first event, ends with `interval=60s <kind>=n … sources=n topSource=host
   *   topSourceCount=n`, the kinds in the order of `kinds`.
   * - `immediate`: the first event after a quiet interval is written at once; what follows within the interval is
   *   one line when it ends: the last event's fields, `count`, and when more than one, `<kindField>s=kind=n,…`,
   *   `sources=n` and `<field>s=n` for each `distinct` field.
   */
  readonly first: 'debug' | 'immediate';
  /** `debug`: the event name of the first-event-of-a-source line, e.g. `requestRefused`. */
  readonly firstEvent?: string;
  /** `debug`: every kind, in the order the summary line lists them. */
  readonly kinds?: readonly Kind[];
  /** Name of the field that says what kind of event it was (default `reason`). */
  readonly kindField?: string;
  /** `immediate`: fields of the events whose distinct values are counted besides the source, e.g. `['user']`. */
  readonly distinct?: readonly string[];
  /** Fields every line starts with, e.g. `{ protocol: 'tcp' }`. */
  readonly fields?: LogFields;
  readonly intervalMs?: number;
}

type Fields = Record<string, string | number | boolean>;

/** A bounded set of distinct values, with a count per value. */
class Distinct {
  readonly counts = new Map<string, number>();
  overflowed = false;

  /** True when `value` is new and remembered. */
  add(value: string): boolean {
    const seen = this.counts.get(value);
    if (seen === undefined && this.counts.size >= MAX_DISTINCT) this.overflowed = true;
    else this.counts.set(value, (seen ?? 0) + 1);
    return seen === undefined && this.counts.has(value);
  }

  get size(): number | string {
    return this.overflowed ? `>${MAX_DISTINCT}` : this.counts.size;
  }
}

/** Counts events, logs at most one line per interval (see `first`); no line and no timer while nothing happens. */
export class SummaryLog<Kind extends string = string> {
  readonly #o: SummaryLogOptions<Kind>;
  readonly #intervalMs: number;
  readonly #kindField: string;
  #timer: TimerHandle | undefined;
  #lastLineAt: number | undefined;
  #count = 0;
  #kinds = new Map<Kind, number>();
  #sources = new Distinct();
  #distinct = new Map<string, Distinct>();
  #last: { kind: Kind; fields: Fields } | undefined;

  constructor(options: SummaryLogOptions<Kind>) {
    this.#o = options;
    this.#intervalMs = options.intervalMs ?? SUMMARY_INTERVAL_MS;
    this.#kindField = options.kindField ?? 'reason';
  }

  /** Counts one event of `kind` from `source` (a host, or host:port); `fields` describe it. */
  note(kind: Kind, source: string, fields: LogFields = {}): void {
    this.#count++;
    this.#kinds.set(kind, (this.#kinds.get(kind) ?? 0) + 1);
    const newSource = this.#sources.add(source);
    for (const name of this.#o.distinct ?? []) {
      const value = fields[name];
      if (value === undefined) continue;
      let values = this.#distinct.get(name);
      if (values === undefined) this.#distinct.set(name, (values = new Distinct()));
      values.add(String(value));
    }
    this.#last = { kind, fields: { source, ...fields } };
    if (this.#o.first === 'debug' && newSource) {
      this.#o.logger.debug(this.#o.firstEvent ?? this.#o.event, { ...this.#o.fields, source, [this.#kindField]: kind, ...fields });
    }
    if (this.#timer !== undefined) return;
    let delay = this.#intervalMs;
    if (this.#o.first === 'immediate') {
      const quiet = this.#lastLineAt === undefined ? Infinity : this.#o.clock.now() - this.#lastLineAt;
      if (quiet >= this.#intervalMs) {
        this.flush();
        return;
      }
      delay -= quiet;
    }
    this.#timer = this.#o.clock.setTimer(delay, () => this.flush());
  }

  /** Logs the summary of the events noted so far (if any) and starts a new interval. */
  flush(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
    if (this.#last === undefined) return;
    this.#o.logger[this.#o.level ?? 'info'](this.#o.event, this.#o.first === 'debug' ? this.#intervalLine() : this.#lastLine(this.#last));
    this.#lastLineAt = this.#o.clock.now();
    this.#count = 0;
    this.#kinds = new Map();
    this.#sources = new Distinct();
    this.#distinct = new Map();
    this.#last = undefined;
  }

  /** `debug`: how many of each kind, from how many sources, and the busiest one. */
  #intervalLine(): Fields {
    const line: Fields = { ...this.#o.fields, interval: `${Math.round(this.#intervalMs / 1000)}s` };
    for (const kind of this.#o.kinds ?? [...this.#kinds.keys()]) {
      const count = this.#kinds.get(kind);
      if (count !== undefined) line[kind] = count;
    }
    let top: [string, number] | undefined;
    for (const entry of this.#sources.counts) if (top === undefined || entry[1] > top[1]) top = entry;
    line['sources'] = this.#sources.size;
    if (top !== undefined) {
      line['topSource'] = top[0];
      line['topSourceCount'] = top[1];
    }
    return line;
  }

  /** `immediate`: the last event, and when there were more, how many of each kind and how many distinct sources and values. */
  #lastLine(last: { kind: Kind; fields: Fields }): Fields {
    const line: Fields = { ...this.#o.fields, ...last.fields, [this.#kindField]: last.kind, count: this.#count };
    if (this.#count === 1) return line;
    line[`${this.#kindField}s`] = [...this.#kinds].map(([kind, n]) => `${kind}=${n}`).join(',');
    line['sources'] = this.#sources.size;
    for (const name of this.#o.distinct ?? []) line[`${name}s`] = this.#distinct.get(name)?.size ?? 0;
    return line;
  }
}
