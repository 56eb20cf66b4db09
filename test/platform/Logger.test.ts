// Logger: one line per event, values quoted so that no peer-supplied text can split or forge a line.
import { describe, expect, it } from 'vitest';
import { createConsoleLogger, formatLogLine, isJournalStream } from '../../firmware-app/platform/Logger.ts';

function collector(): { lines: string[]; write(text: string): void } {
  const lines: string[] = [];
  return { lines, write: (text) => lines.push(text) };
}

describe('formatLogLine', () => {
  it('writes level, event and key=value pairs in order', () => {
    expect(formatLogLine('info', 'registered', { server: 'pbx.example.org', expires: 3600, tls: false })).toBe(
      'info registered server=pbx.example.org expires=3600 tls=false',
    );
  });

  it('writes just level and event without fields', () => {
    expect(formatLogLine('warn', 'sipStackNotWired')).toBe('warn sipStackNotWired');
  });

  it('quotes values with spaces, quotes, equals signs, backslashes, control characters or nothing at all', () => {
    expect(formatLogLine('info', 'e', { a: 'two words', b: 'say "hi"', c: 'k=v', d: 'C:\\x', e: '' })).toBe(
      'info e a="two words" b="say \\"hi\\"" c="k=v" d="C:\\\\x" e=""',
    );
  });

  it('never lets a value break the line', () => {
    const line = formatLogLine('warn', 'badRequest', { userAgent: 'evil\ninfo doorOpened code=1234\r' });
    expect(line).not.toMatch(/[\r\n]/);
    expect(line).toBe('warn badRequest userAgent="evil\\ninfo doorOpened code=1234\\r"');
  });
});

describe('createConsoleLogger', () => {
  it('sends info and debug to stdout, warn and error to stderr, one newline-terminated line each', () => {
    const stdout = collector();
    const stderr = collector();
    const log = createConsoleLogger({ stdout, stderr, debug: true, timestamps: false });
    log.info('started', { mode: 'simulate' });
    log.debug('tick');
    log.warn('retrying', { attempt: 2 });
    log.error('failed', { code: 'BAD_VIA' });
    expect(stdout.lines).toEqual(['info started mode=simulate\n', 'debug tick\n']);
    expect(stderr.lines).toEqual(['warn retrying attempt=2\n', 'error failed code=BAD_VIA\n']);
  });

  it('drops debug lines unless asked for them', () => {
    const stdout = collector();
    createConsoleLogger({ stdout, stderr: collector() }).debug('tick');
    expect(stdout.lines).toEqual([]);
  });

  it('starts each line with the time, ISO 8601 UTC with milliseconds, unless told the journal adds it', () => {
    const stdout = collector();
    const stderr = collector();
    const now = (): number => Date.UTC(2026, 11, 3, 7, 5, 9, 42);
    createConsoleLogger({ stdout, stderr, now }).info('started', { mode: 'device' });
    createConsoleLogger({ stdout, stderr, now }).error('failed');
    createConsoleLogger({ stdout, stderr, now, timestamps: false }).info('stopped');
    expect(stdout.lines).toEqual(['2026-12-03T07:05:09.042Z info started mode=device\n', 'info stopped\n']);
    expect(stderr.lines).toEqual(['2026-12-03T07:05:09.042Z error failed\n']);
  });
});

describe('isJournalStream', () => {
  it('is true only when $JOURNAL_STREAM names this very stream (systemd.exec(5): device:inode)', () => {
    expect(isJournalStream('2049:123456', { dev: 2049n, ino: 123456n })).toBe(true);
    expect(isJournalStream('2049:123456', { dev: 2049, ino: 123456 })).toBe(true);
    // Inherited by a process whose output was redirected elsewhere: that stream needs its own time stamps.
    expect(isJournalStream('2049:123456', { dev: 2049n, ino: 999n })).toBe(false);
    expect(isJournalStream(undefined, { dev: 2049n, ino: 123456n })).toBe(false);
    expect(isJournalStream('', { dev: 0n, ino: 0n })).toBe(false);
    expect(isJournalStream('2049:123456', undefined)).toBe(false);
  });
});

describe('createConsoleLogger with defer', () => {
  it('writes nothing until the deferred flush, then each stream once, in the order logged', () => {
    const out: string[] = [];
    const err: string[] = [];
    let pending: (() => void) | undefined;
    let asked = 0;
    const log = createConsoleLogger({
      stdout: { write: (t: string) => out.push(t) },
      stderr: { write: (t: string) => err.push(t) },
      timestamps: false,
      defer: (flush) => {
        asked++;
        pending = flush;
      },
    });
    log.info('a');
    log.info('b', { x: 1 });
    log.warn('c');
    log.info('d');
    expect(out).toEqual([]);
    expect(asked).toBe(1);
    pending!();
    expect(out).toEqual(['info a\ninfo b x=1\n', 'info d\n']);
    expect(err).toEqual(['warn c\n']);
    log.info('e');
    expect(asked).toBe(2);
    log.flush(); // at exit, before the deferred flush ran
    expect(out.at(-1)).toBe('info e\n');
    pending!();
    expect(out).toHaveLength(3);
  });
});
