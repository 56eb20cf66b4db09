// The SDP data model (RFC 8866 §5): a session description as plain readonly data, the way parse.ts reads it and
// serialize.ts writes it. Attribute values stay text; attributes.ts reads the ones we understand.

/** One `x=value` line we keep but do not interpret (`i=`, `u=`, `e=`, `p=`, `b=`, `z=`, `k=`). */
export interface SdpLine {
  readonly type: string;
  readonly value: string;
}

/** `a=name` (a property attribute, value undefined) or `a=name:value`. Unknown attributes are kept as they came. */
export interface Attribute {
  readonly name: string;
  readonly value?: string;
}

/** `c=<nettype> <addrtype> <connection-address>` (RFC 8866 §5.7); `address` may carry a multicast `/ttl` suffix. */
export interface Connection {
  readonly netType: string;
  readonly addrType: string;
  readonly address: string;
}

/** `o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>` (RFC 8866 §5.2). */
export interface Origin {
  readonly username: string;
  /** Digits, kept as text: peers use 64-bit values. */
  readonly sessionId: string;
  readonly sessionVersion: string;
  readonly netType: string;
  readonly addrType: string;
  readonly address: string;
}

/** `t=<start> <stop>` with its `r=` repeat lines (RFC 8866 §5.9, §5.10). */
export interface Timing {
  readonly start: string;
  readonly stop: string;
  readonly repeats: readonly string[];
}

/** One `m=` section (RFC 8866 §5.14) with its own lines. */
export interface MediaDescription {
  /** `audio`, `video`, `image`, `application` … */
  readonly media: string;
  /** 0 means the stream is refused or disabled (RFC 3264 §6). */
  readonly port: number;
  /** The `/<number of ports>` suffix of the port, when present. */
  readonly portCount?: number;
  /** `RTP/AVP`, `RTP/SAVP`, `udptl` … */
  readonly proto: string;
  /** Payload type numbers (as text) for RTP profiles, otherwise format tokens. Never empty. */
  readonly formats: readonly string[];
  /** Media-level `c=` lines (usually none or one). */
  readonly connections: readonly Connection[];
  readonly attributes: readonly Attribute[];
  readonly otherLines: readonly SdpLine[];
}

/** A whole session description. */
export interface SessionDescription {
  readonly origin: Origin;
  /** `s=`; `-` when the peer left it out. */
  readonly sessionName: string;
  readonly connection?: Connection;
  readonly timing: readonly Timing[];
  readonly attributes: readonly Attribute[];
  readonly otherLines: readonly SdpLine[];
  readonly media: readonly MediaDescription[];
}

/** RFC 3264 §5.1 / RFC 8866 §6.7 stream directions, from the point of view of the SDP's author. */
export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
