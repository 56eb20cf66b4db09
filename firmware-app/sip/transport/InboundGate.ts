// InboundGate: what a TCP/TLS transport lets in of the connections peers open: the caps of connectionCaps.ts,
// TLS handshakes under way (counted from the first byte), and one summary line for what it refused or closed before
// trusting it.

import type { Socket } from 'node:net';
import type { Clock, TimerHandle } from '../../platform/Clock.ts';
import type { Logger } from '../../platform/Logger.ts';
import { SummaryLog } from '../../platform/SummaryLog.ts';
import {
  type CappedConnection, type CapLimits, DEFAULT_MAX_CONNECTIONS_PER_SOURCE, DEFAULT_MAX_INBOUND_CONNECTIONS,
  DEFAULT_UNTRUSTED_TIMEOUT_MS, DROP_REASONS, type DropReason, type StreamCaps, admit,
} from './connectionCaps.ts';
import { normalizeHost } from './flows.ts';

export interface InboundGateOptions extends StreamCaps {
  readonly protocol: 'tcp' | 'tls';
  readonly clock: Clock;
  readonly logger: Logger;
  /** The transport's idle timeout (0 or Infinity: none): a trusted connection is held to it alone. */
  readonly idleTimeoutMs: number;
  /** The interval of the `connectionsDropped` summary line (default 60 s). */
  readonly summaryIntervalMs?: number | undefined;
}

/** TLS: a connection peers opened whose handshake is still going on. */
interface Handshake extends CappedConnection {
  readonly key: string;
  readonly socket: Socket;
  readonly remotePort: number;
  closed: boolean;
  timer: TimerHandle | undefined;
}

export class InboundGate {
  readonly #clock: Clock;
  readonly #idleTimeoutMs: number;
  readonly #untrustedTimeoutMs: number;
  readonly #caps: Required<CapLimits>;
  readonly #drops: SummaryLog<DropReason>;
  /** TLS handshakes under way, by remote address (`handshakeKey`). */
  readonly #handshakes = new Map<string, Handshake>();

