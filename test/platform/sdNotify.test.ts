// sd_notify through systemd-notify (firmware-app/platform/sdNotify.ts) with a fake runner on the fake clock: one child
// at a time, STATUS coalesced, watchdog pings that never queue and stop when the clock's timers stop, one log line
// per failure streak, nothing at all without NOTIFY_SOCKET.
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../firmware-app/platform/FakeClock.ts';
import { createSdNotifier, type NotifyRunner, sipStatusLine, watchdogInterval } from '../../firmware-app/platform/sdNotify.ts';
import { memoryLogger } from '../sip/transport/helpers.ts';

/** A runner that records each message and lets the test end the child (successfully or not) when it chooses. */
class FakeRunner {
  readonly sent: string[][] = [];
  killed = 0;
  readonly #open: Array<(error?: string) => void> = [];
  readonly run: NotifyRunner = (assignments, done) => {
    this.sent.push([...assignments]);
    this.#open.push(done);
    return { kill: () => this.killed++ };
  };

  get running(): number {
    return this.#open.length;
  }

  /** Ends the oldest child still running. */
  finish(error?: string): void {
    this.#open.shift()?.(error);
  }
}

const SOCKET = { NOTIFY_SOCKET: '/run/systemd/notify' };

function setup(env: Record<string, string> = SOCKET) {
  const clock = new FakeClock();
  const logger = memoryLogger();
  const run = new FakeRunner();
  const notifier = createSdNotifier({ env, pid: 4242, clock, logger, run: run.run });
  return { clock, logger, run, notifier };
}

describe('watchdogInterval (as sd_watchdog_enabled reads the environment)', () => {
  it('is half of WATCHDOG_USEC in ms, for our pid or any pid when WATCHDOG_PID is unset', () => {
    expect(watchdogInterval({ WATCHDOG_USEC: '30000000' }, 7)).toBe(15_000);
    expect(watchdogInterval({ WATCHDOG_USEC: '2000000', WATCHDOG_PID: '7' }, 7)).toBe(1000);
  });

  it('is off for another pid, a missing, zero or malformed WATCHDOG_USEC', () => {
    expect(watchdogInterval({ WATCHDOG_USEC: '2000000', WATCHDOG_PID: '8' }, 7)).toBeUndefined();
    expect(watchdogInterval({}, 7)).toBeUndefined();
    expect(watchdogInterval({ WATCHDOG_USEC: '0' }, 7)).toBeUndefined();
    expect(watchdogInterval({ WATCHDOG_USEC: '2s' }, 7)).toBeUndefined();
  });
});

