// The context every SIP layer above the transactions is built with: plain objects, injected, no globals.

import type { Clock } from '../../platform/Clock.ts';
import type { Hasher } from '../../platform/hash.ts';
import type { Logger } from '../../platform/Logger.ts';
import type { Resolver } from '../transport/resolver.ts';
import type { Address, SendResult, Target, TransportProtocol } from '../transport/types.ts';
import type { TransactionLayer } from './TransactionLayer.ts';

/** What the layers above need of the transport layer. */
export interface TransportInfo {
  /** Our sent-by (bound address) for a protocol, or undefined when no such transport runs. */
  sentBy(protocol: TransportProtocol): Address | undefined;
  /** Our address as the last responding server saw it (Via received/rport), if any. */
  readonly publicAddress: Address | undefined;
  /** Raw bytes to a target or over a flow: RFC 5626 CRLF keep-alives. Never throws. */
  send(bytes: Uint8Array, target: Target, flowId?: string): Promise<SendResult>;
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
