// Logger: one line per event, `[time] level event key=value …`; the time is left out where the systemd journal adds it.

import { fstatSync } from 'node:fs';

/** Values attached to a log event. Keys are ours; values may come from the network and are quoted when needed. */
export type LogFields = Readonly<Record<string, string | number | boolean>>;

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Structured, line-oriented logging. `event` is a short camelCase name such as `registered` or `doorOpened`. */
export interface Logger {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
}

/** Anything with a `write(text)`: `process.stdout`, a test's array collector … */
export interface LineSink {
  write(text: string): unknown;
}

export interface ConsoleLoggerOptions {
  /** Emit `debug` lines too (default: false). */
  readonly debug?: boolean;
  /** Where `debug` and `info` lines go (default: process.stdout). */
  readonly stdout?: LineSink;
  /** Where `warn` and `error` lines go (default: process.stderr). */
  readonly stderr?: LineSink;
  /**
   * Start each line with the wall-clock time, ISO 8601 UTC with milliseconds (`2026-12-03T07:00:57.123Z info …`).
   * Default: yes, except on process.stdout/stderr when systemd connected them to the journal, which stamps lines
   * itself (see journalStream).
   */
  readonly timestamps?: boolean;
  /** Wall-clock milliseconds since the epoch for the time stamp (default: Date.now). */
  readonly now?: () => number;
  /**
   * Write lines later, together, in the order they were logged: `defer(flush)` asks for one flush after the current
   * work (main.ts passes setImmediate). A write to a pipe is a system call; a bell press must not wait for four of them
   * before its INVITE leaves. Default: each line is written at once. `flush()` writes what waits (at exit).
   */
  readonly defer?: (flush: () => void) => void;
}

/** A console logger; `flush` writes lines still waiting for a deferred write (call it at exit). */
export interface ConsoleLogger extends Logger {
  flush(): void;
}

/** A file's identity as fstat gives it. */
export interface FileIdentity {
  readonly dev: bigint | number;
  readonly ino: bigint | number;
}

/**
 * systemd.exec(5): when a service's stdout or stderr goes to the journal, $JOURNAL_STREAM is `device:inode` of that
 * connection. A stream is the journal only when its own identity matches: a child whose output was redirected
 * still inherits the variable.
 */
export function isJournalStream(journalStream: string | undefined, file: FileIdentity | undefined): boolean {
  if (journalStream === undefined || file === undefined) return false;
  return journalStream === `${file.dev}:${file.ino}`;
}

/** Is this process's file descriptor (1, 2) connected to the journal? */
function fdIsJournal(fd: number): boolean {
  const journalStream = process.env.JOURNAL_STREAM;
  if (journalStream === undefined) return false;
  try {
    return isJournalStream(journalStream, fstatSync(fd, { bigint: true }));
  } catch {
    return false; // a closed descriptor is no journal
  }
}

// Anything else is quoted: a peer's User-Agent with spaces or a forged newline must not split or fake a line.
const BARE_VALUE = /^[^\s"=\\\p{Cc}]+$/u;

function formatValue(value: string | number | boolean): string {
  const text = String(value);
  return BARE_VALUE.test(text) ? text : JSON.stringify(text);
}

/** Formats one event as `level event key=value …` (no trailing newline). */
export function formatLogLine(level: LogLevel, event: string, fields?: LogFields): string {
  let line = `${level} ${event}`;
  if (fields !== undefined) {
    for (const [key, value] of Object.entries(fields)) line += ` ${key}=${formatValue(value)}`;
  }
  return line;
}

/** A Logger writing `debug`/`info` to stdout and `warn`/`error` to stderr, one line per event. */
export function createConsoleLogger(options: ConsoleLoggerOptions = {}): ConsoleLogger {
  const now = options.now ?? Date.now;
  const sink = (given: LineSink | undefined, fd: 1 | 2): { readonly write: LineSink['write']; readonly stamped: boolean } => {
    const target = given ?? (fd === 1 ? process.stdout : process.stderr);
    const stamped = options.timestamps ?? (given !== undefined || !fdIsJournal(fd));
    return { write: (text) => target.write(text), stamped };
  };
  const stdout = sink(options.stdout, 1);
  const stderr = sink(options.stderr, 2);
  type Sink = typeof stdout;
  const waiting: Array<{ readonly to: Sink; readonly text: string }> = [];
  const flush = (): void => {
    // Consecutive lines for one stream go out in one write; the order across streams is kept.
    while (waiting.length > 0) {
      const to = waiting[0]!.to;
      let text = '';
      while (waiting.length > 0 && waiting[0]!.to === to) text += waiting.shift()!.text;
      to.write(text);
    }
  };
  const defer = options.defer;
  const emit = (to: Sink, level: LogLevel, event: string, fields?: LogFields): void => {
    const line = formatLogLine(level, event, fields);
    const text = to.stamped ? `${new Date(now()).toISOString()} ${line}\n` : `${line}\n`;
    if (defer === undefined) {
      to.write(text);
      return;
    }
    waiting.push({ to, text });
    if (waiting.length === 1) defer(flush);
  };
  return {
    debug: (event, fields) => {
      if (options.debug === true) emit(stdout, 'debug', event, fields);
    },
    info: (event, fields) => emit(stdout, 'info', event, fields),
    warn: (event, fields) => emit(stderr, 'warn', event, fields),
    error: (event, fields) => emit(stderr, 'error', event, fields),
    flush,
  };
}
