// SIGTERM as systemd sends it on `systemctl stop`, in the middle of a call with the door relay driven: STOPPING=1,
// then the relay released, the call ended with a BYE the phone receives, the event log written, `stopped` last, and
// exit code 0 well within the unit's TimeoutStopSec. The door is the built program started from its command line,
// the phone a real baresip.
import { scryptSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startBaresip } from '../support/baresip.ts';
import { startDoor } from '../support/doorProcess.ts';
import { listenerPort } from '../support/ports.ts';
import { startNotifyReceiver } from './notifySocket.ts';

const PASSWORD = 'flat-Pa55word';
const CODE = '4711';
/** The unit's TimeoutStopSec (systemd/sip-doorbell.service). */
const TIMEOUT_STOP_MS = 15_000;

/** A door-code hash as `sip-doorbell --hash-door-code` makes it (scrypt, cheap parameters for the test). */
function codeHash(code: string): string {
  const salt = randomBytes(16);
  const key = scryptSync(code, salt, 32, { N: 2 ** 10, r: 8, p: 1 });
  return `scrypt$10$8$1$${salt.toString('base64')}$${key.toString('base64')}`;
}

describe('SIGTERM during a call with the relay driven', () => {
  it('says STOPPING=1, releases the relay, ends the call with a BYE, writes the event log, and exits 0 in time', async () => {
    const notify = await startNotifyReceiver();
    const door = startDoor({
      simulate: true,
      env: { NOTIFY_SOCKET: notify.socket, WATCHDOG_USEC: '2000000' },
      config: {
        sip: { mode: 'standalone', listen: { host: '127.0.0.1', port: 0, transports: ['udp'] }, domain: 'doorbell.test', users: [{ username: 'flat', password: PASSWORD }] },
        buttons: [{ id: '1', plan: [{ targets: ['flat'], ringSec: 30 }] }],
        relays: [{ id: 'door', maxPulseMs: 10_000 }],
        doorbell: { doorCodes: [{ name: 'family', hash: codeHash(CODE), relay: 'door', pulseMs: 10_000 }], codeEntry: { submitAfterMs: 3000 } },
      },
    });
    const port = await door.port('udp');
    const flat = startBaresip({ port: await listenerPort('127.0.0.1', 2), account: `<sip:flat@127.0.0.1:${port};transport=udp>;auth_pass=${PASSWORD};answermode=auto;regint=60` });
    onTestFinished(() => flat.stop());
    await door.waitForLine(/ info bindingAdded user=flat /, 10_000);
    await notify.waitFor(/ STATUS=standalone: 1 phone registered\b/, 5000);
    door.ring();
    await door.waitForLine(/ mediaStarted /, 10_000);
    flat.sendDigits(`${CODE}#`);
    await door.waitForLine(/ relayPulsed relay=door ms=10000\b/, 10_000);

    // The relay is driven for 10 s; the stop must not wait for the pulse to end.
    const phoneMark = flat.mark();
    const mark = door.lines().length;
    const startedAt = performance.now();
    process.kill(door.pid, 'SIGTERM');
    const exit = await door.exited;
    const ms = performance.now() - startedAt;
    expect(exit, door.lines().slice(-30).join('\n')).toEqual({ code: 0, signal: null });
    expect(ms).toBeLessThan(TIMEOUT_STOP_MS);
    await notify.waitFor(/\bSTOPPING=1\b/, 1000);

    const after = door.lines().slice(mark);
    const at = (pattern: RegExp): number => after.findIndex((line) => pattern.test(line));
    const order = {
      stopping: at(/ info stopping signal=SIGTERM$/),
      relayReleased: at(/ info relayReleased relay=door\b/),
      callEnded: at(/ callEnded .*reason=localBye/),
      stopped: at(/ info stopped$/),
    };
    expect(order.stopping, after.join('\n')).toBe(0);
    expect(order.relayReleased, after.join('\n')).toBeGreaterThan(order.stopping);
    expect(order.callEnded, after.join('\n')).toBeGreaterThan(order.stopping);
    expect(order.stopped).toBe(after.length - 1);
    // The phone got the BYE.
    await flat.waitFor(/terminated|closed/i, 5000, phoneMark);
    // The event log on disk has the door opening that happened just before the stop.
    const events = readFileSync(path.join(door.stateDir, 'events.json'), 'utf8');
    expect(events).toMatch(/doorOpened/);
    await door.stop('SIGKILL');
  }, 45_000);
});
