// The media benchmark's RTP end (RFC 3550 §5.1 header, RFC 3551 PCMU): a UDP socket on 127.0.0.1 that stamps the
// arrival of every packet with process.hrtime.bigint(), and a 20 ms PCMU stream sent back from the same socket
// (symmetric RTP) on an absolute schedule, so the door side decodes and plays audio as in a real call.

import { type Socket, createSocket } from 'node:dgram';
import { randomBytes } from 'node:crypto';

const PCMU = 0;
const FRAME_NS = 20_000_000n;
const SAMPLES_PER_FRAME = 160;

/** One received RTP packet, as the benchmark needs it. */
export interface Arrival {
  /** hrtime, ns. */
  readonly at: bigint;
  readonly seq: number;
  readonly payloadType: number;
  readonly payloadBytes: number;
}

/** G.711 µ-law → linear (ITU-T G.711), for the level check of what the door sends. */
function ulawToLinear(byte: number): number {
  const u = ~byte & 0xff;
  const t = (((u & 0x0f) << 3) + 0x84) << ((u & 0x70) >> 4);
  return u & 0x80 ? 0x84 - t : t - 0x84;
}

/** Linear 16-bit → µ-law (ITU-T G.711). */
function linearToUlaw(sample: number): number {
  const sign = sample < 0 ? 0x80 : 0;
  const magnitude = Math.min(Math.abs(sample), 32635) + 0x84;
  let exponent = 7;
  for (let mask = 0x4000; (magnitude & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (magnitude >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

/** 20 ms of a 1 kHz tone at a quarter of full scale (a whole number of periods, so every frame is the same). */
const TONE_FRAME = Buffer.from(Array.from({ length: SAMPLES_PER_FRAME }, (_, i) => linearToUlaw(Math.round(8192 * Math.sin((2 * Math.PI * 1000 * i) / 8000)))));

/** Binds an even port and the odd one after it (RTCP, read and dropped) on 127.0.0.1, below the ephemeral range. */
async function bindPair(): Promise<{ rtp: Socket; rtcp: Socket }> {
  const bind = (port: number): Promise<Socket | undefined> =>
    new Promise((resolve) => {
      const socket = createSocket('udp4');
      socket.once('error', () => {
        socket.close();
        resolve(undefined);
      });
      socket.bind(port, '127.0.0.1', () => resolve(socket));
    });
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20_000 + 2 * Math.floor(Math.random() * 6_000);
    const rtp = await bind(port);
    if (rtp === undefined) continue;
    const rtcp = await bind(port + 1);
    if (rtcp !== undefined) return { rtp, rtcp };
    rtp.close();
  }
  throw new Error('no free RTP/RTCP port pair on 127.0.0.1 between 20000 and 32000');
}

export class RtpPeer {
  readonly #rtp: Socket;
  readonly #rtcp: Socket;
  readonly port: number;
  #arrivals: Arrival[] = [];
  #sumSquares = 0;
  #samples = 0;
  #sender: NodeJS.Timeout | undefined;
  #sent = 0;

  private constructor(pair: { rtp: Socket; rtcp: Socket }) {
    this.#rtp = pair.rtp;
    this.#rtcp = pair.rtcp;
    this.port = pair.rtp.address().port;
    this.#rtcp.on('message', () => {});
    this.#rtp.on('message', (buf) => {
      const at = process.hrtime.bigint();
      if (buf.length < 12 || buf[0]! >> 6 !== 2) return;
      const csrcs = buf[0]! & 0x0f;
      let offset = 12 + 4 * csrcs;
      if ((buf[0]! & 0x10) !== 0 && buf.length >= offset + 4) offset += 4 + 4 * buf.readUInt16BE(offset + 2);
      const padding = (buf[0]! & 0x20) !== 0 ? buf[buf.length - 1]! : 0;
      const payloadType = buf[1]! & 0x7f;
      const end = Math.max(offset, buf.length - padding);
      this.#arrivals.push({ at, seq: buf.readUInt16BE(2), payloadType, payloadBytes: end - offset });
      if (payloadType === PCMU) {
        for (let i = offset; i < end; i++) {
          const s = ulawToLinear(buf[i]!);
          this.#sumSquares += s * s;
        }
        this.#samples += end - offset;
      }
    });
  }

  static async open(): Promise<RtpPeer> {
    return new RtpPeer(await bindPair());
  }

  /** Everything received since the last reset, in arrival order. */
  arrivals(): readonly Arrival[] {
    return this.#arrivals;
  }

  /** RMS level of the PCMU audio received, in dBFS (−∞ for silence or none). */
  levelDbfs(): number {
    return this.#samples === 0 ? -Infinity : 20 * Math.log10(Math.sqrt(this.#sumSquares / this.#samples) / 32768);
  }

  /** Packets our own stream has sent so far. */
  sent(): number {
    return this.#sent;
  }

  /** Forgets what was received (between calls). */
  reset(): void {
    this.#arrivals = [];
    this.#sumSquares = 0;
    this.#samples = 0;
    this.#sent = 0;
  }

  /**
   * Sends the 1 kHz PCMU stream to `host:port`: packet n is due at start + n · 20 ms; a late timer sends every packet
   * already due (as a sound card's buffered frames would come), so the schedule never slips.
   */
  startSending(host: string, port: number): void {
    this.stopSending();
    const ssrc = randomBytes(4).readUInt32BE(0);
    let seq = randomBytes(2).readUInt16BE(0);
    let timestamp = randomBytes(4).readUInt32BE(0);
    const start = process.hrtime.bigint();
    let n = 0;
    const tick = (): void => {
      const now = process.hrtime.bigint();
      while (start + BigInt(n) * FRAME_NS <= now) {
        const header = Buffer.alloc(12);
        header[0] = 0x80;
        header[1] = (n === 0 ? 0x80 : 0) | PCMU;
        header.writeUInt16BE(seq, 2);
        header.writeUInt32BE(timestamp, 4);
        header.writeUInt32BE(ssrc, 8);
        this.#rtp.send([header, TONE_FRAME], port, host);
        seq = (seq + 1) & 0xffff;
        timestamp = (timestamp + SAMPLES_PER_FRAME) >>> 0;
        n++;
        this.#sent++;
      }
      const wait = Number(start + BigInt(n) * FRAME_NS - process.hrtime.bigint()) / 1e6;
      this.#sender = setTimeout(tick, Math.max(0, wait));
    };
    tick();
  }

  stopSending(): void {
    clearTimeout(this.#sender);
    this.#sender = undefined;
  }

  close(): void {
    this.stopSending();
    this.#rtp.close();
    this.#rtcp.close();
  }
}
