// A standalone door stack (createStack) on the loop network: a phone that re-registers its Contact under a new
// +sip.instance after a restart (as Linphone does) is rung with one INVITE, not two.
import { describe, expect, it } from 'vitest';
import { SignallingOnlySession } from '../../support/signallingOnlySession.ts';
import { FakeClock } from '../../../firmware-app/platform/FakeClock.ts';
import { createNodeHasher } from '../../../firmware-app/platform/hash.ts';
import { DigestClient } from '../../../firmware-app/sip/auth/index.ts';
import { type SipMessage, parseMessage } from '../../../firmware-app/sip/message/index.ts';
import { FakeDns } from '../../../firmware-app/sip/transport/FakeDns.ts';
import { type LoopNetwork, type LoopTransport, createLoopNetwork } from '../../../firmware-app/sip/transport/loop.ts';
import type { Address } from '../../../firmware-app/sip/transport/types.ts';
import { type Stack, createStack } from '../../../firmware-app/sip/ua/createStack.ts';
import { makeRequest } from '../../support/sipMessages.ts';
import { memoryLogger } from '../transport/helpers.ts';

const DOOR: Address = { host: '192.168.1.10', port: 5060 };
const PHONE_HOST = '192.168.1.20';
/** What the phone writes in its Contact, before and after its restart. */
const CONTACT = `sip:flat1@${PHONE_HOST}:5060`;
const PASSWORD = 'kitchen-phone-pw';
const hasher = createNodeHasher();

async function settle(): Promise<void> {
  for (let i = 0; i < 6; i++) await new Promise((resolve) => setImmediate(resolve));
}

async function doorStack(clock: FakeClock, network: LoopNetwork): Promise<Stack> {
  return createStack({
    listen: { host: DOOR.host, port: DOOR.port, transports: [] },
    standalone: { domain: 'doorbell.local', users: [{ username: 'flat1', password: PASSWORD }] },
    contactUser: 'door-token-unused',
    instanceId: 'urn:uuid:00000000-0000-4000-8000-0000000000d0',
    localUsers: ['door'],
    displayName: 'Front Door',
    peerAllowList: [],
    media: (local) => new SignallingOnlySession(local.host),
  }, {
    clock, logger: memoryLogger(), hasher, random: () => 0.5, dns: new FakeDns(),
    transports: (events) => [network.transport({ ...DOOR, protocol: 'udp' }, events)],
  });
}

/** A softphone socket at PHONE_HOST:port that keeps what it receives. */
function phoneSocket(network: LoopNetwork, port: number): { transport: LoopTransport; received: SipMessage[] } {
  const received: SipMessage[] = [];
  const transport = network.transport({ host: PHONE_HOST, port, protocol: 'udp' }, { message: (inbound) => received.push(parseMessage(inbound.bytes)) });
  return { transport, received };
}

/** Registers CONTACT under `instance` from `phone`, answering the challenge as a softphone does. */
async function register(phone: ReturnType<typeof phoneSocket>, instance: string, callId: string): Promise<SipMessage> {
  const request = (cseq: number, auth: ReadonlyArray<readonly [string, string]>): SipMessage => makeRequest({
    method: 'REGISTER', requestUri: 'sip:doorbell.local', sentBy: `${PHONE_HOST}:${phone.transport.local.port}`,
    from: '<sip:flat1@doorbell.local>', to: '<sip:flat1@doorbell.local>', callId, cseq,
    headers: [['Contact', `<${CONTACT}>;+sip.instance="<${instance}>"`], ['Expires', '600'], ...auth],
  });
  const first = request(1, []);
  await phone.transport.send(first.bytes, { ...DOOR, protocol: 'udp' });
  await settle();
  const challenge = phone.received.at(-1)!;
  expect(challenge.status).toBe(401);
  const answer = new DigestClient({ hasher, credentials: { username: 'flat1', password: PASSWORD } }).answer(challenge, first);
  if (!answer.ok) throw new Error(answer.reason);
  await phone.transport.send(request(2, [[answer.header, answer.value]]).bytes, { ...DOOR, protocol: 'udp' });
  await settle();
  return phone.received.at(-1)!;
}

describe('Standalone door: one phone, one INVITE', () => {
  it('rings a phone that re-registered its Contact under a new +sip.instance once, at its new socket', async () => {
    const clock = new FakeClock();
    const network = createLoopNetwork({ clock });
    const door = await doorStack(clock, network);
    const before = phoneSocket(network, 5060);
    expect((await register(before, 'urn:uuid:00000000-0000-4000-8000-000000000001', 'boot-1')).status).toBe(200);
    // The phone restarts: a new socket (the old one is gone), a new instance id, the same Contact URI.
    await before.transport.close();
    const after = phoneSocket(network, 5062);
    expect((await register(after, 'urn:uuid:00000000-0000-4000-8000-000000000002', 'boot-2')).status).toBe(200);

    await door.ua.call(['flat1']);
    await settle();
    const invites = network.sent.filter((p) => new TextDecoder().decode(p.bytes).startsWith('INVITE '));
    expect(invites.map((p) => p.to)).toEqual([{ host: PHONE_HOST, port: 5062 }]);
  });
});
