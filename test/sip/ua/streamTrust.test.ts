// Which TCP connections peers open the stack keeps (answers their RFC 5626 pings, never evicts them, logs them): only
// those a request passed the incoming policy on, and a phone's once its REGISTER authenticated. Real loopback sockets,
// a whole standalone stack on the fake clock.
import { createHash } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SignallingOnlySession } from '../../support/signallingOnlySession.ts';
import { FakeClock } from '../../../firmware-app/platform/FakeClock.ts';
import { createNodeHasher } from '../../../firmware-app/platform/hash.ts';
import { FakeDns } from '../../../firmware-app/sip/transport/FakeDns.ts';
import { type Stack, createStack } from '../../../firmware-app/sip/ua/createStack.ts';
import { memoryLogger, waitFor } from '../transport/helpers.ts';

const DOMAIN = 'doorbell.test';
const PHONE_USER = { username: 'flat1', password: 'correct-horse' };
const ALLOWED_PEER = '127.0.0.2';

interface Door {
  readonly stack: Stack;
  readonly clock: FakeClock;
  readonly logger: ReturnType<typeof memoryLogger>;
  readonly port: number;
}

interface RawPeer {
  readonly socket: Socket;
  readonly received: () => string;
  readonly closed: () => boolean;
}

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanup.length > 0) await cleanup.pop()!();
});

async function door(): Promise<Door> {
  const clock = new FakeClock();
  const logger = memoryLogger();
  const stack = await createStack({
    listen: { host: '127.0.0.1', port: 0, transports: ['tcp'] },
    standalone: { domain: DOMAIN, users: [PHONE_USER] },
    contactUser: 'door-0123456789abcdef',
    instanceId: 'urn:uuid:2f1b0c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
    localUsers: ['door'],
    displayName: 'Door',
    peerAllowList: [ALLOWED_PEER],
    media: () => new SignallingOnlySession('127.0.0.1'),
  }, { clock, logger, hasher: createNodeHasher(), dns: new FakeDns() });
  cleanup.push(() => stack.close());
  return { stack, clock, logger, port: stack.transport.boundAddress('tcp')!.port };
}

async function rawPeer(port: number, localAddress = '127.0.0.1'): Promise<RawPeer> {
  const socket = connect({ host: '127.0.0.1', port, localAddress, noDelay: true });
  cleanup.push(() => void socket.destroy());
  let received = '';
  let closed = false;
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
  socket.on('error', () => {});
  socket.on('close', () => (closed = true));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return { socket, received: () => received, closed: () => closed };
}

let branch = 0;

function request(peer: RawPeer, method: string, uri: string, lines: readonly string[] = []): string {
  const n = ++branch;
  return [
    `${method} ${uri} SIP/2.0`,
    `Via: SIP/2.0/TCP 127.0.0.1:${peer.socket.localPort};branch=z9hG4bK-trust${n}`,
    'Max-Forwards: 70',
    `From: <sip:${PHONE_USER.username}@${DOMAIN}>;tag=ph${n}`,
    `To: <sip:${method === 'REGISTER' ? PHONE_USER.username : '100'}@${DOMAIN}>`,
    `Call-ID: trust-${method}-${peer.socket.localPort}`,
    `CSeq: ${n} ${method}`,
    ...lines,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

/** A REGISTER of the phone's Contact; with `nonce`, answering the door's MD5 challenge (RFC 7616 §3.4.1, qop=auth). */
function register(peer: RawPeer, port: number, nonce?: string): string {
  const uri = `sip:127.0.0.1:${port}`;
  const md5 = (s: string): string => createHash('md5').update(s).digest('hex');
  const lines = [`Contact: <sip:${PHONE_USER.username}@127.0.0.1:${peer.socket.localPort};transport=tcp>`, 'Expires: 300'];
  if (nonce !== undefined) {
    const ha1 = md5(`${PHONE_USER.username}:${DOMAIN}:${PHONE_USER.password}`);
    const response = md5(`${ha1}:${nonce}:00000001:c0ffee:auth:${md5(`REGISTER:${uri}`)}`);
    lines.push(`Authorization: Digest username="${PHONE_USER.username}", realm="${DOMAIN}", nonce="${nonce}", uri="${uri}", response="${response}", algorithm=MD5, qop=auth, nc=00000001, cnonce="c0ffee"`);
  }
  return request(peer, 'REGISTER', uri, lines);
}

/** Lets pending socket events run (for asserting that something did NOT happen). */
const pause = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 30));

