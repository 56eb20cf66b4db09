// Reception statistics of one remote RTP source (RFC 3550 §A.1, §A.3, §A.8) and the report block they make (§6.4.1).

import { compactNtp, dlsrFromMs, type NtpTime } from './ntp.ts';
import type { ReportBlock } from './rtcpPacket.ts';
import { timestampDelta } from './serial.ts';

/** §A.1: a jump of this many sequence numbers or more is not loss but a restarted source (after two in a row). */
const MAX_DROPOUT = 3000;
/** §A.1: a sequence number this far behind the highest is a late duplicate or reordering, not a jump. */
const MAX_MISORDER = 100;
const SEQ_MOD = 65536;

interface LastSenderReport {
  readonly compact: number;
  readonly arrivalMs: number;
}

/**
 * Counts what arrives from one SSRC. The first packet starts the count (no probation: the stream comes from the peer
 * the SDP named, and symmetric RTP already chose the address); a new SSRC gets a new ReceiverStats.
 */
export class ReceiverStats {
  readonly ssrc: number;
  readonly #clockRate: number;
  #started = false;
  #maxSeq = 0;
  #cycles = 0;
  #baseSeq = 0;
  #badSeq = SEQ_MOD + 1;
  #received = 0;
  #expectedPrior = 0;
  #receivedPrior = 0;
  #jitter = 0;
  #last: { readonly arrivalMs: number; readonly timestamp: number } | undefined;
  #lastSenderReport: LastSenderReport | undefined;

  /** `clockRate` is the RTP clock of the stream's payload (8000 for G.711 and G.722), for the jitter in its units. */
  constructor(ssrc: number, clockRate: number) {
    this.ssrc = ssrc;
    this.#clockRate = clockRate;
  }

  /** Packets counted (duplicates included, as §A.3 does). */
  get packetsReceived(): number {
    return this.#received;
  }

  /** Extended highest sequence number: cycles · 65536 + highest. */
  get highestSequence(): number {
    return this.#cycles + this.#maxSeq;
  }

  /** Packets expected minus packets received since the first, as §A.3 counts them (unclamped). */
  get cumulativeLost(): number {
    return this.#started ? this.highestSequence - this.#baseSeq + 1 - this.#received : 0;
  }

  /** Interarrival jitter in RTP timestamp units (§A.8). */
  get jitter(): number {
    return this.#jitter;
  }

  /**
   * One RTP packet arrived at `arrivalMs` (injected clock). Pass `rtpTimestamp` for audio packets; leave it out for
   * telephone events, whose timestamp is the event's start and would read as jitter.
   */
  packetReceived(sequenceNumber: number, arrivalMs: number, rtpTimestamp?: number): void {
    if (!this.#started) {
      this.#restart(sequenceNumber);
      this.#started = true;
    } else if (!this.#updateSequence(sequenceNumber)) {
      return;
    }
    this.#received++;
    if (rtpTimestamp === undefined) return;
    if (this.#last !== undefined) {
      // §A.8: D = (Rj − Ri) − (Sj − Si) in timestamp units, J += (|D| − J) / 16.
      const arrivalUnits = ((arrivalMs - this.#last.arrivalMs) * this.#clockRate) / 1000;
      const d = Math.abs(arrivalUnits - timestampDelta(rtpTimestamp, this.#last.timestamp));
      this.#jitter += (d - this.#jitter) / 16;
    }
    this.#last = { arrivalMs, timestamp: rtpTimestamp };
  }

  /** A sender report from this source arrived at `arrivalMs`: its NTP time becomes our next block's LSR. */
  senderReportReceived(ntp: NtpTime, arrivalMs: number): void {
    this.#lastSenderReport = { compact: compactNtp(ntp), arrivalMs };
  }

  /** The report block for an SR/RR sent at `nowMs`; it starts a new interval for the fraction lost (§A.3). */
  reportBlock(nowMs: number): ReportBlock {
    const expected = this.#started ? this.highestSequence - this.#baseSeq + 1 : 0;
    const expectedInterval = expected - this.#expectedPrior;
    const receivedInterval = this.#received - this.#receivedPrior;
    this.#expectedPrior = expected;
    this.#receivedPrior = this.#received;
    const lostInterval = expectedInterval - receivedInterval;
    const sr = this.#lastSenderReport;
    return {
      ssrc: this.ssrc,
      fractionLost: expectedInterval === 0 || lostInterval <= 0 ? 0 : Math.floor((lostInterval * 256) / expectedInterval),
      cumulativeLost: Math.min(0x7fffff, Math.max(-0x800000, expected - this.#received)),
      highestSequence: this.highestSequence % 2 ** 32,
      jitter: Math.floor(this.#jitter),
      lastSenderReport: sr?.compact ?? 0,
      delaySinceLastSenderReport: sr === undefined ? 0 : dlsrFromMs(nowMs - sr.arrivalMs),
    };
  }

  #restart(sequenceNumber: number): void {
    this.#baseSeq = sequenceNumber;
    this.#maxSeq = sequenceNumber;
    this.#badSeq = SEQ_MOD + 1;
    this.#cycles = 0;
    this.#received = 0;
    this.#receivedPrior = 0;
    this.#expectedPrior = 0;
  }

  /** §A.1 update_seq: false when the packet is the first of a suspected jump and is not counted yet. */
  #updateSequence(sequenceNumber: number): boolean {
    const delta = (sequenceNumber - this.#maxSeq) & 0xffff;
    if (delta < MAX_DROPOUT) {
      if (sequenceNumber < this.#maxSeq) this.#cycles += SEQ_MOD; // wrapped
      this.#maxSeq = sequenceNumber;
    } else if (delta <= SEQ_MOD - MAX_MISORDER) {
      // A big jump: the source restarted its numbering if the next packet follows this one, else it was a stray.
      if (sequenceNumber !== this.#badSeq) {
        this.#badSeq = (sequenceNumber + 1) & 0xffff;
        return false;
      }
      this.#restart(sequenceNumber);
    }
    // Otherwise a duplicate or a reordered packet: counted, the highest stays.
    return true;
  }
}
