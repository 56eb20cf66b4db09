// The far end of the press benchmark: a SIP UAS over UDP on loopback that stamps each new INVITE's arrival with
// process.hrtime.bigint() and declines it at once with 486 Busy Here (RFC 3261 §8.2.6: Via, From, To with our tag,
// Call-ID and CSeq copied), then waits for the door's ACK (§17.1.1.3). A harness, not a stack: one press at a time.

import { type Socket, createSocket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { type SipText, allOf, header, isResponse, methodOf, parseSip } from './sipText.ts';

/** One INVITE as it reached the peer. */
export interface Arrival {
  /** hrtime (ns) when the datagram's 'message' event ran, before anything was parsed. */
  readonly at: bigint;
  readonly callId: string;
  /** Resolves with the ACK's arrival time (hrtime, ns); rejects when none comes within the wait's bound. */
  readonly acked: Promise<bigint>;
}

export class BusyPeer {
  readonly #socket: Socket;
  readonly port: number;
  /** Call-IDs already declined: a retransmitted INVITE gets the 486 again and is no new press. */
  readonly #declined = new Map<string, string>();
  #waiting: ((arrival: Arrival) => void) | undefined;
  readonly #acks = new Map<string, (at: bigint) => void>();
  /** INVITEs that came while nobody waited (a late one from a press that timed out). */
  strays = 0;

  /** How long an ACK may take after our 486 (loopback: it comes within a millisecond or not at all). */
  readonly #ackTimeoutMs: number;

  private constructor(socket: Socket, ackTimeoutMs: number) {
    this.#socket = socket;
    this.#ackTimeoutMs = ackTimeoutMs;
    this.port = socket.address().port;
    socket.on('message', (buf, from) => {
      const at = process.hrtime.bigint();
      const req = parseSip(buf.toString('latin1'));
      if (req !== undefined && !isResponse(req)) this.#onRequest(req, at, from);
    });
  }

  /** Opens the peer's socket on 127.0.0.1 (a kernel-chosen port). */
  static async open(ackTimeoutMs = 2000): Promise<BusyPeer> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, '127.0.0.1', () => resolve());
    });
    return new BusyPeer(socket, ackTimeoutMs);
  }

  /** The URI the door sides dial. */
  get uri(): string {
    return `sip:peer@127.0.0.1:${this.port}`;
  }

  /** The next new INVITE (declined before this resolves); rejects after `timeoutMs` without one. */
  nextInvite(timeoutMs: number): Promise<Arrival> {
    return new Promise<Arrival>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting = undefined;
        reject(new Error(`no INVITE reached the peer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiting = (arrival) => {
        clearTimeout(timer);
        this.#waiting = undefined;
        resolve(arrival);
      };
    });
  }

  #onRequest(req: SipText, at: bigint, from: { address: string; port: number }): void {
    const method = methodOf(req);
    const callId = header(req, 'call-id');
    if (method === 'ACK') {
      this.#acks.get(callId)?.(at);
      this.#acks.delete(callId);
      return;
    }
    if (method !== 'INVITE') return; // nothing else is expected: a CANCEL or BYE would mean a confused door
    const known = this.#declined.get(callId);
    if (known !== undefined) {
      this.#socket.send(Buffer.from(known, 'latin1'), from.port, from.address);
      return;
    }
    const to = header(req, 'to');
    const response = ['SIP/2.0 486 Busy Here', ...allOf(req, 'via').map((v) => `Via: ${v}`), `From: ${header(req, 'from')}`,
      `To: ${/;\s*tag=/i.test(to) ? to : `${to};tag=${randomBytes(6).toString('hex')}`}`, `Call-ID: ${callId}`,
      `CSeq: ${header(req, 'cseq')}`, 'Content-Length: 0', '', ''].join('\r\n');
    this.#socket.send(Buffer.from(response, 'latin1'), from.port, from.address);
    this.#declined.set(callId, response);
    if (this.#declined.size > 1000) this.#declined.delete(this.#declined.keys().next().value!);
    const waiting = this.#waiting;
    if (waiting === undefined) {
      this.strays++;
      return;
    }
    const bound = this.#ackTimeoutMs;
    const acked = new Promise<bigint>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#acks.delete(callId);
        reject(new Error(`no ACK for our 486 within ${bound} ms`));
      }, bound);
      this.#acks.set(callId, (ackAt) => {
        clearTimeout(timer);
        resolve(ackAt);
      });
    });
    acked.catch(() => {}); // the caller awaits it; a press abandoned before that must not be an unhandled rejection
    waiting({ at, callId, acked });
  }

  close(): void {
    this.#socket.close();
  }
}
