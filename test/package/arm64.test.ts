// The arm64 Debian package on an emulated Debian trixie arm64 system (what Raspberry Pi OS Lite is made of): built by
// scripts/package.ts, installed with apt into a copy of the cached trixie root, its unit checked with the root's own
// systemd-analyze, the program started as its user from the unit's command line (simulated hardware) and spoken to
// over SIP and HTTP, then purged without a trace. Needs root (mmdebstrap, chroot, mount); the roots are cached in
// /var/cache/sip-doorbell-build (or $SIP_DOORBELL_CACHE), so only a fresh machine pays for building them.
import { createSocket } from 'node:dgram';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkElf } from '../../scripts/package/addon.ts';
import { withCacheLock } from '../../scripts/package/lock.ts';
import { allSettled } from '../../scripts/package/run.ts';
import { packageDebs } from '../../scripts/package.ts';
import { makeWorkRoot, snapshot, startInRoot, userInRoot, type RootProcess, type WorkRoot } from './rootRig.ts';

const isRoot = process.getuid?.() === 0;
const USER = 'sip-doorbell';
const UNIT = '/usr/lib/systemd/system/sip-doorbell.service';
// Cold: the base root, then the build and test roots side by side under emulation and the add-on compiled (about
// 4 to 5 minutes with the test on an idle 2-core machine; 40 is the bound for a loaded one).
const COLD_MS = 40 * 60_000;
const STEP_MS = 5 * 60_000;

/** Our own progress lines (the tools' output is indented) with the time since the start, for the run's log. */
const started = Date.now();
const progress: string[] = [];
const log = (line: string): void => {
  progress.push(line);
  if (!line.startsWith('  ')) console.log(`[package arm64 +${Math.round((Date.now() - started) / 1000)} s] ${line}`);
};

