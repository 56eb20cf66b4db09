// The Transport interface (RFC 3261 §18): drivers move framed SIP messages; they do not parse them.

import type { SipParseError } from '../message/index.ts';
import { DoorbellError } from '../../errors.ts';

export type TransportProtocol = 'udp' | 'tcp' | 'tls';

/** A numeric address: an IPv4 or IPv6 literal (IPv6 without brackets) and a port. */
export interface Address {
  readonly host: string;
  readonly port: number;
}

/** Where to send: a resolved numeric address and the protocol to use. */
export interface Target extends Address {
  readonly protocol: TransportProtocol;
  /** TLS: the host name the server certificate must match (SNI too). */
  readonly serverName?: string;
}

/**
 * The path a message travelled: for TCP/TLS one connection, for UDP the local socket and the peer.
 * Responses to a request that came over a connection go back over that connection (RFC 3261 §18.2.2).
 */
export interface Flow {
  /** Stable while the connection lives; `udp:` flows are just local and remote addresses. */
  readonly id: string;
  readonly protocol: TransportProtocol;
  readonly local: Address;
  readonly remote: Address;
}

/** One framed message as it arrived. */
export interface Inbound {
  readonly bytes: Uint8Array;
  readonly source: Address;
  readonly flow: Flow;
}

export type TransportErrorCode =
  | 'SEND_FAILED'
  | 'CONNECT_FAILED'
  | 'CONNECT_TIMEOUT'
  | 'TLS_VERIFY_FAILED'
  | 'CONNECTION_CLOSED'
  | 'FLOW_GONE'
  | 'TRANSPORT_CLOSED'
  | 'MESSAGE_TOO_LARGE'
  /** Creating a transport failed: the address could not be bound (in use, not ours). Rejects the factory. */
  | 'BIND_FAILED';

/** A send that did not happen, or a connection that broke. A result, never thrown across timers. */
export class TransportError extends DoorbellError {
  declare readonly code: TransportErrorCode;

  constructor(code: TransportErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

export type SendResult = { readonly ok: true; readonly flow: Flow } | { readonly ok: false; readonly error: TransportError };

export interface TransportEvents {
  /** A framed message arrived (not yet parsed). */
  message(inbound: Inbound): void;
  /** A stream was garbled (bad framing, oversize): the driver closed that connection. */
  streamError?(flow: Flow, error: SipParseError): void;
  /** A connection closed (by the peer, idle timeout, or an error). */
  flowClosed?(flow: Flow): void;
  /**
   * An RFC 5626 keep-alive arrived on a stream we opened or trust (`ping` was already answered with a CRLF); one on
   * a connection a peer opened and nobody trusts yet is neither answered nor reported.
   */
  keepAlive?(flow: Flow, kind: 'ping' | 'pong'): void;
}

/**
 * One transport driver: a UDP socket, a TCP listener plus connections, a TLS client, or the
 * in-memory loop. `send` never throws: failures come back as results.
 */
export interface Transport {
  readonly protocol: TransportProtocol;
  /** TCP and TLS are reliable: transactions do not retransmit over them. */
  readonly reliable: boolean;
  /** The bound local address (the port is the real one when 0 was asked for). */
  readonly local: Address;
  /**
   * Sends one whole SIP message. Over TCP/TLS it uses `flowId`'s connection when given and still
   * open, else an open connection to the target, else a new one.
   */
  send(bytes: Uint8Array, target: Target, flowId?: string): Promise<SendResult>;
  /**
   * The address our messages to `target` carry in Via sent-by and Contact: a real host and port, never a
   * wildcard or port 0 (see localAddress.ts). TCP/TLS: that of the connection `send` would use (`flowId`'s, a
   * reusable one, or a new one opened now), with the listening port when there is a listener. Undefined when
   * there is no route or no connection.
   */
  localAddressFor(target: Target, flowId?: string): Promise<Address | undefined>;
  /** Sends raw bytes (keep-alive CRLFs) on an existing flow. */
  sendKeepAlive?(flowId: string, bytes: Uint8Array): Promise<SendResult>;
  /** Closes one connection (a flow found dead: no pong); `flowClosed` follows. A no-op for an unknown flow. */
  closeFlow?(flowId: string): void;
  /**
   * TCP/TLS: a connection a peer opened is trusted from now on (a request on it passed the incoming policy, or a
   * phone registered over it): its pings are answered, it is never evicted for a newcomer, only the idle timeout
   * closes it, and its open and close are logged. Until then it is a stranger's. A no-op for an unknown flow.
   */
  trustFlow?(flowId: string): void;
  close(): Promise<void>;
}
