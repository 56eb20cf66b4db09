// Runs the door station as a user does: `node dist/sip-doorbell.js --config <file> --state <dir>`, bounded in time.

import { type ChildProcess, type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { inject, onTestFinished } from 'vitest';

export interface DoorOptions {
  /** The configuration file's content: an object is written as JSON, a string as it is (to try broken files). */
  readonly config: object | string;
  /** The `.bak` beside the configuration file (as the last save left it), written as JSON. */
  readonly backup?: object;
  /** Adds `--simulate`: simulated hardware, and `ring` on stdin presses the bell. */
  readonly simulate?: boolean;
  /** Extra environment variables for the process. */
  readonly env?: Readonly<Record<string, string>>;
  /** Extra command-line arguments after the usual ones. */
  readonly args?: readonly string[];
}

export interface DoorExit {
  /** The exit code; null when the process was killed by a signal (also after SIGKILL at the stop bound). */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Milliseconds from the stop signal to the exit. */
  readonly ms: number;
}

export interface DoorProcess {
  readonly pid: number;
  /** The configuration file and state directory passed on the command line. */
  readonly configFile: string;
  readonly stateDir: string;
  /** Every line printed so far, stdout and stderr interleaved in arrival order. */
  lines(): readonly string[];
  /**
   * Resolves with the first line from index `from` on (default 0) that matches; rejects after `timeoutMs`
   * or when the process exits first, with the output in the message.
   */
  waitForLine(pattern: RegExp, timeoutMs?: number, from?: number): Promise<string>;
  /** The local port of the `listening protocol=…` line (waits for it up to 5 s). */
  port(protocol: 'udp' | 'tcp'): Promise<number>;
  /** Presses the simulated bell (`ring` on stdin, `ring <button>` for another button; needs `simulate`). */
  ring(button?: string): void;
  /** Sends the signal and waits for the exit (SIGKILL after `boundMs`, default 10 s). */
  stop(signal?: NodeJS.Signals, boundMs?: number): Promise<DoorExit>;
  /** Settles when the process has exited, however it ended. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const live = new Set<DoorProcess>();

/** Kills every door process still running (SIGKILL) and waits for them; startDoor arranges this after each test. */
export async function stopAllDoors(): Promise<void> {
  await Promise.all([...live].map((door) => door.stop('SIGKILL')));
}

/**
 * A shell that SIGKILLs `pid` when our end of its stdin closes: when the test process dies however it dies
 * (Ctrl-C, a crash, a killed worker), no door station outlives it. Killed itself when the door has exited.
 */
function watchdog(pid: number | undefined): ChildProcess | undefined {
  if (pid === undefined) return undefined;
  const watcher = spawn('sh', ['-c', 'read -r _; kill -KILL "$1" 2>/dev/null', 'sh', String(pid)], { stdio: ['pipe', 'ignore', 'ignore'] });
  watcher.on('error', () => {}); // no sh: only the watchdog is missing
  watcher.stdin?.on('error', () => {});
  return watcher;
}

/** The bundle built by the globalSetup (test/support/buildBundle.ts) for this run. */
function bundleFile(): string {
  const bundle = inject('doorBundle');
  if (bundle === undefined) throw new Error('no door bundle: vitest.config.ts must list test/support/buildBundle.ts as a globalSetup');
  if ('error' in bundle) throw new Error(`the door bundle could not be built: ${bundle.error}`);
  return bundle.file;
}

/**
 * Starts the door station from its command line with `config` written to a file in a fresh state directory.
 * Inside a test, the process is killed and its directory removed when the test finishes.
 */
export function startDoor(options: DoorOptions): DoorProcess {
  const stateDir = mkdtempSync(path.join(tmpdir(), 'door-process-'));
  const configFile = path.join(stateDir, 'config.json');
  // The configuration page on a free port unless the test says otherwise: doors started side by side must not fight
  // over the default 8080.
  const config = typeof options.config === 'string' || 'web' in options.config ? options.config : { ...options.config, web: { listen: 'http://127.0.0.1:0' } };
  writeFileSync(configFile, typeof config === 'string' ? config : JSON.stringify(config, null, 2), { mode: 0o600 });
  if (options.backup !== undefined) writeFileSync(`${configFile}.bak`, JSON.stringify(options.backup, null, 2), { mode: 0o600 });
  const args = ['--enable-source-maps', bundleFile(), '--config', configFile, '--state', stateDir];
  if (options.simulate === true) args.push('--simulate');
  args.push(...(options.args ?? []));
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, args, {
    env: { ...process.env, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const listeners = new Set<() => void>();
  const collect = (stream: NodeJS.ReadableStream): void => {
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
      lines.push(line);
      for (const listener of [...listeners]) listener();
    });
  };
  collect(child.stdout);
  collect(child.stderr);
  // Writing `ring` to a process that has just exited must not crash the test run.
  child.stdin.on('error', () => {});
  const watcher = watchdog(child.pid);

  let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('error', (error) => {
      lines.push(`doorProcess: cannot run the door station: ${error.message}`);
      exitInfo = { code: null, signal: null };
      resolve(exitInfo);
    });
    child.once('close', (code, signal) => {
      exitInfo = { code, signal };
      resolve(exitInfo);
    });
  });
  void exited.then(() => {
    for (const listener of [...listeners]) listener();
  });

  const output = (): string => lines.slice(-80).join('\n');

  const waitForLine = (pattern: RegExp, timeoutMs = 10_000, from = 0): Promise<string> =>
    new Promise<string>((resolve, reject) => {
      let scanned = from;
      const check = (): void => {
        for (; scanned < lines.length; scanned++) {
          const line = lines[scanned]!;
          if (pattern.test(line)) {
            cleanup();
            resolve(line);
            return;
          }
        }
        if (exitInfo !== undefined) {
          cleanup();
          reject(new Error(`the door station exited (code ${exitInfo.code}, signal ${exitInfo.signal}) before printing ${pattern}; it printed:\n${output()}`));
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`the door station did not print ${pattern} within ${timeoutMs} ms; it printed:\n${output()}`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        listeners.delete(check);
      };
      listeners.add(check);
      check();
    });

  let stopping: Promise<DoorExit> | undefined;
  const stop = (signal: NodeJS.Signals = 'SIGTERM', boundMs = 10_000): Promise<DoorExit> => {
    stopping ??= (async () => {
      const started = performance.now();
      if (exitInfo === undefined) child.kill(signal);
      const killer = setTimeout(() => child.kill('SIGKILL'), boundMs);
      const { code, signal: by } = await exited;
      clearTimeout(killer);
      watcher?.kill('SIGKILL');
      const ms = Math.round(performance.now() - started);
      live.delete(door);
      rmSync(stateDir, { recursive: true, force: true });
      return { code, signal: by, ms };
    })();
    return stopping;
  };

  const door: DoorProcess = {
    pid: child.pid ?? -1,
    configFile,
    stateDir,
    lines: () => lines,
    waitForLine,
    port: async (protocol) => {
      const line = await waitForLine(new RegExp(`\\blistening protocol=${protocol} local=\\S+:\\d+$`), 5000);
      return Number(/:(\d+)$/.exec(line)![1]);
    },
    ring: (button) => {
      if (options.simulate !== true) throw new Error('ring() needs a door started with simulate: true');
      child.stdin.write(button === undefined ? 'ring\n' : `ring ${button}\n`);
    },
    stop,
    exited,
  };
  live.add(door);
  try {
    onTestFinished(async () => {
      await door.stop('SIGKILL');
    });
  } catch {
    // Started outside a test (beforeAll …): the caller stops it, or stopAllDoors() in an afterAll.
  }
  return door;
}

/** The indoor user's password in the standalone doors the phone tests start. */
export const PASSWORD = 'flat-Pa55word';

/**
 * The door station in standalone mode with one indoor user, `flat`, the bell calling it, and calls from `flat`'s
 * phone answered (listening in at the door); and its SIP port.
 */
export async function startStandaloneDoor(host: string, transport: 'udp' | 'tcp'): Promise<{ door: DoorProcess; port: number }> {
  const door = startDoor({
    simulate: true,
    config: {
      sip: {
        mode: 'standalone',
        listen: { host, port: 0, transports: [transport] },
        domain: 'doorbell.test',
        users: [{ username: 'flat', password: PASSWORD }],
      },
      buttons: [{ id: '1', plan: [{ targets: ['flat'] }] }],
      doorbell: { incoming: { autoAnswer: [{ from: 'flat' }] } },
    },
  });
  return { door, port: await door.port(transport) };
}
