// MediaSession: the media side of one call. Joins SDP offer/answer (media/sdp), RTP (media/rtp), SRTP keys
// (media/srtp) and the door's devices (DoorAudio): ports are bound at the first offer or answer, the stream starts
// when an exchange completes (or a 18x brings early media), re-offers update it, and `close` releases everything.

import { DoorbellError, SESSION_RESOURCES, errorMessage } from '../errors.ts';
import type { SrtpCrypto } from '../platform/srtpCrypto.ts';
import type { Clock } from '../platform/Clock.ts';
import { createCodec } from './codecs/registry.ts';
import type { DoorAudio } from './DoorAudio.ts';
import type { MediaPorts, MediaSocketPair } from './ports.ts';
import type { Random } from './rtp/random.ts';
import { RtpStream, type RtpStreamStats, sendPacketMs } from './RtpStream.ts';
import type { CryptoAttribute } from './sdp/attributes.ts';
import type { CodecName } from './sdp/codecs.ts';
import type { LocalMedia, LocalSrtp } from './sdp/local.ts';
import type { NegotiatedAudio } from './sdp/negotiated.ts';
import type { SdpResult } from './sdp/result.ts';
import { SdpNegotiation } from './sdp/SdpNegotiation.ts';
import { formatSdesKey, parseSdesKey } from './srtp/sdesKey.ts';
import { chooseCryptoLine, newSdesKey } from './srtp/sdesNegotiation.ts';
import { SrtpReceiver } from './srtp/SrtpReceiver.ts';
import { SrtpSender } from './srtp/SrtpSender.ts';
import { SRTP_SUITES, srtpSuite, type SrtpSuiteName } from './srtp/suites.ts';

/** A body as the SIP layers pass it (no SIP import here). */
export interface Body {
  readonly contentType: string;
  readonly bytes: Uint8Array;
}

export type SrtpPolicy = 'off' | 'optional' | 'required';

/** The config's media settings. */
export interface MediaSettings {
  readonly codecs: readonly CodecName[];
  readonly srtp: SrtpPolicy;
  /** Silence from the far end (not on hold) that ends a call; 0 never. */
  readonly rtpTimeoutMs: number;
}

/** What the session reports (the UA's SessionMediaContext fits). */
export interface MediaSessionEvents {
  readonly secureSignalling: boolean;
  dtmf(info: { readonly digit: string; readonly durationMs: number }): void;
  failed(reason: string): void;
  started(report: Readonly<Record<string, string | number | boolean>>): void;
  stopped(report: Readonly<Record<string, string | number | boolean>>): void;
}

export interface MediaSessionOptions {
  /** Our address toward the far end (the Contact's): the SDP's c= and o=. */
  readonly address: string;
  readonly clock: Clock;
  readonly random: Random;
  readonly wallClockMs: () => number;
  readonly ports: MediaPorts;
  readonly audio: DoorAudio;
  readonly crypto: SrtpCrypto;
  readonly settings: MediaSettings;
  readonly events: MediaSessionEvents;
}

/** An SDP we cannot use: the SIP layer answers 488 (or ends the call it placed). */
export class MediaNegotiationError extends DoorbellError {}

const SDP = 'application/sdp';

export class MediaSession {
  readonly #o: MediaSessionOptions;
  readonly #negotiation: SdpNegotiation;
  /** Our SRTP keys, one per suite, made once per call (what we send with). */
  readonly #keys = new Map<SrtpSuiteName, string>();
  #sockets: Promise<MediaSocketPair> | undefined;
  /** The pair once bound. */
  #pair: MediaSocketPair | undefined;
  #stream: RtpStream | undefined;
  #closed = false;

  constructor(options: MediaSessionOptions) {
    this.#o = options;
    this.#negotiation = new SdpNegotiation(String(Math.floor(options.random() * 1e12)));
  }

  /** The running stream's counters (undefined before media started). */
  get stats(): RtpStreamStats | undefined {
    return this.#stream?.stats;
  }

  async createOffer(): Promise<Body> {
    const local = await this.#local(true);
    return this.#body(this.#negotiation.createOffer(local));
  }

  async createAnswer(offer: Body): Promise<Body> {
    const local = await this.#local(false);
    if (!isSdp(offer)) throw new MediaNegotiationError('SDP_NOT_ACCEPTABLE', `not an SDP body: ${offer.contentType.slice(0, 60)}`);
    const answered = this.#negotiation.createAnswer(offer.bytes, local);
    if (!answered.ok) throw new MediaNegotiationError(answered.error.code, answered.error.detail);
    const audio = answered.value.audio;
    if (audio === undefined) this.#stopStream(); // the peer removed the audio stream: no RTP until one comes back
    else this.#apply(audio, true);
    return { contentType: SDP, bytes: answered.value.body };
  }

