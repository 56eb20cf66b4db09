// sd_notify(3) for a Type=notify service: READY=1, STATUS=, WATCHDOG=1 and STOPPING=1 sent to the service manager.
//
// Node has no AF_UNIX datagram socket, and the device has no compiler for a native addon, so each message is sent by
// the `systemd-notify` program (Debian's systemd package, always on a systemd system); the unit says NotifyAccess=all
// because the sender is our child, not the main process. systemd-notify (systemd >= 246) waits on a barrier until
// the manager has read the message: it stays alive while systemd attributes the message to the unit by its pid, so a
// message is not lost because the sender exited first. This file relies on that; it never passes --no-block.
//
// Spawning must never hold up the event loop or the SIP path: at most one systemd-notify runs at a time; what comes
// meanwhile waits in one pending message (the newest STATUS wins, a watchdog ping is a flag, so pings never queue up)
// that goes out when the running one ends. Without NOTIFY_SOCKET (simulator, laptop) nothing is sent or spawned.

import { spawn } from 'node:child_process';
import type { Clock, TimerHandle } from './Clock.ts';
import type { Logger } from './Logger.ts';

/** Sends one message (`VAR=value` assignments) and calls `done` once: no argument on success, else what went wrong. */
export type NotifyRunner = (assignments: readonly string[], done: (error?: string) => void) => { kill(): void };

/** A systemd-notify that has not ended after this long is killed and counted as a failure. */
const RUN_BOUND_MS = 10_000;

export interface SdNotifierOptions {
  /** The process environment: NOTIFY_SOCKET, WATCHDOG_USEC, WATCHDOG_PID. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Our pid, compared with WATCHDOG_PID. */
  readonly pid: number;
  /** The clock the SIP stack's timers run on: watchdog pings come from its timers, so they stop when those stop. */
  readonly clock: Clock;
  readonly logger: Logger;
  /** Default: the systemd-notify program. */
  readonly run?: NotifyRunner;
}

/** What the service tells systemd. Every method returns at once; the message is sent in the background. */
export interface SdNotifier {
  /** NOTIFY_SOCKET is set: messages are sent. */
  readonly enabled: boolean;
  /** The interval of WATCHDOG=1 pings (half of WATCHDOG_USEC), or undefined when systemd watches no watchdog. */
  readonly watchdogIntervalMs: number | undefined;
  /** READY=1, with the status line when given. */
  ready(status?: string): void;
  /** STATUS=: sent when it differs from the last one; only the newest waits while a message is on its way. */
  status(text: string): void;
  /** STOPPING=1 (the stop has begun). */
  stopping(): void;
  /** Reads the status line now and every `everyMs` (default 1 s) on the clock; sent when it changed. */
  follow(read: () => string, everyMs?: number): void;
  /** Stops the watchdog pings, the status reads and waits (at most `boundMs`) for messages still on their way. */
  close(boundMs?: number): Promise<void>;
}

/** The watchdog interval systemd asks for, as sd_watchdog_enabled(3) reads it: half of WATCHDOG_USEC, for us only. */
export function watchdogInterval(env: Readonly<Record<string, string | undefined>>, pid: number): number | undefined {
  const usec = env.WATCHDOG_USEC;
  if (usec === undefined || !/^\d+$/.test(usec) || Number(usec) <= 0) return undefined;
  const forPid = env.WATCHDOG_PID;
  if (forPid !== undefined && forPid !== '' && Number(forPid) !== pid) return undefined;
  return Math.max(1, Math.floor(Number(usec) / 2000));
}

/** The SIP side of the status, as the page shows it (provisioning's DeviceStatus['registration']). */
export interface SipState {
  readonly state: 'registered' | 'registering' | 'failed' | 'standalone';
  readonly reason?: string;
  readonly server?: string;
}

/** STATUS= for `systemctl status`: `registered at …`, `not registered: …`, or `standalone: N phones registered`. */
export function sipStatusLine(sip: SipState, phones: number): string {
  const at = sip.server !== undefined ? ` at ${sip.server}` : '';
  switch (sip.state) {
    case 'registered':
      return `registered${at}`;
    case 'registering':
      return `not registered: registering${at}`;
    case 'failed':
      return `not registered: ${sip.reason ?? 'failed'}${sip.server !== undefined ? ` (${sip.server})` : ''}`;
    case 'standalone':
      return `standalone: ${phones} ${phones === 1 ? 'phone' : 'phones'} registered`;
  }
}

