// RefusalSummary: one line per interval, a debug line per new source, bounded per-source detail.
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../firmware-app/platform/FakeClock.ts';
import { RefusalSummary } from '../../firmware-app/platform/RefusalSummary.ts';
import { memoryLogger } from '../sip/transport/helpers.ts';

function setup(): { clock: FakeClock; logger: ReturnType<typeof memoryLogger>; summary: RefusalSummary<'a' | 'b'> } {
  const clock = new FakeClock();
  const logger = memoryLogger();
  const summary = new RefusalSummary<'a' | 'b'>({ clock, logger, event: 'thingsRefused', firstEvent: 'thingRefused', reasons: ['a', 'b'], fields: { protocol: 'tcp' } });
  return { clock, logger, summary };
}

describe('RefusalSummary', () => {
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

  it('keeps per-source detail for 256 sources an interval, and still counts the rest', () => {
    const { clock, logger, summary } = setup();
    for (let i = 0; i < 1000; i++) summary.note('a', `10.0.${i >> 8}.${i & 255}`);
    clock.advance(60_000);
    expect(logger.lines.filter((l) => l.startsWith('debug'))).toHaveLength(256);
    expect(logger.lines.at(-1)).toBe('info thingsRefused protocol=tcp interval=60s a=1000 sources=>256 topSource=10.0.0.0 topSourceCount=1');
  });
});
