// One call's running audio stream (RFC 3550): microphone → encoder → RTP every 20 ms on an absolute schedule, and
// RTP → symmetric-RTP latch → jitter buffer → decoder → speaker; RFC 4733 events both ways, RTCP reports, an
// inactivity watchdog, and SRTP around all of it when the SDP agreed keys.

import type { Clock } from '../platform/Clock.ts';
import type { AudioLease } from './DoorAudio.ts';
import type { Codec } from './codecs/Codec.ts';
import { JitterBuffer } from './jitter/JitterBuffer.ts';
import { PacketLossConcealer } from './jitter/PacketLossConcealer.ts';
import { PcmFifo } from './PcmFifo.ts';
import type { MediaSocketPair } from './ports.ts';
import { DtmfReceiver, type ReceivedDigit } from './rtp/DtmfReceiver.ts';
import { DtmfSender } from './rtp/DtmfSender.ts';
import { InactivityWatchdog } from './rtp/InactivityWatchdog.ts';
import { parseRtp } from './rtp/packet.ts';
import { Pacer } from './rtp/Pacer.ts';
import type { Random } from './rtp/random.ts';
import { ReceiverStats } from './rtp/ReceiverStats.ts';
import { RtcpReporter } from './rtp/RtcpReporter.ts';
import { type Endpoint, RtpLatch } from './rtp/RtpLatch.ts';
import { RtpSender } from './rtp/RtpSender.ts';
import type { DtmfDigit } from './rtp/telephoneEvent.ts';
import type { NegotiatedAudio } from './sdp/negotiated.ts';
import type { SrtpReceiver } from './srtp/SrtpReceiver.ts';
import type { SrtpSender } from './srtp/SrtpSender.ts';

export interface RtpStreamOptions {
  readonly clock: Clock;
  readonly random: Random;
  /** Wall-clock ms since 1970, for RTCP's NTP times. */
  readonly wallClockMs: () => number;
  readonly cname: string;
  readonly audio: NegotiatedAudio;
  /** One codec instance per direction (G.722 keeps state per stream). */
  readonly encoder: Codec;
  readonly decoder: Codec;
  readonly sockets: MediaSocketPair;
  /** The door's devices, asked for when the stream starts and given back when it stops; undefined while busy. */
  readonly claimAudio: () => AudioLease | undefined;
  readonly srtp?: { readonly sender: SrtpSender; readonly receiver: SrtpReceiver };
  /** Silence from the far end (not on hold) that ends the call; 0 never. */
  readonly timeoutMs: number;
  readonly digit: (digit: ReceivedDigit) => void;
  readonly inactive: (silentMs: number) => void;
  /** The far end's first audio packet arrived (early media is real: the local ringback can stop). */
  readonly heard?: () => void;
}

/** Counters for the call's summary line and the status page. */
export interface RtpStreamStats {
  readonly sent: number;
  readonly received: number;
  readonly lost: number;
  readonly late: number;
  readonly concealed: number;
  readonly dropped: number;
  readonly jitterMs: number;
  readonly rttMs: number | undefined;
}

/** Largest payload we decode: 60 ms of G.722 (a peer may send longer packets than it was asked to). */
const MAX_PAYLOAD = 480;
/** Most 20 ms frames one packet of ours carries (a peer's a=ptime:60). */
const MAX_FRAMES_PER_PACKET = 3;

/** The packet time we send with: the peer's wish when it is a whole number of our 20 ms frames, else 20 ms. */
export function sendPacketMs(audio: NegotiatedAudio): number {
  const ms = audio.sendPtime;
  return ms % 20 === 0 && ms >= 20 && ms <= 20 * MAX_FRAMES_PER_PACKET ? ms : 20;
}

export class RtpStream {
  readonly #o: RtpStreamOptions;
  #audio: NegotiatedAudio;
  readonly #sender: RtpSender;
  /** One timer per call: every 20 ms slot plays a frame, and every `framesPerPacket`-th also sends a packet. */
  readonly #pacer: Pacer;
  readonly #latch: RtpLatch;
  readonly #jitter: JitterBuffer;
  readonly #plc: PacketLossConcealer;
  readonly #dtmfIn: DtmfReceiver | undefined;
  readonly #dtmfOut: DtmfSender | undefined;
  readonly #rtcp: RtcpReporter;
  readonly #watchdog: InactivityWatchdog;
  #stats: ReceiverStats | undefined;
  #rtcpTarget: Endpoint;
  #lease: AudioLease | undefined;
  /** Our packets carry this many 20 ms microphone frames. */
  readonly #framesPerPacket: number;
  readonly #micPcm: Int16Array;
  readonly #encoded = new Uint8Array(MAX_PAYLOAD);
  readonly #pcm = new Int16Array(MAX_PAYLOAD * 2);
  /** Decoded audio waiting for the speaker, which takes 20 ms a tick. */
  readonly #fifo: PcmFifo;
  /** The SSRC of the far end's audio: a new one (a PBX switching sources) starts the jitter buffer afresh. */
  #audioSsrc: number | undefined;
  /** The RTP socket is tied to the latched far end. */
  #locked = false;
  /** The pacer's latest slot. */
  #slot = 0;
  #dropped = 0;
  #concealed = 0;
  #stopped = false;

