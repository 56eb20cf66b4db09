// The registrar's password guessing guard: delays after 5 failures, a 15-minute lock after 20, bounded memory for invented names.
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../firmware-app/platform/FakeClock.ts';
import {
  AuthThrottle, LOCK_AFTER_FAILURES, LOCK_MINUTES, MAX_UNKNOWN_USERS, SLOW_AFTER_FAILURES, delayAfter,
} from '../../../firmware-app/sip/registrar/AuthThrottle.ts';

function throttle(users: readonly string[] = ['flat1']): { clock: FakeClock; t: AuthThrottle } {
  const clock = new FakeClock();
  const t = new AuthThrottle(clock);
  t.configure(new Set(users));
  return { clock, t };
}

describe('AuthThrottle', () => {
  it('answers five failures at once, then waits 1, 2, 4, 8 and 16 s, and never longer', () => {
    expect(SLOW_AFTER_FAILURES).toBe(5);
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 19, 1000].map(delayAfter)).toEqual([0, 0, 0, 0, 0, 1000, 2000, 4000, 8000, 16_000, 16_000, 16_000, 16_000]);
  });

  it('locks a name at its 20th failure in a row for 15 minutes, then one more failure locks it again', () => {
    const { clock, t } = throttle();
    for (let i = 1; i < LOCK_AFTER_FAILURES; i++) expect(t.failed('flat1').locked).toBe(false);
    expect(t.isLocked('flat1')).toBe(false);
    expect(t.failed('flat1')).toEqual({ failures: 20, delayMs: 16_000, locked: true });
    expect(t.isLocked('flat1')).toBe(true);
    clock.advance(LOCK_MINUTES * 60_000 - 1);
    expect(t.isLocked('flat1')).toBe(true);
    clock.advance(1);
    expect(t.isLocked('flat1')).toBe(false);
    expect(t.failed('flat1')).toMatchObject({ failures: 21, locked: true });
  });

  it('starts counting again after a success or a forget', () => {
    const { t } = throttle();
    for (let i = 0; i < 7; i++) t.failed('flat1');
    t.succeeded('flat1');
    expect(t.failed('flat1')).toEqual({ failures: 1, delayMs: 0, locked: false });
    for (let i = 0; i < 30; i++) t.failed('flat1');
    expect(t.isLocked('flat1')).toBe(true);
    t.forget('flat1');
    expect(t.isLocked('flat1')).toBe(false);
  });

  it('treats a name nobody configured exactly like a configured one', () => {
    const { t } = throttle();
    const known = Array.from({ length: 22 }, () => t.failed('flat1'));
    const unknown = Array.from({ length: 22 }, () => t.failed('mallory'));
    expect(unknown).toEqual(known);
    expect(t.isLocked('mallory')).toBe(true);
  });

  it('keeps at most MAX_UNKNOWN_USERS invented names, forgetting the least recent, and never a configured user', () => {
    const { t } = throttle();
    for (let i = 0; i < LOCK_AFTER_FAILURES - 1; i++) t.failed('flat1');
    for (let i = 0; i < 6; i++) t.failed('first-invented');
    for (let i = 0; i < MAX_UNKNOWN_USERS; i++) t.failed(`invented-${i}`);
    // The oldest invented name was forgotten; the configured user's count was not.
    expect(t.failed('first-invented').failures).toBe(1);
    expect(t.failed('flat1')).toMatchObject({ failures: LOCK_AFTER_FAILURES, locked: true });
    expect(t.failed('invented-1').failures).toBe(2);
  });

  it('carries a count across a configuration change that adds or removes the name', () => {
    const { t } = throttle([]);
    for (let i = 0; i < 6; i++) t.failed('flat2');
    t.configure(new Set(['flat2']));
    expect(t.failed('flat2').failures).toBe(7);
    t.configure(new Set());
    expect(t.failed('flat2').failures).toBe(8);
  });
});
