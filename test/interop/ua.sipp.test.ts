// Interop: the whole stack from createStack (registration, digest, policy, dialogs) against the real sipp on loopback.

import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { SignallingOnlySession } from '../support/signallingOnlySession.ts';
import { createSystemClock } from '../../firmware-app/platform/Clock.ts';
import { createNodeHasher } from '../../firmware-app/platform/hash.ts';
import type { Call, IncomingCall } from '../../firmware-app/sip/dialog/types.ts';
import { FakeDns } from '../../firmware-app/sip/transport/FakeDns.ts';
import { type Stack, type StackOptions, createStack } from '../../firmware-app/sip/ua/createStack.ts';
import type { UserAgent, UserAgentEvents } from '../../firmware-app/sip/ua/UserAgent.ts';
import { memoryLogger } from '../sip/transport/helpers.ts';
import { type SippOptions, type SippRun, freePort, runSipp, sippFailure, sippReady } from '../support/sipp.ts';

const CONTACT_USER = 'k7q2x9vbw3tz';
const CREDENTIALS = { username: 'door', password: 's3cret-door' } as const;

interface Harness {
  readonly stack: Stack;
  readonly ua: UserAgent;
  /** Our UDP port. */
  readonly port: number;
  /** Every log line, `level event key=value …`. */
  readonly logs: string[];
}

const stacks: { close(): Promise<void> }[] = [];
const sipps: { stop(): void; done: Promise<SippRun> }[] = [];

afterEach(async () => {
  // Stacks first: their un-REGISTER is what a registrar sipp still waits for.
  while (stacks.length > 0) await stacks.pop()!.close();
  while (sipps.length > 0) {
    const sipp = sipps.pop()!;
    sipp.stop();
    await sipp.done;
  }
});

async function startStack(mode: Pick<StackOptions, 'account' | 'standalone'>, host = '127.0.0.1'): Promise<Harness> {
  const logger = memoryLogger();
  const stack = await createStack({
    listen: { host, port: 0, transports: ['udp'] },
    ...mode,
    contactUser: CONTACT_USER,
    instanceId: 'urn:uuid:3f1b7a52-7c1e-4d2a-9b8e-5a6c2d1e0f47',
    localUsers: ['door'],
    displayName: 'Door',
    peerAllowList: [],
    media: () => new SignallingOnlySession('127.0.0.1'),
  }, {
    clock: createSystemClock(),
    logger,
    hasher: createNodeHasher(),
    // Numeric registrar addresses need no DNS; an empty FakeDns makes sure nothing reaches the network.
    dns: new FakeDns(),
  });
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => (closing ??= stack.close());
  stacks.push({ close });
  const port = stack.transport.boundAddress('udp')!.port;
  return { stack: { ...stack, close }, ua: stack.ua, port, logs: logger.lines };
}

function account(registrarPort: number, extra: Partial<NonNullable<StackOptions['account']>> = {}): Pick<StackOptions, 'account'> {
  return {
    account: {
      registrar: `sip:127.0.0.1:${registrarPort}`,
      aor: 'sip:door@sipp.test',
      credentials: CREDENTIALS,
      expires: 60,
      ...extra,
    },
  };
}

/** Starts sipp (closed in afterEach if still running). */
function sipp(options: SippOptions): { done: Promise<SippRun>; stop(): void } {
  const run = runSipp(options);
  sipps.push(run);
  return run;
}

/** Starts a UAS sipp on a fresh port and waits until it can take our first request. */
async function sippServer(scenario: string, extra: Partial<SippOptions> = {}): Promise<{ port: number; done: Promise<SippRun> }> {
  const port = await freePort();
  const options: SippOptions = { scenario, transport: 'u1', localPort: port, timeoutSeconds: 15, ...extra };
  const run = sipp(options);
  await sippReady(options.transport, port);
  return { port, done: run.done };
}

/**
 * The arguments of the next `event` of the UA, or a rejection after `ms`. A test that fails before awaiting it
 * leaves the rejection to vitest's report of the first failure, not to an unhandled-rejection error.
 */
