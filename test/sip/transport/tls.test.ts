// TLS transport over loopback with a throwaway PKI: verification by CA, host name and pin; flows; handshake timeout;
// caps on the connections peers open, from their first byte.
import { X509Certificate } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../firmware-app/platform/FakeClock.ts';
import { createTlsTransport, type TlsTransportOptions } from '../../../firmware-app/sip/transport/tls.ts';
import type { SendResult, Target, Transport } from '../../../firmware-app/sip/transport/types.ts';
import { createTestPki, hasOpenssl, type TestPki } from './certs.ts';
import { memoryLogger, recorder, sipRequest, sipResponse, text, waitFor, withPolicy, type Recorder } from './helpers.ts';

const opensslReady = hasOpenssl();

describe.skipIf(!opensslReady)('TLS transport (skipped without the openssl CLI to make test certificates)', () => {
  let pki: TestPki;
  const transports: Transport[] = [];
  const rawServers: Server[] = [];
  const rawSockets: Socket[] = [];

  beforeAll(() => {
    pki = createTestPki();
  });
  afterAll(() => pki?.dispose());
  afterEach(async () => {
    for (const socket of rawSockets.splice(0)) socket.destroy();
    await Promise.all(rawServers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
    await Promise.all(transports.splice(0).map((t) => t.close()));
  });

  async function open(options: Omit<TlsTransportOptions, 'clock' | 'logger'> & { clock?: FakeClock }): Promise<{ transport: Transport; rec: Recorder }> {
    const rec = recorder();
    const transport = await createTlsTransport({ clock: new FakeClock(), logger: memoryLogger(), ...options }, rec.events);
    transports.push(transport);
    return { transport, rec };
  }

  function pbx(cert = pki.serverCert, key = pki.serverKey): Promise<{ transport: Transport; rec: Recorder }> {
    return open({ host: '127.0.0.1', port: 0, listen: { key, cert } });
  }

  function target(server: Transport, serverName?: string): Target {
    return { protocol: 'tls', host: '127.0.0.1', port: server.local.port, ...(serverName === undefined ? {} : { serverName }) };
  }

  function expectFailure(result: SendResult, code: string, messagePart?: string): void {
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe(code);
    if (messagePart !== undefined) expect(result.error.message).toContain(messagePart);
  }

  it('verifies the server against a custom CA and exchanges messages both ways on one flow', async () => {
    const server = await pbx();
    const client = await open({ ca: pki.ca });
    expect(client.transport).toMatchObject({ protocol: 'tls', reliable: true });
    const sent = await client.transport.send(sipRequest('tls-1'), target(server.transport, 'pbx.test'));
    if (!sent.ok) throw sent.error;
    expect(sent.flow.protocol).toBe('tls');
    const request = await waitFor('the request', () => server.rec.messages[0]);
    expect(text(request.bytes)).toBe(text(sipRequest('tls-1')));
    expect(request.flow.id).toBe(`tls:127.0.0.1:${server.transport.local.port}>127.0.0.1:${sent.flow.local.port}`);

    const answered = await server.transport.send(sipResponse('tls-1'), { protocol: 'tls', ...request.source }, request.flow.id);
    expect(answered).toMatchObject({ ok: true, flow: { id: request.flow.id } });
    const response = await waitFor('the response', () => client.rec.messages[0]);
    expect(response.flow.id).toBe(sent.flow.id);
    expect(text(response.bytes)).toBe(text(sipResponse('tls-1')));

    const again = await client.transport.send(sipRequest('tls-2'), target(server.transport, 'pbx.test'));
    expect(again).toMatchObject({ ok: true, flow: { id: sent.flow.id } });
  });

  it('checks the target address against the IP SANs when no serverName is given', async () => {
    const server = await pbx();
    const client = await open({ ca: pki.ca });
    expect((await client.transport.send(sipRequest('ip'), target(server.transport))).ok).toBe(true);
  });

  it('fails with TLS_VERIFY_FAILED when the certificate is for another host name', async () => {
    const server = await pbx();
    const client = await open({ ca: pki.ca });
    expectFailure(await client.transport.send(sipRequest('x'), target(server.transport, 'other.test')), 'TLS_VERIFY_FAILED', 'other.test');
    expect(server.rec.messages).toHaveLength(0);
  });

  it('does not reuse a connection verified for one name to reach another name at the same address', async () => {
    const server = await pbx();
    const client = await open({ ca: pki.ca });
    expect((await client.transport.send(sipRequest('a'), target(server.transport, 'pbx.test'))).ok).toBe(true);
    expectFailure(await client.transport.send(sipRequest('b'), target(server.transport, 'other.test')), 'TLS_VERIFY_FAILED');
  });

  it('fails with TLS_VERIFY_FAILED when the chain ends at an untrusted CA (custom CA or system CAs)', async () => {
    const server = await pbx();
    const stranger = await open({ ca: pki.strangerCa });
    expectFailure(await stranger.transport.send(sipRequest('x'), target(server.transport, 'pbx.test')), 'TLS_VERIFY_FAILED', 'not trusted');
    const systemCas = await open({});
    expectFailure(await systemCas.transport.send(sipRequest('x'), target(server.transport, 'pbx.test')), 'TLS_VERIFY_FAILED');
  });

  it('accepts a pinned fingerprint that matches, in colon-hex or plain hex', async () => {
    const server = await pbx();
    const fingerprint = new X509Certificate(pki.serverCert).fingerprint256;
    const colon = await open({ ca: pki.ca, pinnedSha256: fingerprint });
    expect((await colon.transport.send(sipRequest('pin-1'), target(server.transport, 'pbx.test'))).ok).toBe(true);
    const plain = await open({ ca: pki.ca, pinnedSha256: fingerprint.replaceAll(':', '').toLowerCase() });
    expect((await plain.transport.send(sipRequest('pin-2'), target(server.transport, 'pbx.test'))).ok).toBe(true);
  });

  it('fails with TLS_VERIFY_FAILED when the pin does not match, even though the chain verifies', async () => {
    const server = await pbx();
    const wrongPin = new X509Certificate(pki.ca).fingerprint256;
    const client = await open({ ca: pki.ca, pinnedSha256: wrongPin });
    expectFailure(await client.transport.send(sipRequest('x'), target(server.transport, 'pbx.test')), 'TLS_VERIFY_FAILED', 'pinned');
  });

  it('never lets a matching pin stand in for chain verification', async () => {
    const server = await pbx();
    const client = await open({ pinnedSha256: new X509Certificate(pki.serverCert).fingerprint256 });
    expectFailure(await client.transport.send(sipRequest('x'), target(server.transport, 'pbx.test')), 'TLS_VERIFY_FAILED');
  });

  it('trusts a self-signed server certificate given as the ca, with its pin', async () => {
    const server = await pbx(pki.selfSignedCert, pki.selfSignedKey);
    const client = await open({ ca: pki.selfSignedCert, pinnedSha256: new X509Certificate(pki.selfSignedCert).fingerprint256 });
    expect((await client.transport.send(sipRequest('fritz'), target(server.transport, 'fritz.test'))).ok).toBe(true);
    await waitFor('the request', () => server.rec.messages[0]);
  });

  it('rejects a malformed pin at creation', async () => {
    await expect(open({ pinnedSha256: 'abc' })).rejects.toMatchObject({ code: 'BAD_TLS_PIN' });
  });

  it('gives up with CONNECT_TIMEOUT when the handshake never completes, timed by the injected clock', async () => {
    const silent = createServer((socket) => rawSockets.push(socket)); // accepts, never speaks TLS
    rawServers.push(silent);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const clock = new FakeClock();
    const client = await open({ ca: pki.ca, clock, connectTimeoutMs: 5000 });
    const pending = client.transport.send(sipRequest('x'), { protocol: 'tls', host: '127.0.0.1', port: (silent.address() as { port: number }).port });
    await waitFor('the TCP connection', () => rawSockets.length === 1);
    clock.advance(5000);
    expectFailure(await pending, 'CONNECT_TIMEOUT');
  });
  describe('caps on connections peers open to a TLS listener', () => {
    async function listener(options: Partial<TlsTransportOptions> = {}): Promise<{ transport: Transport; rec: Recorder; logger: ReturnType<typeof memoryLogger>; clock: FakeClock }> {
      const clock = new FakeClock();
      const logger = memoryLogger();
      const rec = recorder();
      // Every request passes the policy (the UA's stand-in): the connection it came on is trusted.
      const events = withPolicy(rec.events, () => true, () => transport); // read once messages arrive
      const transport = await createTlsTransport({ clock, logger, host: '127.0.0.1', port: 0, listen: { key: pki.serverKey, cert: pki.serverCert }, ...options }, events);
      transports.push(transport);
      return { transport, rec, logger, clock };
    }

    /** A plain TCP connection to the TLS port (no handshake unless it writes one). */
    async function rawPeer(port: number): Promise<{ socket: Socket; closed: () => boolean }> {
      const socket = connect({ host: '127.0.0.1', port });
      rawSockets.push(socket);
      let closed = false;
      socket.on('data', () => {});
      socket.on('error', () => {});
      socket.on('close', () => (closed = true));
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('error', reject);
      });
      return { socket, closed: () => closed };
    }

    const loud = (logger: ReturnType<typeof memoryLogger>): string[] => logger.lines.filter((l) => !l.startsWith('debug ') && !l.startsWith('info listening'));

    it('count a connection from its first byte: over the per-source cap it is closed at once, a silent one after 30 s', async () => {
      const server = await listener({ maxConnectionsPerSource: 1 });
      const silent = await rawPeer(server.transport.local.port);
      await new Promise((resolve) => setTimeout(resolve, 30)); // let the listener see it
      const over = await rawPeer(server.transport.local.port);
      await waitFor('the connection over the cap to be closed', () => over.closed());
      server.clock.advance(29_999);
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect(silent.closed()).toBe(false);
      server.clock.advance(1);
      await waitFor('the silent connection to be closed', () => silent.closed());
      expect(loud(server.logger)).toEqual([]);
      server.clock.advance(60_000);
      expect(loud(server.logger)).toEqual(['info connectionsDropped protocol=tls interval=60s overSourceCap=1 untrustedTimeout=1 sources=1 topSource=127.0.0.1 topSourceCount=2']);
    });

    it('sum up failed handshakes instead of a line each', async () => {
      const server = await listener();
      for (let i = 0; i < 3; i++) {
        const peer = await rawPeer(server.transport.local.port);
        peer.socket.write('OPTIONS sip:door@127.0.0.1 SIP/2.0\r\n\r\n'); // plain SIP on the TLS port
        await waitFor('the failed handshake to close the connection', () => peer.closed());
      }
      expect(loud(server.logger)).toEqual([]);
      server.clock.advance(60_000);
      expect(loud(server.logger)).toEqual(['info connectionsDropped protocol=tls interval=60s handshakeFailed=3 sources=1 topSource=127.0.0.1 topSourceCount=3']);
    });

    it('let a client that completes its handshake in, counted once; once a request passed, it answers pings', async () => {
      const server = await listener({ maxConnectionsPerSource: 1 });
      const client = await open({ ca: pki.ca });
      const sent = await client.transport.send(sipRequest('tls-cap'), target(server.transport, 'pbx.test'));
      if (!sent.ok) throw sent.error;
      await waitFor('the request', () => server.rec.messages[0]);
      expect(loud(server.logger)).toEqual([`info connectionOpened flow=${server.rec.messages[0]!.flow.id} direction=in`]);
      server.clock.advance(60_000); // past the untrusted timeout: a request passed on it, so only the idle timeout applies
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect(server.rec.closed).toHaveLength(0);
      // RFC 5626 §4.4.1 over TLS: the client's ping gets its pong.
      expect(await client.transport.sendKeepAlive!(sent.flow.id, new TextEncoder().encode('\r\n\r\n'))).toMatchObject({ ok: true });
      await waitFor('the pong', () => client.rec.keepAlives.find((k) => k.kind === 'pong'));
      // Its place is taken: a second connection from the same address is refused.
      const over = await rawPeer(server.transport.local.port);
      await waitFor('the connection over the cap to be closed', () => over.closed());
    });
  });
});
