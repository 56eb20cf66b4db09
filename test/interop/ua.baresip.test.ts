// Interop: the whole stack against the real baresip as an indoor phone, on loopback. The door is bound to
// 127.0.0.1 and to 0.0.0.0; nothing it sent may carry 0.0.0.0, :: or port 0 (checked on baresip's SIP trace).

import { afterEach, describe, expect, it } from 'vitest';
import { SignallingOnlySession } from '../support/signallingOnlySession.ts';
import { createSystemClock } from '../../firmware-app/platform/Clock.ts';
import { createNodeHasher } from '../../firmware-app/platform/hash.ts';
import type { Logger } from '../../firmware-app/platform/Logger.ts';
import type { Call } from '../../firmware-app/sip/dialog/types.ts';
import { FakeDns } from '../../firmware-app/sip/transport/FakeDns.ts';
import { type Stack, createStack } from '../../firmware-app/sip/ua/createStack.ts';
import { waitFor } from '../sip/transport/helpers.ts';
import { type Baresip, type BaresipOptions, startBaresip } from '../support/baresip.ts';
import { freePort } from '../support/sipp.ts';
import { assertNoWildcardAddresses } from '../support/wire.ts';

const PASSWORD = 'flat-Pa55word';
const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length > 0) await cleanup.pop()!();
});

/** The door station as its own registrar bound to `host` on a free UDP port (closed in afterEach), and that port. */
async function startDoor(host = '127.0.0.1'): Promise<{ stack: Stack; port: number }> {
  const stack = await createStack({
    listen: { host, port: 0, transports: ['udp'] },
    standalone: { domain: 'doorbell.test', users: [{ username: 'flat', password: PASSWORD }] },
    contactUser: 'door-0123456789abcdef',
    instanceId: 'urn:uuid:7d1f3c1e-6a0b-4a8e-9c1d-0f2e3d4c5b6a',
    localUsers: ['door'],
    displayName: 'Door',
    peerAllowList: [],
    media: (local) => new SignallingOnlySession(local.host),
  }, { clock: createSystemClock(), logger: quiet, hasher: createNodeHasher(), dns: new FakeDns() });
  cleanup.push(() => stack.close());
  return { stack, port: stack.transport.boundAddress('udp')!.port };
}

/** Starts baresip on a free port (stopped in afterEach). */
async function startPhone(options: Omit<BaresipOptions, 'port'>): Promise<Baresip> {
  const phone = startBaresip({ port: await freePort(), ...options });
  cleanup.push(() => phone.stop());
  return phone;
}

function once<T>(subscribe: (resolve: (value: T) => void) => void, what: string, timeoutMs = 10_000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
    subscribe((value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

describe.each(['127.0.0.1', '0.0.0.0'])('baresip as the indoor phone, the door bound to %s', (host) => {
  it('registers to the built-in registrar (digest) and answers the door\'s call', async () => {
    const { stack, port } = await startDoor(host);
    const phone = await startPhone({
      account: `<sip:flat@127.0.0.1:${port};transport=udp>;auth_pass=${PASSWORD};answermode=auto;regint=60`,
    });
    await waitFor('baresip to register', () => stack.registrar!.lookup('flat').length > 0, 10_000);
    await phone.waitFor(/200 OK \(\) \[1 binding\]/);

    const call = await stack.ua.call(['flat']);
    await once<void>((resolve) => call.events.on('established', resolve), 'the call to be answered');
    expect(call.state).toBe('confirmed');
    await phone.waitFor(/call established|Call established/i);

    const closed = once<{ reason: string }>((resolve) => call.events.on('ended', resolve), 'the call to end');
    call.hangup();
    expect((await closed).reason).toBe('localBye');
    await phone.waitFor(/BYE sip:/);
    expect(stack.dialogs.size).toBe(0);
    assertNoWildcardAddresses(phone.messages());
  }, 40_000);

  it('calls the door after registering; the door answers it', async () => {
    const { stack, port } = await startDoor(host);
    const incoming = once<Call>((resolve) => stack.ua.events.on('callIncoming', (call) => {
      call.ring();
      void call.answer();
      resolve(call);
    }), 'baresip\'s INVITE', 20_000);
    const phone = await startPhone({
      account: `<sip:flat@127.0.0.1:${port};transport=udp>;auth_pass=${PASSWORD};regint=60`,
      commands: [`/dial sip:door@127.0.0.1:${port}`],
    });
    const call = await incoming.catch((error: unknown) => {
      throw new Error(`${String(error)}\n--- baresip said:\n${phone.output().slice(-4000)}`);
    });
    await once<void>((resolve) => call.events.on('established', resolve), 'the ACK');
    expect(call.direction).toBe('incoming');
    const closed = once<{ reason: string }>((resolve) => call.events.on('ended', resolve), 'the call to end');
    call.hangup();
    expect((await closed).reason).toBe('localBye');
    expect(stack.ua.refusals.notAllowed).toBeLessThanOrEqual(1); // at most the INVITE sent before its REGISTER finished
    await phone.waitFor(/BYE sip:/);
    assertNoWildcardAddresses(phone.messages());
  }, 40_000);
});

describe('baresip as a stranger', () => {
  it('a phone that is not registered cannot call the door: no ring, no answer at all', async () => {
    const { stack, port } = await startDoor();
    let rang = false;
    stack.ua.events.on('callIncoming', () => {
      rang = true;
    });
    const phone = await startPhone({
      account: `<sip:intruder@127.0.0.1:${port};transport=udp>;auth_pass=wrong-password;regint=0`,
      commands: [`/dial sip:door@127.0.0.1:${port}`],
    });
    await waitFor('the INVITE and its retransmission to be refused', () => stack.ua.refusals.notAllowed >= 2, 10_000);
    expect(rang).toBe(false);
    expect(phone.output()).not.toMatch(/^SIP\/2\.0 \d{3}/m);
  }, 40_000);
});
