// Interop, end to end: DTMF from the flat's phone to the door station (run from its command line in simulator
// mode, where `dtmfReceived` names the digit). RFC 4733 telephone-events come from the real baresip, in the door's
// call and in baresip's call to the door; SIP INFO comes from sipp, since baresip 1.0.0 cannot send INFO (it has no
// `;dtmfmode=info`: its only sending path is audio_send_digit, RFC 4733). Each digit must be logged once, in
// order, a repeated digit included.

import { describe, expect, it, onTestFinished } from 'vitest';
import { type Baresip, type BaresipOptions, startBaresip } from '../support/baresip.ts';
import { type DoorProcess, PASSWORD, startStandaloneDoor } from '../support/doorProcess.ts';
import { listenerPort } from '../support/ports.ts';
import { freePort, runSipp, sippFailure } from '../support/sipp.ts';
import { inDialogRequest, infoDigits, okFor, registerScenario, scenarioWriter } from '../support/sippScenarios.ts';

/** baresip on a free port (it binds port + 1 too), stopped when the test finishes. */
async function phone(options: Omit<BaresipOptions, 'port'>): Promise<Baresip> {
  const started = startBaresip({ port: await listenerPort('127.0.0.1', 2), ...options });
  onTestFinished(() => started.stop());
  return started;
}

/** The door's `dtmfReceived` lines from index `from` on. */
function dtmfLines(door: DoorProcess, from: number): string[] {
  return door.lines().slice(from).filter((line) => / dtmfReceived /.test(line));
}