  async setAnswer(answer: Body): Promise<void> {
    if (!isSdp(answer)) {
      this.#negotiation.cancelOffer();
      throw new MediaNegotiationError('SDP_NOT_ACCEPTABLE', `not an SDP body: ${answer.contentType.slice(0, 60)}`);
    }
    // No offer of ours outstanding: the answer to our last SDP sent again (an RFC 4028 refresh re-INVITE).
    const accepted = this.#negotiation.state.kind === 'offerSent' ? this.#negotiation.setAnswer(answer.bytes) : this.#negotiation.answerToRepeat(answer.bytes);
    if (!accepted.ok) throw new MediaNegotiationError(accepted.error.code, accepted.error.detail);
    this.#o.audio.stopTone(this);
    this.#apply(accepted.value, true);
  }

  /**
   * Early media: the far end's audio (an announcement, its own ringback) plays until the answer. Our ringback goes
   * on until its first packet arrives (RFC 3960: many PBXs send SDP in a 183 and no RTP), and silence before the
   * answer ends nothing.
   */
  earlyAnswer(answer: Body): void {
    if (this.#closed || !isSdp(answer)) return;
    const preview = this.#negotiation.previewAnswer(answer.bytes);
    if (!preview.ok) return;
    this.#apply(preview.value, false);
  }

  /** The far end rings, and no early audio of its own has arrived: the visitor hears our ringback. */
  alerting(): void {
    if (this.#closed || this.#stream?.heardAudio === true) return;
    this.#o.audio.startTone(this, 'ringback');
  }

  /** RFC 4733 digits to the far end; false without a negotiated telephone-event. */
  sendDigits(digits: string): boolean {
    const valid = [...digits].filter((d): d is Parameters<RtpStream['sendDigits']>[0][number] => /^[0-9*#A-D]$/.test(d));
    return this.#stream?.sendDigits(valid) ?? false;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#o.audio.stopTone(this);
    this.#stopStream();
    void this.#sockets?.then((sockets) => sockets.close(), () => {});
  }

  /** Our side for the SDP, binding the port pair the first time. */
  async #local(offering: boolean): Promise<LocalMedia> {
    if (this.#closed) throw new MediaNegotiationError('CALL_ENDED', 'the call is over');
    this.#sockets ??= this.#o.ports.open(this.#o.address, {
      rtp: (bytes, from) => this.#stream?.rtpIn(bytes, from),
      rtcp: (bytes, from) => this.#stream?.rtcpIn(bytes, from),
    });
    let sockets: MediaSocketPair;
    try {
      sockets = await this.#sockets;
    } catch (error) {
      this.#sockets = undefined; // the next offer or answer tries again
      throw new MediaNegotiationError(SESSION_RESOURCES, errorMessage(error));
    }
    if (this.#closed) {
      sockets.close();
      throw new MediaNegotiationError('CALL_ENDED', 'the call is over');
    }
    this.#pair = sockets;
    const srtp = this.#srtp(offering);
    return { address: this.#o.address, port: sockets.port, codecs: this.#o.settings.codecs, ...(srtp !== undefined ? { srtp } : {}) };
  }

  /**
   * Our SDES settings: none when the policy is off; for an offer under `optional` only when signalling runs over
   * TLS (keys sent in clear text protect nothing); answers take what the peer offers under either policy.
   */
  #srtp(offering: boolean): LocalSrtp | undefined {
    const policy = this.#o.settings.srtp;
    // A re-offer keeps SRTP that the call already runs, whatever carries the signalling.
    const running = this.#negotiation.current?.srtp !== undefined;
    if (policy === 'off' || (offering && policy === 'optional' && !this.#o.events.secureSignalling && !running)) return undefined;
    const names: SrtpSuiteName[] = ['AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32'];
    return {
      policy,
      offer: names.map((suite, i) => ({ tag: i + 1, suite, keyParams: this.#key(suite), sessionParams: [] })),
      answer: (remote) => {
        const chosen = chooseCryptoLine(remote);
        return chosen === undefined ? undefined : { tag: chosen.tag, suite: chosen.suite.name, keyParams: this.#key(chosen.suite.name), sessionParams: [] };
      },
    };
  }

  #key(suite: SrtpSuiteName): string {
    let key = this.#keys.get(suite);
    if (key === undefined) {
      key = formatSdesKey(newSdesKey(this.#o.crypto, SRTP_SUITES[suite]));
      this.#keys.set(suite, key);
    }
    return key;
  }

  #body(result: SdpResult<Uint8Array>): Body {
    if (!result.ok) throw new MediaNegotiationError(result.error.code, result.error.detail);
    return { contentType: SDP, bytes: result.value };
  }

  /**
   * Starts the stream for an exchange (`final`: an answer, not early media), updates it, or replaces it when codec or
   * keys changed. Synchronous (the ports were bound for the SDP), so a 183 and a 200 read together apply in order.
   */
  #apply(audio: NegotiatedAudio, final: boolean): void {
    const sockets = this.#pair;
    if (this.#closed || sockets === undefined) return;
    const current = this.#stream;
    if (current !== undefined && sameStream(current.audio, audio)) {
      current.update(audio);
      if (final) current.watch();
      return;
    }
    this.#stopStream();
    this.#start(sockets, audio, final);
  }

  #start(sockets: MediaSocketPair, audio: NegotiatedAudio, final: boolean): void {
    const encoder = createCodec(audio.codec.name);
    const decoder = createCodec(audio.codec.name);
    const srtp = audio.srtp === undefined ? undefined : this.#srtpPair(audio.srtp.local, audio.srtp.remote);
    if (audio.srtp !== undefined && srtp === undefined) {
      this.#o.events.failed('the agreed SRTP keys are unusable');
      return;
    }
    const events = this.#o.events;
    const stream = new RtpStream({
      clock: this.#o.clock,
      random: this.#o.random,
      wallClockMs: this.#o.wallClockMs,
      cname: `door@${this.#o.address}`,
      audio,
      encoder,
      decoder,
      sockets,
      claimAudio: () => this.#o.audio.claim(this, encoder.sampleRate === 16000 ? 16000 : 8000),
      ...(srtp !== undefined ? { srtp } : {}),
      timeoutMs: this.#o.settings.rtpTimeoutMs,
      digit: (digit) => events.dtmf({ digit: digit.digit, durationMs: digit.durationMs }),
      inactive: (silentMs) => events.failed(`no RTP for ${Math.round(silentMs / 1000)} s`),
      heard: () => this.#o.audio.stopTone(this),
    });
    this.#stream = stream;
    stream.start({ watch: final });
    events.started({
      codec: audio.codec.name,
      remote: `${audio.remoteAddress}:${audio.remotePort}`,
      localPort: sockets.port,
      srtp: srtp !== undefined ? 'yes' : 'no',
      dtmf: audio.telephoneEvent !== undefined ? 'rfc4733' : 'none',
      audio: stream.hasAudio ? 'yes' : 'busy',
    });
  }

  #srtpPair(local: CryptoAttribute, remote: CryptoAttribute): { sender: SrtpSender; receiver: SrtpReceiver } | undefined {
    const suite = srtpSuite(local.suite.toUpperCase());
    if (suite === undefined) return undefined;
    const ours = parseSdesKey(local.keyParams, suite);
    const theirs = parseSdesKey(remote.keyParams, suite);
    if (!ours.ok || !theirs.ok) return undefined;
    return { sender: new SrtpSender(this.#o.crypto, suite, ours.key), receiver: new SrtpReceiver(this.#o.crypto, suite, theirs.key) };
  }

  #stopStream(): void {
    const stream = this.#stream;
    if (stream === undefined) return;
    this.#stream = undefined;
    const stats = stream.stop();
    this.#o.events.stopped({
      sent: stats.sent,
      received: stats.received,
      lost: stats.lost,
      late: stats.late,
      concealed: stats.concealed,
      dropped: stats.dropped,
      jitterMs: stats.jitterMs,
      ...(stats.rttMs !== undefined ? { rttMs: Math.round(stats.rttMs) } : {}),
    });
  }
}

function isSdp(body: Body): boolean {
  return body.contentType.split(';')[0]!.trim().toLowerCase() === SDP;
}

/** The same RTP stream: codec and payload types, and SRTP keys unchanged (direction and address may differ). */
function sameStream(a: NegotiatedAudio, b: NegotiatedAudio): boolean {
  return a.codec.name === b.codec.name && a.codec.payloadType === b.codec.payloadType && a.receivePayloadType === b.receivePayloadType &&
    sendPacketMs(a) === sendPacketMs(b) &&
    a.telephoneEvent?.payloadType === b.telephoneEvent?.payloadType && a.srtp?.local.keyParams === b.srtp?.local.keyParams &&
    a.srtp?.remote.keyParams === b.srtp?.remote.keyParams;
}

