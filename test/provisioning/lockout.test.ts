// The login lockout outlives a restart: counters kept in wall-clock times in lockout.json, restored on the new
// process's monotonic clock, never longer than a lock lasts whatever the wall clock did meanwhile; a file that cannot
// be used is one log line and a fresh start; saves run one at a time. Then the same through the real server.
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../firmware-app/platform/FakeClock.ts';
import type { FileStore } from '../../firmware-app/platform/atomicFile.ts';
import { DEFAULT_LOCKOUT, LoginLockout } from '../../provisioning/lockout.ts';
import { memoryLogger } from './support/fakes.ts';
import { ADMIN_PASSWORD, setUpHarness, startHarness, type Harness } from './support/harness.ts';

const LOCK_MS = DEFAULT_LOCKOUT.lockMs;
const DAY = 86_400_000;

/** A lockout file in memory; `hold()` makes saves wait until `release()`. */
function memoryStore(initial?: string) {
  let text = initial;
  let holding = false;
  const waiting: (() => void)[] = [];
  const saves: string[] = [];
  const store: FileStore & { readonly saves: string[]; text(): string | undefined; hold(): void; release(): void; failing: boolean; unreadable: boolean } = {
    saves,
    failing: false,
    unreadable: false,
    text: () => text,
    load() {
      if (store.unreadable) throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
      return text;
    },
    async save(next) {
      if (holding) await new Promise<void>((resolve) => waiting.push(resolve));
      if (store.failing) throw new Error('ENOSPC: no space left on device');
      saves.push(next);
      text = next;
    },
    hold: () => {
      holding = true;
    },
    release: () => {
      holding = false;
      waiting.splice(0).forEach((resolve) => resolve());
    },
  };
  return store;
}

/** A process of the door station: its own monotonic clock (starting anywhere), the wall clock at `wall`. */
function start(store: FileStore, wall: number, monotonicStart = 5_000) {
  const clock = new FakeClock(monotonicStart);
  let wallNow = wall;
  const logger = memoryLogger();
  const lockout = new LoginLockout(clock, DEFAULT_LOCKOUT, {
    store, logger, name: 'lockout.json',
    wallClock: () => wallNow + (clock.now() - monotonicStart),
  });
  return { clock, lockout, logger, setWall: (ms: number) => (wallNow = ms) };
}

describe('LoginLockout across a restart', () => {
  it('a lock survives a restart with the time that was left; the process\'s new monotonic clock does not matter', async () => {
    const store = memoryStore();
    const first = start(store, 1_700_000_000_000);
    for (let i = 0; i < 5; i++) first.lockout.fail('192.0.2.7');
    expect(first.lockout.check('192.0.2.7')).toEqual({ scope: 'address', retryAfterMs: LOCK_MS });
    await first.lockout.flush();
    // Power cut; back one minute later, the new process's monotonic clock starting near zero.
    const second = start(store, 1_700_000_000_000 + 60_000, 12);
    expect(second.lockout.check('192.0.2.7')).toEqual({ scope: 'address', retryAfterMs: LOCK_MS - 60_000 });
    expect(second.lockout.check('198.51.100.1')).toBeUndefined();
    second.clock.advance(LOCK_MS - 60_000);
    expect(second.lockout.check('192.0.2.7')).toBeUndefined();
    expect(second.logger.lines).toEqual([]);
  });

  it('failures short of a lock are remembered too: the fifth wrong password after a restart locks', async () => {
    const store = memoryStore();
    const first = start(store, 1_700_000_000_000);
    for (let i = 0; i < 4; i++) first.lockout.fail('192.0.2.7');
    await first.lockout.flush();
    const second = start(store, 1_700_000_000_000 + 1000);
    expect(second.lockout.fail('192.0.2.7')).toEqual({ lockedNow: { scope: 'address', retryAfterMs: LOCK_MS }, failures: 5 });
  });

  it('the overall counter survives as well: 19 guesses from many addresses, a restart, one more locks everyone', async () => {
    const store = memoryStore();
    const first = start(store, 1_700_000_000_000);
    for (let i = 0; i < 19; i++) first.lockout.fail(`10.0.0.${i}`);
    await first.lockout.flush();
    const second = start(store, 1_700_000_000_000 + 1000);
    expect(second.lockout.fail('10.0.1.1').lockedNow).toEqual({ scope: 'overall', retryAfterMs: LOCK_MS });
    expect(second.lockout.check('10.0.9.9')?.scope).toBe('overall');
  });

  it('a wall clock set back (a Pi booting without a real-time clock) never makes a lock longer than it lasts', async () => {
    const store = memoryStore();
    const first = start(store, 1_700_000_000_000);
    for (let i = 0; i < 5; i++) first.lockout.fail('192.0.2.7');
    await first.lockout.flush();
    const second = start(store, 1_700_000_000_000 - DAY);
    expect(second.lockout.check('192.0.2.7')).toEqual({ scope: 'address', retryAfterMs: LOCK_MS });
    second.clock.advance(LOCK_MS);
    expect(second.lockout.check('192.0.2.7')).toBeUndefined();
  });

  it('a wall clock past the lock (set forward, or a long outage) finds it over and the failures forgotten', async () => {
    const store = memoryStore();
    const first = start(store, 1_700_000_000_000);
    for (let i = 0; i < 5; i++) first.lockout.fail('192.0.2.7');
    await first.lockout.flush();
    const second = start(store, 1_700_000_000_000 + LOCK_MS);
    expect(second.lockout.check('192.0.2.7')).toBeUndefined();
    expect(second.lockout.fail('192.0.2.7').failures).toBe(1);
  });

  it('a right password forgets the address\'s failures in the file too', async () => {
    const store = memoryStore();
    const first = start(store, 1_700_000_000_000);
    for (let i = 0; i < 3; i++) first.lockout.fail('192.0.2.7');
    first.lockout.succeed('192.0.2.7');
    await first.lockout.flush();
    expect(JSON.parse(store.text()!)).toMatchObject({ version: 1, addresses: {} });
    const second = start(store, 1_700_000_000_000 + 1000);
    expect(second.lockout.fail('192.0.2.7').failures).toBe(1);
  });
});

