// The door station under a stand-in service manager: a real NOTIFY_SOCKET (test/systemd/notifySocket.ts) and the real
// systemd-notify, the built program started from its command line. READY=1 comes once SIP and the page answer, STATUS=
// follows the registration, WATCHDOG=1 comes every WATCHDOG_USEC/2, SIGTERM brings STOPPING=1, an un-REGISTER and
// exit code 0 within the unit's TimeoutStopSec.
import { createSocket } from 'node:dgram';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { type DoorProcess, startDoor } from '../support/doorProcess.ts';
import { listenerPort } from '../support/ports.ts';
import { startNotifyReceiver } from './notifySocket.ts';

/** The unit's TimeoutStopSec (systemd/sip-doorbell.service). */
const TIMEOUT_STOP_MS = 15_000;
/** WATCHDOG_USEC the tests give: pings every second. */
const WATCHDOG_USEC = '2000000';
const PASSWORD = 'door-Pa55word';

/** Whether a REGISTER to `port` gets any SIP answer within 2 s (the built-in registrar challenges it). */
async function sipAnswers(port: number): Promise<string> {
  const socket = createSocket('udp4');
  try {
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    const local = socket.address().port;
    const answer = new Promise<string>((resolve) => socket.once('message', (bytes) => resolve(bytes.toString('latin1').split('\r\n')[0]!)));
    socket.send([
      'REGISTER sip:127.0.0.1 SIP/2.0',
      `Via: SIP/2.0/UDP 127.0.0.1:${local};branch=z9hG4bK-notify-1;rport`,
      'Max-Forwards: 70',
      'From: <sip:probe@127.0.0.1>;tag=probe1',
      'To: <sip:probe@127.0.0.1>',
      'Call-ID: notify-probe-1@127.0.0.1',
      'CSeq: 1 REGISTER',
      `Contact: <sip:probe@127.0.0.1:${local}>`,
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n'), port, '127.0.0.1');
    return await Promise.race([answer, new Promise<string>((resolve) => setTimeout(() => resolve('(no answer within 2 s)'), 2000))]);
  } finally {
    socket.close();
  }
}

/** The index of the first line matching `pattern`, -1 when none does. */
function lineIndex(door: DoorProcess, pattern: RegExp): number {
  return door.lines().findIndex((line) => pattern.test(line));
}

describe('sd_notify from the running door station', () => {
  it('READY=1 once SIP and the page answer, STATUS= follows registration, WATCHDOG=1 each second, STOPPING=1 and exit 0 on SIGTERM', async () => {
    const registrarNotify = await startNotifyReceiver();
    const doorNotify = await startNotifyReceiver();
    const sipPort = await listenerPort();
    const webPort = await listenerPort();
    // The registrar: a door in standalone mode whose built-in registrar knows the user `door`.
    const registrar = startDoor({
      simulate: true,
      env: { NOTIFY_SOCKET: registrarNotify.socket, WATCHDOG_USEC },
      config: {
        sip: { mode: 'standalone', listen: { host: '127.0.0.1', port: sipPort, transports: ['udp'] }, users: [{ username: 'door', password: PASSWORD }] },
        web: { listen: `http://127.0.0.1:${webPort}/` },
      },
    });
    const ready = await registrarNotify.waitFor(/ READY=1\b/);
    // Ready means ready: SIP and the page answer the moment the message is in.
    const [sip, page] = await Promise.all([sipAnswers(sipPort), fetch(`http://127.0.0.1:${webPort}/`).then((r) => r.status)]);
    expect(sip).toMatch(/^SIP\/2\.0 401 /);
    expect(page).toBeLessThan(500);
    expect(ready.line).toMatch(/ STATUS=standalone: 0 phones registered\b/);
    expect(registrarNotify.messages()[0]).toBe(ready); // nothing before READY=1 (the first ping is 1 s away)

    // A door in registered mode at that registrar: not registered, then registered; the registrar counts its phone.
    const door = startDoor({
      simulate: true,
      env: { NOTIFY_SOCKET: doorNotify.socket, WATCHDOG_USEC },
      config: {
        sip: { mode: 'registered', listen: { host: '127.0.0.1', port: 0, transports: ['udp'] }, account: { registrar: `sip:127.0.0.1:${sipPort}`, user: 'door', password: PASSWORD } },
      },
    });
    const doorReady = await doorNotify.waitFor(/ READY=1\b/);
    expect(doorReady.line).toMatch(/ STATUS=(not registered: registering|registered at)/);
    await doorNotify.waitFor(/ STATUS=registered at \S*127\.0\.0\.1/);
    await registrarNotify.waitFor(/ STATUS=standalone: 1 phone registered\b/);

    // Watchdog pings keep coming, about one a second (loose bounds: a loaded machine runs late, never early).
    const before = registrarNotify.messages().filter((m) => /\bWATCHDOG=1\b/.test(m.line)).length;
    const started = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 3500));
    const seconds = (performance.now() - started) / 1000;
    const pings = registrarNotify.messages().filter((m) => /\bWATCHDOG=1\b/.test(m.line)).length - before;
    expect(pings).toBeGreaterThanOrEqual(2);
    expect(pings).toBeLessThanOrEqual(Math.ceil(seconds) + 1);
    expect(doorNotify.messages().some((m) => /\bWATCHDOG=1\b/.test(m.line))).toBe(true);

    // SIGTERM: STOPPING=1, the un-REGISTER (the registrar is back to no phones), exit 0 well within TimeoutStopSec.
    const doorExit = await door.stop('SIGTERM', TIMEOUT_STOP_MS);
    expect(doorExit).toMatchObject({ code: 0, signal: null });
    expect(doorExit.ms).toBeLessThan(TIMEOUT_STOP_MS);
    await doorNotify.waitFor(/\bSTOPPING=1\b/, 1000);
    const stopping = lineIndex(door, /(^|\s)info stopping signal=SIGTERM$/);
    const unregistered = lineIndex(door, /(^|\s)info unregistered\b/);
    expect(stopping).toBeGreaterThanOrEqual(0);
    expect(unregistered).toBeGreaterThan(stopping);
    expect(door.lines().at(-1)).toMatch(/(^|\s)info stopped$/);
    await registrarNotify.waitFor(/ STATUS=standalone: 0 phones registered\b/, 5000, 1);

    const registrarExit = await registrar.stop('SIGTERM', TIMEOUT_STOP_MS);
    expect(registrarExit).toMatchObject({ code: 0, signal: null });
    await registrarNotify.waitFor(/\bSTOPPING=1\b/, 1000);
    // STOPPING=1 is the last thing said: no READY, STATUS or ping after it.
    expect(registrarNotify.messages().filter((m) => !/ BARRIER=1$/.test(m.line)).at(-1)?.line).toMatch(/\bSTOPPING=1\b/);
  }, 40_000);

  it('with its SIP port held by another program: READY=1 with the page, STATUS= says why, WATCHDOG=1 goes on (no restart loop)', async () => {
    const notify = await startNotifyReceiver();
    const busy = createSocket('udp4');
    await new Promise<void>((resolve) => busy.bind(0, '127.0.0.1', resolve));
    onTestFinished(() => {
      busy.close();
    });
    const door = startDoor({
      simulate: true,
      env: { NOTIFY_SOCKET: notify.socket, WATCHDOG_USEC },
      config: { sip: { mode: 'standalone', listen: { host: '127.0.0.1', port: busy.address().port, transports: ['udp'] } } },
    });
    const ready = await notify.waitFor(/ READY=1\b/);
    expect(ready.line).toMatch(/ STATUS=not running: TransportError BIND_FAILED: cannot bind UDP 127\.0\.0\.1:\d+: .*; trying again \(1 failed\)/);
    expect(lineIndex(door, / setupRequired url=/), 'the page answers').toBeGreaterThanOrEqual(0);
    // The watchdog is fed while the door is down: systemd would not restart it (a restart could not help).
    const before = notify.messages().filter((m) => /WATCHDOG=1/.test(m.line)).length;
    await notify.waitFor(/ STATUS=not running: .*\(2 failed\)/, 6000);
    expect(notify.messages().filter((m) => /WATCHDOG=1/.test(m.line)).length).toBeGreaterThan(before);
    expect((await door.stop('SIGTERM')).code).toBe(0);
  }, 30_000);

  it('without NOTIFY_SOCKET spawns no systemd-notify, however short WATCHDOG_USEC is', async () => {
    // A systemd-notify first on PATH that leaves a mark when it runs.
    const bin = mkdtempSync(path.join(tmpdir(), 'fake-notify-'));
    onTestFinished(() => rmSync(bin, { recursive: true, force: true }));
    const mark = path.join(bin, 'ran');
    writeFileSync(path.join(bin, 'systemd-notify'), `#!/bin/sh\necho "$@" >> '${mark}'\n`);
    chmodSync(path.join(bin, 'systemd-notify'), 0o755);
    const door = startDoor({
      simulate: true,
      env: { NOTIFY_SOCKET: '', WATCHDOG_USEC: '100000', PATH: `${bin}:${process.env.PATH ?? ''}` },
      config: { sip: { mode: 'standalone', listen: { host: '127.0.0.1', port: 0, transports: ['udp'] } } },
    });
    await door.port('udp');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect((await door.stop('SIGTERM')).code).toBe(0);
    expect(existsSync(mark)).toBe(false);
  }, 20_000);
});