/** The `key=value` fields of a log line. */
function fields(line: string): Record<string, string> {
  return Object.fromEntries([...line.matchAll(/\b(\w+)=("[^"]*"|\S+)/g)].map((m) => [m[1]!, m[2]!]));
}

/** Waits until the door has logged `count` digits since `from` (bounded), then a little longer for extra ones. */
async function digitsLogged(door: DoorProcess, from: number, count: number, timeoutMs = 5000): Promise<Array<Record<string, string>>> {
  const deadline = Date.now() + timeoutMs;
  while (dtmfLines(door, from).length < count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  // An RFC 4733 end packet is sent three times; a duplicate digit would show up within this settle time.
  await new Promise((resolve) => setTimeout(resolve, 600));
  return dtmfLines(door, from).map(fields);
}

/** The door's log and the phone's output, for failure messages. */
function context(door: DoorProcess, flat?: Baresip): string {
  const phoneSaid = flat === undefined ? '' : `\n--- baresip:\n${flat.output().replace(/\[\d+:\d\d:\d\d\] audio=\S+ \(bit\/s\)\s*/g, '').slice(-2500)}`;
  return `--- door:\n${door.lines().slice(-40).join('\n')}${phoneSaid}`;
}

describe('RFC 4733 telephone-events from baresip', () => {
  it('in the door\'s call: 1 2 # 1, then 7 7, each logged once, in order, as rfc4733', async () => {
    const { door, port } = await startStandaloneDoor('0.0.0.0', 'udp');
    const flat = await phone({ account: `<sip:flat@127.0.0.1:${port};transport=udp>;auth_pass=${PASSWORD};answermode=auto;regint=60` });
    await door.waitForLine(/ info bindingAdded user=flat /, 10_000);
    const mark = door.lines().length;
    door.ring();
    const started = fields(await door.waitForLine(/ mediaStarted /, 10_000, mark));
    flat.sendDigits('12#1');
    const first = await digitsLogged(door, mark, 4);
    expect(first.map((f) => f.digit), context(door, flat)).toEqual(['1', '2', '#', '1']);
    flat.sendDigits('77');
    const all = await digitsLogged(door, mark, 6);
    expect(all.map((f) => f.digit), context(door, flat)).toEqual(['1', '2', '#', '1', '7', '7']);
    expect(all.every((f) => f.source === 'rfc4733' && f.call === started.call), context(door, flat)).toBe(true);
    flat.command('/hangup');
    await door.waitForLine(/ info callEnded .*reason=remoteBye/, 10_000, mark);
  }, 25_000);

  it('in baresip\'s call to the door (the door answers its offer): # 9 9 0', async () => {
    const { door, port } = await startStandaloneDoor('0.0.0.0', 'udp');
    const flat = await phone({ account: `<sip:flat@127.0.0.1:${port};transport=udp>;auth_pass=${PASSWORD};regint=60` });
    await door.waitForLine(/ info bindingAdded user=flat /, 10_000);
    const mark = door.lines().length;
    flat.command(`/dial sip:door@127.0.0.1:${port}`);
    const started = fields(await door.waitForLine(/ mediaStarted /, 10_000, mark));
    await flat.waitFor(/Call established/, 5000);
    flat.sendDigits('#990');
    const digits = await digitsLogged(door, mark, 4);
    expect(digits.map((f) => f.digit), context(door, flat)).toEqual(['#', '9', '9', '0']);
    expect(digits.every((f) => f.source === 'rfc4733' && f.call === started.call), context(door, flat)).toBe(true);
    flat.command('/hangup');
    await door.waitForLine(/ info callEnded .*reason=remoteBye/, 10_000, mark);
  }, 25_000);
});

/** sipp calls the door as `flat`, sends each digit as one INFO (application/dtmf-relay), waits for its 200, hangs up. */
function infoScenario(digits: readonly string[]): string {
  const party = { from: 'From: <sip:flat@[remote_ip]:[remote_port]>;tag=[pid]SIPpTag[call_number]', to: '[last_To:]' };
  const infos = infoDigits(digits, 2, party);
  const bye = 2 + digits.length;
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="info-dtmf">
  <send retrans="500"><![CDATA[
      INVITE sip:door@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
      From: <sip:flat@[remote_ip]:[remote_port]>;tag=[pid]SIPpTag[call_number]
      To: <sip:door@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: <sip:flat@[local_ip]:[local_port];transport=[transport]>
      Max-Forwards: 70
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
  <recv response="100" optional="true" />
  <recv response="180" optional="true" />
  <recv response="200" rrs="true" />
  <send><![CDATA[
      ACK [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
      From: <sip:flat@[remote_ip]:[remote_port]>;tag=[pid]SIPpTag[call_number]
      [last_To:]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Max-Forwards: 70
      Content-Length: 0

    ]]></send>
  <pause milliseconds="200" />
  ${infos}
  ${inDialogRequest('BYE', bye, party)}
  ${okFor(bye, 'BYE')}
</scenario>
`;
}

describe('SIP INFO from sipp (baresip 1.0.0 cannot send INFO)', () => {
  it('1 2 # 1 1, one INFO each: each logged once, in order, as info', async () => {
    const { door, port } = await startStandaloneDoor('0.0.0.0', 'udp');
    const write = scenarioWriter();
    const localPort = await freePort();
    const remote = { host: '127.0.0.1', port };
    const registered = await runSipp({ scenario: write('register.xml', registerScenario('flat', PASSWORD)), transport: 'u1', localPort, remote, timeoutSeconds: 10 }).done;
    expect(registered.code, sippFailure(registered, door.lines())).toBe(0);
    await door.waitForLine(/ info bindingAdded user=flat /, 5000);

    const mark = door.lines().length;
    const digits = ['1', '2', '#', '1', '1'];
    const called = await runSipp({ scenario: write('info.xml', infoScenario(digits)), transport: 'u1', localPort, remote, timeoutSeconds: 15 }).done;
    expect(called.code, sippFailure(called, door.lines())).toBe(0);
    const logged = await digitsLogged(door, mark, digits.length);
    expect(logged.map((f) => f.digit), context(door)).toEqual(digits);
    expect(logged.every((f) => f.source === 'info'), context(door)).toBe(true);
    expect(new Set(logged.map((f) => f.call)).size, context(door)).toBe(1);
  }, 30_000);
});
