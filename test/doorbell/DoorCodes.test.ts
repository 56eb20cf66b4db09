// Door codes over DTMF: #, *, the pause, the per-call limit, the lockout over calls, schedules, order while checking.
import { describe, expect, it, vi } from 'vitest';
import type { DoorCodeConfig, TimeWindow } from '../../firmware-app/config/schema.ts';
import { DoorCodes, type CodeOutcome } from '../../firmware-app/doorbell/DoorCodes.ts';
import type { CodeHasher, DoorEventKind, DoorEvent } from '../../firmware-app/doorbell/ports.ts';
import { Schedules } from '../../firmware-app/doorbell/schedule.ts';
import { createScryptCodeHasher } from '../../firmware-app/platform/doorCodeHash.ts';
import { FakeClock } from '../../firmware-app/platform/FakeClock.ts';
import { memoryLogger } from '../sip/transport/helpers.ts';

/** Resolves after a tick, from a table of code → hash; counts the work it was given. */
class FakeHasher implements CodeHasher {
  calls = 0;
  constructor(private readonly hashes: ReadonlyMap<string, string>) {}
  async verify(code: string, hash: string): Promise<boolean> {
    this.calls += 1;
    await new Promise((resolve) => setImmediate(resolve));
    return this.hashes.get(code) === hash;
  }
}

/** Lets every pending check finish (each takes one macrotask in the fake hasher). */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

const MONDAY_NOON = Date.parse('2026-01-05T11:00:00Z');
const SATURDAY_NOON = Date.parse('2026-01-10T11:00:00Z');
const OFFICE: TimeWindow[] = [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '08:00', to: '18:00' }];

const CODES: DoorCodeConfig[] = [
  { name: 'family', hash: 'h-family', relay: 'door', pulseMs: 3000 },
  { name: 'parcel', hash: 'h-parcel', relay: 'gate', pulseMs: 5000, schedule: 'office' },
  { name: 'cleaner', hash: 'h-cleaner', relay: 'door', pulseMs: 2000, schedule: 'office' },
];
const HASHES = new Map([['1234', 'h-family'], ['5555', 'h-parcel'], ['7777', 'h-cleaner']]);

function setup(options: { codes?: DoorCodeConfig[]; hasher?: CodeHasher } = {}) {
  const clock = new FakeClock();
  const logger = memoryLogger();
  const events: { kind: DoorEventKind; fields?: DoorEvent['fields'] }[] = [];
  const wall = { ms: MONDAY_NOON };
  const fake = new FakeHasher(HASHES);
  const doorCodes = new DoorCodes({
    codes: options.codes ?? CODES,
    entry: { maxWrongPerCall: 3, lockAfterWrong: 6, lockMinutes: 15, submitAfterMs: 4000 },
    hasher: options.hasher ?? fake,
    schedules: new Schedules({ schedules: { office: OFFICE }, timeZone: 'Europe/Berlin', wallClock: () => wall.ms }),
    clock,
    logger,
    events: { record: (kind, fields) => events.push({ kind, fields }) },
  });
  /** A call's code entry and the outcomes it produced. */
  const call = (id = 'call-1') => {
    const outcomes: CodeOutcome[] = [];
    const entry = doorCodes.begin(id, (outcome) => outcomes.push(outcome));
    const type = (keys: string) => [...keys].forEach((key) => entry.digit(key));
    return { entry, outcomes, type };
  };
  return { clock, logger, events, wall, fake, doorCodes, call };
}

const wrong = (wrongInCall: number, hangUp = false): CodeOutcome => ({ kind: 'rejected', reason: 'wrong', wrongInCall, hangUp });
const FAMILY: CodeOutcome = { kind: 'accepted', name: 'family', relay: 'door', pulseMs: 3000 };

