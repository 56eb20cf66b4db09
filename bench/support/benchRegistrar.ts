// The start-up benchmark's registrar: a UDP socket on 127.0.0.1 that stamps the first REGISTER's arrival with
// process.hrtime.bigint(), challenges a REGISTER without credentials with 401 (RFC 3261 §22.4, as a PBX does) and
// answers one with credentials with 200, its Contact echoed with ;expires= (§10.3 step 8). The digest is not checked:
// the bench measures the door's start, not its arithmetic. A harness, not a stack: one door at a time.

import { type Socket, createSocket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { type SipText, allOf, header, isResponse, methodOf, parseSip } from './sipText.ts';

/** The expiry granted when the REGISTER asks for none (seconds). */
const DEFAULT_EXPIRES = 600;

export class BenchRegistrar {
  readonly #socket: Socket;
  readonly port: number;
  /** hrtime (ns) when the first binding REGISTER's datagram reached us, before anything was parsed. */
  readonly firstRegister: Promise<bigint>;
  /** hrtime (ns) when the first 200 to a binding REGISTER was sent: the door is registered. */
  readonly registered: Promise<bigint>;
  /** REGISTERs answered so far (challenges, bindings and removals). */
  answered = 0;
  #first: ((at: bigint) => void) | undefined;
  #bound: ((at: bigint) => void) | undefined;

  private constructor(socket: Socket) {
    this.#socket = socket;
    this.port = socket.address().port;
    this.firstRegister = new Promise((resolve) => (this.#first = resolve));
    this.registered = new Promise((resolve) => (this.#bound = resolve));
    socket.on('message', (buf, from) => {
      const at = process.hrtime.bigint();
      const req = parseSip(buf.toString('latin1'));
      if (req !== undefined && !isResponse(req) && methodOf(req) === 'REGISTER') this.#onRegister(req, at, from);
    });
  }

  /** Opens the registrar's socket on 127.0.0.1 (a kernel-chosen port). */
  static async open(): Promise<BenchRegistrar> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, '127.0.0.1', () => resolve());
    });
    return new BenchRegistrar(socket);
  }

  #onRegister(req: SipText, at: bigint, from: { address: string; port: number }): void {
    const expires = requestedExpires(req);
    if (expires > 0) this.#first?.(at);
    this.#first = undefined;
    const credentials = header(req, 'authorization') !== '';
    const contacts = allOf(req, 'contact').filter((c) => c !== '' && c !== '*');
    const to = header(req, 'to');
    const head = credentials ? ['SIP/2.0 200 OK', ...contacts.map((c) => `Contact: ${withExpires(c, expires)}`)]
      : ['SIP/2.0 401 Unauthorized', `WWW-Authenticate: Digest realm="bench", nonce="${randomBytes(8).toString('hex')}", algorithm=MD5, qop="auth"`];
    const response = [head[0]!, ...allOf(req, 'via').map((v) => `Via: ${v}`), `From: ${header(req, 'from')}`,
      `To: ${/;\s*tag=/i.test(to) ? to : `${to};tag=${randomBytes(6).toString('hex')}`}`, `Call-ID: ${header(req, 'call-id')}`,
      `CSeq: ${header(req, 'cseq')}`, ...head.slice(1), 'Content-Length: 0', '', ''].join('\r\n');
    this.#socket.send(Buffer.from(response, 'latin1'), from.port, from.address);
    this.answered++;
    if (credentials && expires > 0) {
      this.#bound?.(process.hrtime.bigint());
      this.#bound = undefined;
    }
  }

  close(): void {
    this.#socket.close();
  }
}

/** The expiry a REGISTER asks for: its first Contact's expires parameter, else its Expires header, else the default. */
function requestedExpires(req: SipText): number {
  if (header(req, 'contact').trim() === '*') return 0;
  const param = /;\s*expires\s*=\s*(\d+)/i.exec(header(req, 'contact'));
  const field = header(req, 'expires');
  return Number(param?.[1] ?? (field !== '' ? field : DEFAULT_EXPIRES));
}

/** A Contact value with its expires parameter set to `expires` (any it had replaced). */
function withExpires(contact: string, expires: number): string {
  return `${contact.replace(/;\s*expires\s*=\s*\d+/gi, '')};expires=${expires}`;
}
