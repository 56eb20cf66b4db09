// The registration's flow (RFC 5626 §4.4): its keep-alives, the pongs seen on it, and the closings the transport reports.

import type { SipMessage } from '../message/index.ts';
import type { SipContext } from '../transaction/index.ts';
import type { Flow } from '../transport/types.ts';
import type { Sent } from './exchange.ts';
import { KeepAlive, type KeepAliveFailure, KeepAliveModes } from './KeepAlive.ts';
import { DEFAULT_KEEPALIVE_S, keepAliveSeconds } from './policy.ts';
import type { RegistrationRequests } from './requests.ts';

export interface FlowHandlers {
  /** A final response to a keep-alive OPTIONS (its Via shows where the registrar sees us). */
  readonly answered: (response: SipMessage) => void;
  /** A keep-alive is due and the flow is still there: it lived one more interval. */
  readonly lived: () => void;
  /** The flow or the registrar is dead; a flow whose pong never came is closed already. */
  readonly failed: (reason: KeepAliveFailure) => void;
}

/**
 * Keeps one registration's flow alive and watches it. A connection closed by the other end (or the network) goes to
 * `closed`; one we closed ourselves (no pong) does not, and is never used again.
 */
export class FlowWatch {
  readonly #ctx: SipContext;
  readonly #requests: RegistrationRequests;
  readonly #configuredSeconds: number;
  readonly #modes = new KeepAliveModes();
  #keepAlive: KeepAlive | undefined;
  /** Flows we closed ourselves (no pong): their `flowClosed` is no news. */
  readonly #closedByUs = new Set<string>();
  /** Open flows on which a pong arrived: their registrar answers pings (RFC 5626 §4.4.1). */
  readonly #ponged = new Set<string>();

  constructor(ctx: SipContext, requests: RegistrationRequests, keepAliveSecondsConfigured: number | undefined, closed: (flow: Flow) => void) {
    this.#ctx = ctx;
    this.#requests = requests;
    this.#configuredSeconds = keepAliveSecondsConfigured ?? DEFAULT_KEEPALIVE_S;
    ctx.transport.flowEvents.on('keepAlive', (flow, kind) => {
      if (kind === 'pong') this.#ponged.add(flow.id);
    });
    ctx.transport.flowEvents.on('flowClosed', (flow) => {
      this.#ponged.delete(flow.id);
      if (!this.#closedByUs.delete(flow.id)) closed(flow);
    });
  }

  /** `flowId`, unless we closed that flow ourselves: then undefined, for a new connection. */
  usable(flowId: string | undefined): string | undefined {
    return flowId !== undefined && this.#closedByUs.has(flowId) ? undefined : flowId;
  }

  /** A new start: flows closed in an earlier run are no concern any more. */
  reset(): void {
    this.#closedByUs.clear();
  }

  /**
   * Keep-alives on `sent`'s flow until stop() (RFC 5626 §4.4.1 Flow-Timer honoured): OPTIONS or CRLF pings (see
   * KeepAliveModes). A pong is expected when the 200 said `Require: outbound` (`outbound`), or once one came on that flow.
   */
  watch(sent: Sent, flowTimer: number | undefined, outbound: boolean, handlers: FlowHandlers): void {
    this.stop();
    const flowId = sent.target.protocol === 'udp' ? undefined : sent.flowId;
    const keepAlive = new KeepAlive(this.#ctx, {
      target: sent.target,
      flowId,
      mode: this.#modes.mode(sent.target),
      interval: () => keepAliveSeconds(this.#configuredSeconds, this.#ctx.random, flowTimer),
      pongExpected: () => outbound || (flowId !== undefined && this.#ponged.has(flowId)),
      buildOptions: () => this.#requests.options(sent.server, sent.target, sent.sentBy),
      answered: (response) => {
        this.#modes.answered(sent.target);
        handlers.answered(response);
      },
      lived: handlers.lived,
      failed: (reason) => {
        if (reason === 'timeout') this.#modes.timedOut(sent.target);
        if (reason === 'pong-timeout' && flowId !== undefined) {
          // Nothing answers on that connection any more: close it, so that the new REGISTER opens a new one.
          this.#closedByUs.add(flowId);
          this.#ctx.transport.closeFlow(sent.target.protocol, flowId);
        }
        handlers.failed(reason);
      },
    });
    this.#keepAlive = keepAlive;
    keepAlive.start();
  }

  stop(): void {
    this.#keepAlive?.stop();
    this.#keepAlive = undefined;
  }
}
