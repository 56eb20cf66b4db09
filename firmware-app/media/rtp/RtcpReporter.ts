// One RTP session's RTCP (RFC 3550 §6): periodic SR/RR + SDES CNAME on the injected clock, and what reports tell us.

import type { Clock, TimerHandle } from '../../platform/Clock.ts';
import { compactNtp, ntpFromUnixMs, roundTripMs } from './ntp.ts';
import type { Random } from './random.ts';
import type { ReceiverStats } from './ReceiverStats.ts';
import { rtcpIntervalMs } from './rtcpInterval.ts';
import { type RtcpPacket, buildRtcpCompound } from './rtcpPacket.ts';
import { type RtcpMalformed, parseRtcp } from './rtcpParse.ts';
import type { RtpSender } from './RtpSender.ts';

export interface RtcpReporterOptions {
  readonly clock: Clock;
  readonly random: Random;
  /**
   * Wall-clock ms since 1970 for the NTP times of our SRs and the arrival time of reports (the composition root
   * gives `epochOffset + clock.now()`). Only our own SRs and their echoes are compared, so it need not be exact.
   */
  readonly wallClockMs: () => number;
  /** SDES CNAME (§6.5.1), e.g. `door@<address of the SDP>`; the same for every stream of the device. */
  readonly cname: string;
  /** Our outgoing stream. */
  readonly sender: RtpSender;
  /** RTP timestamp of the sampling instant "now" (§6.4.1); by default the last packet's timestamp. */
  readonly rtpTimestampNow?: () => number;
  /** Statistics of the far end's stream, once its first packet arrived. */
  readonly receiver: () => ReceiverStats | undefined;
  readonly transmit: (compound: Uint8Array) => void;
  /** A report block about our stream gave a round-trip time. */
  readonly roundTripMeasured?: (ms: number) => void;
  /** The far end's source said BYE (§6.6). */
  readonly byeReceived?: (reason: string | undefined) => void;
}

export type RtcpReceiveResult = { readonly ok: true } | { readonly ok: false; readonly reason: RtcpMalformed };

type ReporterState =
  | { readonly kind: 'idle' }
  | { readonly kind: 'running'; timer: TimerHandle; packetsAtLastReport: number }
  | { readonly kind: 'stopped' };

/**
 * Reports every 2.5–7.5 s (the first one after half that, §6.2): an SR while we send RTP, an RR otherwise, each with
 * the report block of the far end's stream and our CNAME. Received reports feed the far end's LSR into our next block
 * and give the round-trip time of our own stream.
 */
export class RtcpReporter {
  readonly #options: RtcpReporterOptions;
  #state: ReporterState = { kind: 'idle' };
  #roundTripMs: number | undefined;

  constructor(options: RtcpReporterOptions) {
    this.#options = options;
  }

  get state(): ReporterState['kind'] {
    return this.#state.kind;
  }

  /** The last round-trip time measured, in ms. */
  get roundTripMs(): number | undefined {
    return this.#roundTripMs;
  }

  start(): void {
    if (this.#state.kind !== 'idle') return;
    const timer = this.#options.clock.setTimer(rtcpIntervalMs(this.#options.random, { initial: true }), () => this.#report());
    this.#state = { kind: 'running', timer, packetsAtLastReport: 0 };
  }

  /** Stops reporting; with `bye`, sends a last report with a BYE (§6.6), e.g. when the call ends. */
  stop(options: { readonly bye?: boolean; readonly reason?: string } = {}): void {
    if (this.#state.kind !== 'running') {
      this.#state = { kind: 'stopped' };
      return;
    }
    this.#state.timer.cancel();
    const packets = this.#compound(this.#state.packetsAtLastReport);
    this.#state = { kind: 'stopped' };
    if (options.bye === true) {
      this.#options.transmit(buildRtcpCompound([...packets, { type: 'bye', ssrcs: [this.#options.sender.ssrc], reason: options.reason }]));
    }
  }

  /** An RTCP datagram arrived from the far end. A malformed one changes nothing and says why. */
  received(bytes: Uint8Array): RtcpReceiveResult {
    const parsed = parseRtcp(bytes);
    if (!parsed.ok) return parsed;
    const arrivalWallMs = this.#options.wallClockMs();
    const remote = this.#options.receiver();
    for (const packet of parsed.packets) {
      if (packet.type === 'sr' && remote !== undefined && packet.ssrc === remote.ssrc) {
        remote.senderReportReceived(packet.sender.ntp, this.#options.clock.now());
      }
      if (packet.type === 'sr' || packet.type === 'rr') {
        const block = packet.reports.find((b) => b.ssrc === this.#options.sender.ssrc);
        if (block === undefined) continue;
        const rtt = roundTripMs(compactNtp(ntpFromUnixMs(arrivalWallMs)), block.lastSenderReport, block.delaySinceLastSenderReport);
        if (rtt === undefined) continue;
        this.#roundTripMs = rtt;
        this.#options.roundTripMeasured?.(rtt);
      }
      if (packet.type === 'bye' && remote !== undefined && packet.ssrcs.includes(remote.ssrc)) {
        this.#options.byeReceived?.(packet.reason);
      }
    }
    return { ok: true };
  }

  #report(): void {
    const state = this.#state;
    if (state.kind !== 'running') return;
    const packets = this.#compound(state.packetsAtLastReport);
    state.packetsAtLastReport = this.#options.sender.packetCount;
    state.timer = this.#options.clock.setTimer(rtcpIntervalMs(this.#options.random), () => this.#report());
    this.#options.transmit(buildRtcpCompound(packets));
  }

  /** SR if we sent RTP since the last report, else RR (§6.4); then SDES CNAME (§6.1). */
  #compound(packetsAtLastReport: number): RtcpPacket[] {
    const { sender, cname } = this.#options;
    const remote = this.#options.receiver();
    const reports = remote === undefined ? [] : [remote.reportBlock(this.#options.clock.now())];
    const first: RtcpPacket = sender.packetCount !== packetsAtLastReport
      ? {
          type: 'sr',
          ssrc: sender.ssrc,
          sender: {
            ntp: ntpFromUnixMs(this.#options.wallClockMs()),
            rtpTimestamp: this.#options.rtpTimestampNow?.() ?? sender.lastTimestamp,
            packetCount: sender.packetCount,
            octetCount: sender.octetCount,
          },
          reports,
        }
      : { type: 'rr', ssrc: sender.ssrc, reports };
    return [first, { type: 'sdes', chunks: [{ ssrc: sender.ssrc, cname }] }];
  }
}
