// A real NOTIFY_SOCKET for tests: test/systemd/notifyReceiver.py binds an AF_UNIX datagram socket (Node cannot) in a
// temporary directory, prints every sd_notify message as a line and closes the file descriptors that come with them
// (systemd-notify's barrier waits for that). Stopped, and its directory removed, when the test finishes.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { onTestFinished } from 'vitest';

/** One message as the receiver printed it: `pid=<sender> FIELD=value FIELD=value …`. */
export interface NotifyMessage {
  readonly line: string;
  /** performance.now() in the test process when the line arrived. */
  readonly at: number;
}

export interface NotifyReceiver {
  /** The socket's path, for NOTIFY_SOCKET. */
  readonly socket: string;
  messages(): readonly NotifyMessage[];
  /** The first message from index `from` on whose line matches; rejects after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs?: number, from?: number): Promise<NotifyMessage>;
}

export async function startNotifyReceiver(): Promise<NotifyReceiver> {
  const dir = mkdtempSync(path.join(tmpdir(), 'notify-socket-'));
  const socket = path.join(dir, 'notify');
  // stdin stays open: the receiver ends when it closes, so it cannot outlive the test process.
  const child = spawn('python3', [path.join(import.meta.dirname, 'notifyReceiver.py'), socket], { stdio: ['pipe', 'pipe', 'pipe'] });
  const messages: NotifyMessage[] = [];
  const listeners = new Set<() => void>();
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const listening = new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`notifyReceiver.py exited (${code}): ${stderr}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line === 'listening') {
        resolve();
        return;
      }
      messages.push({ line, at: performance.now() });
      for (const listener of [...listeners]) listener();
    });
  });
  onTestFinished(() => {
    child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });
  await listening;
  return {
    socket,
    messages: () => messages,
    waitFor: (pattern, timeoutMs = 10_000, from = 0) =>
      new Promise<NotifyMessage>((resolve, reject) => {
        const check = (): void => {
          const found = messages.slice(from).find((m) => pattern.test(m.line));
          if (found === undefined) return;
          clearTimeout(timer);
          listeners.delete(check);
          resolve(found);
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`no sd_notify message matched ${pattern} within ${timeoutMs} ms; received:\n${messages.map((m) => m.line).join('\n')}`));
        }, timeoutMs);
        listeners.add(check);
        check();
      }),
  };
}
