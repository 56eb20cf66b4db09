// Caps on the TCP/TLS connections peers open to us: how many per source address and in all, and who gives up
// a place when they are all taken. Pure: StreamConnections applies the decision to its sockets.

/**
 * Caps on the connections peers open to us; the ones we open (to the registrar, to a phone) are neither counted
 * nor refused. A phone or PBX keeps one connection, two while it replaces one (RFC 5626 §4.4.1 reconnects before
 * the old flow is gone); 8 per address leaves room for a few phones behind one NAT address. 64 in all is many
 * times a household's phones and bounds what a flood can hold on a small device (each connection may buffer a
 * message of up to 64 KiB). A connection over a cap is closed at once and only counted in the summary line.
 */
export const DEFAULT_MAX_CONNECTIONS_PER_SOURCE = 8;
export const DEFAULT_MAX_INBOUND_CONNECTIONS = 64;

/**
 * A connection a peer opened is trusted once a request on it passed the incoming policy (or it carries a phone's
 * registration): until then it gets no keep-alive pongs, may be evicted to make room, costs no info line, and is
 * closed this long after it opened, whatever it sent. A phone sends its REGISTER or INVITE right after connecting
 * and is trusted within a round trip or two; a scanner, or a peer whose requests are all refused, is not.
 * Well under the idle timeout, so untrusted connections cannot hold the 64 places for long.
 */
export const DEFAULT_UNTRUSTED_TIMEOUT_MS = 30_000;

/**
 * Why a connection peers opened was refused or closed before it was trusted; summed up in one `connectionsDropped`
 * line a minute. `untrustedTimeout`: the untrusted timeout ran out; `untrustedClosed`: the peer (or an error)
 * closed it first.
 */
export const DROP_REASONS = [
  'overSourceCap', 'overTotalCap', 'evicted', 'untrustedTimeout', 'untrustedClosed', 'garbled', 'handshakeFailed',
] as const;
export type DropReason = (typeof DROP_REASONS)[number];

export interface CapLimits {
  /** Connections peers may open to us from one address (default DEFAULT_MAX_CONNECTIONS_PER_SOURCE). */
  readonly maxConnectionsPerSource?: number | undefined;
  /** Connections peers may open to us in all (default DEFAULT_MAX_INBOUND_CONNECTIONS). */
  readonly maxInboundConnections?: number | undefined;
}

/** The caps a TCP or TLS driver takes in its options and hands to its StreamConnections. */
export interface StreamCaps extends CapLimits {
  /** Close an accepted connection not trusted this long after it opened (default 30 s); 0 or Infinity: only the idle timeout. */
  readonly untrustedTimeoutMs?: number | undefined;
}

/** The caps of a driver's options, without its other fields. */
export function capOptions(options: StreamCaps): StreamCaps {
  return {
    maxConnectionsPerSource: options.maxConnectionsPerSource,
    maxInboundConnections: options.maxInboundConnections,
    untrustedTimeoutMs: options.untrustedTimeoutMs,
  };
}

/** What the caps look at in a connection. */
export interface CappedConnection {
  /** `in`: a peer opened it (counted against the caps); `out`: we did. */
  readonly direction: 'in' | 'out';
  /** The remote host, normalized: what the per-source cap counts by. */
  readonly remoteHost: string;
  readonly openedAt: number;
  /** Did a request on it pass the incoming policy (ours are trusted from the start)? Untrusted ones may be evicted. */
  readonly trusted: boolean;
  /** Closed, or closing: no longer holds a place. */
  readonly closed: boolean;
  readonly socket: { readonly destroyed: boolean };
}

/**
 * Whether one more connection from `host` fits the caps (`refusal` says why not). When all places are taken, the
 * oldest connection not trusted yet gives up its place (`evict`): strangers' connections, silent or refused, must
 * not lock out a phone that reconnects.
 */
export function admit<C extends CappedConnection>(
  host: string, connections: Iterable<C>, caps: Required<CapLimits>,
): { readonly refusal?: DropReason; readonly evict?: C } {
  let fromHost = 0;
  let inbound = 0;
  let untrusted: C | undefined;
  for (const connection of connections) {
    if (connection.direction === 'out' || connection.closed || connection.socket.destroyed) continue;
    inbound++;
    if (connection.remoteHost === host) fromHost++;
    if (!connection.trusted && (untrusted === undefined || connection.openedAt < untrusted.openedAt)) untrusted = connection;
  }
  if (fromHost >= caps.maxConnectionsPerSource) return { refusal: 'overSourceCap' };
  if (inbound < caps.maxInboundConnections) return {};
  return untrusted === undefined ? { refusal: 'overTotalCap' } : { evict: untrusted };
}
