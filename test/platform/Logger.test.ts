// Logger: one line per event, values quoted so that no peer-supplied text can split or forge a line.
import { describe, expect, it } from 'vitest';
import { createConsoleLogger, formatLogLine } from '../../firmware-app/platform/Logger.ts';

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
    const log = createConsoleLogger({ stdout, stderr, debug: true });
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
});