describe('createSdNotifier', () => {
  it('without NOTIFY_SOCKET sends nothing, spawns nothing and sets no timer', async () => {
    const { clock, run, notifier } = setup({ WATCHDOG_USEC: '2000000' });
    notifier.ready('standalone: 0 phones registered');
    notifier.status('x');
    notifier.stopping();
    clock.advance(60_000);
    await notifier.close();
    expect(notifier.enabled).toBe(false);
    expect(run.sent).toEqual([]);
    expect(clock.pending).toBe(0);
  });

  it('sends READY=1 with the status in one message, then only changed statuses', () => {
    const { run, notifier } = setup();
    notifier.ready('not registered: registering at sip:pbx.example');
    expect(run.sent).toEqual([['READY=1', 'STATUS=not registered: registering at sip:pbx.example']]);
    run.finish();
    notifier.status('not registered: registering at sip:pbx.example');
    expect(run.running).toBe(0);
    notifier.status('registered at sip:pbx.example');
    expect(run.sent.at(-1)).toEqual(['STATUS=registered at sip:pbx.example']);
  });

  it('runs one systemd-notify at a time; statuses that come meanwhile coalesce to the newest', () => {
    const { run, notifier } = setup();
    notifier.status('a');
    notifier.status('b');
    notifier.status('c\nd');
    expect(run.running).toBe(1);
    expect(run.sent).toEqual([['STATUS=a']]);
    run.finish();
    expect(run.sent).toEqual([['STATUS=a'], ['STATUS=c d']]);
    run.finish();
    expect(run.running).toBe(0);
  });

  it('pings WATCHDOG=1 every WATCHDOG_USEC/2 on the clock, from the start and whatever the registration does', () => {
    const { clock, run, notifier } = setup({ ...SOCKET, WATCHDOG_USEC: '2000000', WATCHDOG_PID: '4242' });
    expect(notifier.watchdogIntervalMs).toBe(1000);
    for (let i = 0; i < 5; i++) {
      clock.advance(1000);
      run.finish();
    }
    expect(run.sent).toEqual(Array.from({ length: 5 }, () => ['WATCHDOG=1']));
  });

  it('sends no ping while the clock does not run its timers (a stuck event loop), and pings never queue up', () => {
    const { clock, run } = setup({ ...SOCKET, WATCHDOG_USEC: '2000000' });
    expect(run.sent).toEqual([]); // time stands still: nothing, however long the test waits
    clock.advance(1000);
    expect(run.sent).toEqual([['WATCHDOG=1']]);
    // The child hangs: five intervals later there is still one child, and one ping waiting, not five.
    clock.advance(5000);
    expect(run.running).toBe(1);
    run.finish();
    expect(run.sent).toEqual([['WATCHDOG=1'], ['WATCHDOG=1']]);
  });

  it('a ping waiting behind a status goes out with the next status in one message', () => {
    const { clock, run, notifier } = setup({ ...SOCKET, WATCHDOG_USEC: '2000000' });
    notifier.status('registered at sip:pbx.example');
    clock.advance(1000);
    notifier.status('not registered: 503 Service Unavailable');
    run.finish();
    expect(run.sent).toEqual([['STATUS=registered at sip:pbx.example'], ['STATUS=not registered: 503 Service Unavailable', 'WATCHDOG=1']]);
  });

  it('sends STOPPING=1 and keeps pinging until closed; close waits for the message on its way', async () => {
    const { clock, run, notifier } = setup({ ...SOCKET, WATCHDOG_USEC: '2000000' });
    notifier.stopping();
    expect(run.sent).toEqual([['STOPPING=1']]);
    let closed = false;
    const closing = notifier.close().then(() => {
      closed = true;
    });
    await Promise.resolve();
    expect(closed).toBe(false);
    run.finish();
    await closing;
    clock.advance(10_000);
    notifier.status('after close');
    expect(run.sent).toEqual([['STOPPING=1']]);
    expect(clock.pending).toBe(0);
  });

  it('a systemd-notify that never ends is killed after 10 s and the next message goes out', () => {
    const { clock, run, logger, notifier } = setup();
    notifier.status('a');
    notifier.status('b');
    clock.advance(10_000);
    expect(run.killed).toBe(1);
    expect(run.sent.at(-1)).toEqual(['STATUS=b']);
    expect(logger.lines).toEqual([expect.stringMatching(/^warn notifyFailed error="systemd-notify did not finish within 10 s"/)]);
  });

  it('logs one line when notifying starts failing, none per failed ping, and one when it works again', () => {
    const { clock, run, logger } = setup({ ...SOCKET, WATCHDOG_USEC: '2000000' });
    for (let i = 0; i < 10; i++) {
      clock.advance(1000);
      run.finish('systemd-notify exited with 1: Failed to notify init system: Connection refused');
    }
    expect(run.sent).toHaveLength(10);
    expect(logger.lines).toHaveLength(1);
    expect(logger.lines[0]).toMatch(/^warn notifyFailed error="systemd-notify exited with 1: Failed to notify init system: Connection refused"/);
    clock.advance(1000);
    run.finish();
    clock.advance(1000);
    run.finish('spawn systemd-notify ENOENT');
    expect(logger.lines.slice(1)).toEqual(['info notifyRecovered', expect.stringMatching(/^warn notifyFailed error="spawn systemd-notify ENOENT"/)]);
  });

  it('follows a status read every second on the clock and sends only changes; close stops the reads', async () => {
    const { clock, run, notifier } = setup();
    let text = 'standalone: 0 phones registered';
    let reads = 0;
    notifier.follow(() => {
      reads++;
      return text;
    });
    run.finish();
    clock.advance(3000);
    text = 'standalone: 1 phone registered';
    clock.advance(1000);
    run.finish();
    expect(run.sent).toEqual([['STATUS=standalone: 0 phones registered'], ['STATUS=standalone: 1 phone registered']]);
    await notifier.close();
    clock.advance(5000);
    expect(reads).toBe(5);
    expect(clock.pending).toBe(0);
  });
});

describe('sipStatusLine', () => {
  it('says where the door is registered, why not, or how many phones use the built-in registrar', () => {
    expect(sipStatusLine({ state: 'registered', server: 'sip:pbx.example' }, 0)).toBe('registered at sip:pbx.example');
    expect(sipStatusLine({ state: 'registering' }, 0)).toBe('not registered: registering');
    expect(sipStatusLine({ state: 'registering', server: 'sip:pbx.example' }, 0)).toBe('not registered: registering at sip:pbx.example');
    expect(sipStatusLine({ state: 'failed', reason: 'timeout', server: 'sip:pbx.example' }, 0)).toBe('not registered: timeout (sip:pbx.example)');
    expect(sipStatusLine({ state: 'standalone' }, 1)).toBe('standalone: 1 phone registered');
    expect(sipStatusLine({ state: 'standalone' }, 3)).toBe('standalone: 3 phones registered');
  });
});
