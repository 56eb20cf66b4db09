// Interop, end to end: the door station started from its own command line (simulator, bound to 0.0.0.0) rings the
// flat; the flat's phone answers and types the door code, and the relay pulses. RFC 4733 comes from the real
// baresip; SIP INFO from sipp answering the bell (baresip 1.0.0 cannot send INFO). Three wrong codes hang up.

import { scryptSync, randomBytes } from 'node:crypto';
import { describe, expect, it, onTestFinished } from 'vitest';
import { type Baresip, startBaresip } from '../support/baresip.ts';
import { type DoorProcess, startDoor } from '../support/doorProcess.ts';
import { listenerPort } from '../support/ports.ts';
import { freePort, runSipp, sippFailure, sippReady } from '../support/sipp.ts';
import { inDialogRequest, infoDigits, okFor, registerScenario, scenarioWriter } from '../support/sippScenarios.ts';

const PASSWORD = 'flat-Pa55word';
const CODE = '4711';
const PULSE_MS = 3000;

/** A door-code hash as `sip-doorbell --hash-door-code` makes it (scrypt, cheap parameters for the test). */
function codeHash(code: string): string {
  const salt = randomBytes(16);
  const key = scryptSync(code, salt, 32, { N: 2 ** 10, r: 8, p: 1 });
  return `scrypt$10$8$1$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** The door in standalone mode on 0.0.0.0 with the indoor user `flat`, one door code and a simulated relay. */
async function startCodeDoor(): Promise<{ door: DoorProcess; port: number }> {
  const door = startDoor({
    simulate: true,
    config: {
      sip: { mode: 'standalone', listen: { host: '0.0.0.0', port: 0, transports: ['udp'] }, domain: 'doorbell.test', users: [{ username: 'flat', password: PASSWORD }] },
      buttons: [{ id: '1', plan: [{ targets: ['flat'], ringSec: 30 }] }],
      relays: [{ id: 'door', maxPulseMs: 5000 }],
      doorbell: { doorCodes: [{ name: 'family', hash: codeHash(CODE), relay: 'door', pulseMs: PULSE_MS }], codeEntry: { submitAfterMs: 3000 } },
    },
  });
  return { door, port: await door.port('udp') };
}

async function phone(port: number): Promise<Baresip> {
  const flat = startBaresip({ port: await listenerPort('127.0.0.1', 2), account: `<sip:flat@127.0.0.1:${port};transport=udp>;auth_pass=${PASSWORD};answermode=auto;regint=60` });
  onTestFinished(() => flat.stop());
  return flat;
}

/** The `key=value` fields of a log line. */
function fields(line: string): Record<string, string> {
  return Object.fromEntries([...line.matchAll(/\b(\w+)=("[^"]*"|\S+)/g)].map((m) => [m[1]!, m[2]!]));
}

function linesOf(door: DoorProcess, event: string, from: number): string[] {
  return door.lines().slice(from).filter((line) => line.split(' ').includes(event));
}

function context(door: DoorProcess, flat?: Baresip): string {
  const phoneSaid = flat === undefined ? '' : `\n--- baresip:\n${flat.output().replace(/\[\d+:\d\d:\d\d\] audio=\S+ \(bit\/s\)\s*/g, '').slice(-2000)}`;
  return `--- door:\n${door.lines().slice(-40).join('\n')}${phoneSaid}`;
}

/** The door rings baresip, which answers: the call's audio runs (the door's log from `mark` on is this call's). */
async function answeredBell(): Promise<{ door: DoorProcess; flat: Baresip; mark: number }> {
  const { door, port } = await startCodeDoor();
  const flat = await phone(port);
  await door.waitForLine(/ info bindingAdded user=flat /, 10_000);
  const mark = door.lines().length;
  door.ring();
  await door.waitForLine(/ mediaStarted /, 10_000, mark);
  return { door, flat, mark };
}

describe('door code by RFC 4733 from baresip', () => {
  it('baresip answers the bell and types the code and #: the relay pulses once, then rests', async () => {
    const { door, flat, mark } = await answeredBell();
    flat.sendDigits(`${CODE}#`);
    const pulsed = fields(await door.waitForLine(/ relayPulsed /, 10_000, mark));
    expect(pulsed, context(door, flat)).toMatchObject({ relay: 'door', ms: String(PULSE_MS) });
    const opened = fields(await door.waitForLine(/ doorOpened /, 2000, mark));
    expect(opened.relay).toBe('door');
    expect(door.lines().join('\n'), 'the code is never logged outside the digits').not.toMatch(new RegExp(`=${CODE}\\b`));
    await door.waitForLine(/ relayReleased /, PULSE_MS + 3000, mark);
    expect(linesOf(door, 'relayPulsed', mark), context(door, flat)).toHaveLength(1);
    expect(linesOf(door, 'doorCodeRejected', mark)).toHaveLength(0);
    flat.command('/hangup');
  }, 30_000);

  it('three wrong codes in the call: three rejections, no pulse, and the door hangs up', async () => {
    const { door, flat, mark } = await answeredBell();
    for (let i = 1; i <= 3; i++) {
      flat.sendDigits('1234#');
      await door.waitForLine(new RegExp(` doorCodeRejected .*wrongInCall=${i}\\b`), 10_000, mark);
    }
    await door.waitForLine(/ mediaStopped /, 10_000, mark);
    await flat.waitFor(/terminated|closed/i, 10_000);
    expect(linesOf(door, 'relayPulsed', mark), context(door, flat)).toHaveLength(0);
    expect(linesOf(door, 'doorCodeRejected', mark)).toHaveLength(3);
  }, 40_000);
});