describe('DoorCodes entry', () => {
  it('accepts a code ended by #, checking it against every configured code', async () => {
    const { call, fake } = setup();
    const { outcomes, type } = call();
    type('1234#');
    expect(outcomes).toEqual([]); // the check is asynchronous
    await settle();
    expect(outcomes).toEqual([FAMILY]);
    expect(fake.calls).toBe(3);
    type('0000#');
    await settle();
    expect(outcomes.at(-1)).toEqual(wrong(1));
    expect(fake.calls).toBe(6);
  });

  it('hangs up on the third wrong code in a call, and ignores digits after that', async () => {
    const { call, fake } = setup();
    const { outcomes, type } = call();
    type('1111#');
    await settle();
    type('2222#');
    await settle();
    type('3333#');
    await settle();
    expect(outcomes).toEqual([wrong(1), wrong(2), wrong(3, true)]);
    type('1234#');
    await settle();
    expect(outcomes).toHaveLength(3);
    expect(fake.calls).toBe(9);
  });

  it('clears what was typed on *', async () => {
    const { call } = setup();
    const { outcomes, type } = call();
    type('99*1234#');
    await settle();
    expect(outcomes).toEqual([FAMILY]);
  });

  it('submits after a pause of submitAfterMs following the last digit', async () => {
    const { call, clock } = setup();
    const { outcomes, type } = call();
    type('12');
    clock.advance(3000);
    type('34');
    clock.advance(3999);
    await settle();
    expect(outcomes).toEqual([]);
    clock.advance(1);
    await settle();
    expect(outcomes).toEqual([FAMILY]);
    expect(clock.pending).toBe(0);
  });

  it('submits at the 16th digit without waiting, and takes a lone # as no attempt', async () => {
    const { call, fake } = setup();
    const { outcomes, type } = call();
    type('#');
    await settle();
    expect(fake.calls).toBe(0);
    type('1234567890123456');
    await settle();
    expect(outcomes).toEqual([wrong(1)]);
    expect(fake.calls).toBe(3);
  });

  it('ignores A–D and other keys that are not digits', async () => {
    const { call } = setup();
    const { outcomes, type } = call();
    type('1A2B3C4D#');
    await settle();
    expect(outcomes).toEqual([FAMILY]);
  });

  it('keeps the order of digits that arrive while a check runs', async () => {
    const { call } = setup();
    const { outcomes, type } = call();
    type('1111#12'); // "12" arrives while 1111 is being checked
    type('34#0000#');
    await settle();
    expect(outcomes).toEqual([wrong(1), FAMILY, wrong(2)]);
    type('99#9*1234#'); // a * in the queue clears only what came before it
    await settle();
    expect(outcomes.slice(3)).toEqual([wrong(3, true)]);
  });

  it('after close: typed digits dropped, the pause timer stopped, no outcome delivered, further digits ignored', async () => {
    const { call, clock, fake } = setup();
    const first = call('call-1');
    first.type('12');
    expect(clock.pending).toBe(1);
    first.entry.close();
    expect(clock.pending).toBe(0);
    first.type('34#');
    clock.advance(10_000);
    await settle();
    expect(fake.calls).toBe(0);

    const second = call('call-2');
    second.type('1234#');
    second.entry.close(); // the call ended while its code was being checked
    await settle();
    expect(second.outcomes).toEqual([]);
  });
});

describe('DoorCodes schedules', () => {
  it('rejects a right code outside its schedule as outsideSchedule, counting it in the call', async () => {
    const { call, wall } = setup();
    wall.ms = SATURDAY_NOON;
    const { outcomes, type } = call();
    type('5555#1234#');
    await settle();
    expect(outcomes).toEqual([{ kind: 'rejected', reason: 'outsideSchedule', wrongInCall: 1, hangUp: false }, FAMILY]);
    wall.ms = MONDAY_NOON;
    type('5555#');
    await settle();
    expect(outcomes.at(-1)).toEqual({ kind: 'accepted', name: 'parcel', relay: 'gate', pulseMs: 5000 });
  });

  it('hangs up after maxWrongPerCall codes outside their schedule, but never locks for them', async () => {
    const { call, wall, doorCodes, logger } = setup();
    wall.ms = SATURDAY_NOON;
    for (const id of ['a', 'b', 'c']) {
      const { outcomes, type } = call(id);
      type('5555#7777#5555#');
      await settle();
      expect(outcomes.map((o) => (o.kind === 'rejected' ? `${o.reason}:${o.hangUp}` : o.kind))).toEqual([
        'outsideSchedule:false', 'outsideSchedule:false', 'outsideSchedule:true',
      ]);
    }
    expect(doorCodes.lockedUntil).toBeUndefined();
    expect(logger.lines).toEqual([]);
  });
});

