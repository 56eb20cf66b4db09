// main.ts as a process: flags, exit codes, and a clean stop on SIGINT/SIGTERM.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import packageJson from '../package.json' with { type: 'json' };
import { ConfigSchema } from '../firmware-app/config/schema.ts';
import { createScryptCodeHasher } from '../firmware-app/platform/doorCodeHash.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

interface Run {
  readonly child: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const live = new Set<ChildProcess>();
// A test that fails half-way must not leave a door station running.
afterEach(() => {
  for (const child of live) child.kill('SIGKILL');
  live.clear();
});

function runMain(...args: string[]): Run {
  return follow(spawn(process.execPath, ['--import', 'tsx', 'firmware-app/main.ts', ...args], { cwd: root }));
}

function follow(child: ChildProcess): Run {
  let stdout = '';
  let stderr = '';
  live.add(child);
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    });
  });
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/**
 * A device (no --simulate) whose configuration is the factory one listens where a device does: SIP on 0.0.0.0:5060
 * and the page on 0.0.0.0:8080. Such a run gets a network namespace of its own (`unshare -rn`, only a loopback
 * interface) so that it takes no real port and reaches no network; `fetchInside` asks its page from inside it.
 */
const ISOLATION = spawnSync('unshare', ['-rn', 'sh', '-c', 'ip link set lo up'], { stdio: 'ignore' }).status === 0;

function runIsolated(...args: string[]): Run {
  const child = spawn('unshare', ['-rn', 'sh', '-c', 'ip link set lo up && exec "$@"', 'sh', process.execPath, '--import', 'tsx', 'firmware-app/main.ts', ...args], { cwd: root });
  return follow(child);
}

