// The runtime supervisor: a configuration that cannot start leaves the process up and is tried again on a back-off;
// saved changes wait for an idle door, fall back to the previous configuration, and never overlap.
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../firmware-app/platform/FakeClock.ts';
import { type StartResult, type SupervisedRuntime, createRuntimeSupervisor } from '../../firmware-app/platform/runtimeSupervisor.ts';
import { memoryLogger } from '../sip/transport/helpers.ts';

interface Cfg {
  readonly name: string;
}

class FakeRuntime implements SupervisedRuntime<Cfg> {
  stopped = false;
  busyNow = false;
  constructor(readonly config: Cfg) {}
  busy(): boolean {
    return this.busyNow;
  }
  async stop(): Promise<void> {
    this.stopped = true;
  }
}

/** `failing` names configurations whose start fails (the port taken …); `log` of every start attempt. */
function rig(failing: Set<string>) {
  const clock = new FakeClock(0);
  const logger = memoryLogger();
  const starts: string[] = [];
  const changes: Array<string | undefined> = [];
  const made: FakeRuntime[] = [];
  const supervisor = createRuntimeSupervisor<Cfg, FakeRuntime>({
    clock,
    wallClock: () => 1_000_000 + clock.now(),
    logger,
    retryMs: [2000, 5000, 60_000],
    idlePollMs: 500,
    async start(config): Promise<StartResult<FakeRuntime>> {
      starts.push(config.name);
      if (failing.has(config.name)) return { ok: false, reason: `cannot bind UDP 0.0.0.0:5060 for ${config.name}` };
      const runtime = new FakeRuntime(config);
      made.push(runtime);
      return { ok: true, runtime };
    },
    onChange: (runtime) => changes.push(runtime?.config.name),
  });
  /** Lets queued promise steps run (the supervisor's queue is promise-chained). */
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 20; i++) await Promise.resolve();
  };
  return { clock, logger, starts, changes, made, supervisor, settle };
}

describe('runtime supervisor', () => {
  it('stays up when the first start fails, says why, and tries again on the back-off until it starts', async () => {
    const failing = new Set(['a']);
    const r = rig(failing);
    await r.supervisor.start({ name: 'a' });
    expect(r.supervisor.current()).toBeUndefined();
    expect(r.supervisor.notRunning()).toEqual({ reason: 'cannot bind UDP 0.0.0.0:5060 for a', since: 1_000_000, nextTry: 1_002_000, attempts: 1 });
    expect(r.logger.lines.at(-1)).toMatch(/error notRunning reason="cannot bind UDP 0\.0\.0\.0:5060 for a" attempt=1 retryInSec=2/);
    r.clock.advance(1999);
    await r.settle();
    expect(r.starts).toEqual(['a']);
    r.clock.advance(1);
    await r.settle();
    expect(r.starts).toEqual(['a', 'a']);
    expect(r.supervisor.notRunning()).toMatchObject({ since: 1_000_000, nextTry: 1_007_000, attempts: 2 });
    r.clock.advance(5000);
    await r.settle();
    expect(r.supervisor.notRunning()).toMatchObject({ attempts: 3, nextTry: 1_067_000 });
    // The last delay repeats.
    r.clock.advance(60_000);
    await r.settle();
    expect(r.supervisor.notRunning()).toMatchObject({ attempts: 4, nextTry: 1_127_000 });
    failing.delete('a');
    r.clock.advance(60_000);
    await r.settle();
    expect(r.supervisor.current()?.config.name).toBe('a');
    expect(r.supervisor.notRunning()).toBeUndefined();
    expect(r.logger.lines.at(-1)).toMatch(/info runningAgain attempts=5/);
    expect(r.changes).toEqual([undefined, undefined, undefined, undefined, 'a']);
    expect(r.clock.pending).toBe(0);
  });

  it('a change saved while down is tried at once, not at the next retry', async () => {
    const r = rig(new Set(['a']));
    await r.supervisor.start({ name: 'a' });
    r.supervisor.apply({ name: 'b' });
    await r.settle();
    expect(r.starts).toEqual(['a', 'b']);
    expect(r.supervisor.current()?.config.name).toBe('b');
    // The retry of 'a' was cancelled.
    r.clock.advance(120_000);
    await r.settle();
    expect(r.starts).toEqual(['a', 'b']);
  });

  it('a change waits until the door is idle, then replaces the runtime', async () => {
    const r = rig(new Set());
    await r.supervisor.start({ name: 'a' });
    const first = r.made[0];
    first!.busyNow = true;
    r.supervisor.apply({ name: 'b' });
    await r.settle();
    r.clock.advance(5000);
    await r.settle();
    expect(first!.stopped).toBe(false);
    expect(r.starts).toEqual(['a']);
    first!.busyNow = false;
    r.clock.advance(500);
    await r.settle();
    expect(first!.stopped).toBe(true);
    expect(r.supervisor.current()?.config.name).toBe('b');
    expect(r.logger.lines.at(-1)).toMatch(/info configApplied/);
  });

  it('changes saved in a row start only the newest', async () => {
    const r = rig(new Set());
    await r.supervisor.start({ name: 'a' });
    r.supervisor.apply({ name: 'b' });
    r.supervisor.apply({ name: 'c' });
    await r.settle();
    expect(r.starts).toEqual(['a', 'c']);
    expect(r.supervisor.current()?.config.name).toBe('c');
  });

  it('a change that cannot start brings the previous configuration back', async () => {
    const r = rig(new Set(['b']));
    await r.supervisor.start({ name: 'a' });
    r.supervisor.apply({ name: 'b' });
    await r.settle();
    expect(r.starts).toEqual(['a', 'b', 'a']);
    expect(r.supervisor.current()?.config.name).toBe('a');
    expect(r.supervisor.notRunning()).toBeUndefined();
    expect(r.logger.lines.at(-1)).toMatch(/error configApplyFailed reason="cannot bind UDP 0\.0\.0\.0:5060 for b" detail="the previous configuration runs again"/);
  });

  it('when neither the change nor the previous configuration starts, the process stays up and retries the change', async () => {
    const failing = new Set(['b']);
    const r = rig(failing);
    await r.supervisor.start({ name: 'a' });
    failing.add('a');
    r.supervisor.apply({ name: 'b' });
    await r.settle();
    expect(r.supervisor.current()).toBeUndefined();
    expect(r.supervisor.notRunning()).toMatchObject({ reason: 'cannot bind UDP 0.0.0.0:5060 for b', attempts: 1 });
    failing.clear();
    r.clock.advance(2000);
    await r.settle();
    expect(r.starts).toEqual(['a', 'b', 'a', 'b']);
    expect(r.supervisor.current()?.config.name).toBe('b');
  });

  it('stop ends the retries and stops the runtime; a busy wait gives way to the stop', async () => {
    const down = rig(new Set(['a']));
    await down.supervisor.start({ name: 'a' });
    await down.supervisor.stop();
    down.clock.advance(120_000);
    await down.settle();
    expect(down.starts).toEqual(['a']);
    expect(down.clock.pending).toBe(0);

    const up = rig(new Set());
    await up.supervisor.start({ name: 'a' });
    up.made[0]!.busyNow = true;
    up.supervisor.apply({ name: 'b' });
    await up.settle();
    const stopped = up.supervisor.stop();
    up.clock.advance(500);
    await stopped;
    expect(up.made[0]!.stopped).toBe(true);
    expect(up.starts).toEqual(['a']);
    expect(up.supervisor.current()).toBeUndefined();
  });
});

