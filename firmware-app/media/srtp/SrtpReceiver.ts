// The receiving side of SRTP and SRTCP (RFC 3711 §3.3, §3.4): index, replay check, tag check, then decrypt.

import type { SrtpCrypto } from '../../platform/srtpCrypto.ts';
import { aesCmIv, aesCmXor } from './aesCm.ts';
import { deriveStreamKeys, type SessionKeys } from './keyDerivation.ts';
import { advanceRollover, guessRoc, packetIndex, type RolloverState } from './packetIndex.ts';
import { ReplayWindow } from './ReplayWindow.ts';
import type { SrtpUnprotectResult } from './result.ts';
import { readUint16, readUint32, writeUint32 } from '../rtp/bytes.ts';
import { RTCP_CLEAR_HEADER, rtpHeaderLength } from './rtpLayout.ts';
import type { SdesKey } from './sdesKey.ts';
import type { SrtpSuite } from './suites.ts';

/** SSRCs remembered at most: a call has one or two (a re-INVITE, a PBX that switches sources). */
const MAX_STREAMS = 8;

interface ReceiveState {
  /** Undefined until the first RTP packet (an RTCP packet may come first). */
  rollover: RolloverState | undefined;
  readonly rtpReplay: ReplayWindow;
  readonly rtcpReplay: ReplayWindow;
}

/**
 * Unprotects what the peer sends, with the peer's master key (the one in its a=crypto). State per SSRC is
 * created only by a packet that authenticates, so forged packets cannot fill memory. Unprotecting decrypts
 * in place: the returned packet is a view of the buffer passed in, without the tag.
 */
export class SrtpReceiver {
  readonly #crypto: SrtpCrypto;
  readonly #suite: SrtpSuite;
  readonly #rtp: SessionKeys;
  readonly #rtcp: SessionKeys;
  readonly #streams = new Map<number, ReceiveState>();

  constructor(crypto: SrtpCrypto, suite: SrtpSuite, key: SdesKey) {
    this.#crypto = crypto;
    this.#suite = suite;
    ({ rtp: this.#rtp, rtcp: this.#rtcp } = deriveStreamKeys(crypto, suite, key));
  }

  /** The RTP packet inside an SRTP packet, or why it was dropped. */
  unprotectRtp(srtp: Uint8Array): SrtpUnprotectResult {
    const end = srtp.length - this.#suite.rtpTagLength;
    const headerLength = rtpHeaderLength(srtp, end);
    if (headerLength === undefined) return { ok: false, reason: 'malformed' };
    const ssrc = readUint32(srtp, 8);
    const seq = readUint16(srtp, 2);
    const known = this.#streams.get(ssrc);
    // A new SSRC starts at ROC 0 with its first sequence number as s_l (SDES signals no ROC).
    const rollover = known?.rollover ?? { roc: 0, highestSeq: seq };
    const roc = guessRoc(rollover, seq);
    if (roc < 0) return { ok: false, reason: 'too-old' };
    const index = packetIndex(roc, seq);
    const replay = known?.rtpReplay.check(index) ?? 'new';
    if (replay !== 'new') return { ok: false, reason: replay };
    const rocBytes = new Uint8Array(4);
    writeUint32(rocBytes, 0, roc);
    const tag = this.#crypto.hmacSha1(this.#rtp.authKey, [srtp.subarray(0, end), rocBytes]);
    if (!this.#crypto.equal(tag.subarray(0, this.#suite.rtpTagLength), srtp.subarray(end))) return { ok: false, reason: 'auth-failed' };
    aesCmXor(this.#crypto, this.#rtp.cipherKey, aesCmIv(this.#rtp.cipherSalt, ssrc, index), srtp.subarray(headerLength, end));
    const state = known ?? this.#remember(ssrc);
    state.rollover = advanceRollover(rollover, roc, seq);
    state.rtpReplay.accept(index);
    return { ok: true, packet: srtp.subarray(0, end) };
  }

  /** The compound RTCP packet inside an SRTCP packet, or why it was dropped. */
  unprotectRtcp(srtcp: Uint8Array): SrtpUnprotectResult {
    const end = srtcp.length - this.#suite.rtcpTagLength - 4;
    if (end < RTCP_CLEAR_HEADER || srtcp[0]! >> 6 !== 2) return { ok: false, reason: 'malformed' };
    const ssrc = readUint32(srtcp, 4);
    const word = readUint32(srtcp, end);
    const encrypted = word >= 0x80000000;
    const index = word & 0x7fffffff;
    const known = this.#streams.get(ssrc);
    const replay = known?.rtcpReplay.check(index) ?? 'new';
    if (replay !== 'new') return { ok: false, reason: replay };
    const tag = this.#crypto.hmacSha1(this.#rtcp.authKey, [srtcp.subarray(0, end + 4)]);
    if (!this.#crypto.equal(tag.subarray(0, this.#suite.rtcpTagLength), srtcp.subarray(end + 4))) return { ok: false, reason: 'auth-failed' };
    if (encrypted) aesCmXor(this.#crypto, this.#rtcp.cipherKey, aesCmIv(this.#rtcp.cipherSalt, ssrc, index), srtcp.subarray(RTCP_CLEAR_HEADER, end));
    // RTCP may come before any RTP of its SSRC: the RTP rollover state then starts at the first RTP packet.
    const state = known ?? this.#remember(ssrc);
    state.rtcpReplay.accept(index);
    return { ok: true, packet: srtcp.subarray(0, end) };
  }

  #remember(ssrc: number): ReceiveState {
    if (this.#streams.size >= MAX_STREAMS) {
      const oldest = this.#streams.keys().next().value;
      if (oldest !== undefined) this.#streams.delete(oldest);
    }
    const state: ReceiveState = { rollover: undefined, rtpReplay: new ReplayWindow(), rtcpReplay: new ReplayWindow() };
    this.#streams.set(ssrc, state);
    return state;
  }
}
