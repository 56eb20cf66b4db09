// Interop: Linphone (linphonec) as the flat's indoor phone, registered at the door station's built-in registrar
// over UDP or TCP. The door runs from its command line with a config file (standalone mode, simulated bell), bound
// to 127.0.0.1, to 0.0.0.0 and (where the host has IPv6 loopback) to ::; in every case nothing the door sent may
// carry 0.0.0.0, :: or port 0 (checked on the phone's log; over TCP that includes the Via of requests on a
// connection the phone opened).

import { createSocket } from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { PASSWORD, startStandaloneDoor } from '../support/doorProcess.ts';
import { startLinphone } from '../support/linphone.ts';
import { type TracedMessage, assertNoWildcardAddresses, header, receivedAnswerDirections } from '../support/wire.ts';

/** Whether ::1 can be bound here (some containers have no IPv6 at all). */
const ipv6Loopback = await new Promise<boolean>((resolve) => {
  const socket = createSocket('udp6');
  socket.once('error', () => resolve(false));
  socket.bind(0, '::1', () => socket.close(() => resolve(true)));
});

describe.each([
  ['127.0.0.1', 'udp'],
  ['0.0.0.0', 'udp'],
  ['127.0.0.1', 'tcp'],
  ['0.0.0.0', 'tcp'],
  ['::', 'udp'],
  ['::', 'tcp'],
] as const)('Linphone with the door bound to %s, over %s', (host, transport) => {
  // Bound to ::, the door is reached on IPv6 loopback, and the phone lives there too.
  const loopback = host === '::' ? '::1' : '127.0.0.1';
  const uriHost = host === '::' ? '[::1]' : '127.0.0.1';
  const test = it.skipIf(host === '::' && !ipv6Loopback);

  test('registers (digest), answers the bell, holds and resumes, hangs up, calls the door back from the call\'s From', async () => {
    const { door, port } = await startStandaloneDoor(host, transport);
    const phone = await startLinphone({ transport, localHost: loopback, account: { host: loopback, port, user: 'flat', password: PASSWORD }, autoAnswer: true });
    await door.waitForLine(/ info bindingAdded user=flat /, 10_000);

    let mark = door.lines().length;
    door.ring();
    await phone.waitFor(/Call \d+ with .* connected\./);
    await door.waitForLine(/ info callEstablished /, 10_000, mark);

    phone.send('pause');
    await phone.waitFor(/Call \d+ with .* is now paused\./);
    const resumed = phone.mark();
    phone.send('resume');
    await phone.waitFor(/Media streams established/, 10_000, resumed);

    phone.send('terminate');
    await door.waitForLine(/ info call(Closed|Ended) .*reason=remoteBye/, 10_000, mark);
    await phone.waitFor(/ended/);
    // Linphone holds with a=sendonly (RFC 3264 §8.4); the door answers recvonly, then sendrecv on resume.
    expect(receivedAnswerDirections(phone.messages())).toEqual(['recvonly', 'sendrecv']);

    // Calling back from the call list dials the bell call's From: it must be an address the phone can reach.
    const bell = phone.messages().find((m) => m.direction === 'received' && m.startLine.startsWith('INVITE '));
    const from = /<([^>]+)>/.exec(header(bell!, 'From') ?? '')?.[1];
    expect(from).toBeDefined();
    mark = door.lines().length;
    phone.send(`call ${from}`);
    await door.waitForLine(/ info callEstablished /, 10_000, mark);
    phone.send('terminate');
    await door.waitForLine(/ info call(Closed|Ended) .*reason=remoteBye/, 10_000, mark);
    expect(new Set(phone.messages().map((m) => m.remote.split(':')[0])), 'every message went over that transport').toEqual(new Set([transport]));
    assertNoWildcardAddresses(phone.messages());
  }, 40_000);

  test('calls the door; the door answers; hold and resume; hangs up', async () => {
    const { door, port } = await startStandaloneDoor(host, transport);
    const phone = await startLinphone({ transport, localHost: loopback, account: { host: loopback, port, user: 'flat', password: PASSWORD } });
    await door.waitForLine(/ info bindingAdded user=flat /, 10_000);

    const mark = door.lines().length;
    phone.send(`call sip:door@${uriHost}:${port};transport=${transport}`);
    await door.waitForLine(/ info callEstablished /, 10_000, mark);
    await phone.waitFor(/Call \d+ with .* connected\./);

    phone.send('pause');
    await phone.waitFor(/Call \d+ with .* is now paused\./);
    const resumed = phone.mark();
    phone.send('resume');
    await phone.waitFor(/Media streams established/, 10_000, resumed);

    phone.send('terminate');
    await door.waitForLine(/ info call(Closed|Ended) .*reason=remoteBye/, 10_000, mark);
    expect(receivedAnswerDirections(phone.messages())).toEqual(['sendrecv', 'recvonly', 'sendrecv']);
    expect(new Set(phone.messages().map((m) => m.remote.split(':')[0])), 'every message went over that transport').toEqual(new Set([transport]));
    assertNoWildcardAddresses(phone.messages());
  }, 40_000);

  test('restarted without un-REGISTER, under a new +sip.instance at the same address, it is rung once', async () => {
    const { door, port } = await startStandaloneDoor(host, transport);
    const account = { host: loopback, port, user: 'flat', password: PASSWORD };
    const before = await startLinphone({ transport, localHost: loopback, account });
    await door.waitForLine(/ info bindingAdded user=flat /, 10_000);
    const instance = (phone: { messages(): TracedMessage[] }): string | undefined =>
      phone.messages().filter((m) => m.startLine.startsWith('REGISTER ')).map((m) => /\+sip\.instance="([^"]+)"/.exec(header(m, 'Contact') ?? '')?.[1]).at(-1);
    const oldInstance = instance(before);
    await before.kill(); // a power cut: the old binding stays at the registrar

    let mark = door.lines().length;
    const after = await startLinphone({ transport, localHost: loopback, account, port: before.port, autoAnswer: true });
    await door.waitForLine(/ info binding(Added|Replaced) user=flat /, 10_000, mark);
    expect(instance(after)).toBeDefined();
    expect(instance(after)).not.toBe(oldInstance);

    mark = door.lines().length;
    door.ring();
    await after.waitFor(/Call \d+ with .* connected\./);
    await door.waitForLine(/ info callEstablished /, 10_000, mark);
    after.send('terminate');
    await door.waitForLine(/ info call(Closed|Ended) .*reason=remoteBye/, 10_000, mark);
    const invites = after.messages().filter((m) => m.direction === 'received' && m.startLine.startsWith('INVITE '));
    expect(new Set(invites.map((m) => header(m, 'Call-ID'))).size, 'one INVITE for the one phone').toBe(1);
    expect(after.messages().filter((m) => m.direction === 'sent' && m.startLine.startsWith('SIP/2.0 486'))).toEqual([]);
    expect(new Set(after.messages().map((m) => m.remote.split(':')[0])), 'every message went over that transport').toEqual(new Set([transport]));
    assertNoWildcardAddresses(after.messages());
  }, 40_000);
});