/** A CRLF ping; resolves with whether a pong came back. */
async function pinged(peer: RawPeer): Promise<boolean> {
  const before = peer.received().length;
  peer.socket.write('\r\n\r\n');
  await pause();
  return peer.received().length > before && peer.received().slice(before) === '\r\n';
}

const connectionLines = (d: Door): string[] => d.logger.lines.filter((l) => /^info connection(Opened|Closed) /.test(l));

describe('connections peers open to the door over TCP', () => {
  it('a stranger\'s refused OPTIONS and ping get no answer at all, and cost no line above debug', async () => {
    const d = await door();
    const peers: RawPeer[] = [];
    for (let i = 0; i < 3; i++) {
      const peer = await rawPeer(d.port);
      peer.socket.write(request(peer, 'OPTIONS', `sip:100@127.0.0.1:${d.port}`) + '\r\n\r\n');
      peers.push(peer);
    }
    await waitFor('the three refusals', () => d.stack.ua.refusals.notAllowed === 3);
    await pause();
    expect(peers.map((p) => p.received())).toEqual(['', '', '']);
    for (const peer of peers) peer.socket.destroy();
    await pause();
    expect(connectionLines(d)).toEqual([]);
  });

  it('a phone\'s connection is trusted once its REGISTER authenticated: no pong after the 401, pongs after the 200', async () => {
    const d = await door();
    const phone = await rawPeer(d.port);
    phone.socket.write(register(phone, d.port));
    const challenge = await waitFor('the 401', () => /nonce="([^"]+)"/.exec(phone.received()) ?? undefined);
    expect(phone.received()).toMatch(/^SIP\/2\.0 401 /);
    expect(await pinged(phone)).toBe(false); // "REGISTER from anyone" passed the policy, but nobody is known yet
    expect(connectionLines(d)).toEqual([]);
    const before = phone.received().length;
    phone.socket.write(register(phone, d.port, challenge[1]));
    await waitFor('the 200', () => phone.received().slice(before).startsWith('SIP/2.0 200 '));
    expect(await pinged(phone)).toBe(true);
    expect(connectionLines(d)).toEqual([expect.stringMatching(/^info connectionOpened flow=tcp:\S+ direction=in$/)]);
    d.clock.advance(60_000); // past the untrusted timeout: a registered phone's flow stays
    await pause();
    expect(phone.closed()).toBe(false);
  });

  it('a wrong password leaves the connection untrusted: closed 30 s after it opened', async () => {
    const d = await door();
    const phone = await rawPeer(d.port);
    phone.socket.write(register(phone, d.port));
    await waitFor('the 401', () => phone.received().startsWith('SIP/2.0 401 '));
    phone.socket.write(register(phone, d.port, 'forged-nonce'));
    await waitFor('the second 401', () => phone.received().split('SIP/2.0 401 ').length === 3);
    expect(await pinged(phone)).toBe(false);
    d.clock.advance(30_000);
    await waitFor('the untrusted connection to close', () => phone.closed());
    expect(connectionLines(d)).toEqual([]);
  });

  it('an allow-listed peer\'s OPTIONS passes the policy: its connection answers pings from then on', async () => {
    const d = await door();
    const peer = await rawPeer(d.port, ALLOWED_PEER);
    peer.socket.write(request(peer, 'OPTIONS', `sip:door@127.0.0.1:${d.port}`));
    await waitFor('the 200', () => peer.received().startsWith('SIP/2.0 200 '));
    expect(await pinged(peer)).toBe(true);
    expect(connectionLines(d)).toHaveLength(1);
  });
});