/**
 * sipp answers the bell's INVITE, then sends each digit as one INFO (application/dtmf-relay) in the dialog the door
 * made (From and To swapped: sipp is the UAS), waits for each 200, and hangs up with BYE.
 */
function answerWithInfoScenario(digits: readonly string[]): string {
  const party = { from: 'From:[$callee];tag=[pid]SIPpTag01[call_number]', to: 'To:[$caller]' };
  const infos = infoDigits(digits, 1, party);
  const bye = 1 + digits.length;
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="answer-bell-info-dtmf">
  <recv request="INVITE" rrs="true">
    <action>
      <ereg regexp=".*" search_in="hdr" header="From:" assign_to="caller" />
      <ereg regexp=".*" search_in="hdr" header="To:" assign_to="callee" />
    </action>
  </recv>
  <send><![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:flat@[local_ip]:[local_port];transport=[transport]>
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=flat 1 1 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 0
      a=rtpmap:0 PCMU/8000

    ]]></send>
  <recv request="ACK" />
  <pause milliseconds="300" />
  ${infos}
  <pause milliseconds="500" />
  ${inDialogRequest('BYE', bye, party)}
  ${okFor(bye, 'BYE')}
</scenario>
`;
}

describe('door code by SIP INFO from sipp', () => {
  it('sipp answers the bell and sends the code and # as INFO: the relay pulses; told to stop mid-pulse, the door releases it', async () => {
    const { door, port } = await startCodeDoor();
    const write = scenarioWriter();
    const localPort = await freePort();
    const remote = { host: '127.0.0.1', port };
    const registered = await runSipp({ scenario: write('register.xml', registerScenario('flat', PASSWORD)), transport: 'u1', localPort, remote, timeoutSeconds: 10 }).done;
    expect(registered.code, sippFailure(registered, door.lines())).toBe(0);
    await door.waitForLine(/ info bindingAdded user=flat /, 5000);
    const mark = door.lines().length;
    const answering = runSipp({ scenario: write('answer.xml', answerWithInfoScenario([...CODE, '#'])), transport: 'u1', localPort, timeoutSeconds: 20 });
    await sippReady('u1', localPort);
    door.ring();
    const answered = await answering.done;
    expect(answered.code, sippFailure(answered, door.lines())).toBe(0);
    const pulsed = fields(await door.waitForLine(/ relayPulsed /, 5000, mark));
    expect(pulsed, context(door)).toMatchObject({ relay: 'door', ms: String(PULSE_MS) });
    expect(linesOf(door, 'dtmfReceived', mark).map((line) => fields(line).source)).toEqual(['info', 'info', 'info', 'info', 'info']);
    // SIGTERM while the relay is still driven (the pulse is 3 s): released at once, not left to its timer.
    expect(linesOf(door, 'relayReleased', mark), context(door)).toHaveLength(0);
    const exit = await door.stop('SIGTERM');
    expect(exit.code, context(door)).toBe(0);
    const released = linesOf(door, 'relayReleased', mark).map(fields);
    expect(released, context(door)).toHaveLength(1);
    expect(released[0]!.relay).toBe('door');
    expect(released[0]!.reason).not.toBe('elapsed');
  }, 40_000);
});
