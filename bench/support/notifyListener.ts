// A real NOTIFY_SOCKET for the benchmarks, without vitest: test/systemd/notifyReceiver.py (used by path, the same file
// the tests use) binds an AF_UNIX datagram socket (Node cannot) in a temporary directory and prints each sd_notify
// message as a line; each line is stamped here with process.hrtime.bigint() when it arrives.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';

/** One message as the receiver printed it (`pid=<sender> FIELD=value …`), with its arrival here (hrtime, ns). */
export interface NotifyLine {
  readonly line: string;
  readonly at: bigint;
}

export class NotifyListener {
  readonly #child: ChildProcess;
  readonly #dir: string;
  /** The socket's path, for NOTIFY_SOCKET. */
  readonly socket: string;
  readonly #lines: NotifyLine[] = [];
  readonly #waiters = new Set<() => void>();

  private constructor(child: ChildProcess, dir: string, socket: string) {
    this.#child = child;
    this.#dir = dir;
    this.socket = socket;
  }

  /** Starts the receiver (python3) and resolves once its socket is bound. */
  static async open(root: string): Promise<NotifyListener> {
    const dir = mkdtempSync(path.join(tmpdir(), 'bench-notify-'));
    const socket = path.join(dir, 'notify');
    // stdin stays open: the receiver ends when it closes, so it cannot outlive the bench.
    const child = spawn('python3', [path.join(root, 'test', 'systemd', 'notifyReceiver.py'), socket], { stdio: ['pipe', 'pipe', 'pipe'] });
    const listener = new NotifyListener(child, dir, socket);
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      await new Promise<void>((resolve, reject) => {
        child.once('error', reject);
        child.once('exit', (code) => reject(new Error(`notifyReceiver.py exited (${code}): ${stderr}`)));
        createInterface({ input: child.stdout! }).on('line', (line) => {
          const at = process.hrtime.bigint();
          if (line === 'listening') return resolve();
          listener.#lines.push({ line, at });
          for (const waiter of [...listener.#waiters]) waiter();
        });
        setTimeout(() => reject(new Error(`notifyReceiver.py did not bind ${socket} within 10 s: ${stderr}`)), 10_000).unref();
      });
    } catch (error) {
      listener.close();
      throw error;
    }
    return listener;
  }

  /** How many messages have come so far: the `from` of a later `waitFor`. */
  get count(): number {
    return this.#lines.length;
  }

  /** The first message from index `from` on whose line matches `pattern`; rejects after `ms` without one. */
  waitFor(pattern: RegExp, ms: number, from: number): Promise<NotifyLine> {
    return new Promise<NotifyLine>((resolve, reject) => {
      const check = (): void => {
        const found = this.#lines.slice(from).find((m) => pattern.test(m.line));
        if (found === undefined) return;
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve(found);
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        const seen = this.#lines.slice(from).map((m) => m.line).join('\n');
        reject(new Error(`no sd_notify message matched ${pattern} within ${ms} ms; received:\n${seen}`));
      }, ms);
      this.#waiters.add(check);
      check();
    });
  }

  /** Stops the receiver and removes its directory; safe to call more than once. */
  close(): void {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill('SIGTERM');
    rmSync(this.#dir, { recursive: true, force: true });
  }
}
