// The RTP/RTCP sockets of one call, as the media layer sees them; platform/udpMediaPorts.ts is the real driver.

import type { Endpoint } from './rtp/RtpLatch.ts';

/** What arrives on the pair: whole datagrams, each a fresh array the receiver may keep. */
export interface MediaReceivers {
  rtp(bytes: Uint8Array, from: Endpoint): void;
  rtcp(bytes: Uint8Array, from: Endpoint): void;
}

/** An RTP port (even) and the RTCP port above it, bound for one call and released by `close`. */
export interface MediaSocketPair {
  readonly port: number;
  /** Sends one datagram; a send error (no route, the far end gone) is counted, never thrown. */
  sendRtp(bytes: Uint8Array, to: Endpoint): void;
  sendRtcp(bytes: Uint8Array, to: Endpoint): void;
  /**
   * Ties the RTP socket to the far end once symmetric RTP latched it (the kernel then drops datagrams from anyone
   * else, and sends need no address), or frees it again (`undefined`) when a new SDP moves the far end.
   */
  lockRtp(peer: Endpoint | undefined): void;
  /** Closes both sockets; safe to call more than once. */
  close(): void;
}

/** Hands out port pairs from the configured range. */
export interface MediaPorts {
  /**
   * A bound pair for the address family of `localAddress` (the address our SDP names), with `receivers` attached
   * from now on: one the driver bound ahead when it has one (then nothing waits on a bind), else a free pair bound
   * now. Rejects with a DoorbellError `RTP_PORTS_EXHAUSTED` when every pair of the range is taken.
   */
  open(localAddress: string, receivers: MediaReceivers): Promise<MediaSocketPair>;
  /** Pairs held by calls now (for leak checks and the status page); a pair bound ahead for the next call is not one. */
  readonly inUse: number;
}
