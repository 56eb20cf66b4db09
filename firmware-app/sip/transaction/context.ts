// The context every SIP layer above the transactions is built with: plain objects, injected, no globals.

import type { Clock } from '../../platform/Clock.ts';
import type { Hasher } from '../../platform/hash.ts';
import type { Logger } from '../../platform/Logger.ts';
import type { Resolver } from '../transport/resolver.ts';
import type { FlowEvents } from '../transport/TransportLayer.ts';
import type { Address, SendResult, Target, TransportProtocol } from '../transport/types.ts';
import type { TransactionLayer } from './TransactionLayer.ts';

/** What the layers above need of the transport layer. */
export interface TransportInfo {
  /**
   * Our address for Via sent-by and Contact in a message to `target` (over `flowId` when given): the local address
   * the kernel uses toward it, never 0.0.0.0, :: or port 0; undefined when no transport, route or connection leads
   * there. Only the registration knows a public (NAT) address, learnt from its own registrar's answers.
   */
  localAddress(target: Target, flowId?: string): Promise<Address | undefined>;
  /** Raw bytes to a target or over a flow: RFC 5626 CRLF keep-alives. Never throws. */
  send(bytes: Uint8Array, target: Target, flowId?: string): Promise<SendResult>;
  /** An RFC 5626 CRLF keep-alive on an open flow only (FLOW_GONE when closed). Never throws. */
  sendKeepAlive(protocol: TransportProtocol, flowId: string, bytes: Uint8Array): Promise<SendResult>;
  /** Closes a flow found dead (RFC 5626 §4.4.1), so that the next request opens a new one. */
  closeFlow(protocol: TransportProtocol, flowId: string): void;
  /**
   * A request on a TCP/TLS connection a peer opened passed the incoming policy (or a phone registered over it): the
   * transport keeps it like one of ours (pongs, no eviction, the idle timeout). A no-op for UDP and unknown flows.
   */
  trustFlow(protocol: TransportProtocol, flowId: string): void;
  /** RFC 5626 flow events: a connection closed; a CRLF ping or pong arrived on it. `on` returns the unsubscribe. */
  readonly flowEvents: { on<E extends keyof FlowEvents>(event: E, listener: FlowEvents[E]): () => void };
}

export interface SipContext {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly transactions: TransactionLayer;
  readonly transport: TransportInfo;
  readonly resolver: Resolver;
  readonly hasher: Hasher;
  /** Uniform in [0, 1): jitter and SRV weights. Math.random in production, scripted in tests. */
  readonly random: () => number;
}
