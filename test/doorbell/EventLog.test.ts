// EventLog: bounded, newest first, loaded at start (a bad file is logged, never fatal), writes coalesced on the clock.
import { describe, expect, it } from 'vitest';
import { EventLog, type EventStore } from '../../firmware-app/doorbell/EventLog.ts';
import { FakeClock } from '../../firmware-app/platform/FakeClock.ts';
import { memoryLogger } from '../sip/transport/helpers.ts';

/** A store whose saves are held until released (or failed) by the test. */
class HeldStore implements EventStore {
  saves: string[] = [];
  #held: { resolve: () => void; reject: (error: Error) => void }[] = [];
  hold = false;
  failWith: Error | undefined;
  constructor(public text: string | undefined = undefined, private readonly loadError?: Error) {}

  load(): string | undefined {
    if (this.loadError !== undefined) throw this.loadError;
    return this.text;
  }

  save(text: string): Promise<void> {
    this.saves.push(text);
    if (this.failWith !== undefined) return Promise.reject(this.failWith);
    if (!this.hold) {
      this.text = text;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => this.#held.push({ resolve: () => { this.text = text; resolve(); }, reject }));
  }

  release(): void {
    this.#held.shift()?.resolve();
  }

  get stored(): { version: number; events: { at: number; kind: string; fields: object }[] } {
    return JSON.parse(this.text ?? 'null');
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

function setup(store = new HeldStore(), maxEntries = 10) {
  const clock = new FakeClock();
  const logger = memoryLogger();
  const wall = { ms: 1_767_600_000_000 };
  const log = new EventLog({ maxEntries, store, clock, wallClock: () => wall.ms, logger });
  return { clock, logger, wall, store, log };
}

const stored = (events: unknown[], version: unknown = 1): string => JSON.stringify({ version, events });

describe('EventLog in memory', () => {
  it('records events with the wall-clock time and gives them newest first', () => {
    const { log, wall } = setup();
    log.record('buttonPressed', { button: '1' });
    wall.ms += 1000;
    log.record('callStarted');
    wall.ms += 1000;
    log.record('doorOpened', { name: 'family', relay: 'door', bySipCode: true });
    expect(log.recent().map((e) => e.kind)).toEqual(['doorOpened', 'callStarted', 'buttonPressed']);
    expect(log.recent(1)).toEqual([{ at: wall.ms, kind: 'doorOpened', fields: { name: 'family', relay: 'door', bySipCode: true } }]);
    expect(log.recent()[1]).toEqual({ at: wall.ms - 1000, kind: 'callStarted', fields: {} });
    expect(log.recent(0)).toEqual([]);
  });

  it('keeps only the newest maxEntries', () => {
    const { log } = setup(undefined, 10);
    for (let i = 0; i < 15; i++) log.record('buttonPressed', { n: i });
    const recent = log.recent();
    expect(recent).toHaveLength(10);
    expect(recent[0]!.fields.n).toBe(14);
    expect(recent[9]!.fields.n).toBe(5);
  });

  it('keeps its own copy of the fields a caller gave', () => {
    const { log } = setup();
    const fields: Record<string, string> = { button: '1' };
    log.record('buttonPressed', fields);
    fields.button = '2';
    expect(log.recent()[0]!.fields).toEqual({ button: '1' });
  });
});

describe('EventLog loading', () => {
  it('loads what was stored, newest first, trimmed to maxEntries, skipping entries that are not ours', () => {
    const events = [
      ...Array.from({ length: 12 }, (_, i) => ({ at: 1000 + i, kind: 'buttonPressed', fields: { n: i } })),
      { at: 2000, kind: 'somethingElse', fields: {} },
      { at: 'yesterday', kind: 'callEnded', fields: {} },
      { at: 2001, kind: 'callEnded', fields: { nested: { no: 1 } } },
      { at: 2002, kind: 'callEnded', fields: { reason: 'bye' } },
    ];
    const { log, logger } = setup(new HeldStore(stored(events)), 10);
    expect(log.recent()).toHaveLength(10);
    expect(log.recent(2)).toEqual([
      { at: 2002, kind: 'callEnded', fields: { reason: 'bye' } },
      { at: 1011, kind: 'buttonPressed', fields: { n: 11 } },
    ]);
    expect(logger.lines).toEqual([]);
  });

  it.each([
    ['corrupt JSON', '{"version":1,"events":[{"at":1'],
    ['another version', stored([], 2)],
    ['a foreign file', '[1,2,3]'],
    ['no events array', '{"version":1}'],
  ])('starts empty on %s, logs it once, and leaves the file alone until the first new event', async (_, text) => {
    const { log, logger, store, clock } = setup(new HeldStore(text));
    expect(log.recent()).toEqual([]);
    expect(logger.lines).toHaveLength(1);
    expect(logger.lines[0]).toMatch(/^warn eventLogUnreadable error=/);
    await log.flush();
    clock.advance(10_000);
    await settle();
    expect(store.saves).toEqual([]);
    log.record('buttonPressed');
    await log.flush();
    expect(store.stored.events).toHaveLength(1);
  });

  it('starts empty when the store cannot be read at all', () => {
    const { log, logger } = setup(new HeldStore(undefined, Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' })));
    expect(log.recent()).toEqual([]);
    expect(logger.lines).toEqual(['warn eventLogUnreadable error="Error: EACCES: permission denied"']);
  });
});

describe('EventLog writing', () => {
  it('coalesces records into one write flushDelayMs after the first, as {version: 1, events} oldest first', async () => {
    const { log, store, clock, wall } = setup();
    log.record('buttonPressed', { button: '1' });
    clock.advance(500);
    log.record('callStarted');
    clock.advance(1499);
    await settle();
    expect(store.saves).toEqual([]);
    clock.advance(1);
    await settle();
    expect(store.saves).toHaveLength(1);
    expect(store.stored).toEqual({
      version: 1,
      events: [
        { at: wall.ms, kind: 'buttonPressed', fields: { button: '1' } },
        { at: wall.ms, kind: 'callStarted', fields: {} },
      ],
    });
    log.record('callEnded');
    clock.advance(1999);
    await settle();
    expect(store.saves).toHaveLength(1);
    clock.advance(1);
    await settle();
    expect(store.saves).toHaveLength(2);
    expect(store.stored.events.map((e) => e.kind)).toEqual(['buttonPressed', 'callStarted', 'callEnded']);
  });

  it('writes one at a time: a record during a write goes out in a later write', async () => {
    const { log, store, clock } = setup();
    store.hold = true;
    log.record('buttonPressed');
    clock.advance(2000);
    await settle();
    expect(store.saves).toHaveLength(1);
    log.record('callStarted');
    clock.advance(10_000);
    await settle();
    expect(store.saves).toHaveLength(1); // the first is still running
    store.hold = false;
    store.release();
    await settle();
    expect(store.saves).toHaveLength(1);
    clock.advance(2000);
    await settle();
    expect(store.saves).toHaveLength(2);
    expect(store.stored.events.map((e) => e.kind)).toEqual(['buttonPressed', 'callStarted']);
  });

  it('logs a failed write once and retries it at the next flush', async () => {
    const { log, store, clock, logger } = setup();
    store.failWith = new Error('ENOSPC: no space left on device');
    log.record('doorOpened', { name: 'family' });
    clock.advance(2000);
    await settle();
    expect(logger.lines).toEqual(['warn eventLogWriteFailed error="Error: ENOSPC: no space left on device"']);
    clock.advance(60_000);
    await settle();
    expect(store.saves).toHaveLength(1); // no retry loop against a broken disk
    store.failWith = undefined;
    await log.flush();
    expect(store.saves).toHaveLength(2);
    expect(store.stored.events.map((e) => e.kind)).toEqual(['doorOpened']);
    expect(logger.lines).toHaveLength(1);
  });

  it('retries a failed write with the next record, on the clock', async () => {
    const { log, store, clock, logger } = setup();
    store.failWith = new Error('EIO');
    log.record('buttonPressed');
    clock.advance(2000);
    await settle();
    store.failWith = undefined;
    log.record('callStarted');
    clock.advance(2000);
    await settle();
    expect(store.stored.events.map((e) => e.kind)).toEqual(['buttonPressed', 'callStarted']);
    expect(logger.lines).toHaveLength(1);
  });

  it('flush writes at once when something changed, waits for a running write, and does nothing otherwise', async () => {
    const { log, store, clock } = setup();
    await log.flush();
    expect(store.saves).toEqual([]);
    log.record('buttonPressed');
    await log.flush();
    expect(store.saves).toHaveLength(1);
    expect(clock.pending).toBe(0);
    store.hold = true;
    log.record('callStarted');
    clock.advance(2000);
    await settle();
    log.record('callEnded');
    const flushed = log.flush();
    store.hold = false;
    store.release();
    await flushed;
    expect(store.saves).toHaveLength(3);
    expect(store.stored.events.map((e) => e.kind)).toEqual(['buttonPressed', 'callStarted', 'callEnded']);
    clock.advance(10_000);
    await settle();
    expect(store.saves).toHaveLength(3); // nothing left over to write
  });

  it('a flush that fails resolves anyway (shutdown goes on) and logs the failure', async () => {
    const { log, store, logger } = setup();
    store.failWith = new Error('EROFS');
    log.record('buttonPressed');
    await expect(log.flush()).resolves.toBeUndefined();
    expect(logger.lines).toEqual(['warn eventLogWriteFailed error="Error: EROFS"']);
  });
});
