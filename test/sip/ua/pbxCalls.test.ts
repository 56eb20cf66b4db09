// Calls through a PBX in registered mode, on real sockets with the door bound to 0.0.0.0 as the default config is:
// From is the account's AoR (a PBX checks the From user against the digest user), the Contact token appears in the
// Contact only, INVITEs use the account's transport and the registration's flow, an outbound proxy is the first
// Route, and no header says 0.0.0.0, :: or port 0.

import { afterEach, describe, expect, it } from 'vitest';
import { SignallingOnlySession } from '../../support/signallingOnlySession.ts';
import { createSystemClock } from '../../../firmware-app/platform/Clock.ts';
import { createNodeHasher } from '../../../firmware-app/platform/hash.ts';
import type { SipMessage } from '../../../firmware-app/sip/message/index.ts';
import { TransactionLayer } from '../../../firmware-app/sip/transaction/index.ts';
import { FakeDns } from '../../../firmware-app/sip/transport/FakeDns.ts';
import { createTcpTransport } from '../../../firmware-app/sip/transport/tcp.ts';
import { createTlsTransport } from '../../../firmware-app/sip/transport/tls.ts';
import { TransportLayer } from '../../../firmware-app/sip/transport/TransportLayer.ts';
import type { Inbound, Transport, TransportProtocol } from '../../../firmware-app/sip/transport/types.ts';
import { createUdpTransport } from '../../../firmware-app/sip/transport/udp.ts';
import { type Stack, type StackOptions, createStack } from '../../../firmware-app/sip/ua/createStack.ts';
import { createTestPki, hasOpenssl } from '../transport/certs.ts';
import { memoryLogger, waitFor } from '../transport/helpers.ts';

const TOKEN = 'k7q2x9vbw3tzk7q2';
const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanup.length > 0) await cleanup.pop()!();
});

interface Received {
  readonly request: SipMessage;
  readonly inbound: Inbound;
}

/** A minimal PBX on 127.0.0.1: 200 to REGISTER (echoing the Contact), 486 to INVITE; it records what arrived. */
async function pbx(protocol: TransportProtocol, tls?: { key: string; cert: string }): Promise<{ port: number; received: Received[] }> {
  const clock = createSystemClock();
  const logger = memoryLogger();
  const transport = new TransportLayer(logger);
  let driver: Transport;
  if (protocol === 'udp') driver = await createUdpTransport({ host: '127.0.0.1', port: 0, logger, clock }, transport.events);
  else if (protocol === 'tcp') driver = await createTcpTransport({ host: '127.0.0.1', port: 0, listen: true, clock, logger }, transport.events);
  else driver = await createTlsTransport({ listen: tls!, host: '127.0.0.1', port: 0, clock, logger }, transport.events);
  transport.add(driver);
  cleanup.push(() => driver.close());
  const transactions = new TransactionLayer({ clock, transport, logger });
  transport.setUser(transactions);
  const received: Received[] = [];
  transactions.setUser({
    request: (tx) => {
      received.push({ request: tx.request, inbound: tx.inbound });
      if (tx.request.method === 'INVITE') {
        tx.respond({ status: 486, reason: 'Busy Here' });
        return;
      }
      const contact = tx.request.header('contact') ?? '';
      tx.respond({ status: 200, reason: 'OK', headers: contact === '' ? [] : [['Contact', `${contact};expires=300`]] });
    },
    ack: () => {},
  });
  return { port: driver.local.port, received };
}

async function door(account: NonNullable<StackOptions['account']>): Promise<Stack> {
  const stack = await createStack({
    listen: { host: '0.0.0.0', port: 0, transports: ['udp', 'tcp'] },
    account,
    contactUser: TOKEN,
    instanceId: 'urn:uuid:2f1b0c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
    localUsers: ['door'],
    displayName: 'Front Door',
    peerAllowList: [],
    media: () => new SignallingOnlySession('127.0.0.1'),
  }, { clock: createSystemClock(), logger: memoryLogger(), hasher: createNodeHasher(), dns: new FakeDns() });
  cleanup.push(() => stack.close());
  await new Promise<void>((resolve, reject) => {
    stack.ua.events.on('registered', () => resolve());
    stack.ua.events.on('registrationFailed', (info) => reject(new Error(info.reason)));
  });
  return stack;
}

/** Every header line of a message (not the body). */
function headerLines(message: SipMessage): string[] {
  const text = new TextDecoder().decode(message.bytes);
  return text.slice(0, text.indexOf('\r\n\r\n')).split('\r\n').slice(1);
}