describe('DoorCodes lockout', () => {
  it('locks after lockAfterWrong wrong codes over several calls, logs one security line, opens after lockMinutes', async () => {
    const { call, clock, doorCodes, logger, events, fake } = setup();
    clock.advance(1000);
    const a = call('a');
    a.type('1111#2222#3333#');
    await settle();
    expect(a.outcomes.at(-1)).toEqual(wrong(3, true));
    expect(doorCodes.lockedUntil).toBeUndefined();
    const b = call('b');
    b.type('4444#5556#6666#');
    await settle();
    expect(b.outcomes).toEqual([wrong(1), wrong(2), wrong(3, true)]);
    expect(doorCodes.lockedUntil).toBe(1000 + 15 * 60_000);
    expect(logger.lines).toEqual(['warn doorCodesLocked minutes=15 wrong=6']);
    expect(events).toEqual([{ kind: 'doorCodesLocked', fields: { minutes: 15, wrong: 6 } }]);

    const hashedBefore = fake.calls;
    const c = call('c');
    c.type('1234#');
    await settle();
    expect(c.outcomes).toEqual([{ kind: 'rejected', reason: 'locked', wrongInCall: 1, hangUp: false }]);
    expect(fake.calls).toBe(hashedBefore); // nothing hashed while locked

    clock.advance(15 * 60_000 - 1);
    c.type('1234#');
    await settle();
    expect(c.outcomes.at(-1)).toMatchObject({ reason: 'locked' });
    clock.advance(1);
    expect(doorCodes.lockedUntil).toBeUndefined();
    c.type('1234#');
    await settle();
    expect(c.outcomes.at(-1)).toEqual(FAMILY);
    expect(logger.lines).toHaveLength(1);
  });

  it('a right code resets the count of wrong codes in a row', async () => {
    const { call, doorCodes } = setup();
    call('a').type('1111#2222#');
    call('b').type('3333#4444#1234#'); // four wrong, then the family code
    await settle();
    call('c').type('1111#2222#3333#');
    call('d').type('4444#6666#');
    await settle();
    expect(doorCodes.lockedUntil).toBeUndefined(); // five in a row since the right code (nine without the reset)
    call('e').type('0000#');
    await settle();
    expect(doorCodes.lockedUntil).toBeDefined(); // the 6th in a row since the right code
  });

  it('counts a wrong code even when its call ended during the check', async () => {
    const { call, doorCodes } = setup();
    for (const id of ['a', 'b', 'c', 'd', 'e', 'f']) {
      const { entry, type } = call(id);
      type('9999#');
      entry.close();
    }
    await settle();
    expect(doorCodes.lockedUntil).toBeDefined();
  });

  it('with no codes configured, every code is wrong and the lockout still applies', async () => {
    const { call, doorCodes } = setup({ codes: [] });
    const a = call('a');
    a.type('1234#');
    await settle();
    expect(a.outcomes).toEqual([wrong(1)]);
    a.type('1#2#');
    call('b').type('3#4#5#');
    await settle();
    expect(doorCodes.lockedUntil).toBeDefined();
  });
});

describe('DoorCodes safety', () => {
  it('never logs nor records the digits typed', async () => {
    const { call, logger, events } = setup();
    for (const id of ['a', 'b', 'c']) call(id).type('987654#987654#');
    await settle();
    expect(logger.lines.length).toBeGreaterThan(0);
    const written = [...logger.lines, JSON.stringify(events)].join('\n');
    expect(written).not.toContain('987654');
  });

  it('takes a hasher that fails as no match, logged with the code name only', async () => {
    const failing: CodeHasher = { verify: () => Promise.reject(new Error('scrypt exploded')) };
    const { call, logger } = setup({ hasher: failing, codes: [CODES[0]!] });
    const { outcomes, type } = call();
    type('1234#');
    await settle();
    expect(outcomes).toEqual([wrong(1)]);
    expect(logger.lines).toEqual(['error doorCodeCheckFailed callId=call-1 name=family error="Error: scrypt exploded"']);
  });

  it('keeps working when the outcome callback throws', async () => {
    const { doorCodes, logger } = setup();
    const seen: string[] = [];
    const entry = doorCodes.begin('x', (outcome) => {
      seen.push(outcome.kind);
      throw new Error('listener bug');
    });
    for (const key of '0000#1234#') entry.digit(key);
    await settle();
    expect(seen).toEqual(['rejected', 'accepted']);
    expect(logger.lines.filter((l) => l.startsWith('error doorCodeOutcomeFailed'))).toHaveLength(2);
  });
});

describe('DoorCodes with the real scrypt hasher', () => {
  it('accepts the code whose hash is configured and rejects another', async () => {
    const hasher = createScryptCodeHasher({ log2N: 10 });
    const codes: DoorCodeConfig[] = [
      { name: 'family', hash: await hasher.hash('2468'), relay: 'door', pulseMs: 3000 },
      { name: 'guest', hash: await hasher.hash('1357'), relay: 'door', pulseMs: 1500, schedule: 'office' },
    ];
    const { call } = setup({ codes, hasher });
    const { outcomes, type } = call();
    type('2468#');
    type('1111#');
    type('1357#');
    await vi.waitFor(() => expect(outcomes).toHaveLength(3), { timeout: 10_000, interval: 5 });
    expect(outcomes).toEqual([
      { kind: 'accepted', name: 'family', relay: 'door', pulseMs: 3000 },
      wrong(1),
      { kind: 'accepted', name: 'guest', relay: 'door', pulseMs: 1500 },
    ]);
  });
});

