// Keep-alives for a registration's flow (RFC 5626 §4.4 / common practice): CRLF pings, or OPTIONS over UDP.

import type { TimerHandle } from '../../platform/Clock.ts';
import type { SipMessage } from '../message/index.ts';
import type { SipContext } from '../transaction/index.ts';
import type { Target } from '../transport/types.ts';
import { PONG_TIMEOUT_MS } from './policy.ts';

/** RFC 5626 §3.5.1: a CRLF ping. */
export const CRLF_PING: Uint8Array = new TextEncoder().encode('\r\n\r\n');

/**
 * How a keep-alive found the flow dead: `timeout` / `transport-error` of an OPTIONS transaction, `flow-failed` when
 * a ping could not be sent on the flow, `pong-timeout` when an expected pong did not come within PONG_TIMEOUT_MS.
 */
export type KeepAliveFailure = 'timeout' | 'transport-error' | 'flow-failed' | 'pong-timeout';

export interface KeepAliveOptions {
  readonly target: Target;
  /** The registration's TCP/TLS flow, or undefined over UDP. */
  readonly flowId: string | undefined;
  /**
   * `options`: an OPTIONS transaction to the registrar (UDP): a dead registrar times out, and the Via of the
   * answer shows the address the registrar sees us at. `crlf`: a CRLFCRLF ping, on a TCP/TLS flow answered by a
   * pong when the registrar supports outbound (RFC 5626 §4.4.1); over UDP (fallback) unanswered, it only keeps a NAT
   * binding open.
   */
  readonly mode: 'options' | 'crlf';
  /**
   * Asked before each ping on a flow: must a pong answer it? RFC 5626 §4.4.1 promises pongs only from a registrar that
   * supports outbound (its 200 said `Require: outbound`), or evidently from one that answered a ping on this flow.
   * Otherwise a missing pong says nothing: the ping only keeps a NAT binding open, and a dead flow shows as closed.
   */
  readonly pongExpected: () => boolean;
  /** Seconds to the next keep-alive (already jittered). */
  readonly interval: () => number;
  /** Builds the next OPTIONS request (mode `options`). */
  readonly buildOptions: () => SipMessage;
  /** Any final response to an OPTIONS: the registrar is alive. */
  readonly answered: (response: SipMessage) => void;
  /** The flow proved to work: a pong, an answered OPTIONS, or still open one interval after an unanswered ping (RFC 5626 §4.5 resets on that). */
  readonly lived: () => void;
  /** The flow or the registrar is gone; no further keep-alive is sent. */
  readonly failed: (reason: KeepAliveFailure) => void;
}

/** Sends one keep-alive per interval until stopped or until one fails. The next interval starts when the previous keep-alive completed. */
export class KeepAlive {
  readonly #ctx: SipContext;
  readonly #options: KeepAliveOptions;
  #timer: TimerHandle | undefined;
  #pongTimer: TimerHandle | undefined;
  #unsubscribe: (() => void) | undefined;
  #stopped = false;
  /** The last keep-alive was a ping that needed no answer and went out: if the flow is still there at the next, it lived. */
  #pingSent = false;

  constructor(ctx: SipContext, options: KeepAliveOptions) {
    this.#ctx = ctx;
    this.#options = options;
  }

  start(): void {
    const { flowId, mode } = this.#options;
    if (mode === 'crlf' && flowId !== undefined) {
      this.#unsubscribe = this.#ctx.transport.flowEvents.on('keepAlive', (flow, kind) => {
        if (kind === 'pong' && flow.id === flowId) this.#pong();
      });
    }
    this.#schedule();
  }

  stop(): void {
    this.#stopped = true;
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#pongTimer?.cancel();
    this.#pongTimer = undefined;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = this.#ctx.clock.setTimer(this.#options.interval() * 1000, () => this.#fire());
  }

  #fail(reason: KeepAliveFailure): void {
    if (this.#stopped) return;
    this.stop();
    this.#options.failed(reason);
  }

  #pong(): void {
    if (this.#stopped || this.#pongTimer === undefined) return;
    this.#pongTimer.cancel();
    this.#pongTimer = undefined;
    this.#options.lived(); // the flow answered: proof that it works
    this.#schedule();
  }

  #fire(): void {
    this.#timer = undefined;
    if (this.#stopped) return;
    // A ping that needed no answer proves nothing when it is sent; the flow still being there one interval later does.
    if (this.#pingSent) this.#options.lived();
    this.#pingSent = false;
    const { target, flowId } = this.#options;
    if (this.#options.mode === 'crlf') {
      if (flowId === undefined) {
        // UDP fallback: nothing answers a CRLF over UDP; it keeps the NAT binding open, no more.
        void this.#ctx.transport.send(CRLF_PING, target).then((result) => this.#sent(result.ok));
        return;
      }
      // RFC 5626 §4.4.1: an expected pong must come within 10 s, else the flow is dead. The timer runs from the send,
      // and a pong that overtakes the send's result still counts.
      const pongExpected = this.#options.pongExpected();
      if (pongExpected) this.#pongTimer = this.#ctx.clock.setTimer(PONG_TIMEOUT_MS, () => this.#fail('pong-timeout'));
      void this.#ctx.transport.sendKeepAlive(target.protocol, flowId, CRLF_PING).then((result) => {
        if (!result.ok) this.#fail('flow-failed');
        else if (!pongExpected) this.#sent(true);
      });
      return;
    }
    this.#ctx.transactions.sendRequest(this.#options.buildOptions(), target, {
      response: (response) => {
        if (this.#stopped || response.status < 200) return;
        this.#options.answered(response);
        this.#options.lived();
        this.#schedule();
      },
      timeout: () => this.#fail('timeout'),
      transportError: () => this.#fail('transport-error'),
    }, flowId);
  }

  /** A ping that nothing answers was sent (or not): the next one, or the flow failed. */
  #sent(ok: boolean): void {
    if (this.#stopped) return;
    if (!ok) {
      this.#fail('flow-failed');
      return;
    }
    this.#pingSent = true;
    this.#schedule();
  }
}

function targetKey(target: Target): string {
  return `${target.protocol} ${target.host} ${target.port}`;
}

/**
 * Which keep-alive a target gets. TCP/TLS: CRLF pings on the flow. UDP: OPTIONS, because only an answer shows a dead
 * registrar and the address it sees us at (a CRLF over UDP gets none); but a target whose OPTIONS timed out before it
 * ever answered one, and which then accepts a REGISTER, evidently ignores OPTIONS: it gets CRLF pings from then on,
 * rather than a re-registration every minute.
 */
export class KeepAliveModes {
  readonly #answered = new Set<string>();
  readonly #ignoresOptions = new Set<string>();

  mode(target: Target): 'options' | 'crlf' {
    return target.protocol === 'udp' && !this.#ignoresOptions.has(targetKey(target)) ? 'options' : 'crlf';
  }

  answered(target: Target): void {
    this.#answered.add(targetKey(target));
    this.#ignoresOptions.delete(targetKey(target));
  }

  timedOut(target: Target): void {
    if (!this.#answered.has(targetKey(target))) this.#ignoresOptions.add(targetKey(target));
  }
}
