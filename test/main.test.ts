// main.ts as a process: flags, exit codes, and a clean stop on SIGINT/SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import packageJson from '../package.json' with { type: 'json' };

const root = fileURLToPath(new URL('..', import.meta.url));

interface Run {
  readonly child: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function runMain(...args: string[]): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', 'firmware-app/main.ts', ...args], { cwd: root });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal }));
  });
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

async function outputContains(run: Run, text: string): Promise<void> {
  while (!run.stdout().includes(text)) {
    const exited = run.exited.then(() => true);
    const more = new Promise((resolve) => run.child.stdout?.once('data', resolve)).then(() => false);
    if (await Promise.race([more, exited])) throw new Error(`exited before printing ${text}: ${run.stderr()}`);
  }
}

describe('main.ts', () => {
  it('prints the package version for --version', async () => {
    const run = runMain('--version');
    expect(await run.exited).toEqual({ code: 0, signal: null });
    expect(run.stdout()).toBe(`${packageJson.version}\n`);
  });

  it('prints usage for --help', async () => {
    const run = runMain('--help');
    expect((await run.exited).code).toBe(0);
    expect(run.stdout()).toMatch(/^Usage: sip-doorbell/);
    expect(run.stdout()).toContain('--simulate');
  });

  it.each([['--bogus'], ['--config'], ['stray-argument']])('rejects %s with exit code 2 and no stack trace', async (arg) => {
    const run = runMain(arg);
    expect((await run.exited).code).toBe(2);
    expect(run.stderr()).toMatch(/^sip-doorbell: .+\nRun 'sip-doorbell --help' for usage\.\n$/);
    expect(run.stderr()).not.toMatch(/\n\s+at /);
  });

  it.each([['SIGTERM' as const], ['SIGINT' as const]])('starts the SIP stack on loopback, then stops cleanly on %s', async (signal) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'doorbell-main-'));
    const config = path.join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({
      sip: { mode: 'standalone', listen: { host: '127.0.0.1', port: 0, transports: ['udp'] }, users: [{ username: 'flat', password: 'flat-secret-1' }] },
    }));
    try {
      const run = runMain('--simulate', '--config', config, '--state', dir);
      await outputContains(run, 'listening protocol=udp');
      run.child.kill(signal);
      expect(await run.exited).toEqual({ code: 0, signal: null });
      const lines = run.stdout().trimEnd().split('\n');
      expect(lines[0]).toMatch(new RegExp(`^info started version=${packageJson.version} mode=simulate sipMode=standalone port=0 pid=\\d+$`));
      expect(lines).toContain(`info stopping signal=${signal}`);
      expect(lines.at(-1)).toBe('info stopped');
      expect(run.stderr()).toBe('');
      // The identity survives restarts and only its owner may read it.
      expect(statSync(path.join(dir, 'identity.json')).mode & 0o077).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses an invalid configuration with one line per field, never echoing values', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'doorbell-main-'));
    const config = path.join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ sip: { mode: 'registered', users: [{ username: 'flat', password: 'short' }] } }));
    try {
      const run = runMain('--config', config, '--state', dir);
      expect((await run.exited).code).toBe(1);
      const errors = run.stderr().trimEnd().split('\n');
      expect(errors).toContain(`error configInvalid file=${config} issue="sip.users.0.password: at least 8 characters"`);
      expect(errors).toContain(`error configInvalid file=${config} issue="sip.account: registered mode needs an account"`);
      expect(run.stderr()).not.toContain('short');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('needs --config outside the simulator', async () => {
    const run = runMain();
    expect((await run.exited).code).toBe(2);
    expect(run.stderr()).toContain('configMissing');
  });
});