/** GET `url` from inside the namespace of `run` (nsenter into it): the status code and the body. */
async function fetchInside(run: Run, url: string): Promise<{ status: number; body: string }> {
  const script = `fetch(${JSON.stringify(url)}).then(async (r) => process.stdout.write(JSON.stringify({ status: r.status, body: await r.text() })))`;
  const inside = follow(spawn('nsenter', ['-t', String(run.child.pid), '-U', '-n', '--preserve-credentials', process.execPath, '-e', script], { cwd: root }));
  expect((await inside.exited).code).toBe(0);
  return JSON.parse(inside.stdout()) as { status: number; body: string };
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

/** A self-signed certificate (valid until 2036): only read and parsed here, never used to verify a peer. */
const CA_PEM = `-----BEGIN CERTIFICATE-----
MIIBeTCCAR+gAwIBAgIUfKWqsG1TIAY0jFvPO9eSxwljue8wCgYIKoZIzj0EAwIw
EjEQMA4GA1UEAwwHdGVzdC1jYTAeFw0yNjEyMDMwNzEzNTBaFw0zNjExMzAwNzEz
NTBaMBIxEDAOBgNVBAMMB3Rlc3QtY2EwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNC
AAT+lWO3MJmzuj4JPfT6g4XsDgjFyLI3A+yPs3R3r4Enp3lSAZpMaPDozIY/WYOw
Kjw0rzvtYus+/9VlELoFbNqvo1MwUTAdBgNVHQ4EFgQUTUeaKzijvGgIHoiEnSTQ
mOuItc0wHwYDVR0jBBgwFoAUTUeaKzijvGgIHoiEnSTQmOuItc0wDwYDVR0TAQH/
BAUwAwEB/zAKBggqhkjOPQQDAgNIADBFAiAiI+oUivu8bZQx++0RSezSM649StnJ
+1QPj65Z1F4ceQIhALhjr3i1E8Mf4Llny5Hg9xENNorUu5JVElh+RaXqYnoi
-----END CERTIFICATE-----
`;

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
    expect(run.stdout()).toContain('--sim-mic <wav>');
    expect(run.stdout()).toContain('--sim-speaker <wav>');
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
      web: { listen: 'http://127.0.0.1:0' },
    }));
    try {
      const run = runMain('--simulate', '--config', config, '--state', dir);
      await outputContains(run, 'simulatorReady');
      // The configuration page: its URL and, until the owner chose a password, the one-time setup code.
      const setup = /^info setupRequired url=(http:\/\/127\.0\.0\.1:\d+\/) setupCode=([A-Z0-9-]+)$/m.exec(events(run.stdout()).join('\n'));
      expect(setup).not.toBeNull();
      expect((await fetch(`${setup![1]}api/status`)).status).toBe(401);
      expect(readFileSync(path.join(dir, 'web', 'setup-code'), 'utf8').trim()).toBe(setup![2]);
      run.child.kill(signal);
      expect(await run.exited).toEqual({ code: 0, signal: null });
      const lines = events(run.stdout());
      expect(lines[0]).toMatch(new RegExp(`^info started version=${packageJson.version} mode=simulate sipMode=standalone port=0 pid=\\d+$`));
      // One line says what to do next: whom to register where (the real port), where the password is, how to ring.
      const port = /^info listening protocol=udp local=127\.0\.0\.1:(\d+)$/m.exec(lines.join('\n'))?.[1];
      expect(lines.filter((line) => line.includes('simulatorReady'))).toEqual([
        `info simulatorReady register=flat@127.0.0.1:${port} passwordIn=${config} ring="type ring and Enter"`,
      ]);
      expect(run.stdout()).not.toContain('flat-secret-1');
      expect(lines).toContain(`info stopping signal=${signal}`);
      expect(lines.at(-1)).toBe('info stopped');
      expect(run.stderr()).toBe('');
      // The identity survives restarts and only its owner may read it.
      expect(statSync(path.join(dir, 'identity.json')).mode & 0o077).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(!ISOLATION)('on a device, a file and .bak both invalid: the factory configuration runs, the setup page answers, the files stay', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'doorbell-main-'));
    const config = path.join(dir, 'config.json');
    const broken = JSON.stringify({ sip: { mode: 'registered', users: [{ username: 'flat', password: 'short' }] } });
    writeFileSync(config, broken);
    writeFileSync(`${config}.bak`, '{"sip": ');
    try {
      const run = runIsolated('--config', config, '--state', dir);
      await outputContains(run, 'setupRequired url=');
      const errors = events(run.stderr());
      expect(errors.slice(0, 4)).toEqual([
        `error configInvalid file=${config} issue="sip.users.0.password: at least 8 characters"`,
        `error configInvalid file=${config} issue="sip.account: registered mode needs an account"`,
        `error configBackupUnusable file=${config}.bak problem="not JSON: the text ends too early (line 1, column 9)"`,
        `error configUnusable file=${config} reason="sip.users.0.password: at least 8 characters; sip.account: registered mode needs an account" running=factory kept="as it is until the first save moves it aside"`,
      ]);
      const lines = events(run.stdout());
      expect(lines[0]).toMatch(/^info started version=\S+ mode=device sipMode=standalone port=5060 pid=\d+$/);
      expect(lines).toContainEqual(expect.stringMatching(/^info setupRequired url=http:\/\/0\.0\.0\.0:8080\/ setupCode=[A-Z0-9-]+( open=http:\/\/[A-Za-z0-9-]+\.local:8080\/)?$/));
      const page = await fetchInside(run, 'http://127.0.0.1:8080/');
      expect(page.status).toBe(200);
      expect(page.body).toMatch(/<html/i);
      expect((await fetchInside(run, 'http://127.0.0.1:8080/api/status')).status).toBe(401);
      run.child.kill('SIGTERM');
      expect(await run.exited).toEqual({ code: 0, signal: null });
      expect(run.stdout() + run.stderr()).not.toContain('short');
      expect(readFileSync(config, 'utf8')).toBe(broken);
      expect(readFileSync(`${config}.bak`, 'utf8')).toBe('{"sip": ');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(!ISOLATION)('on a device whose addresses are gone (a DHCP change): the page on the default address, the door retrying', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'doorbell-main-'));
    const config = path.join(dir, 'config.json');
    // 192.0.2.10 (TEST-NET-1) is not an address of the run's namespace, which has only a loopback interface.
    writeFileSync(config, JSON.stringify({ sip: { listen: { host: '192.0.2.10', port: 5060, transports: ['udp'] } }, web: { listen: 'http://192.0.2.10:8080' } }));
    try {
      const run = runIsolated('--config', config, '--state', path.join(dir, 'state'));
      await outputContains(run, 'setupRequired url=');
      const errors = events(run.stderr());
      expect(errors).toContainEqual(expect.stringMatching(/^error notRunning reason="TransportError BIND_FAILED: cannot bind UDP 192\.0\.2\.10:5060: .*EADDRNOTAVAIL.*" attempt=1 retryInSec=2$/));
      expect(errors).toContainEqual(expect.stringMatching(/^error webListenFailed url=http:\/\/192\.0\.2\.10:8080 error=".*EADDRNOTAVAIL.*" instead=http:\/\/0\.0\.0\.0:8080\/$/));
      expect((await fetchInside(run, 'http://127.0.0.1:8080/')).status).toBe(200);
      run.child.kill('SIGTERM');
      expect(await run.exited).toEqual({ code: 0, signal: null });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(!ISOLATION)('on a device without a config file (a fresh install): the factory configuration and the setup page, nothing written', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'doorbell-main-'));
    const config = path.join(dir, 'nonexistent-dir', 'config.json');
    try {
      const run = runIsolated('--config', config, '--state', path.join(dir, 'state'));
      await outputContains(run, 'setupRequired url=');
      // Then the factory's button, relay and LED, which have no pins yet, each in one warning.
      expect(events(run.stderr())[0]).toBe(`warn configUnusable file=${config} reason="no such file" running=factory`);
      expect(events(run.stdout())).toContainEqual(expect.stringMatching(/^info setupRequired url=http:\/\/0\.0\.0\.0:8080\/ setupCode=[A-Z0-9-]+( open=http:\/\/[A-Za-z0-9-]+\.local:8080\/)?$/));
      expect((await fetchInside(run, 'http://127.0.0.1:8080/')).status).toBe(200);
      run.child.kill('SIGTERM');
      expect(await run.exited).toEqual({ code: 0, signal: null });
      expect(existsSync(path.dirname(config))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('takes --sim-mic and --sim-speaker only with --simulate, and refuses a --sim-mic that is no WAV file', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'doorbell-main-'));
    const config = path.join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ sip: { listen: { host: '127.0.0.1', port: 0, transports: ['udp'] } } }));
    const notWav = path.join(dir, 'notes.wav');
    writeFileSync(notWav, 'not a wav file at all');
    try {
      const device = runMain('--config', config, '--state', dir, '--sim-speaker', path.join(dir, 'out.wav'));
      expect((await device.exited).code).toBe(2);
      expect(events(device.stderr())).toEqual(['error flagsInvalid detail="--sim-mic and --sim-speaker need --simulate"']);
      const badMic = runMain('--simulate', '--config', config, '--state', dir, '--sim-mic', notWav);
      expect((await badMic.exited).code).toBe(1);
      expect(badMic.stderr()).toMatch(/error halFailed error="--sim-mic .*notes\.wav: .+"/);
      expect(badMic.stderr()).not.toMatch(/\n\s+at /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('on a device, a door code whose relay has no pin: the door runs (the bell rings) and the problem is logged', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'doorbell-main-'));
    const config = path.join(dir, 'config.json');
    const hash = `scrypt$14$8$1$${'A'.repeat(22)}==$${'B'.repeat(43)}=`;
    writeFileSync(config, JSON.stringify({
      sip: { listen: { host: '127.0.0.1', port: 0, transports: ['udp'] } }, web: { listen: 'http://127.0.0.1:0' }, doorbell: { doorCodes: [{ name: 'family', hash }] },
    }));
    try {
      const device = runMain('--config', config, '--state', dir);
      await outputContains(device, 'setupRequired url=');
      device.child.kill('SIGTERM');
      expect((await device.exited).code).toBe(0);
      expect(events(device.stderr())[0]).toBe(`warn configIncomplete file=${config} issue="relays.0.pin: relay door is used by a door code but has no pin (a BCM GPIO number)"`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--hash-door-code prints a hash the config takes and the code matches; refuses what is not digits', async () => {
    const hashing = runMain('--hash-door-code');
    hashing.child.stdin?.end('4711\n');
    expect((await hashing.exited).code).toBe(0);
    const hash = hashing.stdout().trim();
    expect(hash).toMatch(/^scrypt\$14\$8\$1\$/);
    expect(hash).not.toContain('4711');
    const parsed = ConfigSchema.safeParse({ doorbell: { doorCodes: [{ name: 'family', hash }] } });
    expect(parsed.success).toBe(true);
    expect(await createScryptCodeHasher().verify('4711', hash)).toBe(true);
    expect(await createScryptCodeHasher().verify('4712', hash)).toBe(false);
    const bad = runMain('--hash-door-code');
    bad.child.stdin?.end('12a4\n');
    expect((await bad.exited).code).toBe(2);
    expect(bad.stderr()).toContain('a door code is 1 to 16 digits');
  });

  it('simulator console: ring <id> presses that button, an unknown id or command is one warning, quit stops; SIGHUP stops cleanly too', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'doorbell-main-'));
    const config = path.join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({
      sip: { listen: { host: '127.0.0.1', port: 0, transports: ['udp'] }, users: USERS },
      buttons: [{ id: 'front', plan: [{ targets: ['flat'] }] }, { id: 'back', plan: [{ targets: ['flat'] }] }],
    }));
    try {
      const run = runMain('--simulate', '--config', config, '--state', dir);
      await outputContains(run, 'simulatorReady');
      run.child.stdin?.write('ring back\nring nope\nopen sesame\n');
      await outputContains(run, 'nobodyAnswered'); // button back's plan ran (nobody registered for flat)
      run.child.stdin?.write('quit\n');
      expect((await run.exited).code).toBe(0);
      const lines = events(run.stdout() + run.stderr());
      expect(lines.filter((l) => l.startsWith('info buttonPressed')).map((l) => /button=(\S+)/.exec(l)?.[1])).toEqual(['back']);
      expect(lines).toContain('warn unknownButton button=nope buttons=front,back');
      expect(lines.some((l) => l.startsWith('warn unknownCommand command=open'))).toBe(true);
      expect(lines).toContain('info stopping signal=quit');
      const hangup = runMain('--simulate', '--config', config, '--state', dir);
      await outputContains(hangup, 'simulatorReady');
      hangup.child.kill('SIGHUP');
      expect((await hangup.exited).code).toBe(0);
      expect(hangup.stdout()).toContain('stopping signal=SIGHUP');
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
        // --sim-speaker without --simulate ends the run (exit 2) right after the config was opened, before anything listens.
        const child = spawn(process.execPath, ['--import', 'tsx', 'firmware-app/main.ts', '--config', missing, '--state', dir, '--sim-speaker', 'x.wav'], {
          cwd: root,
          stdio: ['ignore', 'ignore', fd],
          env: { ...process.env, JOURNAL_STREAM: journalStream(file) },
        });
        expect(await new Promise((resolve) => child.on('close', resolve))).toBe(2);
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
      expect(await runWith(identity)).toMatch(/^warn configUnusable file=\S+missing\.json /);
      // Inherited, but naming another stream: the output went elsewhere, so it keeps its stamps.
      expect(await runWith(() => '1:1')).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z warn configUnusable /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const USERS = [{ username: 'flat', password: 'flat-secret-1' }];
  const tlsAccount = (tlsCa: string): object => ({
    sip: { mode: 'registered', account: { registrar: 'pbx.example.org', transport: 'tls', user: 'door', password: 'door-secret', tlsCa } },
  });

  it.each([
    ['not JSON', '{\n  "sip": {\n    "users": [{"username": "flat", "password": hunter2}]\n  }\n}', [
      'error configUnreadable file=$CONFIG problem="not JSON: a mistake at line 3, column 48"',
    ]],
    ['cut short', '{"sip": {"mode": "standalone"', ['error configUnreadable file=$CONFIG problem="not JSON: the text ends too early (line 1, column 30)"']],
    ['wrong types', JSON.stringify({ sip: { listen: { port: '5060' }, users: [{ username: 'flat', password: 12345678 }] } }), [
      'error configInvalid file=$CONFIG issue="sip.listen.port: Invalid input: expected number, received string"',
      'error configInvalid file=$CONFIG issue="sip.users.0.password: Invalid input: expected string, received number"',
    ]],
    ['a misspelt key', JSON.stringify({ ...tlsAccount('ca.pem'), sip: { mode: 'registered', account: { registrar: 'pbx', user: 'door', password: 'door-secret', tlsCA: 'ca.pem' } } }), [
      'error configInvalid file=$CONFIG issue="sip.account.tlsCA: unknown key (did you mean tlsCa?)"',
    ]],
    ['a tlsCa file that is missing', JSON.stringify(tlsAccount('missing-ca.pem')), [
      'error configInvalid file=$CONFIG issue="sip.account.tlsCa: cannot read $DIR/missing-ca.pem (Error: ENOENT: no such file or directory, open \'$DIR/missing-ca.pem\')"',
    ]],
    ['a tlsCa file without a certificate', JSON.stringify(tlsAccount('key.pem')), [
      'error configInvalid file=$CONFIG issue="sip.account.tlsCa: $DIR/key.pem holds no PEM certificate (-----BEGIN CERTIFICATE-----)"',
    ]],
  ])('a config file with %s: one line per problem naming the field, one saying the factory configuration runs, the file untouched', async (_name, text, expected) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'doorbell-main-'));
    const config = path.join(dir, 'config.json');
    writeFileSync(config, text);
    writeFileSync(path.join(dir, 'key.pem'), '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n');
    try {
      // --sim-speaker without --simulate ends the run (exit 2) right after the config was opened, before anything listens.
      const run = runMain('--config', config, '--state', dir, '--sim-speaker', 'x.wav');
      expect((await run.exited).code).toBe(2);
      const problems = expected.map((line) => line.replaceAll('$CONFIG', config).replaceAll('$DIR', dir));
      const lines = events(run.stderr());
      expect(lines.slice(0, -2)).toEqual(problems);
      expect(lines.at(-2)).toMatch(new RegExp(`^error configUnusable file=${config} reason=".+" running=factory kept="as it is until the first save moves it aside"$`));
      expect(lines.at(-1)).toBe('error flagsInvalid detail="--sim-mic and --sim-speaker need --simulate"');
      expect(run.stdout()).toBe('');
      expect(run.stderr()).not.toMatch(/hunter2|12345678|door-secret|\n\s+at /);
      expect(existsSync(path.join(dir, 'identity.json'))).toBe(false);
      expect(readFileSync(config, 'utf8')).toBe(text);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads tlsCa from a file named relative to the config file', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'doorbell-main-'));
    const config = path.join(dir, 'config.json');
    // Registered over TLS to a registrar that is not there: the CA file is read, the stack starts, registering fails later.
    writeFileSync(config, JSON.stringify({
      sip: {
        mode: 'registered', listen: { host: '127.0.0.1', port: 0, transports: ['udp'] },
        account: { registrar: '127.0.0.1:9', transport: 'tls', user: 'door', password: 'door-secret', tlsCa: 'ca.pem' },
      },
    }));
    writeFileSync(path.join(dir, 'ca.pem'), CA_PEM);
    try {
      const run = runMain('--config', config, '--state', dir);
      await outputContains(run, 'listening protocol=udp');
      run.child.kill('SIGTERM');
      expect((await run.exited).code).toBe(0);
      expect(run.stderr()).not.toMatch(/configInvalid|configUnreadable|startFailed/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('tells the simulator user a real address of this machine when it listens on 0.0.0.0', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'doorbell-main-'));
    const config = path.join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ sip: { listen: { host: '0.0.0.0', port: 0, transports: ['udp'] }, users: USERS } }));
    try {
      const run = runMain('--simulate', '--config', config, '--state', dir);
      await outputContains(run, 'simulatorReady');
      run.child.kill('SIGTERM');
      await run.exited;
      const ready = events(run.stdout()).find((line) => line.startsWith('info simulatorReady '));
      const [, host, port] = /register=flat@([^:\s]+):(\d+) /.exec(ready ?? '') ?? [];
      const own = Object.values(networkInterfaces()).flatMap((list) => (list ?? []).filter((a) => a.family === 'IPv4').map((a) => a.address));
      expect(own).toContain(host);
      expect(host).not.toBe('0.0.0.0');
      expect(Number(port)).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('logs each event once: a door registered with another door, which rings it, the call answered and hung up', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'doorbell-main-'));
    const registrarConfig = path.join(dir, 'registrar.json');
    const phoneConfig = path.join(dir, 'phone.json');
    writeFileSync(registrarConfig, JSON.stringify({ sip: { listen: { host: '127.0.0.1', port: 0, transports: ['udp'] }, users: USERS } }));
    try {
      // The first door station is the registrar; the second registers with it as `flat` and (simulated) answers.
      const registrar = runMain('--simulate', '--config', registrarConfig, '--state', path.join(dir, 'registrar'));
      await outputContains(registrar, 'simulatorReady');
      const port = /listening protocol=udp local=127\.0\.0\.1:(\d+)/.exec(registrar.stdout())?.[1];
      writeFileSync(phoneConfig, JSON.stringify({
        sip: {
          mode: 'registered', listen: { host: '127.0.0.1', port: 0, transports: ['udp'] },
          account: { registrar: `127.0.0.1:${port}`, transport: 'udp', user: 'flat', password: 'flat-secret-1' },
        },
        doorbell: { incoming: { autoAnswer: [{ from: 'door' }] } }, // the other door may call this one, which answers
      }));
      const phone = runMain('--simulate', '--config', phoneConfig, '--state', path.join(dir, 'phone'));
      await outputContains(phone, ' registered ');
      registrar.child.stdin?.write('ring\n');
      await outputContains(phone, 'callEstablished');
      await outputContains(registrar, 'callEstablished');
      phone.child.kill('SIGTERM'); // hangs up, un-registers
      expect((await phone.exited).code).toBe(0);
      await outputContains(registrar, 'callEnded');
      registrar.child.kill('SIGTERM');
      expect((await registrar.exited).code).toBe(0);
      const count = (run: Run, event: string): number =>
        events(run.stdout() + run.stderr()).filter((line) => line.split(' ')[1] === event).length;
      expect(count(phone, 'registered')).toBe(1);
      expect(count(phone, 'registrationFailed')).toBe(0);
      for (const run of [phone, registrar]) {
        expect(count(run, 'callEstablished')).toBe(1);
        expect(count(run, 'callEnded')).toBe(1);
        expect(count(run, 'callClosed')).toBe(0);
      }
      expect(count(phone, 'callIncoming')).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
