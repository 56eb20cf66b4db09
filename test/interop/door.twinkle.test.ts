// Interop: Twinkle (twinkle-console) as the flat's indoor phone, registered at the door station's built-in
// registrar. The door runs from its command line with a config file (standalone mode, simulated bell), bound to
// 127.0.0.1 and to 0.0.0.0; in both cases nothing the door sent may carry 0.0.0.0, :: or port 0. Twinkle is the
// strict one: it will not send to a Contact of 0.0.0.0 ("Cannot resolve destination"), so hold and hang-up
// from the phone fail outright when the door advertises one.

import { describe, expect, it } from 'vitest';
import { PASSWORD, startStandaloneDoor } from '../support/doorProcess.ts';
import { startTwinkle } from '../support/twinkle.ts';
import { assertNoWildcardAddresses, header, receivedAnswerDirections } from '../support/wire.ts';

describe.each([
  ['127.0.0.1', 'udp'],
  ['0.0.0.0', 'udp'],
  ['127.0.0.1', 'tcp'],
  ['0.0.0.0', 'tcp'],
] as const)('Twinkle with the door bound to %s, over %s', (host, transport) => {
  it('registers (digest), answers the bell, holds and retrieves, hangs up, calls the door back from the call\'s From', async () => {
    const { door, port } = await startStandaloneDoor(host, transport);
    const phone = await startTwinkle({ transport, account: { host: '127.0.0.1', port, user: 'flat', password: PASSWORD }, autoAnswer: true });
    await phone.waitFor(/registration succeeded/);
    await door.waitForLine(/ info bindingAdded user=flat /, 10_000);

    let mark = door.lines().length;
    door.ring();
    await phone.waitFor(/Line 1: call established\./);
    await door.waitForLine(/ info callEstablished /, 10_000, mark);

    // Twinkle holds with a=sendonly (RFC 3264 §8.4): the door answers recvonly, then sendrecv on retrieve.
    const held = phone.mark();
    phone.send('hold');
    await phone.waitFor(/re-INVITE successful/, 10_000, held);
    const retrieved = phone.mark();
    phone.send('retrieve');
    await phone.waitFor(/re-INVITE successful/, 10_000, retrieved);
    expect(receivedAnswerDirections(phone.messages())).toEqual(['recvonly', 'sendrecv']);
    expect(phone.output()).not.toMatch(/re-INVITE failed/);

    phone.send('bye');
    await door.waitForLine(/ info call(Closed|Ended) .*reason=remoteBye/, 10_000, mark);

    // Calling back from the call list dials the bell call's From: it must be an address the phone can reach.
    const bell = phone.messages().find((m) => m.direction === 'received' && m.startLine.startsWith('INVITE '));
    const from = /<([^>]+)>/.exec(header(bell!, 'From') ?? '')?.[1];
    expect(from).toBeDefined();
    mark = door.lines().length;
    const callBack = phone.mark();
    phone.send(`call ${from}`);
    await door.waitForLine(/ info callEstablished /, 10_000, mark);
    await phone.waitFor(/far end answered call/, 10_000, callBack);
    phone.send('bye');
    await door.waitForLine(/ info call(Closed|Ended) .*reason=remoteBye/, 10_000, mark);
    expect(new Set(phone.messages().map((m) => m.remote.split(':')[0])), 'every message went over that transport').toEqual(new Set([transport]));
    assertNoWildcardAddresses(phone.messages());
  }, 40_000);

  it('calls the door; the door answers; hold and retrieve; hangs up', async () => {
    const { door, port } = await startStandaloneDoor(host, transport);
    const phone = await startTwinkle({ transport, account: { host: '127.0.0.1', port, user: 'flat', password: PASSWORD } });
    await phone.waitFor(/registration succeeded/);

    const mark = door.lines().length;
    phone.send(`call sip:door@127.0.0.1:${port};transport=${transport}`);
    await door.waitForLine(/ info callEstablished /, 10_000, mark);
    await phone.waitFor(/far end answered call/);

    const held = phone.mark();
    phone.send('hold');
    await phone.waitFor(/re-INVITE successful/, 10_000, held);
    const retrieved = phone.mark();
    phone.send('retrieve');
    await phone.waitFor(/re-INVITE successful/, 10_000, retrieved);
    expect(receivedAnswerDirections(phone.messages())).toEqual(['sendrecv', 'recvonly', 'sendrecv']);
    expect(phone.output()).not.toMatch(/re-INVITE failed/);

    phone.send('bye');
    await door.waitForLine(/ info call(Closed|Ended) .*reason=remoteBye/, 10_000, mark);
    expect(new Set(phone.messages().map((m) => m.remote.split(':')[0])), 'every message went over that transport').toEqual(new Set([transport]));
    assertNoWildcardAddresses(phone.messages());
  }, 40_000);
});
