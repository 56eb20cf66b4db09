// Runs the real sipp (Debian package sip-tester) on loopback for interop tests, bounded in time.

import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { listenerPort } from './ports.ts';

export interface SippRun {
  /** sipp's exit status: 0 when every call succeeded, 1 when one failed, other values are fatal. */
  readonly code: number | null;
  readonly output: string;
  /** Contents of sipp's -trace_err / -trace_msg files, for failure messages. */
  readonly traces: string;
}

export interface SippOptions {
  /** Scenario file name under test/interop/scenarios. */
  readonly scenario: string;
  /** `u1` (UDP) or `t1` (TCP, one connection). */
  readonly transport: 'u1' | 't1';
  /** sipp's own port. */
  readonly localPort: number;
  /** Where sipp sends (UAC mode); omit for UAS mode. */
  readonly remote?: { host: string; port: number };
  readonly calls?: number;
  /** Default pause length (ms) for `<pause/>` without a value. */
  readonly pauseMs?: number;
  /** Hard stop for the sipp process (s). */
  readonly timeoutSeconds?: number;
  /** sipp's own address (default 127.0.0.1; 127.0.0.2 plays a foreign host). */
  readonly localHost?: string;
  /** Request-URI user for UAC scenarios (`[service]`). */
  readonly service?: string;
  /**
   * Files written into sipp's working directory before it starts, by name: what a scenario names relative to it,
   * such as the audio of `<exec rtp_stream="tone.ulaw,-1,0"/>` (sipp reads that when it loads the scenario).
   */
  readonly files?: Readonly<Record<string, Uint8Array>>;
}

const SCENARIOS = path.resolve(import.meta.dirname, '../interop/scenarios');

/**
 * A port that was free a moment ago on 127.0.0.1 for UDP and TCP, with the port after it (baresip binds port + 1 for
 * TLS), outside the ephemeral range (see listenerPort).
 */
export function freePort(): Promise<number> {
  return listenerPort('127.0.0.1', 2);
}

/** Starts sipp; the promise settles when it exits (it is killed after timeoutSeconds + 5 s). */
export function runSipp(options: SippOptions): { done: Promise<SippRun>; stop(): void } {
  const workDir = mkdtempSync(path.join(tmpdir(), 'sipp-'));
  for (const [name, bytes] of Object.entries(options.files ?? {})) writeFileSync(path.join(workDir, path.basename(name)), bytes);
  const timeoutSeconds = options.timeoutSeconds ?? 20;
  const args = [
    ...(options.remote !== undefined ? [`${options.remote.host}:${options.remote.port}`] : []),
    '-sf', path.join(SCENARIOS, options.scenario),
    '-i', options.localHost ?? '127.0.0.1',
    ...(options.service !== undefined ? ['-s', options.service] : []),
    '-p', String(options.localPort),
    '-t', options.transport,
    '-m', String(options.calls ?? 1),
    '-d', String(options.pauseMs ?? 0),
    '-timeout', `${timeoutSeconds}s`,
    '-timeout_error',
    '-nostdin',
    '-trace_err',
    '-trace_msg',
    '-max_socket', '64',
  ];
  const child = spawn('sipp', args, { cwd: workDir, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const append = (chunk: Buffer): void => {
    output += chunk.toString('latin1');
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  child.stdout.on('data', append);
  child.stderr.on('data', append);
  const killer = setTimeout(() => child.kill('SIGKILL'), (timeoutSeconds + 5) * 1000);
  const done = new Promise<SippRun>((resolve) => {
    const finish = (code: number | null): void => {
      clearTimeout(killer);
      let traces = '';
      for (const file of readdirSync(workDir)) {
        if (file.endsWith('.log')) traces += `--- ${file}\n${readFileSync(path.join(workDir, file), 'latin1').slice(-20_000)}\n`;
      }
      rmSync(workDir, { recursive: true, force: true });
      resolve({ code, output: output.slice(-4000), traces });
    };
    child.once('error', (err) => {
      output += String(err);
      finish(null);
    });
    child.once('exit', (code) => finish(code));
  });
  return { done, stop: () => child.kill('SIGTERM') };
}

/** sipp's exit status, output and traces, with our log when given: the message for a failed expectation. */
export function sippFailure(run: SippRun, logs?: readonly string[]): string {
  return `sipp exited ${run.code}\n${run.output}\n${run.traces}${logs !== undefined ? `\n--- our log\n${logs.join('\n')}` : ''}`;
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether a local socket is bound to UDP `port` (from Linux's /proc/net/udp; undefined where there is none). */
function udpBound(port: number): boolean | undefined {
  let table: string;
  try {
    table = readFileSync('/proc/net/udp', 'latin1');
  } catch {
    return undefined;
  }
  const suffix = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  return table.split('\n').some((line) => line.trim().split(/\s+/)[1]?.endsWith(suffix) === true);
}

/** Whether a TCP connection to 127.0.0.1:`port` is accepted. */
function tcpAccepts(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Waits until a UAS sipp can take our first request: until its port is bound (UDP) or accepts a connection
 * (TCP), polled and bounded by `timeoutMs`. Without /proc/net/udp, UDP gets a short pause instead.
 */
export async function sippReady(transport: SippOptions['transport'], port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ready = transport === 'u1' ? udpBound(port) : await tcpAccepts(port);
    if (ready === undefined) return pause(400);
    if (ready) return;
    if (Date.now() > deadline) throw new Error(`sipp never listened on ${transport === 'u1' ? 'UDP' : 'TCP'} port ${port}`);
    await pause(20);
  }
}
