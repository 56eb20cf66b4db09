// The sending side of SRTP and SRTCP (RFC 3711 §3.3, §3.4): encrypt, then append the authentication tag.

import type { SrtpCrypto } from '../../platform/srtpCrypto.ts';
import { aesCmIv, aesCmXor } from './aesCm.ts';
import { deriveStreamKeys, type SessionKeys } from './keyDerivation.ts';
import { advanceRollover, guessRoc, type RolloverState } from './packetIndex.ts';
import { readUint16, readUint32, writeUint32 } from '../rtp/bytes.ts';
import { RTCP_CLEAR_HEADER, rtpHeaderLength } from './rtpLayout.ts';
import type { SdesKey } from './sdesKey.ts';
import type { SrtpSuite } from './suites.ts';
import { InternalError } from '../../errors.ts';

const SRTCP_E_BIT = 0x80000000;
const SRTCP_INDEX_MASK = 0x7fffffff;

interface SendState {
  /** Undefined until the first RTP packet (an RTCP packet may come first). */
  rollover: RolloverState | undefined;
  rtcpIndex: number;
}

/**
 * Protects what we send with our own master key (the one in our a=crypto). Keeps, per SSRC, the rollover
 * counter of SRTP and the SRTCP index. Packets are built by our own code, so a malformed one is a bug.
 */
export class SrtpSender {
  readonly #crypto: SrtpCrypto;
  readonly #suite: SrtpSuite;
  readonly #rtp: SessionKeys;
  readonly #rtcp: SessionKeys;
  readonly #streams = new Map<number, SendState>();

  constructor(crypto: SrtpCrypto, suite: SrtpSuite, key: SdesKey) {
    this.#crypto = crypto;
    this.#suite = suite;
    ({ rtp: this.#rtp, rtcp: this.#rtcp } = deriveStreamKeys(crypto, suite, key));
  }

  /** An SRTP packet for `rtp` (a new buffer: the RTP packet with its payload encrypted, then the tag). */
  protectRtp(rtp: Uint8Array): Uint8Array {
    const headerLength = rtpHeaderLength(rtp, rtp.length);
    if (headerLength === undefined) throw new InternalError('SRTP_BAD_RTP', 'protectRtp: not an RTP packet');
    const ssrc = readUint32(rtp, 8);
    const seq = readUint16(rtp, 2);
    const state = this.#stream(ssrc);
    const rollover = state.rollover ?? { roc: 0, highestSeq: seq };
    // Our own sequence numbers only move forward, so the guess is exact (and counts the wrap 65535 → 0).
    const roc = Math.max(0, guessRoc(rollover, seq));
    state.rollover = advanceRollover(rollover, roc, seq);
    const tagLength = this.#suite.rtpTagLength;
    const out = new Uint8Array(rtp.length + tagLength);
    out.set(rtp);
    aesCmXor(this.#crypto, this.#rtp.cipherKey, aesCmIv(this.#rtp.cipherSalt, ssrc, roc * 65536 + seq), out.subarray(headerLength, rtp.length));
    const rocBytes = new Uint8Array(4);
    writeUint32(rocBytes, 0, roc);
    const tag = this.#crypto.hmacSha1(this.#rtp.authKey, [out.subarray(0, rtp.length), rocBytes]);
    out.set(tag.subarray(0, tagLength), rtp.length);
    return out;
  }

  /** An SRTCP packet for the compound `rtcp`: encrypted after the first 8 bytes, E flag and index, then the tag. */
  protectRtcp(rtcp: Uint8Array): Uint8Array {
    if (rtcp.length < RTCP_CLEAR_HEADER || rtcp[0]! >> 6 !== 2) throw new InternalError('SRTP_BAD_RTCP', 'protectRtcp: not an RTCP packet');
    const ssrc = readUint32(rtcp, 4);
    const state = this.#stream(ssrc);
    const index = state.rtcpIndex;
    state.rtcpIndex = (index + 1) & SRTCP_INDEX_MASK;
    const tagLength = this.#suite.rtcpTagLength;
    const out = new Uint8Array(rtcp.length + 4 + tagLength);
    out.set(rtcp);
    aesCmXor(this.#crypto, this.#rtcp.cipherKey, aesCmIv(this.#rtcp.cipherSalt, ssrc, index), out.subarray(RTCP_CLEAR_HEADER, rtcp.length));
    writeUint32(out, rtcp.length, (SRTCP_E_BIT | index) >>> 0);
    const tag = this.#crypto.hmacSha1(this.#rtcp.authKey, [out.subarray(0, rtcp.length + 4)]);
    out.set(tag.subarray(0, tagLength), rtcp.length + 4);
    return out;
  }

  #stream(ssrc: number): SendState {
    let state = this.#streams.get(ssrc);
    if (state === undefined) {
      state = { rollover: undefined, rtcpIndex: 0 };
      this.#streams.set(ssrc, state);
    }
    return state;
  }
}
