// The event log: presses, calls, door openings, failed codes, registration changes; bounded, persisted, newest first.

import { errorMessage } from '../errors.ts';
import type { Clock, TimerHandle } from '../platform/Clock.ts';
import type { Logger } from '../platform/Logger.ts';
import type { DoorEvent, DoorEventKind, DoorEventSink, WallClock } from './ports.ts';

/** Where the log is kept (platform/atomicFile.ts createFileStore in the product, memory in tests). */
export interface EventStore {
  load(): string | undefined;
  save(text: string): Promise<void>;
}

export interface EventLogOptions {
  readonly maxEntries: number;
  readonly store: EventStore;
  readonly clock: Clock;
  readonly wallClock: WallClock;
  readonly logger: Logger;
  /** Records within this time share one write (default 2000 ms): an SD card lives longer. */
  readonly flushDelayMs?: number;
}

const FORMAT_VERSION = 1;
// Every kind, so a kind added to ports.ts without a place here fails to compile.
const KINDS: Readonly<Record<DoorEventKind, true>> = {
  buttonPressed: true, callStarted: true, callAnswered: true, callEnded: true, callIncoming: true, doorOpened: true,
  doorCodeRejected: true, doorCodesLocked: true, registered: true, registrationFailed: true, chimeRang: true,
};

function isFieldValue(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
}

/** One stored entry, or undefined when it is not one of ours (it is left out, the rest is kept). */
function eventOf(value: unknown): DoorEvent | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { at, kind, fields } = value as Record<string, unknown>;
  if (typeof at !== 'number' || !Number.isFinite(at) || typeof kind !== 'string' || !Object.hasOwn(KINDS, kind)) return undefined;
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) return undefined;
  if (!Object.values(fields).every(isFieldValue)) return undefined;
  return Object.freeze({ at, kind: kind as DoorEventKind, fields: Object.freeze({ ...(fields as DoorEvent['fields']) }) });
}

/** The stored file's events, oldest first; throws with a reason when the text is not an event log of ours. */
function parseEvents(text: string): DoorEvent[] {
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== 'object' || parsed === null) throw new Error('not an object');
  const { version, events } = parsed as Record<string, unknown>;
  if (version !== FORMAT_VERSION) throw new Error(`version ${String(version)}, not ${FORMAT_VERSION}`);
  if (!Array.isArray(events)) throw new Error('no events array');
  return events.map(eventOf).filter((event) => event !== undefined);
}

/**
 * Keeps the newest `maxEntries` events in memory and in the store. Writes are coalesced (at most one per
 * flushDelayMs on the clock) and never overlap; a failed write is logged and retried at the next flush.
 */
export class EventLog implements DoorEventSink {
  readonly #options: EventLogOptions;
  readonly #flushDelayMs: number;
  /** Oldest first, as stored. */
  #events: DoorEvent[] = [];
  /** Events recorded since the last write began. */
  #dirty = false;
  #timer: TimerHandle | undefined;
  #writing: Promise<void> | undefined;

  constructor(options: EventLogOptions) {
    this.#options = options;
    this.#flushDelayMs = options.flushDelayMs ?? 2000;
    this.#load();
  }

  /** Adds an event at the wall-clock time now; the oldest is dropped past maxEntries. */
  record(kind: DoorEventKind, fields: DoorEvent['fields'] = {}): void {
    this.#events.push(Object.freeze({ at: Math.round(this.#options.wallClock()), kind, fields: Object.freeze({ ...fields }) }));
    const excess = this.#events.length - this.#options.maxEntries;
    if (excess > 0) this.#events.splice(0, excess);
    this.#dirty = true;
    this.#schedule();
  }

  /** The newest `limit` events (all by default), newest first. */
  recent(limit = this.#events.length): readonly DoorEvent[] {
    const count = Math.max(0, Math.min(Math.floor(limit), this.#events.length));
    return this.#events.slice(this.#events.length - count).reverse();
  }

  /** Writes now if anything changed (at shutdown), after a write already running; never rejects. */
  async flush(): Promise<void> {
    while (this.#writing !== undefined) await this.#writing;
    this.#timer?.cancel();
    this.#timer = undefined;
    if (this.#dirty) await this.#write();
  }

  #load(): void {
    const { store, logger, maxEntries } = this.#options;
    try {
      const text = store.load();
      if (text === undefined) return;
      this.#events = parseEvents(text).slice(-maxEntries);
    } catch (error) {
      // The file stays as it is until the first new event replaces it: someone may want to look at it.
      logger.warn('eventLogUnreadable', { error: errorMessage(error) });
      this.#events = [];
    }
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#writing !== undefined) return; // the running write reschedules
    this.#timer = this.#options.clock.setTimer(this.#flushDelayMs, () => {
      this.#timer = undefined;
      if (this.#dirty) void this.#write();
    });
  }

  #write(): Promise<void> {
    if (this.#writing !== undefined) return this.#writing;
    this.#dirty = false;
    const text = `${JSON.stringify({ version: FORMAT_VERSION, events: this.#events })}\n`;
    let failed = false;
    const writing = Promise.resolve()
      .then(() => this.#options.store.save(text))
      .catch((error: unknown) => {
        failed = true;
        this.#dirty = true;
        this.#options.logger.warn('eventLogWriteFailed', { error: errorMessage(error) });
      })
      .finally(() => {
        this.#writing = undefined;
        // Events recorded during the write go out with the next one; after a failure, the next record or flush retries.
        if (this.#dirty && !failed) this.#schedule();
      });
    this.#writing = writing;
    return writing;
  }
}
