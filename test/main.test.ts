// main.ts as a process: flags, exit codes, and a clean stop on SIGINT/SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
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

/** ISO 8601 UTC with milliseconds, then one space: what starts each log line outside the journal. */
const STAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z /;

/** The log lines of an output, each checked for its time stamp and returned without it. */
function events(output: string): string[] {
  const lines = output.trimEnd().split('\n');
  for (const line of lines) expect(line).toMatch(STAMP);
  return lines.map((line) => line.replace(STAMP, ''));
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
      const lines = events(run.stdout());
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
      const errors = events(run.stderr());
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

  it('leaves the time stamp to the journal when its stderr is the stream $JOURNAL_STREAM names', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'doorbell-main-'));
    const missing = path.join(dir, 'missing.json');
    // systemd.exec(5): JOURNAL_STREAM is device:inode of the journal connection; a file stands in for it here.
    const runWith = async (journalStream: (file: string) => string): Promise<string> => {
      const file = path.join(dir, `stderr-${Math.random().toString(36).slice(2)}`);
      const fd = openSync(file, 'w');
      try {
        const child = spawn(process.execPath, ['--import', 'tsx', 'firmware-app/main.ts', '--config', missing, '--state', dir], {
          cwd: root,
          stdio: ['ignore', 'ignore', fd],
          env: { ...process.env, JOURNAL_STREAM: journalStream(file) },
        });
        expect(await new Promise((resolve) => child.on('close', resolve))).toBe(1);
      } finally {
        closeSync(fd);
      }
      return readFileSync(file, 'utf8');
    };
    try {
      const identity = (file: string): string => {
        const stat = statSync(file, { bigint: true });
        return `${stat.dev}:${stat.ino}`;
      };
      expect(await runWith(identity)).toMatch(/^error configUnreadable file=\S+missing\.json /);
      // Inherited, but naming another stream: the output went elsewhere, so it keeps its stamps.
      expect(await runWith(() => '1:1')).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z error configUnreadable /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