function expectNoWildcards(message: SipMessage): void {
  for (const line of headerLines(message)) {
    expect(line, line).not.toMatch(/0\.0\.0\.0|\[::\]|@::|:0(?:[;>\s]|$)/);
  }
}

/** Rings `flat` through the PBX and returns the INVITE it got. */
async function inviteAtPbx(stack: Stack, received: Received[]): Promise<Received> {
  const call = await stack.ua.call(['flat']);
  await new Promise<void>((resolve) => call.events.on('ended', () => resolve()));
  return waitFor('the INVITE', () => received.find((r) => r.request.method === 'INVITE'));
}

function checkIdentity(invite: SipMessage): void {
  // The From user is the account's user, as a PBX checks against the digest user; the token is in the Contact only.
  expect(invite.header('from')).toMatch(/^"Front Door" <sip:door@pbx\.test>;tag=/);
  for (const line of headerLines(invite)) {
    if (/^contact:/i.test(line)) expect(line).toContain(`sip:${TOKEN}@`);
    else expect(line, line).not.toContain(TOKEN);
  }
  expectNoWildcards(invite);
}

describe('calls through the PBX (registered mode, bound to 0.0.0.0)', () => {
  it('over UDP: From is the AoR, Via and Contact carry 127.0.0.1, the Contact is the registered one', async () => {
    const { port, received } = await pbx('udp');
    const stack = await door({ registrar: `sip:127.0.0.1:${port}`, aor: 'sip:door@pbx.test', credentials: { username: 'door', password: 'x' }, expires: 300 });
    const { request: invite } = await inviteAtPbx(stack, received);
    checkIdentity(invite);
    const register = received.find((r) => r.request.method === 'REGISTER')!.request;
    expect(invite.topVia.host).toBe('127.0.0.1');
    expect(invite.header('contact')).toBe(`<${/<([^>]+)>/.exec(register.header('contact')!)![1]}>`);
    expectNoWildcards(register);
  });

  it('over TCP: the INVITE goes over the registration\'s connection, not UDP', async () => {
    const { port, received } = await pbx('tcp');
    const stack = await door({ registrar: `sip:127.0.0.1:${port}`, protocol: 'tcp', aor: 'sip:door@pbx.test', credentials: { username: 'door', password: 'x' }, expires: 300 });
    const { request: invite, inbound } = await inviteAtPbx(stack, received);
    const register = received.find((r) => r.request.method === 'REGISTER')!;
    expect(inbound.flow.protocol).toBe('tcp');
    expect(inbound.flow.id).toBe(register.inbound.flow.id);
    expect(invite.topVia.transport.toUpperCase()).toBe('TCP');
    checkIdentity(invite);
  });

  it('with an outbound proxy: the proxy is the first Route of the INVITE, as of the REGISTER', async () => {
    const proxy = await pbx('udp');
    const stack = await door({
      registrar: 'sip:pbx.test', outboundProxy: `sip:127.0.0.1:${proxy.port}`, aor: 'sip:door@pbx.test', credentials: { username: 'door', password: 'x' }, expires: 300,
    });
    const { request: invite } = await inviteAtPbx(stack, proxy.received);
    expect(invite.headers('route')[0]).toBe(`<sip:127.0.0.1:${proxy.port};lr>`);
    expect(invite.requestUri).toBe('sip:flat@pbx.test');
    checkIdentity(invite);
  });

  it.skipIf(!hasOpenssl())('over TLS: REGISTER and INVITE share the TLS connection; the Via names its real port, never 0', async () => {
    const pki = createTestPki();
    cleanup.push(() => pki.dispose());
    const { port, received } = await pbx('tls', { key: pki.serverKey, cert: pki.serverCert });
    const stack = await door({
      registrar: `sip:127.0.0.1:${port};transport=tls`, protocol: 'tls', aor: 'sip:door@pbx.test',
      credentials: { username: 'door', password: 'x' }, expires: 300, tls: { ca: pki.ca },
    });
    const { request: invite, inbound } = await inviteAtPbx(stack, received);
    const register = received.find((r) => r.request.method === 'REGISTER')!;
    expect(inbound.flow.protocol).toBe('tls');
    expect(inbound.flow.id).toBe(register.inbound.flow.id);
    expect(invite.topVia.transport.toUpperCase()).toBe('TLS');
    expect(invite.topVia.port).toBe(inbound.source.port);
    checkIdentity(invite);
    expectNoWildcards(register.request);
  });
});
