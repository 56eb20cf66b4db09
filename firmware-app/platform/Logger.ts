// Logger: one line per event, `level event key=value …`, written for the systemd journal (which adds the time).

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
export function createConsoleLogger(options: ConsoleLoggerOptions = {}): Logger {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const emit = (sink: LineSink, level: LogLevel, event: string, fields?: LogFields): void => {
    sink.write(`${formatLogLine(level, event, fields)}\n`);
  };
  return {
    debug: (event, fields) => {
      if (options.debug === true) emit(stdout, 'debug', event, fields);
    },
    info: (event, fields) => emit(stdout, 'info', event, fields),
    warn: (event, fields) => emit(stderr, 'warn', event, fields),
    error: (event, fields) => emit(stderr, 'error', event, fields),
  };
}
