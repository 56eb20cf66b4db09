// Interop: the whole stack against the real baresip as an indoor phone, on loopback.

import { afterEach, describe, expect, it } from 'vitest';
import { SignallingOnlySession } from '../../firmware-app/media/SignallingOnlySession.ts';
import { createSystemClock } from '../../firmware-app/platform/Clock.ts';
import { createNodeHasher } from '../../firmware-app/platform/hash.ts';
import type { Logger } from '../../firmware-app/platform/Logger.ts';
import type { Call } from '../../firmware-app/sip/dialog/types.ts';
import { FakeDns } from '../../firmware-app/sip/transport/FakeDns.ts';
import { type Stack, createStack } from '../../firmware-app/sip/ua/createStack.ts';
import { type Baresip, startBaresip } from '../support/baresip.ts';
import { freePort } from '../support/sipp.ts';

const PASSWORD = 'flat-Pa55word';

function collectingLogger(lines: string[]): Logger {
  const put = (level: string) => (event: string, fields?: Readonly<Record<string, string | number | boolean>>): void => {
    lines.push(`${level} ${event} ${JSON.stringify(fields ?? {})}`);
  };
  return { debug: put('debug'), info: put('info'), warn: put('warn'), error: put('error') };
}

async function standaloneStack(logs: string[]): Promise<Stack> {
  return createStack({
    listen: { host: '127.0.0.1', port: 0, transports: ['udp'] },
    standalone: { domain: 'doorbell.test', users: [{ username: 'flat', password: PASSWORD }] },
    contactUser: 'door-0123456789abcdef',
    instanceId: 'urn:uuid:7d1f3c1e-6a0b-4a8e-9c1d-0f2e3d4c5b6a',
    localUsers: ['door'],
    displayName: 'Door',
    peerAllowList: [],
    media: () => new SignallingOnlySession('127.0.0.1'),
  }, { clock: createSystemClock(), logger: collectingLogger(logs), hasher: createNodeHasher(), dns: new FakeDns() });
}

async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
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

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length > 0) await cleanup.pop()!();
});

describe('baresip as the indoor phone', () => {
  it('registers to the built-in registrar (digest) and answers the door\'s call', async () => {
    const logs: string[] = [];
    const stack = await standaloneStack(logs);
    cleanup.push(() => stack.close());
    const port = stack.transport.sentBy('udp')!.port;
    const phone: Baresip = startBaresip({
      port: await freePort(),
      account: `<sip:flat@127.0.0.1:${port};transport=udp>;auth_pass=${PASSWORD};answermode=auto;regint=60`,
    });
    cleanup.push(() => phone.stop());
    await until(() => stack.registrar!.lookup('flat').length > 0, 'baresip to register');
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
  }, 40_000);

  it('calls the door after registering; the door answers it', async () => {
    const logs: string[] = [];
    const stack = await standaloneStack(logs);
    cleanup.push(() => stack.close());
    const port = stack.transport.sentBy('udp')!.port;
    const incoming = once<Call>((resolve) => stack.ua.events.on('callIncoming', (call) => {
      call.ring();
      void call.answer();
      resolve(call);
    }), 'baresip\'s INVITE', 20_000);
    const phone = startBaresip({
      port: await freePort(),
      account: `<sip:flat@127.0.0.1:${port};transport=udp>;auth_pass=${PASSWORD};regint=60`,
      commands: [`/dial sip:door@127.0.0.1:${port}`],
    });
    cleanup.push(() => phone.stop());
    const call = await incoming;
    await once<void>((resolve) => call.events.on('established', resolve), 'the ACK');
    expect(call.direction).toBe('incoming');
    const closed = once<{ reason: string }>((resolve) => call.events.on('ended', resolve), 'the call to end');
    call.hangup();
    expect((await closed).reason).toBe('localBye');
    expect(stack.ua.refusals.notAllowed).toBeLessThanOrEqual(1); // at most the INVITE sent before its REGISTER finished
  }, 40_000);

  it('a phone that is not registered cannot call the door: no ring, no answer at all', async () => {
    const logs: string[] = [];
    const stack = await standaloneStack(logs);
    cleanup.push(() => stack.close());
    const port = stack.transport.sentBy('udp')!.port;
    let rang = false;
    stack.ua.events.on('callIncoming', () => {
      rang = true;
    });
    const phone = startBaresip({
      port: await freePort(),
      account: `<sip:intruder@127.0.0.1:${port};transport=udp>;auth_pass=wrong-password;regint=0`,
      commands: [`/dial sip:door@127.0.0.1:${port}`],
    });
    cleanup.push(() => phone.stop());
    await until(() => stack.ua.refusals.notAllowed >= 2, 'the INVITE and its retransmission to be refused');
    expect(rang).toBe(false);
    expect(phone.output()).not.toMatch(/^SIP\/2\.0 \d{3}/m);
  }, 40_000);
});