/** Sends a request over UDP to the door every 500 ms until an answer to it comes (bounded). */
async function sipRequest(port: number, request: (localPort: number) => string, timeoutMs: number): Promise<string> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  try {
    const message = request(socket.address().port);
    return await new Promise<string>((resolve, reject) => {
      const send = (): void => socket.send(message, port, '127.0.0.1');
      const again = setInterval(send, 500);
      const timer = setTimeout(() => {
        clearInterval(again);
        reject(new Error(`no SIP answer from 127.0.0.1:${port} within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.on('message', (data) => {
        clearInterval(again);
        clearTimeout(timer);
        resolve(data.toString('utf8'));
      });
      send();
    });
  } finally {
    socket.close();
  }
}

describe.skipIf(!isRoot)('the arm64 package on Debian trixie arm64 (emulated)', () => {
  const out = mkdtempSync(path.join(tmpdir(), 'sip-doorbell-deb-'));
  let deb = '';
  let root: WorkRoot | undefined;
  let door: RootProcess | undefined;
  let before = new Set<string>();

  beforeAll(async () => {
    // The test root is made (after the base both share) and copied while the build root is made and the add-on
    // compiled in it: two cores, two emulated jobs.
    await withCacheLock(log, async () => {
      // root is kept as soon as it exists, so that afterAll removes it even when packaging fails.
      const made = makeWorkRoot('arm64', log).then((work) => (root = work));
      const packaged = packageDebs({ arches: ['arm64'], outDir: out, log });
      await allSettled<unknown>([made, packaged]);
      [deb] = await packaged;
    });
    before = snapshot(root!.dir);
    log(`work root ${root!.dir} ready`);
  }, COLD_MS);

  afterAll(async () => {
    await door?.stop(5000);
    await root?.remove();
    rmSync(out, { recursive: true, force: true });
  }, STEP_MS);

  it('installs with apt as on a Pi, with epoll compiled for arm64 and nothing compiled on install', async () => {
    const w = root!;
    // As the README says to: apt with the file's path (the root has no package lists: every dependency is there).
    copyFileSync(deb, w.file(`/tmp/${path.basename(deb)}`));
    const output = await w.exec(['apt-get', 'install', '-y', '-q', '-o', 'Dpkg::Use-Pty=0', `/tmp/${path.basename(deb)}`]);
    expect(output).toMatch(/Setting up sip-doorbell/);
    expect(output).not.toMatch(/node-gyp|gyp info/);

    const lib = '/usr/lib/sip-doorbell';
    for (const file of ['sip-doorbell.js', 'sip-doorbell.js.map', 'package.json', 'node_modules/onoff/onoff.js', 'node_modules/epoll/epoll.js',
      'node_modules/bindings/bindings.js', 'node_modules/file-uri-to-path/index.js', 'node_modules/lodash.debounce/index.js']) {
      expect(existsSync(w.file(`${lib}/${file}`)), file).toBe(true);
    }
    expect(existsSync(w.file(`${lib}/node_modules/nan`))).toBe(false); // headers for the compiler only
    expect(existsSync(w.file('/usr/bin/gcc'))).toBe(false); // the root has no compiler: the add-on came built
    checkElf(w.file(`${lib}/node_modules/epoll/build/Release/epoll.node`), 'arm64');
    // Loads into trixie's arm64 node as the service user, as onoff does on the device.
    const loaded = await w.exec(['setpriv', `--reuid=${USER}`, `--regid=${USER}`, '--init-groups', 'node', '-e',
      `const { Gpio } = require('${lib}/node_modules/onoff'); console.log(typeof Gpio, typeof Gpio.accessible)`]);
    expect(loaded).toContain('function boolean');
    expect(readFileSync(w.file(UNIT), 'utf8')).toBe(readFileSync(new URL('../../systemd/sip-doorbell.service', import.meta.url), 'utf8'));
    expect(await w.exec(['sip-doorbell', '--version'])).toMatch(/^\d+\.\d+\.\d+\n$/m);
  }, STEP_MS);

  it('made the user in gpio and audio, its configuration and state directories, and enabled the unit', () => {
    const w = root!;
    const user = userInRoot(w.dir, USER);
    expect(user).toBeDefined();
    expect(user!.uid).toBeLessThan(1000); // a system user
    expect(user!.groups).toEqual(expect.arrayContaining([USER, 'gpio', 'audio']));
    const owned = (inside: string, mode: number): void => {
      const info = statSync(w.file(inside));
      expect({ inside, uid: info.uid, mode: info.mode & 0o777 }).toEqual({ inside, uid: user!.uid, mode });
    };
    owned('/etc/sip-doorbell', 0o750);
    owned('/etc/sip-doorbell/config.json', 0o600);
    owned('/var/lib/sip-doorbell', 0o700);
    expect(readFileSync(w.file('/etc/passwd'), 'utf8')).toMatch(new RegExp(`^${USER}:[^:]*:\\d+:\\d+:[^:]*:/var/lib/sip-doorbell:/usr/sbin/nologin$`, 'm'));
    // Enabled: systemctl's symlink in the .wants directory of the unit's WantedBy target.
    const wantedBy = /^WantedBy=(\S+)/m.exec(readFileSync(w.file(UNIT), 'utf8'))?.[1];
    expect(wantedBy, 'the unit has an [Install] section with WantedBy=').toBeDefined();
    // The link is absolute inside the root: read it, do not follow it on this machine.
    expect(readlinkSync(w.file(`/etc/systemd/system/${wantedBy}.wants/sip-doorbell.service`))).toBe(UNIT);
  });

  it('has a unit that systemd-analyze verify in the root finds clean', async () => {
    // --man=no: the root has no man pages (minbase) for the unit's Documentation= to point at.
    const output = await root!.exec(['systemd-analyze', 'verify', '--man=no', UNIT]);
    expect(output.trim()).toBe('');
  }, STEP_MS);

  it('runs as sip-doorbell from the unit\'s command line, answers SIP and serves the setup page whose code works', async () => {
    const w = root!;
    const execStart = /^ExecStart=(.+)$/m.exec(readFileSync(w.file(UNIT), 'utf8'))?.[1]?.trim().split(/\s+/) ?? [];
    expect(execStart.slice(0, 2)).toEqual(['/usr/bin/node', '/usr/lib/sip-doorbell/sip-doorbell.js']);
    const configFile = execStart[execStart.indexOf('--config') + 1]!;
    // The packaged configuration with loopback listeners on free ports (this root shares the machine's network) and
    // loopback allowed to talk to the door directly.
    writeFileSync(w.file(configFile), JSON.stringify({
      sip: { listen: { host: '127.0.0.1', port: 0, transports: ['udp'] }, peerAllowList: ['127.0.0.1'] },
      web: { listen: 'http://127.0.0.1:0' },
    }));
    door = startInRoot(w.dir, USER, [...execStart, '--simulate']);
    const setup = await door.waitForLine(/setupRequired url=(http:\/\/127\.0\.0\.1:(\d+)\/) setupCode=(\S+)/, 120_000);
    const sipPort = Number((await door.waitForLine(/listening protocol=udp local=127\.0\.0\.1:(\d+)/, 10_000))[1]);
    const status = readFileSync(`/proc/${door.pid}/status`, 'utf8');
    expect(/^Uid:\s+(\d+)/m.exec(status)?.[1]).toBe(String(userInRoot(w.dir, USER)!.uid));

    const answer = await sipRequest(sipPort, (local) => [
      `OPTIONS sip:door@127.0.0.1:${sipPort} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${local};branch=z9hG4bK-pkg-arm64;rport`,
      'Max-Forwards: 70',
      `From: <sip:test@127.0.0.1:${local}>;tag=pkg1`,
      `To: <sip:door@127.0.0.1:${sipPort}>`,
      'Call-ID: package-arm64-options',
      'CSeq: 1 OPTIONS',
      'Content-Length: 0',
      '', '',
    ].join('\r\n'), 30_000);
    expect(answer).toMatch(/^SIP\/2\.0 200 OK\r\n/);
    expect(answer).toMatch(/^Call-ID: package-arm64-options\r$/mi);
    expect(answer).toMatch(/^Allow: .*INVITE/mi);

    const page = await fetch(setup[1]!);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<div id="app">/);
    const api = await fetch(`${setup[1]!}api/status`);
    expect((await api.json() as { error?: { code?: string } }).error?.code).toBe('SETUP_REQUIRED');
    // The code in the log is the one in the state directory, readable by the service user only, and it sets up.
    const codeFile = w.file('/var/lib/sip-doorbell/web/setup-code');
    expect(readFileSync(codeFile, 'utf8').trim()).toBe(setup[3]);
    expect(statSync(codeFile).mode & 0o777).toBe(0o600);
    const done = await fetch(`${setup[1]!}api/setup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: `http://127.0.0.1:${setup[2]!}` },
      body: JSON.stringify({ setupCode: setup[3], password: 'package-test-password-1' }),
    });
    expect(done.status, await done.clone().text()).toBe(200);
    await door.waitForLine(/setupCompleted/, 60_000);

    expect(await door.stop(30_000)).toBe(0);
    expect(door.lines().join('\n')).toMatch(/\bstopped\b/);
  }, STEP_MS);

  it('starts from a startup snapshot with Debian\'s node (the opt-in drop-in): made at the first start, used after', async () => {
    const w = root!;
    // What systemd makes for CacheDirectory=sip-doorbell: the user's own directory, 0700. Purge removes it.
    const cache = '/var/cache/sip-doorbell';
    await w.exec(['install', '-d', '-m', '0700', '-o', USER, '-g', USER, cache]);
    const asUser = ['setpriv', `--reuid=${USER}`, `--regid=${USER}`, '--init-groups', '--', 'env', `CACHE_DIRECTORY=${cache}`, 'NODE_OPTIONS=--max-semi-space-size=1'];
    const startScript = '/usr/lib/sip-doorbell/start';
    expect((await w.exec([...asUser, startScript, '--version'])).trim()).toMatch(/^\d+\.\d+\.\d+$/);
    expect(existsSync(w.file(`${cache}/snapshot.blob`)), readFileSync(w.file(`${cache}/snapshot.log`), 'utf8').slice(-2000)).toBe(true);
    expect(statSync(w.file(`${cache}/snapshot.blob`)).uid).toBe(userInRoot(w.dir, USER)!.uid);
    // What the drop-in's ExecStartPost= does once the start from the snapshot is ready.
    rmSync(w.file(`${cache}/snapshot.blob.trying`));
    // Made once: the second start finds the stamp and runs node from the snapshot (sh -x shows the exec).
    const traced = await w.exec([...asUser, 'sh', '-x', startScript, '--version']);
    expect(traced).toMatch(/exec \S*node --snapshot-blob \/var\/cache\/sip-doorbell\/snapshot\.blob \/usr\/lib\/sip-doorbell\/sip-doorbell\.js --version/);
    expect(traced).not.toMatch(/--build-snapshot/);
  }, STEP_MS);

  it('purges without a trace: files, configuration, state, user, group and the unit\'s enablement', async () => {
    const w = root!;
    expect(await w.exec(['dpkg', '--purge', 'sip-doorbell'])).toMatch(/Purging configuration files for sip-doorbell/);
    for (const gone of ['/usr/lib/sip-doorbell', '/etc/sip-doorbell', '/var/lib/sip-doorbell', UNIT, '/usr/bin/sip-doorbell', '/usr/share/doc/sip-doorbell']) {
      expect(existsSync(w.file(gone)), gone).toBe(false);
    }
    expect(userInRoot(w.dir, USER)).toBeUndefined();
    expect(readFileSync(w.file('/etc/group'), 'utf8')).not.toMatch(new RegExp(`^${USER}:`, 'm'));
    expect(readFileSync(w.file('/etc/group'), 'utf8')).not.toMatch(new RegExp(`[:,]${USER}(,|$)`, 'm'));
    // Everything there now was there before the installation, and the other way round; the gpio group the package
    // made stays (other software on a Pi uses it), as a line in /etc/group, not a path.
    const after = snapshot(w.dir);
    expect([...after].filter((p) => !before.has(p))).toEqual([]);
    expect([...before].filter((p) => !after.has(p))).toEqual([]);
  }, STEP_MS);
});