  constructor(options: InboundGateOptions) {
    this.#clock = options.clock;
    this.#idleTimeoutMs = options.idleTimeoutMs;
    this.#untrustedTimeoutMs = options.untrustedTimeoutMs ?? DEFAULT_UNTRUSTED_TIMEOUT_MS;
    this.#caps = {
      maxConnectionsPerSource: options.maxConnectionsPerSource ?? DEFAULT_MAX_CONNECTIONS_PER_SOURCE,
      maxInboundConnections: options.maxInboundConnections ?? DEFAULT_MAX_INBOUND_CONNECTIONS,
    };
    this.#drops = new SummaryLog({
      clock: options.clock,
      logger: options.logger,
      event: 'connectionsDropped',
      first: 'debug',
      firstEvent: 'connectionDropped',
      kinds: DROP_REASONS,
      fields: { protocol: options.protocol },
      ...(options.summaryIntervalMs !== undefined ? { intervalMs: options.summaryIntervalMs } : {}),
    });
  }

  /**
   * How long a connection may stay quiet: a trusted one (or one we opened) the idle timeout; one a peer opened and
   * that is not trusted yet, no longer than the untrusted timeout from its opening. Undefined: forever.
   */
  quietLimit(trusted: boolean): number | undefined {
    const idle = enabled(this.#idleTimeoutMs) ? this.#idleTimeoutMs : undefined;
    if (trusted || !enabled(this.#untrustedTimeoutMs)) return idle;
    return idle === undefined ? this.#untrustedTimeoutMs : Math.min(idle, this.#untrustedTimeoutMs);
  }

  /**
   * Applies the caps to a connection a peer opened, `established` being the transport's connections. Over a cap,
   * `socket` is closed and `admitted` is false. `evict` is an established connection the caller must close to
   * make room (a handshake that must make room is closed here).
   */
  admit<C extends CappedConnection>(socket: Socket, established: Iterable<C>): { readonly admitted: boolean; readonly evict?: C } {
    // A TLS connection was admitted (and counted) when its handshake began.
    if (this.#endHandshake(handshakeKey(socket))) return { admitted: true };
    const host = normalizeHost(socket.remoteAddress ?? '');
    const decision = admit<C | Handshake>(host, [...established, ...this.#handshakes.values()], this.#caps);
    let evict: C | undefined;
    const untrusted = decision.evict;
    if (untrusted !== undefined && this.#handshakes.get((untrusted as Handshake).key) === untrusted) {
      this.note('evicted', untrusted.remoteHost, (untrusted as Handshake).remotePort);
      untrusted.socket.destroy();
    } else {
      evict = untrusted as C | undefined;
    }
    if (decision.refusal !== undefined) {
      this.note(decision.refusal, host, socket.remotePort ?? 0);
      socket.destroy();
      return { admitted: false, ...(evict !== undefined ? { evict } : {}) };
    }
    return { admitted: true, ...(evict !== undefined ? { evict } : {}) };
  }

  /**
   * TLS: a connection whose handshake just began. It counts against the caps from now on (a peer must not hold
   * places by never finishing its handshake) and is closed if the handshake is not done within the
   * untrusted timeout. False when it was refused.
   */
  beginHandshake<C extends CappedConnection>(raw: Socket, established: Iterable<C>): { readonly admitted: boolean; readonly evict?: C } {
    const result = this.admit(raw, established);
    if (!result.admitted || raw.remoteAddress === undefined) return result;
    const entry: Handshake = {
      key: handshakeKey(raw),
      direction: 'in',
      remoteHost: normalizeHost(raw.remoteAddress),
      remotePort: raw.remotePort ?? 0,
      openedAt: this.#clock.now(),
      trusted: false,
      closed: false,
      socket: raw,
      timer: undefined,
    };
    const limit = this.quietLimit(false);
    if (limit !== undefined) {
      entry.timer = this.#clock.setTimer(limit, () => {
        if (entry.closed) return;
        this.note('untrustedTimeout', entry.remoteHost, entry.remotePort);
        raw.destroy();
      });
    }
    raw.once('close', () => this.#endHandshake(entry.key));
    this.#handshakes.set(entry.key, entry);
    return result;
  }

  /**
   * TLS: a handshake that failed, counted in the summary line without a line of its own. One on a connection that
   * already lost its address was reset or closed, by the peer or by us (a cap, the timeout: counted as such).
   */
  handshakeFailed(host: string | undefined, port: number | undefined, error: string): void {
    if (host === undefined) return;
    this.#drops.note('handshakeFailed', normalizeHost(host), { port: port ?? 0, error });
  }

  /** Counts one connection refused or closed early, for the summary line. */
  note(reason: DropReason, host: string, port: number, fields: Readonly<Record<string, string>> = {}): void {
    this.#drops.note(reason, host, { port, ...fields });
  }

  /** Closes the handshakes under way and logs the summary of the unfinished interval; one promise per socket closing. */
  close(): Promise<void>[] {
    this.#drops.flush();
    return [...this.#handshakes.values()].map((entry) => {
      const closed = entry.socket.closed ? Promise.resolve() : new Promise<void>((resolve) => entry.socket.once('close', () => resolve()));
      entry.socket.destroy();
      return closed;
    });
  }

  #endHandshake(key: string): boolean {
    const entry = this.#handshakes.get(key);
    if (entry === undefined) return false;
    entry.closed = true;
    entry.timer?.cancel();
    this.#handshakes.delete(key);
    return true;
  }
}

/** A timeout option that is on: neither 0 nor Infinity. */
function enabled(ms: number): boolean {
  return ms > 0 && Number.isFinite(ms);
}

/** A connection by its remote address and port: the same before and after a TLS server wraps it. */
function handshakeKey(socket: Socket): string {
  return `${socket.remoteAddress ?? ''} ${socket.remotePort ?? 0}`;
}
