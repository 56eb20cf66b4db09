// One press's routing plan alone: steps in order, ring timeouts, busy and failures, closed schedules, a slow UA.

import { describe, expect, it } from 'vitest';
import type { RoutingStep } from '../../firmware-app/config/schema.ts';
import { type PlanOutcome, RingPlan } from '../../firmware-app/doorbell/RingPlan.ts';
import { FakeClock } from '../../firmware-app/platform/FakeClock.ts';
import type { Call } from '../../firmware-app/sip/dialog/types.ts';
import { memoryLogger } from '../sip/transport/helpers.ts';
import { FakeCall, FakePhone } from './support/fakePhone.ts';
import { RecordingEvents } from './support/doorRig.ts';

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

function plan(steps: RoutingStep[], phone: Pick<FakePhone, 'call'> = new FakePhone(), closed: readonly string[] = []) {
  const clock = new FakeClock();
  const logger = memoryLogger();
  const events = new RecordingEvents();
  const outcomes: PlanOutcome[] = [];
  const placed: Call[] = [];
  const ringPlan = new RingPlan({
    button: 'b', steps, phone, clock, logger, events,
    schedules: { allows: (name) => name === undefined || !closed.includes(name) },
    placed: (call) => placed.push(call),
    finished: (outcome) => outcomes.push(outcome),
  });
  return { ringPlan, clock, logger, events, outcomes, placed };
}

const step = (targets: string[], ringSec = 30, schedule?: string): RoutingStep => ({ targets, ringSec, ...(schedule !== undefined ? { schedule } : {}) });

describe('RingPlan', () => {
  it('rings each step for its ringSec, cancelling the one before, and ends exhausted without a status', async () => {
    const phone = new FakePhone();
    const p = plan([step(['a'], 10), step(['b', 'c'], 20)], phone);
    p.ringPlan.start();
    await settle();
    expect(p.ringPlan.step).toBe(0);
    p.clock.advance(10_000);
    await settle();
    expect(phone.calls[0]!.hangups).toEqual([undefined]);
    expect(phone.calls[1]!.targets).toEqual(['b', 'c']);
    expect(p.ringPlan.step).toBe(1);
    p.clock.advance(20_000);
    await settle();
    expect(p.outcomes).toEqual([{ kind: 'exhausted' }]);
    expect(p.placed).toEqual(phone.calls);
    expect(p.logger.lines.filter((l) => l.includes('stepTimedOut'))).toEqual([
      'info stepTimedOut button=b step=0 call=call-1', 'info stepTimedOut button=b step=1 call=call-2',
    ]);
    expect(p.clock.pending).toBe(0);
  });

  it('reports the answering call and stops following it', async () => {
    const phone = new FakePhone();
    const p = plan([step(['a'], 10), step(['b'], 10)], phone);
    p.ringPlan.start();
    await settle();
    phone.last.ring();
    phone.last.answer();
    expect(p.outcomes).toEqual([{ kind: 'answered', call: phone.last, step: 0 }]);
    p.clock.advance(60_000);
    phone.last.end('remoteBye');
    await settle();
    expect(phone.calls).toHaveLength(1);
    expect(p.outcomes).toHaveLength(1);
  });

  it('keeps the last attempt\'s status: busy on the last step is 486; a timeout after it forgets it', async () => {
    const phone = new FakePhone();
    const p = plan([step(['a']), step(['b'])], phone);
    p.ringPlan.start();
    await settle();
    phone.last.end('rejected', 486);
    await settle();
    phone.last.end('rejected', 603);
    await settle();
    expect(p.outcomes).toEqual([{ kind: 'exhausted', status: 603 }]);

    const phone2 = new FakePhone();
    const q = plan([step(['a'], 10), step(['b'], 10)], phone2);
    q.ringPlan.start();
    await settle();
    phone2.last.end('rejected', 486);
    await settle();
    q.clock.advance(10_000);
    await settle();
    expect(q.outcomes).toEqual([{ kind: 'exhausted' }]);
  });

  it('skips steps whose schedule is closed; all closed or none at all ends at once', async () => {
    const phone = new FakePhone();
    const p = plan([step(['night'], 30, 'night'), step(['day'])], phone, ['night']);
    p.ringPlan.start();
    await settle();
    expect(phone.calls.map((c) => c.targets)).toEqual([['day']]);

    const q = plan([step(['night'], 30, 'night')], new FakePhone(), ['night']);
    q.ringPlan.start();
    expect(q.outcomes).toEqual([{ kind: 'exhausted' }]);
    const r = plan([]);
    r.ringPlan.start();
    expect(r.outcomes).toEqual([{ kind: 'exhausted' }]);
  });

  it('a call the UA places only after the step\'s time ran out is hung up and ignored', async () => {
    const slow: Array<(call: Call) => void> = [];
    const phone = { call: () => new Promise<Call>((resolve) => slow.push(resolve)) };
    const p = plan([step(['a'], 5), step(['b'], 5)], phone);
    p.ringPlan.start();
    p.clock.advance(5000);
    expect(slow).toHaveLength(2);
    const late = new FakeCall('late', ['a']);
    slow[0]!(late);
    await settle();
    expect(late.hangups).toHaveLength(1);
    expect(p.placed).toEqual([]);
    expect(p.logger.lines).toContain('info callAbandoned call=late button=b step=0');
    const current = new FakeCall('current', ['b']);
    slow[1]!(current);
    await settle();
    current.answer();
    expect(p.outcomes).toEqual([{ kind: 'answered', call: current, step: 1 }]);
  });

  it('stop() cancels the timer and reports nothing; a call placed after it is hung up', async () => {
    const slow: Array<(call: Call) => void> = [];
    const p = plan([step(['a'], 5)], { call: () => new Promise<Call>((resolve) => slow.push(resolve)) });
    p.ringPlan.start();
    p.ringPlan.stop();
    expect(p.clock.pending).toBe(0);
    const late = new FakeCall('late', ['a']);
    slow[0]!(late);
    await settle();
    expect(late.hangups).toHaveLength(1);
    expect(p.outcomes).toEqual([]);
  });
});
