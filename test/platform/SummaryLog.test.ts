// SummaryLog: at most one line per interval on the clock for events a peer can repeat at will, the first told
// either as a debug line per new source (refusals) or at once (registrar failures); bounded per-source detail.
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../firmware-app/platform/FakeClock.ts';
import type { LogFields } from '../../firmware-app/platform/Logger.ts';
import { SUMMARY_INTERVAL_MS, SummaryLog } from '../../firmware-app/platform/SummaryLog.ts';
import { CollectingLogger } from '../sip/transaction/harness.ts';
import { memoryLogger } from '../sip/transport/helpers.ts';

describe("SummaryLog, first: 'debug'", () => {
  function setup(): { clock: FakeClock; logger: ReturnType<typeof memoryLogger>; summary: SummaryLog<'a' | 'b'> } {
    const clock = new FakeClock();
    const logger = memoryLogger();
    const summary = new SummaryLog<'a' | 'b'>({
      clock, logger, event: 'thingsRefused', first: 'debug', firstEvent: 'thingRefused', kinds: ['a', 'b'], fields: { protocol: 'tcp' },
    });
    return { clock, logger, summary };
  }

  it('lists the reasons in their given order, the number of sources and the top one', () => {
    const { clock, logger, summary } = setup();
    summary.note('b', '192.0.2.1');
    summary.note('a', '192.0.2.2', { port: 5060 });
    summary.note('b', '192.0.2.2');
    clock.advance(59_999);
    expect(logger.lines.filter((l) => l.startsWith('info'))).toEqual([]);
    clock.advance(1);
    expect(logger.lines).toEqual([
      'debug thingRefused protocol=tcp source=192.0.2.1 reason=b',
      'debug thingRefused protocol=tcp source=192.0.2.2 reason=a port=5060',
      'info thingsRefused protocol=tcp interval=60s a=1 b=2 sources=2 topSource=192.0.2.2 topSourceCount=2',
    ]);
  });

  it('keeps per-source detail for 1000 sources an interval, and still counts the rest', () => {
    const { clock, logger, summary } = setup();
    for (let i = 0; i < 3000; i++) summary.note('a', `10.0.${i >> 8}.${i & 255}`);
    clock.advance(60_000);
    expect(logger.lines.filter((l) => l.startsWith('debug'))).toHaveLength(1000);
    expect(logger.lines.at(-1)).toBe('info thingsRefused protocol=tcp interval=60s a=3000 sources=>1000 topSource=10.0.0.0 topSourceCount=1');
  });

  it('flush writes the line at once and leaves no timer; nothing noted, nothing written', () => {
    const { clock, logger, summary } = setup();
    summary.flush();
    expect(logger.lines).toEqual([]);
    summary.note('a', '192.0.2.1');
    summary.flush();
    expect(logger.lines.at(-1)).toBe('info thingsRefused protocol=tcp interval=60s a=1 sources=1 topSource=192.0.2.1 topSourceCount=1');
    expect(clock.pending).toBe(0);
  });
});

/** A CollectingLogger that also notes the clock time of each line. */
class TimedLogger extends CollectingLogger {
  readonly times: number[] = [];
  constructor(readonly clock: FakeClock) {
    super();
  }
  override warn(event: string, fields?: LogFields): void {
    this.times.push(this.clock.now());
    super.warn(event, fields);
  }
}

describe("SummaryLog, first: 'immediate'", () => {
  function summary(): { clock: FakeClock; logger: TimedLogger; log: SummaryLog } {
    const clock = new FakeClock();
    const logger = new TimedLogger(clock);
    return { clock, logger, log: new SummaryLog({ clock, logger, level: 'warn', first: 'immediate', event: 'registerAuthFailed', kindField: 'reason', distinct: ['user'] }) };
  }

  it('writes a lone event at once, with its fields and count=1', () => {
    const { logger, log } = summary();
    log.note('bad-response', '203.0.113.5:5060', { user: 'flat1', protocol: 'udp' });
    expect(logger.lines).toEqual([
      { level: 'warn', event: 'registerAuthFailed', fields: { source: '203.0.113.5:5060', user: 'flat1', protocol: 'udp', reason: 'bad-response', count: 1 } },
    ]);
    expect(Object.keys(logger.lines[0]!.fields!)).toEqual(['source', 'user', 'protocol', 'reason', 'count']);
  });

  it('turns a flood into one line per interval, counting kinds, sources and users', () => {
    const { clock, logger, log } = summary();
    for (let i = 0; i < 5000; i++) {
      log.note(i % 10 === 0 ? 'unknown-user' : 'bad-response', `198.51.100.${i % 7}:5060`, { user: i % 10 === 0 ? `guess${i}` : 'flat1' });
      clock.advance(2); // 5,000 packets in 10 s
    }
    expect(logger.lines).toHaveLength(1);
    clock.advance(SUMMARY_INTERVAL_MS);
    expect(logger.lines).toHaveLength(2);
    expect(logger.times).toEqual([0, SUMMARY_INTERVAL_MS]);
    expect(logger.lines[1]!.fields).toMatchObject({ count: 4999, reasons: 'bad-response=4500,unknown-user=499', sources: 7, users: 500, user: 'flat1', source: '198.51.100.1:5060' });
    // Nothing more to say: no further line, no timer.
    clock.advance(10 * SUMMARY_INTERVAL_MS);
    expect(logger.lines).toHaveLength(2);
    expect(clock.pending).toBe(0);
  });

  it('keeps a steady flood at one line per interval, never two within one', () => {
    const { clock, logger, log } = summary();
    for (let t = 0; t < 10 * SUMMARY_INTERVAL_MS; t += 100) {
      log.note('bad-response', '198.51.100.1:5060', { user: 'flat1' });
      clock.advance(100);
    }
    // 6,000 packets in ten minutes: the first at once, then one line at the end of each interval.
    expect(logger.times).toEqual(Array.from({ length: 11 }, (_, i) => i * SUMMARY_INTERVAL_MS));
    expect(logger.lines.map((l) => l.fields?.count)).toEqual([1, 599, ...Array<number>(9).fill(600)]);
  });

  it('writes again at once after a quiet interval', () => {
    const { clock, logger, log } = summary();
    log.note('bad-response', 'a', { user: 'u' });
    clock.advance(SUMMARY_INTERVAL_MS);
    log.note('bad-nonce', 'b', { user: 'u' });
    expect(logger.lines.map((l) => l.fields?.reason)).toEqual(['bad-response', 'bad-nonce']);
  });

  it('counts at most 1000 distinct sources and users', () => {
    const { clock, logger, log } = summary();
    for (let i = 0; i < 3000; i++) log.note('bad-response', `10.0.${i >> 8}.${i & 255}:5060`, { user: i < 1500 ? 'flat1' : `guess${i}` });
    clock.advance(SUMMARY_INTERVAL_MS);
    expect(logger.lines[1]!.fields).toMatchObject({ count: 2999, sources: '>1000', users: '>1000' });
  });
});
