// The far end of the media benchmark's calls: a minimal SIP UAS over UDP on loopback (RFC 3261 §8.2, §12, §15)
// that answers an INVITE with 200 OK and an SDP answer (RFC 3264) pointing at the benchmark's RTP socket, and
// hangs up with BYE. A harness, not a stack: one call at a time, no authentication, no forking, no TCP.

import { type Socket, createSocket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { type SipText, allOf, header, isResponse, methodOf, parseSip } from './sipText.ts';

/** The audio stream an SDP offer asks for: where to send RTP, and its payload types in order of preference. */
export interface OfferedAudio {
  readonly host: string;
  readonly port: number;
  readonly payloadTypes: readonly number[];
}

export interface PeerCall {
  /** The offer's audio stream. */
  readonly offer: OfferedAudio;
  /** hrtime (ns) when the ACK for our 200 OK arrived. */
  readonly ackedAt: Promise<bigint>;
  /** Resolves with the reason when the door ends the call first (its BYE), which the benchmark counts as a failure. */
  readonly endedByDoor: Promise<string>;
  /** Sends BYE and waits for its final response (bounded); resolves with the status, or 0 when none came. */
  hangUp(): Promise<number>;
}

/** The audio stream of an SDP offer (c= at session or media level, first m=audio). */
export function offeredAudio(sdp: string): OfferedAudio | undefined {
  let host: string | undefined;
  let media: { port: number; payloadTypes: number[]; host?: string } | undefined;
  for (const line of sdp.split(/\r?\n/)) {
    const c = /^c=IN IP[46] (\S+)/.exec(line);
    if (c !== null) {
      if (media === undefined) host = c[1];
      else media.host ??= c[1];
    }
    const m = /^m=audio (\d+) RTP\/S?AVPF? ([\d ]+)/.exec(line);
    if (m !== null && media === undefined) media = { port: Number(m[1]), payloadTypes: m[2]!.trim().split(/\s+/).map(Number) };
    else if (/^m=/.test(line) && media !== undefined) break;
  }
  const at = media?.host ?? host;
  return media === undefined || at === undefined ? undefined : { host: at, port: media.port, payloadTypes: media.payloadTypes };
}

/** Our SDP answer: PCMU only, 20 ms, sendrecv, at `rtpPort` on 127.0.0.1. */
function answerSdp(rtpPort: number, version: number): string {
  return ['v=0', `o=bench 1 ${version} IN IP4 127.0.0.1`, 's=-', 'c=IN IP4 127.0.0.1', 't=0 0',
    `m=audio ${rtpPort} RTP/AVP 0`, 'a=rtpmap:0 PCMU/8000', 'a=ptime:20', 'a=sendrecv', ''].join('\r\n');
}

const tag = (): string => randomBytes(6).toString('hex');

/** The URI inside a name-addr (`"x" <sip:a@b>;tag=1` → `sip:a@b`) or an addr-spec. */
function uriOf(nameAddr: string): string {
  const angle = /<([^>]*)>/.exec(nameAddr);
  return angle !== null ? angle[1]! : nameAddr.split(';')[0]!.trim();
}

/** host and port of a sip: URI with an IPv4 host (the door's Contact on loopback). */
function hostPortOf(uri: string): { host: string; port: number } | undefined {
  const m = /^sips?:(?:[^@]*@)?(\d+\.\d+\.\d+\.\d+)(?::(\d+))?/.exec(uri);
  return m === null ? undefined : { host: m[1]!, port: m[2] !== undefined ? Number(m[2]) : 5060 };
}

export class SipPeer {
  readonly #socket: Socket;
  readonly port: number;
  #onRequest: ((msg: SipText, from: { address: string; port: number }) => void) | undefined;
  #onResponse: ((msg: SipText) => void) | undefined;

  private constructor(socket: Socket) {
    this.#socket = socket;
    this.port = socket.address().port;
    socket.on('message', (buf, rinfo) => {
      const msg = parseSip(buf.toString('latin1'));
      if (msg === undefined) return;
      if (isResponse(msg)) this.#onResponse?.(msg);
      else this.#onRequest?.(msg, rinfo);
    });
  }

  /** Opens the peer's SIP socket on 127.0.0.1 (a kernel-chosen port: the doors call out to it). */
  static async open(): Promise<SipPeer> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, '127.0.0.1', () => resolve());
    });
    return new SipPeer(socket);
  }

  /** The URI the door sides dial. */
  get uri(): string {
    return `sip:peer@127.0.0.1:${this.port}`;
  }

  #send(text: string, to: { address: string; port: number }): void {
    this.#socket.send(Buffer.from(text, 'latin1'), to.port, to.address);
  }

  /**
   * Waits (up to `timeoutMs`) for the next INVITE, answers it with 200 OK (SDP at `rtpPort`, PCMU) and returns the
   * call. Rejects when the offer has no PCMU audio stream (answered 488) or no INVITE comes in time.
   */
  nextCall(rtpPort: number, timeoutMs: number): Promise<PeerCall> {
    return new Promise<PeerCall>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (this.#onRequest === onRequest) this.#onRequest = undefined;
        reject(new Error(`no INVITE reached the peer within ${timeoutMs} ms`));
      }, timeoutMs);
      const localTag = tag();
      let invite: SipText | undefined;
      let okText = '';
      let isAcked = false;
      let resolveAck: (at: bigint) => void = () => {};
      const ackedAt = new Promise<bigint>((r) => (resolveAck = r));
      let retransmitTimer: NodeJS.Timeout | undefined;
      let ended: ((reason: string) => void) | undefined;
      const endedByDoor = new Promise<string>((r) => (ended = r));
      let sdpVersion = 1;
      const respond = (req: SipText, from: { address: string; port: number }, status: string, body = ''): string => {
        const to = header(req, 'to');
        const lines = [`SIP/2.0 ${status}`, ...allOf(req, 'via').map((v) => `Via: ${v}`), `From: ${header(req, 'from')}`,
          `To: ${/;\s*tag=/i.test(to) ? to : `${to};tag=${localTag}`}`, `Call-ID: ${header(req, 'call-id')}`,
          `CSeq: ${header(req, 'cseq')}`, `Contact: <${this.uri}>`];
        if (body !== '') lines.push('Content-Type: application/sdp');
        const text = `${lines.join('\r\n')}\r\nContent-Length: ${Buffer.byteLength(body, 'latin1')}\r\n\r\n${body}`;
        this.#send(text, from);
        return text;
      };
      const onRequest = (req: SipText, from: { address: string; port: number }): void => {
        const method = methodOf(req);
        const callId = header(req, 'call-id');
        if (invite !== undefined && callId !== header(invite, 'call-id')) {
          respond(req, from, '486 Busy Here');
          return;
        }
        if (method === 'INVITE' && invite === undefined) {
          const offer = offeredAudio(req.body);
          if (offer === undefined || !offer.payloadTypes.includes(0)) {
            respond(req, from, '488 Not Acceptable Here');
            clearTimeout(timer);
            this.#onRequest = undefined;
            reject(new Error(`the door's offer has no PCMU audio stream:\n${req.body}`));
            return;
          }
          invite = req;
          okText = respond(req, from, '200 OK', answerSdp(rtpPort, sdpVersion));
          // RFC 3261 §13.3.1.4: the 200 is retransmitted (T1 doubling) until the ACK comes.
          let interval = 500;
          const retransmit = (): void => {
            if (isAcked) return;
            this.#send(okText, from);
            interval = Math.min(interval * 2, 4000);
            retransmitTimer = setTimeout(retransmit, interval);
          };
          retransmitTimer = setTimeout(retransmit, interval);
          const remoteTarget = uriOf(header(req, 'contact'));
          const byeTo = hostPortOf(remoteTarget) ?? { host: from.address, port: from.port };
          clearTimeout(timer);
          resolve({
            offer,
            ackedAt,
            endedByDoor,
            hangUp: () => {
              clearTimeout(retransmitTimer);
              return this.#bye(invite!, localTag, remoteTarget, { address: byeTo.host, port: byeTo.port });
            },
          });
        } else if (method === 'INVITE') {
          // A retransmission of the INVITE gets the 200 again; a re-INVITE gets our answer with a new version.
          if (header(req, 'cseq') === header(invite!, 'cseq')) this.#send(okText, from);
          else respond(req, from, '200 OK', answerSdp(rtpPort, ++sdpVersion));
        } else if (method === 'ACK') {
          if (isAcked) return;
          isAcked = true;
          clearTimeout(retransmitTimer);
          resolveAck(process.hrtime.bigint());
        } else if (method === 'BYE') {
          respond(req, from, '200 OK');
          ended?.('the door sent BYE');
        } else if (method === 'OPTIONS' || method === 'UPDATE' || method === 'INFO' || method === 'NOTIFY') {
          respond(req, from, '200 OK');
        } else if (method !== 'CANCEL') {
          respond(req, from, '501 Not Implemented');
        }
      };
      this.#onRequest = onRequest;
    });
  }

  /** BYE in the dialog the INVITE made (we are its UAS), retransmitted until a final response, at most 8 s. */
  #bye(invite: SipText, localTag: string, target: string, to: { address: string; port: number }): Promise<number> {
    const branch = `z9hG4bK${tag()}`;
    const toHeader = header(invite, 'to');
    const text = [`BYE ${target} SIP/2.0`, `Via: SIP/2.0/UDP 127.0.0.1:${this.port};branch=${branch};rport`, 'Max-Forwards: 70',
      `From: ${/;\s*tag=/i.test(toHeader) ? toHeader : `${toHeader};tag=${localTag}`}`, `To: ${header(invite, 'from')}`,
      `Call-ID: ${header(invite, 'call-id')}`, 'CSeq: 1 BYE', 'Content-Length: 0', '', ''].join('\r\n');
    return new Promise<number>((resolve) => {
      let interval = 500;
      let timer: NodeJS.Timeout;
      const done = (status: number): void => {
        clearTimeout(timer);
        clearTimeout(bound);
        this.#onResponse = undefined;
        this.#onRequest = undefined;
        resolve(status);
      };
      const bound = setTimeout(() => done(0), 8000);
      this.#onResponse = (res) => {
        const status = Number(res.startLine.split(' ')[1]);
        if (status >= 200 && header(res, 'cseq').endsWith('BYE') && allOf(res, 'via')[0]?.includes(branch) === true) done(status);
      };
      const send = (): void => {
        this.#send(text, to);
        interval = Math.min(interval * 2, 4000);
        timer = setTimeout(send, interval);
      };
      send();
    });
  }

  close(): void {
    this.#socket.close();
  }
}