/** One STATUS= line: a newline would end the field (the message is newline-separated), so it becomes a space. */
function statusLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').slice(0, 400);
}

interface Pending {
  ready: boolean;
  stopping: boolean;
  watchdog: boolean;
  status: string | undefined;
}

export function createSdNotifier(options: SdNotifierOptions): SdNotifier {
  const { env, clock, logger } = options;
  const enabled = env.NOTIFY_SOCKET !== undefined && env.NOTIFY_SOCKET !== '';
  const intervalMs = enabled ? watchdogInterval(env, options.pid) : undefined;
  const run = options.run ?? runSystemdNotify;
  const pending: Pending = { ready: false, stopping: false, watchdog: false, status: undefined };
  let lastStatus: string | undefined;
  let running = false;
  let failing = false;
  let closed = false;
  let idle: Array<() => void> = [];
  let ping: TimerHandle | undefined;
  let reading: TimerHandle | undefined;

  const finished = (error?: string): void => {
    running = false;
    if (error !== undefined && !failing) logger.warn('notifyFailed', { error, detail: 'systemd-notify failed; later failures are not logged until one succeeds' });
    else if (error === undefined && failing) logger.info('notifyRecovered');
    failing = error !== undefined;
    send();
  };

  function send(): void {
    if (running) return;
    const assignments: string[] = [];
    if (pending.ready && !pending.stopping) assignments.push('READY=1');
    if (pending.status !== undefined) assignments.push(`STATUS=${pending.status}`);
    if (pending.stopping) assignments.push('STOPPING=1');
    if (pending.watchdog) assignments.push('WATCHDOG=1');
    pending.ready = pending.stopping = pending.watchdog = false;
    pending.status = undefined;
    if (assignments.length === 0) {
      const waiting = idle;
      idle = [];
      for (const resolve of waiting) resolve();
      return;
    }
    running = true;
    let settled = false;
    const child: { current?: { kill(): void } } = {};
    const bound = clock.setTimer(RUN_BOUND_MS, () => {
      child.current?.kill();
      once(`systemd-notify did not finish within ${RUN_BOUND_MS / 1000} s`);
    });
    function once(error?: string): void {
      if (settled) return;
      settled = true;
      bound.cancel();
      finished(error);
    }
    child.current = run(assignments, once);
  }

  const pingWatchdog = (): void => {
    ping = clock.setTimer(intervalMs ?? 0, pingWatchdog);
    pending.watchdog = true;
    send();
  };
  if (intervalMs !== undefined) ping = clock.setTimer(intervalMs, pingWatchdog);

  const status = (text: string): void => {
    if (!enabled || closed) return;
    const line = statusLine(text);
    if (line === lastStatus) return;
    lastStatus = line;
    pending.status = line;
    send();
  };

  return {
    enabled,
    watchdogIntervalMs: intervalMs,
    ready(text) {
      if (!enabled || closed) return;
      pending.ready = true;
      if (text !== undefined) status(text);
      send();
    },
    status,
    follow(read, everyMs = 1000) {
      if (!enabled || closed) return;
      reading?.cancel();
      const look = (): void => {
        reading = clock.setTimer(everyMs, look);
        status(read());
      };
      look();
    },
    stopping() {
      if (!enabled || closed) return;
      pending.stopping = true;
      send();
    },
    async close(boundMs = 2000) {
      closed = true;
      ping?.cancel();
      reading?.cancel();
      if (!running) return;
      await new Promise<void>((resolve) => {
        const timer = clock.setTimer(boundMs, resolve);
        idle.push(() => {
          timer.cancel();
          resolve();
        });
      });
    },
  };
}

/** The real runner: `systemd-notify VAR=value …` (it reads NOTIFY_SOCKET from the environment it inherits). */
export const runSystemdNotify: NotifyRunner = (assignments, done) => {
  const child = spawn('systemd-notify', [...assignments], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    if (stderr.length < 300) stderr += chunk;
  });
  child.once('error', (error) => done(error.message));
  child.once('close', (code, signal) => {
    if (code === 0) done();
    else done(`systemd-notify ${code !== null ? `exited with ${code}` : `ended by ${signal}`}${stderr.trim() !== '' ? `: ${stderr.trim().slice(0, 300)}` : ''}`);
  });
  return { kill: () => child.kill('SIGKILL') };
};