describe('LoginLockout: a file that cannot be used, and saving', () => {
  it.each([
    ['not JSON', '{"version": 1, ', 'not JSON'],
    ['another version', '{"version": 2}', 'not a version 1 lockout file'],
    ['no counters', '{"version": 1}', 'counters missing'],
    ['a malformed counter', JSON.stringify({ version: 1, overall: { failures: [], lockedUntil: 0 }, addresses: { a: { failures: ['x'], lockedUntil: 0 } } }), 'an address\'s counter is malformed'],
  ])('%s: one line, a fresh start, no crash', (_kind, text, reason) => {
    const { lockout, logger } = start(memoryStore(text), 1_700_000_000_000);
    expect(logger.lines).toEqual([`warn lockoutStateUnusable file=lockout.json reason=${reason}`]);
    expect(lockout.fail('192.0.2.7').failures).toBe(1);
  });

  it('a file that cannot be read: one line, a fresh start', () => {
    const store = memoryStore('{}');
    store.unreadable = true;
    const { logger } = start(store, 1_700_000_000_000);
    expect(logger.lines).toEqual(['warn lockoutStateUnusable file=lockout.json reason=Error: EACCES: permission denied']);
  });

  it('saves one at a time: a burst of failures is two saves, the last one holding them all', async () => {
    const store = memoryStore();
    const { lockout } = start(store, 1_700_000_000_000);
    store.hold();
    for (let i = 0; i < 10; i++) lockout.fail(`10.0.0.${i}`);
    store.release();
    await lockout.flush();
    expect(store.saves).toHaveLength(2);
    expect(Object.keys((JSON.parse(store.saves[1]!) as { addresses: object }).addresses)).toHaveLength(10);
  });

  it('a save that fails is one warning; the lockout keeps counting in memory', async () => {
    const store = memoryStore();
    store.failing = true;
    const { lockout, logger } = start(store, 1_700_000_000_000);
    for (let i = 0; i < 5; i++) lockout.fail('192.0.2.7');
    await lockout.flush();
    expect(logger.lines[0]).toBe('warn lockoutStateNotSaved file=lockout.json error=Error: ENOSPC: no space left on device');
    expect(lockout.check('192.0.2.7')?.scope).toBe('address');
  });
});

describe('the page\'s lockout across a server restart', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('an address locked out before the restart is still locked after it; lockout.json is 0600 and names no password', async () => {
    ({ h } = await setUpHarness());
    const attacker = h.client();
    for (let i = 0; i < 5; i += 1) expect((await attacker.logIn(`wrong password ${i}`)).statusCode).toBe(401);
    const stateDir = h.stateDir;
    await h.server.close();
    const file = path.join(stateDir, 'lockout.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).not.toMatch(/wrong password|correct horse/);
    const again = await startHarness({ stateDir });
    try {
      const locked = await again.client().logIn(ADMIN_PASSWORD);
      expect(locked.statusCode).toBe(429);
      expect(locked.json()).toMatchObject({ error: { code: 'LOCKED_OUT' } });
    } finally {
      await again.server.close();
    }
  });
});