describe('runtime supervisor: a final failure', () => {
  it('at the first start gives up (impossible) without a retry; running and retrying are told apart', async () => {
    const clock = new FakeClock(0);
    const logger = memoryLogger();
    let tries = 0;
    const supervisor = createRuntimeSupervisor<Cfg, FakeRuntime>({
      clock, wallClock: () => clock.now(), logger, onChange: () => {},
      start: async () => (tries++, { ok: false, reason: '--sim-mic x.wav: not a WAV file', final: true }),
    });
    expect(await supervisor.start({ name: 'a' })).toBe('impossible');
    expect(clock.pending).toBe(0);
    expect(tries).toBe(1);
    expect(await rig(new Set(['a'])).supervisor.start({ name: 'a' })).toBe('retrying');
    expect(await rig(new Set()).supervisor.start({ name: 'a' })).toBe('running');
  });
});

describe('runtime supervisor: bugs in a start or a stop', () => {
  it('a start that throws counts as a failed start: said, and tried again on the back-off', async () => {
    const clock = new FakeClock(0);
    const logger = memoryLogger();
    let tries = 0;
    const supervisor = createRuntimeSupervisor<Cfg, FakeRuntime>({
      clock, wallClock: () => clock.now(), logger, onChange: () => {}, retryMs: [1000],
      start: async (config) => {
        tries++;
        if (tries === 1) throw new Error('boom');
        return { ok: true, runtime: new FakeRuntime(config) };
      },
    });
    expect(await supervisor.start({ name: 'a' })).toBe('retrying');
    expect(supervisor.notRunning()).toMatchObject({ reason: 'start failed: boom', attempts: 1 });
    clock.advance(1000);
    for (let i = 0; i < 20; i++) await Promise.resolve();
    expect(supervisor.current()?.config.name).toBe('a');
  });

  it('the runtime stays current while the final stop runs (the exit handler can still reach its relays)', async () => {
    const r = rig(new Set());
    await r.supervisor.start({ name: 'a' });
    const runtime = r.made[0]!;
    let currentDuringStop: FakeRuntime | undefined;
    runtime.stop = async () => {
      currentDuringStop = r.supervisor.current();
      throw new Error('stop went wrong');
    };
    await r.supervisor.stop();
    expect(currentDuringStop).toBe(runtime);
    expect(r.supervisor.current()).toBeUndefined();
    expect(r.logger.lines.at(-1)).toMatch(/error stopFailed error="stop went wrong"/);
  });
});