function next<E extends keyof UserAgentEvents>(ua: UserAgent, event: E, ms = 8000): Promise<Parameters<UserAgentEvents[E]>> {
  const promise = new Promise<Parameters<UserAgentEvents[E]>>((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no ${String(event)} within ${ms} ms`));
    }, ms);
    const off = ua.events.on(event, ((...args: Parameters<UserAgentEvents[E]>) => {
      clearTimeout(timer);
      off();
      resolve(args);
    }) as UserAgentEvents[E]);
  });
  promise.catch(() => {});
  return promise;
}

/** Requests sipp received, by method, from its -trace_msg log. */
function received(run: SippRun, method: string): number {
  return run.traces.match(new RegExp(`message received \\[\\d+\\] bytes :\\s*\\n\\s*${method} sip:`, 'g'))?.length ?? 0;
}

/** Whether sipp received anything at all (it logs every datagram it read). */
function receivedAnything(run: SippRun): boolean {
  return /message received/.test(run.traces);
}

/** The SIP messages sipp received (from us), from its -trace_msg log. */
function messagesReceived(run: SippRun): string[] {
  return run.traces.split(/message received \[\d+\] bytes :\s*\n/).slice(1).map((block) => block.split(/\n\s*\n(?:-{5,}|\S+ \d{4}-)/)[0]!);
}

/** No header line of what sipp received names 0.0.0.0, :: or port 0 (Via, Contact, From, To …). */
function expectRealAddresses(run: SippRun): void {
  const messages = messagesReceived(run);
  expect(messages.length).toBeGreaterThan(0);
  for (const message of messages) {
    const head = message.split(/\r?\n\r?\n/)[0]!;
    for (const line of head.split(/\r?\n/)) expect(line, message).not.toMatch(/0\.0\.0\.0|\[::\]|@::[;>:]|:0(?:[;>\s]|$)/);
  }
}

const logged = (logs: readonly string[], event: string): string[] => logs.filter((line) => line.split(' ')[1] === event);

describe('the user agent against sipp', () => {
  describe('registration', () => {
    it('registers through an MD5 digest challenge that sipp verifies, and un-registers at close', async () => {
      const registrar = await sippServer('registrar-md5.xml');
      const h = await startStack(account(registrar.port));
      const [info] = await next(h.ua, 'registered');
      expect(info.expires).toBe(60);
      expect(info.registrar).toBe(`sip:127.0.0.1:${registrar.port}`);
      await h.stack.close();
      const run = await registrar.done;
      expect(run.code, sippFailure(run, h.logs)).toBe(0);
      expect(received(run, 'REGISTER')).toBe(3); // unauthenticated, answered, un-REGISTER
      expect(run.traces).toMatch(/\nExpires: 0\r?\n/i);
    });

    it('registers through a SHA-256 challenge (RFC 8760) with a response that node:crypto recomputes', async () => {
      const registrar = await sippServer('registrar-sha256.xml');
      const h = await startStack(account(registrar.port));
      await next(h.ua, 'registered');
      await h.stack.close();
      const run = await registrar.done;
      expect(run.code, sippFailure(run, h.logs)).toBe(0);
      // sipp's verifyauth knows only MD5: check the answer here, from the REGISTER sipp logged.
      const authorization = /\nAuthorization: *Digest (.*)\r?\n/i.exec(run.traces)?.[1];
      expect(authorization, run.traces).toBeDefined();
      const param = (name: string): string => {
        const m = new RegExp(`(?:^|,)\\s*${name}=("([^"]*)"|[^,\\s]+)`, 'i').exec(authorization!);
        return m === null ? '' : m[2] ?? m[1]!;
      };
      const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
      expect(param('username')).toBe('door');
      expect(param('realm')).toBe('sipp.test');
      expect(param('qop')).toBe('auth');
      expect(param('opaque')).toBe('5ccc069c');
      const ha1 = sha256(`door:sipp.test:${CREDENTIALS.password}`);
      const ha2 = sha256(`REGISTER:${param('uri')}`);
      expect(param('response')).toBe(sha256(`${ha1}:${param('nonce')}:${param('nc')}:${param('cnonce')}:auth:${ha2}`));
    });

    it('423 Interval Too Brief: registers after retrying with the registrar\'s Min-Expires 1800', async () => {
      const registrar = await sippServer('registrar-423.xml');
      const h = await startStack(account(registrar.port));
      const [info] = await next(h.ua, 'registered');
      expect(info.expires).toBe(1800);
      await h.stack.close();
      const run = await registrar.done;
      expect(run.code, sippFailure(run, h.logs)).toBe(0); // sipp's check_it saw Expires: 1800 on the retry
      expect(received(run, 'REGISTER')).toBe(3);
    });

    it('503 with Retry-After: fails over to the backup registrar after one REGISTER to the primary', async () => {
      // The primary stays 2.5 s after its 503: a second REGISTER meanwhile would fail its scenario.
      const primary = await sippServer('registrar-503.xml', { pauseMs: 2500 });
      const backup = await sippServer('registrar-plain.xml');
      const h = await startStack(account(primary.port, { backupRegistrar: `sip:127.0.0.1:${backup.port}` }));
      const failed = next(h.ua, 'registrationFailed');
      const [info] = await next(h.ua, 'registered');
      expect(info.registrar).toBe(`sip:127.0.0.1:${backup.port}`);
      const [failure] = await failed;
      expect(failure.status).toBe(503);
      const primaryRun = await primary.done;
      expect(primaryRun.code, sippFailure(primaryRun, h.logs)).toBe(0);
      expect(received(primaryRun, 'REGISTER')).toBe(1);
      await h.stack.close();
      const backupRun = await backup.done;
      expect(backupRun.code, sippFailure(backupRun, h.logs)).toBe(0);
      expect(received(backupRun, 'REGISTER')).toBe(2); // the REGISTER and the un-REGISTER
    });

    it('403 Forbidden: registrationFailed with a retry only minutes later (RFC 5626 §4.5 on a 300 s base), no further REGISTER for 3 s', async () => {
      const registrar = await sippServer('registrar-403.xml', { pauseMs: 3000 });
      const h = await startStack(account(registrar.port));
      const [failure] = await next(h.ua, 'registrationFailed');
      expect(failure.status).toBe(403);
      expect(failure.retryInSeconds).toBeGreaterThanOrEqual(300);
      const run = await registrar.done; // sipp exits after its 3 s pause
      expect(run.code, sippFailure(run, h.logs)).toBe(0);
      expect(received(run, 'REGISTER')).toBe(1);
      expect(logged(h.logs, 'registering')).toHaveLength(1);
      expect(h.ua.registered).toBe(false);
    }, 20_000);
  });

  describe('calls', () => {
    it('standalone: calls sipp as the flat\'s phone, which rings and answers; our hangup sends the BYE', async () => {
      const phone = await sippServer('uas-call.xml');
      const h = await startStack({ standalone: { domain: 'doorbell.local', users: [] } });
      const ringing = next(h.ua, 'callRinging');
      const established = next(h.ua, 'callEstablished');
      const call: Call = await h.ua.call([`sip:flat@127.0.0.1:${phone.port}`]);
      await ringing;
      await established;
      expect(call.state).toBe('confirmed');
      const closed = next(h.ua, 'callClosed');
      call.hangup();
      const [, end] = await closed;
      expect(end.reason).toBe('localBye');
      const run = await phone.done;
      expect(run.code, sippFailure(run, h.logs)).toBe(0);
      expect(received(run, 'BYE')).toBe(1);
    });

    describe('registered: who may ring the door station', () => {
      /** Registered at a sipp registrar on 127.0.0.1. */
      async function registered(): Promise<{ h: Harness; registrar: { port: number; done: Promise<SippRun> } }> {
        const registrar = await sippServer('registrar-plain.xml');
        const h = await startStack(account(registrar.port));
        await next(h.ua, 'registered');
        return { h, registrar };
      }

      it('a call from the registrar\'s address to our Contact token rings, is answered and ended by the caller', async () => {
        const { h, registrar } = await registered();
        const incoming: { call: IncomingCall; source: string }[] = [];
        h.ua.events.on('callIncoming', (call, info) => {
          incoming.push({ call, source: `${info.source.host}:${info.source.port}` });
          call.ring();
          call.answer().catch((error: unknown) => h.logs.push(`test answerFailed ${String(error)}`));
        });
        const established = next(h.ua, 'callEstablished');
        const closed = next(h.ua, 'callClosed');
        const callerPort = await freePort();
        const caller = sipp({
          scenario: 'uac-call.xml', transport: 'u1', localPort: callerPort, remote: { host: '127.0.0.1', port: h.port },
          service: CONTACT_USER, timeoutSeconds: 10,
        });
        await established;
        const [, end] = await closed;
        expect(end.reason).toBe('remoteBye');
        const run = await caller.done;
        expect(run.code, sippFailure(run, h.logs)).toBe(0);
        expect(incoming.map((i) => i.source)).toEqual([`127.0.0.1:${callerPort}`]);
        expect(h.ua.refusals.notFromRegistrar + h.ua.refusals.wrongToken).toBe(0);
        await h.stack.close();
        const registrarRun = await registrar.done;
        expect(registrarRun.code, sippFailure(registrarRun, h.logs)).toBe(0);
      });

      it('a foreign source and a wrong user part are refused in silence and never ring', async () => {
        const { h } = await registered();
        const incoming: string[] = [];
        h.ua.events.on('callIncoming', (call, info) => {
          incoming.push(`${info.source.host}:${info.source.port}`);
          call.reject(486, 'Busy Here');
        });
        const refused: string[] = [];
        h.ua.events.on('requestRefused', (info) => refused.push(`${info.method} ${info.source.host} ${info.reason}`));
        // Neither sipp gets an answer: both time out and fail.
        const foreign = sipp({
          scenario: 'uac-call.xml', transport: 'u1', localPort: await freePort(), localHost: '127.0.0.2',
          remote: { host: '127.0.0.1', port: h.port }, service: CONTACT_USER, timeoutSeconds: 3,
        });
        const wrongToken = sipp({
          scenario: 'uac-call.xml', transport: 'u1', localPort: await freePort(),
          remote: { host: '127.0.0.1', port: h.port }, service: '100', timeoutSeconds: 3,
        });
        const [foreignRun, wrongRun] = await Promise.all([foreign.done, wrongToken.done]);
        expect(foreignRun.code, sippFailure(foreignRun, h.logs)).not.toBe(0);
        expect(foreignRun.code).not.toBeNull();
        expect(receivedAnything(foreignRun), foreignRun.traces).toBe(false);
        expect(wrongRun.code, sippFailure(wrongRun, h.logs)).not.toBe(0);
        expect(wrongRun.code).not.toBeNull();
        expect(receivedAnything(wrongRun), wrongRun.traces).toBe(false);
        expect(incoming).toEqual([]);
        expect(h.ua.refusals.notFromRegistrar).toBeGreaterThanOrEqual(1);
        expect(h.ua.refusals.wrongToken).toBeGreaterThanOrEqual(1);
        expect(refused).toContain('INVITE 127.0.0.2 notFromRegistrar');
        expect(refused).toContain('INVITE 127.0.0.1 wrongToken');
        expect(h.ua.registered).toBe(true);
      });
    });
  });
  describe('bound to 0.0.0.0, as the default config is: nothing on the wire says 0.0.0.0, :: or port 0', () => {
    it('registers (REGISTER, un-REGISTER) with the loopback address in Via and Contact', async () => {
      const registrar = await sippServer('registrar-md5.xml');
      const h = await startStack(account(registrar.port), '0.0.0.0');
      await next(h.ua, 'registered');
      await h.stack.close();
      const run = await registrar.done;
      expect(run.code, sippFailure(run, h.logs)).toBe(0);
      expect(received(run, 'REGISTER')).toBe(3);
      expectRealAddresses(run);
      expect(run.traces).toMatch(new RegExp(`\nContact: *<sip:${CONTACT_USER}@127\\.0\\.0\\.1:${h.port};transport=udp>`, 'i'));
    });

    it('calls a phone (INVITE, ACK, BYE) with From and Contact it can reach', async () => {
      const phone = await sippServer('uas-call.xml');
      const h = await startStack({ standalone: { domain: 'doorbell.local', users: [] } }, '0.0.0.0');
      const established = next(h.ua, 'callEstablished');
      const call: Call = await h.ua.call([`sip:flat@127.0.0.1:${phone.port}`]);
      await established;
      const closed = next(h.ua, 'callClosed');
      call.hangup();
      await closed;
      const run = await phone.done;
      expect(run.code, sippFailure(run, h.logs)).toBe(0);
      expectRealAddresses(run);
      expect(run.traces).toMatch(new RegExp(`\nFrom: *"Door" <sip:door@127\\.0\\.0\\.1:${h.port}>`, 'i'));
    });

    it('answers a call from its registrar with a Contact the caller can send its ACK and BYE to', async () => {
      const registrar = await sippServer('registrar-plain.xml');
      const h = await startStack(account(registrar.port), '0.0.0.0');
      await next(h.ua, 'registered');
      h.ua.events.on('callIncoming', (call) => {
        call.ring();
        call.answer().catch((error: unknown) => h.logs.push(`test answerFailed ${String(error)}`));
      });
      const closed = next(h.ua, 'callClosed');
      const caller = sipp({
        scenario: 'uac-call.xml', transport: 'u1', localPort: await freePort(), remote: { host: '127.0.0.1', port: h.port },
        service: CONTACT_USER, timeoutSeconds: 10,
      });
      const [, end] = await closed;
      expect(end.reason).toBe('remoteBye');
      const run = await caller.done;
      expect(run.code, sippFailure(run, h.logs)).toBe(0);
      expectRealAddresses(run);
    });
  });
});
