// One outgoing RTP stream's numbering (RFC 3550 §5.1): random SSRC, sequence and timestamp origin; packet counts for SR.

import { buildRtp } from './packet.ts';
import { type Random, randomBits } from './random.ts';
import { timestampAdd } from './serial.ts';

export interface RtpSenderOptions {
  /** Payload type of the audio codec, as negotiated (0 PCMU, 8 PCMA, 9 G.722 …). */
  readonly payloadType: number;
  /**
   * RTP clock rate of the codec, not its sampling rate: 8000 for G.722 too (RFC 3551 §4.5.2), so a 20 ms G.722
   * packet advances the timestamp by 160 although it carries 320 samples.
   */
  readonly clockRate: number;
  /** Packet time in ms (20). */
  readonly packetMs?: number;
  readonly random: Random;
}

/** What `build` puts in one packet besides the next sequence number and our SSRC. */
export interface RtpSendFields {
  readonly payloadType: number;
  readonly timestamp: number;
  readonly marker?: boolean;
}

/**
 * Numbers the packets of one stream. Audio packet `n` of the pacer (see Pacer) carries timestamp
 * `initialTimestamp + n · samplesPerPacket`, so the timestamp follows the schedule, never the timer's lateness;
 * telephone events (RFC 4733) share the sequence space but carry their own timestamp, hence `build`.
 */
export class RtpSender {
  readonly ssrc: number;
  readonly initialTimestamp: number;
  readonly payloadType: number;
  readonly clockRate: number;
  /** Timestamp units one packet advances: 160 for 20 ms at an 8000 Hz RTP clock. */
  readonly samplesPerPacket: number;
  #sequence: number;
  #packets = 0;
  #octets = 0;
  #lastTimestamp: number;

  constructor(options: RtpSenderOptions) {
    this.ssrc = randomBits(options.random, 32);
    this.#sequence = randomBits(options.random, 16);
    this.initialTimestamp = randomBits(options.random, 32);
    this.#lastTimestamp = this.initialTimestamp;
    this.payloadType = options.payloadType;
    this.clockRate = options.clockRate;
    this.samplesPerPacket = (options.clockRate * (options.packetMs ?? 20)) / 1000;
  }

  /** The sequence number the next packet gets. */
  get nextSequenceNumber(): number {
    return this.#sequence;
  }

  /** Packets sent so far (RTCP SR "sender's packet count"). */
  get packetCount(): number {
    return this.#packets;
  }

  /** Payload octets sent so far (RTCP SR "sender's octet count"; headers and padding excluded). */
  get octetCount(): number {
    return this.#octets;
  }

  /** Timestamp of the last packet built (the initial one before any). */
  get lastTimestamp(): number {
    return this.#lastTimestamp;
  }

  /** RTP timestamp of the pacer's packet `index` (0 for the first). */
  timestampAt(index: number): number {
    return timestampAdd(this.initialTimestamp, index * this.samplesPerPacket);
  }

  /** Builds the audio packet for pacer slot `index`. */
  audio(index: number, payload: Uint8Array, options: { marker?: boolean; into?: Uint8Array } = {}): Uint8Array {
    return this.build({ payloadType: this.payloadType, timestamp: this.timestampAt(index), marker: options.marker }, payload, options.into);
  }

  /** Builds a packet with the next sequence number (wrapping at 65536) and counts it. */
  build(fields: RtpSendFields, payload: Uint8Array, into?: Uint8Array): Uint8Array {
    const bytes = buildRtp({ ...fields, sequenceNumber: this.#sequence, ssrc: this.ssrc }, payload, into);
    this.#sequence = (this.#sequence + 1) & 0xffff;
    this.#packets = (this.#packets + 1) % 2 ** 32;
    this.#octets = (this.#octets + payload.length) % 2 ** 32;
    this.#lastTimestamp = fields.timestamp;
    return bytes;
  }
}
