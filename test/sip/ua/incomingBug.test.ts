// A bug while setting up an incoming call (here: the media factory throws) costs that call a 500, never the process.
import { createSocket } from 'node:dgram';
import { afterEach, expect, it } from 'vitest';
import { createSystemClock } from '../../../firmware-app/platform/Clock.ts';
import { createNodeHasher } from '../../../firmware-app/platform/hash.ts';
import { parseMessage } from '../../../firmware-app/sip/message/index.ts';
import { FakeDns } from '../../../firmware-app/sip/transport/FakeDns.ts';
import { type Stack, createStack } from '../../../firmware-app/sip/ua/createStack.ts';
import { makeRequest } from '../../support/sipMessages.ts';
import { memoryLogger, waitFor } from '../transport/helpers.ts';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanup.length > 0) await cleanup.pop()!();
});

it('answers 500 and logs incomingCallFailed when the media side cannot be made, and keeps serving', async () => {
  const logger = memoryLogger();
  const stack: Stack = await createStack({
    listen: { host: '127.0.0.1', port: 0, transports: ['udp'] },
    standalone: { domain: 'doorbell.test', users: [] },
    contactUser: 'door-0123456789abcdef',
    instanceId: 'urn:uuid:7d1f3c1e-6a0b-4a8e-9c1d-0f2e3d4c5b6a',
    localUsers: ['door'],
    displayName: 'Door',
    peerAllowList: ['127.0.0.1'],
    media: () => {
      throw new Error('no sound card model for this call');
    },
  }, { clock: createSystemClock(), logger, hasher: createNodeHasher(), dns: new FakeDns() });
  cleanup.push(() => stack.close());
  stack.ua.events.on('callIncoming', (call) => call.ring());
  const phone = createSocket('udp4');
  cleanup.push(() => {
    phone.close();
  });
  const statuses: number[] = [];
  phone.on('message', (bytes) => statuses.push(parseMessage(new Uint8Array(bytes)).status));
  await new Promise<void>((resolve) => phone.bind(0, '127.0.0.1', () => resolve()));
  const port = stack.transport.boundAddress('udp')!.port;
  const send = (method: string): void => {
    const request = makeRequest({ method, requestUri: `sip:door@127.0.0.1:${port}`, sentBy: `127.0.0.1:${phone.address().port}` });
    phone.send(request.bytes, port, '127.0.0.1');
  };
  send('INVITE');
  await waitFor('the 500', () => statuses.includes(500));
  expect(logger.lines.some((line) => / incomingCallFailed .*no sound card model/.test(line))).toBe(true);
  send('OPTIONS');
  await waitFor('the 200 to OPTIONS', () => statuses.includes(200));
});
