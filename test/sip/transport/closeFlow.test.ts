// closeFlow on real loopback TCP: the connection a registration found dead (no pong, RFC 5626 §4.4.1) is closed,
// both ends report flowClosed, and the next send opens a new connection instead of writing into the dead one.
import { afterEach, expect, it } from 'vitest';
import { FakeClock } from '../../../firmware-app/platform/FakeClock.ts';
import { createTcpTransport } from '../../../firmware-app/sip/transport/tcp.ts';
import type { Target, Transport } from '../../../firmware-app/sip/transport/types.ts';
import { memoryLogger, recorder, sipRequest, waitFor } from './helpers.ts';

const transports: Transport[] = [];
afterEach(async () => {
  await Promise.all(transports.splice(0).map((t) => t.close()));
});

it('closes one flow: both ends see flowClosed, the next send goes on a new connection', async () => {
  const clock = new FakeClock();
  const server = recorder();
  const client = recorder();
  const listening = await createTcpTransport({ host: '127.0.0.1', port: 0, listen: true, clock, logger: memoryLogger() }, server.events);
  transports.push(listening);
  const logger = memoryLogger();
  const dialing = await createTcpTransport({ host: '127.0.0.1', port: 0, listen: false, clock, logger }, client.events);
  transports.push(dialing);
  const target: Target = { protocol: 'tcp', host: '127.0.0.1', port: listening.local.port };
  const first = await dialing.send(sipRequest('close-flow-1'), target);
  expect(first.ok).toBe(true);
  if (!first.ok) return;
  await waitFor('the first message', () => server.messages.length === 1);
  dialing.closeFlow!(first.flow.id);
  await waitFor('flowClosed at both ends', () => client.closed.length === 1 && server.closed.length === 1);
  expect(client.closed[0]!.id).toBe(first.flow.id);
  expect(logger.lines.some((l) => l.includes('connectionClosed') && l.includes('reason=noPong'))).toBe(true);
  const second = await dialing.send(sipRequest('close-flow-2'), target, first.flow.id);
  expect(second.ok && second.flow.id !== first.flow.id).toBe(true);
  await waitFor('the second message', () => server.messages.length === 2);
  dialing.closeFlow!('tcp:127.0.0.1:1>127.0.0.1:2'); // unknown: nothing happens
});
