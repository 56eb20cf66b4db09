// Registration over TLS: the stack verifies the registrar's certificate (custom CA), and refuses an unknown one.

import { afterEach, describe, expect, it } from 'vitest';
import { SignallingOnlySession } from '../../support/signallingOnlySession.ts';
import { createSystemClock } from '../../../firmware-app/platform/Clock.ts';
import { createNodeHasher } from '../../../firmware-app/platform/hash.ts';
import { TransactionLayer } from '../../../firmware-app/sip/transaction/index.ts';
import { FakeDns } from '../../../firmware-app/sip/transport/FakeDns.ts';
import { createTlsTransport } from '../../../firmware-app/sip/transport/tls.ts';
import { TransportLayer } from '../../../firmware-app/sip/transport/TransportLayer.ts';
import type { Transport } from '../../../firmware-app/sip/transport/types.ts';
import { type Stack, createStack } from '../../../firmware-app/sip/ua/createStack.ts';
import { createTestPki, hasOpenssl } from '../transport/certs.ts';
import { memoryLogger } from '../transport/helpers.ts';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanup.length > 0) await cleanup.pop()!();
});

/** A minimal TLS registrar: our own TLS server transport answering every REGISTER with 200. */
async function tlsRegistrar(key: string, cert: string): Promise<{ port: number; registers: () => number }> {
  const clock = createSystemClock();
  const logger = memoryLogger();
  const transport = new TransportLayer(logger);
  const driver: Transport = await createTlsTransport({ listen: { key, cert }, host: '127.0.0.1', port: 0, clock, logger }, transport.events);
  transport.add(driver);
  cleanup.push(() => driver.close());
  const transactions = new TransactionLayer({ clock, transport, logger });
  transport.setUser(transactions);
  let registers = 0;
  transactions.setUser({
    request: (tx) => {
      if (tx.request.method === 'REGISTER') registers++;
      const contact = tx.request.header('contact') ?? '';
      tx.respond({ status: 200, reason: 'OK', headers: contact === '' ? [] : [['Contact', `${contact};expires=300`]] });
    },
    ack: () => {},
  });
  return { port: driver.local.port, registers: () => registers };
}

async function deviceStack(registrarPort: number, ca: string | undefined): Promise<Stack> {
  const stack = await createStack({
    listen: { host: '127.0.0.1', port: 0, transports: ['udp'] },
    account: {
      registrar: `sip:127.0.0.1:${registrarPort};transport=tls`,
      protocol: 'tls',
      aor: 'sip:door@pbx.test',
      credentials: { username: 'door', password: 'unused-here' },
      expires: 300,
      tls: ca === undefined ? {} : { ca },
    },
    contactUser: 'door-0123456789abcdef',
    instanceId: 'urn:uuid:2f1b0c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
    localUsers: [],
    displayName: 'Door',
    peerAllowList: [],
    media: () => new SignallingOnlySession('127.0.0.1'),
  }, { clock: createSystemClock(), logger: memoryLogger(), hasher: createNodeHasher(), dns: new FakeDns() });
  cleanup.push(() => stack.close());
  return stack;
}

describe.skipIf(!hasOpenssl())('registration over TLS', () => {
  it('registers with a registrar whose certificate chains to the configured CA', async () => {
    const pki = createTestPki();
    cleanup.push(() => pki.dispose());
    const registrar = await tlsRegistrar(pki.serverKey, pki.serverCert);
    const stack = await deviceStack(registrar.port, pki.ca);
    const registered = await new Promise<{ expires: number }>((resolve, reject) => {
      stack.ua.events.on('registered', resolve);
      stack.ua.events.on('registrationFailed', (info) => reject(new Error(info.reason)));
    });
    expect(registered.expires).toBe(300);
    // The first 200 shows the address the registrar sees (rport of our TLS connection), so the client
    // registers once more with that address in its Contact; never more than that.
    expect(registrar.registers()).toBeGreaterThanOrEqual(1);
    expect(registrar.registers()).toBeLessThanOrEqual(2);
  });

  it('refuses a registrar whose certificate it cannot verify (system CAs only): no REGISTER is ever sent', async () => {
    const pki = createTestPki();
    cleanup.push(() => pki.dispose());
    const registrar = await tlsRegistrar(pki.selfSignedKey, pki.selfSignedCert);
    const stack = await deviceStack(registrar.port, undefined);
    const failed = await new Promise<{ reason: string }>((resolve) => stack.ua.events.on('registrationFailed', resolve));
    expect(failed.reason).toMatch(/transport|TLS|timeout/i);
    expect(registrar.registers()).toBe(0);
  });
});
