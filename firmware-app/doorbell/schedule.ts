// Weekly time windows (config `schedules`), evaluated on the wall clock in an IANA time zone through Intl.

import type { Schedules as ScheduleConfig, TimeWindow } from '../config/schema.ts';
import { WEEKDAYS } from '../config/schema.ts';
import type { WallClock } from './ports.ts';

type Weekday = (typeof WEEKDAYS)[number];

const WEEKDAY_BY_SHORT_NAME: Readonly<Record<string, Weekday>> = {
  Mon: 'mon', Tue: 'tue', Wed: 'wed', Thu: 'thu', Fri: 'fri', Sat: 'sat', Sun: 'sun',
};

/** Local wall time at an instant: the weekday and the minute of that day (0 … 1439). */
export interface LocalTime {
  readonly day: Weekday;
  readonly minute: number;
}

// Building a DateTimeFormat costs far more than using one, and a device uses one or two zones: keep them.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    // hourCycle h23: midnight is 00, never 24 (hour12: false gives 24 on some ICU versions).
    formatter = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The local weekday and minute of the day at `wallMs` in `timeZone` (throws RangeError for an unknown zone). */
export function localTime(wallMs: number, timeZone: string): LocalTime {
  let weekday = '';
  let hour = 0;
  let minute = 0;
  for (const part of formatterFor(timeZone).formatToParts(wallMs)) {
    if (part.type === 'weekday') weekday = part.value;
    else if (part.type === 'hour') hour = Number(part.value) % 24;
    else if (part.type === 'minute') minute = Number(part.value);
  }
  const day = WEEKDAY_BY_SHORT_NAME[weekday];
  if (day === undefined) throw new RangeError(`no weekday from Intl for ${timeZone}`);
  return { day, minute: hour * 60 + minute };
}

function minuteOf(clock: string): number {
  // The schema admits HH:MM from 00:00 to 24:00; 24:00 is the end of the day.
  return Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3, 5));
}

function previousDay(day: Weekday): Weekday {
  return WEEKDAYS[(WEEKDAYS.indexOf(day) + 6) % 7]!;
}

/** Is the local time inside one window? `from` inclusive, `to` exclusive; the listed day is the day it starts. */
function inWindow(window: TimeWindow, now: LocalTime, yesterday: Weekday): boolean {
  const from = minuteOf(window.from);
  const to = minuteOf(window.to);
  if (from < to) return window.days.includes(now.day) && now.minute >= from && now.minute < to;
  // `to` before `from`: the window runs past midnight, so its tail belongs to the day after a listed day.
  const startedToday = window.days.includes(now.day) && now.minute >= from;
  const startedYesterday = window.days.includes(yesterday) && now.minute < to;
  return startedToday || startedYesterday;
}

/**
 * Is `wallMs` (ms since the epoch) inside any of the weekly windows, read as local wall time in `timeZone`?
 * On DST days the local clock decides: a window over the skipped hour opens when the clock jumps past its start,
 * a window over the repeated hour is open both times round.
 */
export function isWithin(windows: readonly TimeWindow[], wallMs: number, timeZone: string): boolean {
  if (windows.length === 0) return false;
  const now = localTime(wallMs, timeZone);
  const yesterday = previousDay(now.day);
  return windows.some((window) => inWindow(window, now, yesterday));
}

/** The system's IANA time zone as Intl resolves it (`TZ`, /etc/localtime), `UTC` when it cannot tell. */
export function systemTimeZone(): string {
  try {
    const zone = new Intl.DateTimeFormat().resolvedOptions().timeZone;
    return typeof zone === 'string' && zone !== '' ? zone : 'UTC';
  } catch {
    return 'UTC';
  }
}

export interface SchedulesOptions {
  readonly schedules: ScheduleConfig;
  /** IANA zone (config `doorbell.timeZone`); the system's zone (systemTimeZone()) when left out. */
  readonly timeZone?: string | undefined;
  readonly wallClock: WallClock;
}

/** The named schedules of the configuration, asked "open now?" by routing steps, door codes and auto-answer. */
export class Schedules {
  readonly #schedules: ScheduleConfig;
  #timeZone: string | undefined;
  readonly #wallClock: WallClock;

  constructor(options: SchedulesOptions) {
    this.#schedules = options.schedules;
    this.#timeZone = options.timeZone;
    this.#wallClock = options.wallClock;
    // An unknown zone fails here, at start, not at the first ring. Without any schedule nothing asks Intl at all:
    // its first formatter costs tens of milliseconds of the start (time zone data), before the first REGISTER.
    if (Object.keys(this.#schedules).length > 0) formatterFor(this.timeZone);
  }

  get timeZone(): string {
    this.#timeZone ??= systemTimeZone();
    return this.#timeZone;
  }

  /** No schedule named: always. A name the configuration does not have: never (the schema rejects those anyway). */
  allows(name: string | undefined): boolean {
    if (name === undefined) return true;
    if (!Object.hasOwn(this.#schedules, name)) return false;
    const windows = this.#schedules[name];
    return windows !== undefined && isWithin(windows, this.#wallClock(), this.timeZone);
  }
}
