// Summary lines for events a peer can repeat at will: the first at once, then at most one line per interval on the clock.
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../firmware-app/platform/FakeClock.ts';
import type { LogFields } from '../../../firmware-app/platform/Logger.ts';
import { SUMMARY_INTERVAL_MS, SummaryLog } from '../../../firmware-app/sip/registrar/SummaryLog.ts';
import { CollectingLogger } from '../transaction/harness.ts';

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

function summary(): { clock: FakeClock; logger: TimedLogger; log: SummaryLog } {
  const clock = new FakeClock();
  const logger = new TimedLogger(clock);
  return { clock, logger, log: new SummaryLog({ clock, logger, level: 'warn', event: 'registerAuthFailed', kindField: 'reason' }) };
}

describe('SummaryLog', () => {
  it('writes a lone event at once, with its fields and count=1', () => {
    const { logger, log } = summary();
    log.record('bad-response', { source: '203.0.113.5:5060', user: 'flat1', protocol: 'udp' });
    expect(logger.lines).toEqual([
      { level: 'warn', event: 'registerAuthFailed', fields: { source: '203.0.113.5:5060', user: 'flat1', protocol: 'udp', reason: 'bad-response', count: 1 } },
    ]);
  });

  it('turns a flood into one line per interval, counting kinds, sources and users', () => {
    const { clock, logger, log } = summary();
    for (let i = 0; i < 5000; i++) {
      log.record(i % 10 === 0 ? 'unknown-user' : 'bad-response', { source: `198.51.100.${i % 7}:5060`, user: i % 10 === 0 ? `guess${i}` : 'flat1' });
      clock.advance(2); // 5,000 packets in 10 s
    }
    expect(logger.lines).toHaveLength(1);
    clock.advance(SUMMARY_INTERVAL_MS);
    expect(logger.lines).toHaveLength(2);
    expect(logger.times).toEqual([0, SUMMARY_INTERVAL_MS]);
    expect(logger.lines[1]!.fields).toMatchObject({ count: 4999, reasons: 'bad-response=4500,unknown-user=499', sources: 7, users: 500, user: 'flat1', source: '198.51.100.1:5060' });
    // Nothing more to say: no further line.
    clock.advance(10 * SUMMARY_INTERVAL_MS);
    expect(logger.lines).toHaveLength(2);
  });

  it('keeps a steady flood at one line per interval, never two within one', () => {
    const { clock, logger, log } = summary();
    for (let t = 0; t < 10 * SUMMARY_INTERVAL_MS; t += 100) {
      log.record('bad-response', { source: '198.51.100.1:5060', user: 'flat1' });
      clock.advance(100);
    }
    // 6,000 packets in ten minutes: the first at once, then one line at the end of each interval.
    expect(logger.times).toEqual(Array.from({ length: 11 }, (_, i) => i * SUMMARY_INTERVAL_MS));
    expect(logger.lines.map((l) => l.fields?.count)).toEqual([1, 599, ...Array<number>(9).fill(600)]);
  });

  it('writes again at once after a quiet interval', () => {
    const { clock, logger, log } = summary();
    log.record('bad-response', { source: 'a', user: 'u' });
    clock.advance(SUMMARY_INTERVAL_MS);
    log.record('bad-nonce', { source: 'b', user: 'u' });
    expect(logger.lines.map((l) => l.fields?.reason)).toEqual(['bad-response', 'bad-nonce']);
  });

  it('counts at most 1000 distinct sources', () => {
    const { clock, logger, log } = summary();
    for (let i = 0; i < 3000; i++) log.record('bad-response', { source: `10.0.${i >> 8}.${i & 255}:5060`, user: 'flat1' });
    clock.advance(SUMMARY_INTERVAL_MS);
    expect(logger.lines[1]!.fields).toMatchObject({ count: 2999, sources: '1000+', users: 1 });
  });
});
