// A bell press with nobody to ring (no phone registered for the user) is said in the log, and the call ends at once.
import { afterEach, expect, it } from 'vitest';
import { SignallingOnlySession } from '../../support/signallingOnlySession.ts';
import { createSystemClock } from '../../../firmware-app/platform/Clock.ts';
import { createNodeHasher } from '../../../firmware-app/platform/hash.ts';
import { FakeDns } from '../../../firmware-app/sip/transport/FakeDns.ts';
import { type Stack, createStack } from '../../../firmware-app/sip/ua/createStack.ts';
import { memoryLogger } from '../transport/helpers.ts';

const stacks: Stack[] = [];
afterEach(async () => {
  while (stacks.length > 0) await stacks.pop()!.close();
});

it('logs callNobodyToRing and ends the call when no phone of the user is registered', async () => {
  const logger = memoryLogger();
  const stack = await createStack({
    listen: { host: '127.0.0.1', port: 0, transports: ['udp'] },
    standalone: { domain: 'doorbell.test', users: [{ username: 'flat', password: 'flat-Pa55word' }] },
    contactUser: 'door-0123456789abcdef',
    instanceId: 'urn:uuid:7d1f3c1e-6a0b-4a8e-9c1d-0f2e3d4c5b6a',
    localUsers: ['door'],
    displayName: 'Door',
    peerAllowList: [],
    media: (local) => new SignallingOnlySession(local.host),
  }, { clock: createSystemClock(), logger, hasher: createNodeHasher(), dns: new FakeDns() });
  stacks.push(stack);
  const call = await stack.ua.call(['flat']);
  const ended = await new Promise<{ reason: string }>((resolve) => call.events.on('ended', resolve));
  expect(ended.reason).toBe('failed');
  expect(logger.lines.filter((line) => / callNobodyToRing /.test(line))).toEqual([
    expect.stringMatching(new RegExp(`warn callNobodyToRing call=${call.id} targets=flat$`)),
  ]);
});
