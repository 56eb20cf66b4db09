// Where the INVITEs of one outgoing call go (RFC 3263 §4.3 failover, RFC 5626 flows): the failover order, the
// target and flow of the current attempt, our address toward it, and the client transactions it started.

import { errorMessage } from '../../errors.ts';
import {
  type ClientTransaction, type ClientTransactionUser, type SipContext, type TargetFailover, failover,
} from '../transaction/index.ts';
import type { SipMessage } from '../message/index.ts';
import { type Address, type Target, TransportError } from '../transport/types.ts';

/** What the call does at each step of an attempt. */
export interface InviteAttempts {
  /** Attempt number `attempt` of a new INVITE begins (0: the first target; more: a failover, in a new transaction). */
  begin(attempt: number): void;
  /** Our address toward the attempt's target was looked up: whether the attempt still goes out (no hangup meanwhile). */
  proceed(): boolean;
  /** The INVITE to send from `sentBy`, or undefined when it could not be built (the call ended). */
  build(sentBy: Address): SipMessage | undefined;
  /** A response to `invite`, the INVITE of the attempt it answers. */
  response(invite: SipMessage, response: SipMessage): void;
  /** Every target of the current INVITE failed before a final response (one that never went out included). */
  failed(kind: 'timeout' | 'transportError'): void;
}

/** One INVITE (one CSeq) on its way through the failover order; `invite` is the one of the current attempt. */
interface Run {
  invite: SipMessage | undefined;
  /** A final response came: a later transport error (sending its ACK) does not end the call. */
  answered: boolean;
}

export class InviteTargets {
  readonly #ctx: SipContext;
  readonly #call: string;
  readonly #flow: string | undefined;
  readonly #attempts: InviteAttempts;
  /** Where the caller's flow leads (RFC 5626: the registration's, to the first target). */
  readonly #first: Target;
  /** The failover order of the current INVITE and the target of its current attempt. */
  #targets: readonly Target[];
  #current: Target;
  #failover: TargetFailover | undefined;
  #run: Run | undefined;
  /** Every INVITE transaction started: while one exists, a 2xx to it may still come (RFC 6026). */
  #transactions: ClientTransaction[] = [];

  /** `call`: the call's id, for log lines; `flowId`: the flow the caller asked for, toward the first target. */
  constructor(ctx: SipContext, call: string, targets: readonly Target[], flowId: string | undefined, attempts: InviteAttempts) {
    if (targets.length === 0) throw new TypeError('an outgoing call needs at least one target');
    this.#ctx = ctx;
    this.#call = call;
    this.#flow = flowId;
    this.#attempts = attempts;
    this.#targets = targets;
    this.#current = targets[0]!;
    this.#first = this.#current;
  }

  /** The target of the current attempt. */
  get current(): Target {
    return this.#current;
  }

  /** Whether an INVITE transaction of the call still exists. */
  get alive(): boolean {
    return this.#transactions.some((tx) => tx.state !== 'terminated');
  }

  /** The flow the caller asked for (RFC 5626: the registration's), while the INVITE still goes where it leads. */
  flowId(): string | undefined {
    const first = this.#first;
    const now = this.#current;
    const same = now.protocol === first.protocol && now.host === first.host && now.port === first.port;
    return same ? this.#flow : undefined;
  }

  /**
   * A new INVITE to `targets` in failover order (RFC 3263 §4.3): each target that times out, cannot be reached or
   * answers 503 is marked failed and the next one gets the INVITE in a new transaction, with a new branch and the
   * next CSeq (a server behind both must not take the second for a merged request, §8.2.2.2).
   */
  send(targets: readonly Target[] = this.#targets): void {
    this.#failover?.cancel();
    this.#targets = targets;
    const run: Run = { invite: undefined, answered: false };
    this.#run = run;
    const ctx = this.#ctx;
    this.#failover = failover({
      targets,
      send: (target, attempt, user) => {
        this.#current = target;
        this.#attempts.begin(attempt);
        this.#sendTo(target, run, user);
      },
      user: {
        response: (response) => {
          if (response.status >= 200) run.answered = true;
          this.#attempts.response(run.invite!, response);
        },
        timeout: () => this.#failed(run, 'timeout'),
        transportError: () => this.#failed(run, 'transportError'),
      },
      onTargetFailed: (target, reason) => {
        ctx.resolver.markFailed(target);
        ctx.logger.info('callTargetFailed', { call: this.#call, target: `${target.protocol}:${target.host}:${target.port}`, reason });
      },
    });
  }

  /** The same INVITE again after a challenge or a 422: to the target that answered, then the ones not tried yet. */
  again(): void {
    this.send(this.#targets.slice(this.#failover?.attempt ?? 0));
  }

  /** Tries no further target (a hangup, the call ended). */
  stop(): void {
    this.#failover?.cancel();
  }

  #sendTo(target: Target, run: Run, user: ClientTransactionUser): void {
    const ctx = this.#ctx;
    const flowId = this.flowId();
    // Our Via and Contact name the address the kernel uses toward this target, never the 0.0.0.0 we listen on.
    void ctx.transport.localAddress(target, flowId).then((sentBy) => {
      if (target !== this.#current || run !== this.#run || !this.#attempts.proceed()) return;
      if (sentBy === undefined) {
        ctx.logger.warn('noTransport', { call: this.#call, protocol: target.protocol, target: `${target.host}:${target.port}` });
        // A target we cannot send to is a failed one (§4.3): the next one is tried, the last one ends the call.
        user.transportError(new TransportError('SEND_FAILED', `no ${target.protocol} route to ${target.host}:${target.port}`));
        return;
      }
      const invite = this.#attempts.build(sentBy);
      if (invite === undefined) return;
      run.invite = invite;
      this.#transactions = this.#transactions.filter((tx) => tx.state !== 'terminated');
      this.#transactions.push(ctx.transactions.sendRequest(invite, target, user, flowId));
    }).catch((error: unknown) => {
      // A bug costs this attempt (the call fails over or ends), never the process.
      ctx.logger.error('inviteSendFailed', { call: this.#call, error: errorMessage(error) });
      user.transportError(new TransportError('SEND_FAILED', `the INVITE to ${target.host}:${target.port} could not be sent`));
    });
  }

  #failed(run: Run, kind: 'timeout' | 'transportError'): void {
    if (run !== this.#run || run.answered) return;
    this.#attempts.failed(kind);
  }
}
