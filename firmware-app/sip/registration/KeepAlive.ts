// Keep-alives for a registration's flow (RFC 5626 §4.4 / common practice): CRLF pings, or OPTIONS over UDP.

import type { TimerHandle } from '../../platform/Clock.ts';
import type { SipMessage } from '../message/index.ts';
import type { SipContext } from '../transaction/index.ts';
import type { Target } from '../transport/types.ts';

/** RFC 5626 §3.5.1: a CRLF ping. */
export const CRLF_PING: Uint8Array = new TextEncoder().encode('\r\n\r\n');

/**
 * How a keep-alive found the flow dead: `timeout` / `transport-error` of an OPTIONS transaction, or
 * `flow-failed` when a ping could not be sent on the flow (or went out on a new connection instead).
 */
export type KeepAliveFailure = 'timeout' | 'transport-error' | 'flow-failed';

export interface KeepAliveOptions {
  readonly target: Target;
  /** The registration's TCP/TLS flow, or undefined over UDP. */
  readonly flowId: string | undefined;
  /**
   * `options`: an OPTIONS transaction to the registrar (UDP): a dead registrar times out, and the Via of the
   * answer shows the address the registrar sees us at. `crlf`: a CRLFCRLF ping (TCP/TLS; UDP fallback).
   */
  readonly mode: 'options' | 'crlf';
  /** Seconds to the next keep-alive (already jittered). */
  readonly interval: () => number;
  /** Builds the next OPTIONS request (mode `options`). */
  readonly buildOptions: () => SipMessage;
  /** Any final response to an OPTIONS: the registrar is alive. */
  readonly answered: (response: SipMessage) => void;
  /** The flow or the registrar is gone; no further keep-alive is sent. */
  readonly failed: (reason: KeepAliveFailure) => void;
}

/** Sends one keep-alive per interval until stopped or until one fails. The next interval starts when the previous keep-alive completed. */
export class KeepAlive {
  readonly #ctx: SipContext;
  readonly #options: KeepAliveOptions;
  #timer: TimerHandle | undefined;
  #stopped = false;

  constructor(ctx: SipContext, options: KeepAliveOptions) {
    this.#ctx = ctx;
    this.#options = options;
  }

  start(): void {
    this.#schedule();
  }

  stop(): void {
    this.#stopped = true;
    this.#timer?.cancel();
    this.#timer = undefined;
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

  #fire(): void {
    this.#timer = undefined;
    if (this.#stopped) return;
    const { target, flowId } = this.#options;
    if (this.#options.mode === 'crlf') {
      void this.#ctx.transport.send(CRLF_PING, target, flowId).then((result) => {
        if (this.#stopped) return;
        // Sent on another connection than the registration's: the drivers opened a new one because ours is gone.
        if (!result.ok || (flowId !== undefined && result.flow.id !== flowId)) this.#fail('flow-failed');
        else this.#schedule();
      });
      return;
    }
    this.#ctx.transactions.sendRequest(this.#options.buildOptions(), target, {
      response: (response) => {
        if (this.#stopped || response.status < 200) return;
        this.#options.answered(response);
        this.#schedule();
      },
      timeout: () => this.#fail('timeout'),
      transportError: () => this.#fail('transport-error'),
    }, flowId);
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