  constructor(options: RtpStreamOptions) {
    this.#o = options;
    const audio = options.audio;
    this.#audio = audio;
    const { clock } = options;
    const packetMs = sendPacketMs(audio);
    this.#framesPerPacket = packetMs / 20;
    this.#micPcm = new Int16Array(options.encoder.samplesPerFrame * this.#framesPerPacket);
    // The RTP clock the SDP declared (G722/8000 per RFC 3551, or /16000 from a peer that wrote so), for our timestamps
    // and for reading theirs.
    this.#sender = new RtpSender({ payloadType: audio.codec.payloadType, clockRate: audio.codec.rtpClockRate, packetMs, random: options.random });
    this.#pacer = new Pacer({ clock, send: (slot) => this.#tick(slot) });
    // Room for the jitter buffer's largest packet plus a frame: 80 ms.
    this.#fifo = new PcmFifo(options.decoder.samplesPerFrame * 4);
    this.#latch = new RtpLatch({ target: { address: audio.remoteAddress, port: audio.remotePort } });
    this.#rtcpTarget = { address: audio.remoteAddress, port: audio.remoteRtcpPort };
    this.#jitter = new JitterBuffer({ clock, clockRate: audio.codec.rtpClockRate });
    this.#plc = new PacketLossConcealer(options.decoder.samplesPerFrame);
    const te = audio.telephoneEvent;
    this.#dtmfIn = te === undefined ? undefined : new DtmfReceiver({ clock, clockRate: te.clockRate, received: options.digit });
    this.#dtmfOut = te === undefined ? undefined : new DtmfSender({
      clock,
      clockRate: te.clockRate,
      // The schedule's timestamp of the current slot, not the last packet's: on hold no audio goes out, and two
      // digits must still carry two timestamps (RFC 4733 §2.5.1: one timestamp is one event).
      timestampNow: () => this.#sender.timestampAt(this.#slot),
      transmit: (packet) => this.#transmit(this.#sender.build({ payloadType: te.payloadType, timestamp: packet.timestamp, marker: packet.marker }, packet.payload)),
    });
    this.#rtcp = new RtcpReporter({
      clock,
      random: options.random,
      wallClockMs: options.wallClockMs,
      cname: options.cname,
      sender: this.#sender,
      // The audio timeline's now (after a digit, the last packet's timestamp is the event's start, not now).
      rtpTimestampNow: () => this.#sender.timestampAt(this.#slot),
      receiver: () => this.#stats,
      transmit: (compound) => this.#transmitRtcp(compound),
    });
    this.#watchdog = new InactivityWatchdog({ clock, timeoutMs: options.timeoutMs > 0 ? options.timeoutMs : 2 ** 31 - 1, expired: options.inactive });
  }

  get audio(): NegotiatedAudio {
    return this.#audio;
  }

  /** Whether the far end's audio has arrived. */
  get heardAudio(): boolean {
    return this.#audioSsrc !== undefined;
  }

  /** Whether this stream holds the door's microphone and speaker. */
  get hasAudio(): boolean {
    return this.#lease !== undefined;
  }

  /** Starts sending and playing; `watch`: arm the inactivity timeout now (an answered call; early media waits). */
  start(options: { readonly watch?: boolean } = {}): void {
    this.#lease = this.#o.claimAudio();
    this.#pacer.start();
    this.#rtcp.start();
    if (options.watch ?? true) this.watch();
  }

  /** The call is answered: from now on silence from the far end (not on hold) ends it. */
  watch(): void {
    if (this.#watchdog.state !== 'idle') return;
    this.#watchdog.start();
    if (this.#audio.remoteHold) this.#watchdog.hold();
  }

  /** A new exchange kept the codec: direction, hold and the far end's address may have changed. */
  update(audio: NegotiatedAudio): void {
    const before = this.#audio;
    this.#audio = audio;
    // A new address, or a resume: learn the source again (a phone behind NAT may come back from a long hold on a
    // new public port with the same SDP).
    if (audio.remoteAddress !== before.remoteAddress || audio.remotePort !== before.remotePort || (before.remoteHold && !audio.remoteHold)) {
      this.#latch.retarget({ address: audio.remoteAddress, port: audio.remotePort });
      this.#locked = false;
      this.#o.sockets.lockRtp(undefined);
      this.#rtcpTarget = { address: audio.remoteAddress, port: audio.remoteRtcpPort };
    }
    if (this.#watchdog.state !== 'idle') {
      if (audio.remoteHold && !before.remoteHold) this.#watchdog.hold();
      else if (!audio.remoteHold && before.remoteHold) this.#watchdog.resume();
    }
  }

  /** Queues digits to send as RFC 4733 events; false without a telephone-event, or while we must not send (held). */
  sendDigits(digits: readonly DtmfDigit[]): boolean {
    if (this.#dtmfOut === undefined || !sends(this.#audio)) return false;
    this.#dtmfOut.send(digits);
    return true;
  }

  rtpIn(bytes: Uint8Array, from: Endpoint): void {
    if (this.#stopped || !receives(this.#audio)) return;
    let plain = bytes;
    if (this.#o.srtp !== undefined) {
      const result = this.#o.srtp.receiver.unprotectRtp(bytes);
      if (!result.ok) return void this.#dropped++;
      plain = result.packet;
    }
    const parsed = parseRtp(plain);
    if (!parsed.ok) return void this.#dropped++;
    const packet = parsed.packet;
    const te = this.#audio.telephoneEvent;
    const isAudio = packet.payloadType === this.#audio.receivePayloadType;
    const isEvent = te !== undefined && packet.payloadType === te.receivePayloadType;
    if (!isAudio && !isEvent) return void this.#dropped++;
    if (!this.#latch.packetFrom(from, packet.ssrc, packet.sequenceNumber)) return; // counted by the latch
    if (!this.#locked) {
      this.#locked = true;
      this.#o.sockets.lockRtp(this.#latch.target);
    }
    this.#watchdog.heard();
    if (isAudio && this.#audioSsrc === undefined) this.#o.heard?.();
    if (isAudio && packet.ssrc !== this.#audioSsrc) {
      // A new source (early media → the phone that answered, a transfer): new numbering, new statistics.
      if (this.#audioSsrc !== undefined) this.#jitter.reset();
      this.#audioSsrc = packet.ssrc;
      this.#stats = new ReceiverStats(packet.ssrc, this.#jitterClockRate());
    }
    if (this.#stats !== undefined && packet.ssrc === this.#stats.ssrc) {
      this.#stats.packetReceived(packet.sequenceNumber, this.#o.clock.now(), isAudio ? packet.timestamp : undefined);
    }
    if (isEvent) this.#dtmfIn?.packet(packet);
    else if (packet.payload.length <= MAX_PAYLOAD) this.#jitter.put(packet.sequenceNumber, packet.timestamp, packet.payload);
  }

  rtcpIn(bytes: Uint8Array, from: Endpoint): void {
    if (this.#stopped) return;
    let plain = bytes;
    if (this.#o.srtp !== undefined) {
      const result = this.#o.srtp.receiver.unprotectRtcp(bytes);
      if (!result.ok) return void this.#dropped++;
      plain = result.packet;
    }
    // Only from the far end's host (the SDP's until RTP latched, then the RTP's source): a stray RTCP packet must not
    // redirect ours or keep a dead call up.
    if (from.address !== this.#latch.target.address) return void this.#dropped++;
    if (!this.#rtcp.received(plain).ok) return void this.#dropped++;
    this.#rtcpTarget = from;
    this.#watchdog.heard();
  }

  /** Stops sending and playing, says BYE in RTCP, gives the devices back; returns the call's counters. */
  stop(): RtpStreamStats {
    if (!this.#stopped) {
      this.#stopped = true;
      this.#pacer.stop();
      this.#dtmfIn?.stop();
      this.#dtmfOut?.stop();
      this.#watchdog.stop();
      this.#rtcp.stop({ bye: sends(this.#audio) });
      this.#lease?.release();
      if (this.#locked) this.#o.sockets.lockRtp(undefined);
      this.#lease = undefined;
    }
    return this.stats;
  }

  get stats(): RtpStreamStats {
    const jitter = this.#jitter.stats;
    return {
      sent: this.#sender.packetCount,
      received: jitter.received,
      lost: jitter.lost,
      late: jitter.late,
      concealed: this.#concealed,
      dropped: this.#dropped + this.#latch.dropped,
      jitterMs: this.#stats === undefined ? 0 : Math.round((this.#stats.jitter * 1000) / this.#jitterClockRate()),
      rttMs: this.#rtcp.roundTripMs,
    };
  }

  #jitterClockRate(): number {
    return this.#audio.codec.rtpClockRate;
  }

  /** Slot `slot` of the 20 ms schedule: a packet when it completes one (packet n ends with slot (n + 1)·k − 1), then playout. */
  #tick(slot: number): void {
    const k = this.#framesPerPacket;
    if ((slot + 1) % k === 0) this.#send((slot + 1) / k - 1);
    this.#play();
  }

  /**
   * Packet `index`: the oldest microphone frames (silence for a missing one), unless on hold or a digit is
   * playing. Frames beyond one packet's worth are dropped, so a sender that fell behind does not add latency.
   */
  #send(index: number): void {
    this.#slot = index;
    const lease = this.#lease;
    const encoder = this.#o.encoder;
    const size = encoder.samplesPerFrame;
    for (let i = 0; i < this.#framesPerPacket; i++) {
      const frame = lease?.takeMicFrame();
      const part = this.#micPcm.subarray(i * size, (i + 1) * size);
      if (frame !== undefined && frame.length === size) part.set(frame);
      else part.fill(0);
    }
    while (lease !== undefined && lease.queuedMicFrames > this.#framesPerPacket) lease.takeMicFrame();
    if (!sends(this.#audio) || this.#dtmfOut?.active === true) return;
    const length = encoder.encode(this.#micPcm, this.#encoded);
    this.#transmit(this.#sender.audio(index, this.#encoded.subarray(0, length), { marker: index === 0 }));
  }

  /** `rtp` must be a fresh array: the socket sends it after this tick (dgram resolves the address first). */
  #transmit(rtp: Uint8Array): void {
    const target = this.#latch.target;
    if (isUnspecified(target.address)) return;
    this.#o.sockets.sendRtp(this.#o.srtp?.sender.protectRtp(rtp) ?? rtp, target);
  }

  #transmitRtcp(compound: Uint8Array): void {
    if (isUnspecified(this.#rtcpTarget.address)) return;
    this.#o.sockets.sendRtcp(this.#o.srtp?.sender.protectRtcp(compound) ?? compound, this.#rtcpTarget);
  }

  /**
   * Playout tick (20 ms): packets are taken from the jitter buffer, decoded (or concealed) into the FIFO until it
   * holds 20 ms, which the speaker gets while we hold it. A far end sending 30 ms packets is thus asked for one
   * two ticks out of three, and the speaker is fed in real time.
   */
  #play(): void {
    const decoder = this.#o.decoder;
    const need = decoder.samplesPerFrame;
    for (let pulls = 0; this.#fifo.available < need && pulls < 4; pulls++) {
      const next = this.#jitter.get();
      if (next.kind === 'frame') {
        const samples = decoder.decode(next.payload, this.#pcm);
        if (samples >= need) this.#plc.played(this.#pcm.subarray(samples - need, samples));
        this.#fifo.push(this.#pcm.subarray(0, samples));
      } else {
        // A lost packet is concealed; so is a stall, unless the far end holds us and rightly sends nothing.
        if (next.reason === 'lost' || (next.reason === 'stall' && !this.#audio.remoteHold)) this.#concealed++;
        const gap = this.#pcm.subarray(0, need);
        this.#plc.conceal(gap);
        this.#fifo.push(gap);
      }
    }
    // Packets shorter than a frame (a peer's tiny or empty packets) may leave the FIFO short: the rest is silence.
    const frame = new Int16Array(need);
    const have = Math.min(need, this.#fifo.available);
    if (have > 0) this.#fifo.read(frame.subarray(0, have));
    // Another call's early media may hold the devices for a moment (parallel ringing): take them once it lets go.
    this.#lease ??= this.#o.claimAudio();
    this.#lease?.play(frame);
  }
}

function sends(audio: NegotiatedAudio): boolean {
  return audio.direction === 'sendrecv' || audio.direction === 'sendonly';
}

function receives(audio: NegotiatedAudio): boolean {
  return audio.direction === 'sendrecv' || audio.direction === 'recvonly';
}

function isUnspecified(address: string): boolean {
  return address === '0.0.0.0' || address === '::' || address === '';
}
