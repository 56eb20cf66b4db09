// RFC 3263 §4.3 failover for client requests: a new client transaction per target until one gives an answer. The
// caller sends each attempt (an INVITE looks up its local address toward each target first); this is the policy.

import type { Target, TransportError } from '../transport/types.ts';
import type { ClientTransactionUser } from './types.ts';

/** Why a target was given up: the three failures RFC 3263 §4.3 names. */
export type TargetFailure = 'timeout' | 'transportError' | 'serviceUnavailable';

/** What `failover` needs: the targets, how to send one attempt, and who hears the outcome. */
export interface TargetFailoverOptions {
  /** Targets in the order to try them: a resolver's `resolve` result. Must not be empty. */
  readonly targets: readonly Target[];
  /**
   * Sends attempt number `attempt` to `target` in a new client transaction (§4.3: a new Via branch) that reports to
   * `user`. It may send later (an address still to be looked up); it must report a failure to send as a transport
   * error on `user`.
   */
  readonly send: (target: Target, attempt: number, user: ClientTransactionUser) => void;
  /** Gets every response but a 503 that led to the next target, and the last outcome when all targets failed. */
  readonly user: ClientTransactionUser;
  /**
   * Each failed target, the last one included, as it is given up (callers pass it to `resolver.markFailed`). A 503
   * after a 18x is no failure of the target: the request got past it.
   */
  readonly onTargetFailed?: (target: Target, reason: TargetFailure) => void;
}

/** A running failover: where it is, and a way to stop it trying further targets. */
export interface TargetFailover {
  /** The target of the current attempt. */
  readonly current: Target;
  /** The index of the current attempt in `targets`. */
  readonly attempt: number;
  /**
   * Tries no further target. The current attempt's outcome still reaches the user as it is, a 503 included
   * (and `onTargetFailed` still hears of a failure), so a CANCELled INVITE still reports its 487.
   */
  cancel(): void;
}

/**
 * RFC 3263 §4.3 over any way of sending: the first target gets the request; on a timeout, a transport error or a
 * 503 (RFC 3261 §21.5.4) the next one gets a new attempt from `send`. Once a final response other than 503 has
 * arrived, the choice is made: everything later from that attempt (2xx retransmissions, a transport error sending
 * the ACK) goes to the user unchanged. A provisional response other than 100 makes the choice too: the request got
 * past the target (a phone behind it rings), so a later 503 is the answer of whatever is behind it, passed to the
 * user, and no failure of the target. Throws a TypeError when `targets` is empty.
 */
export function failover(options: TargetFailoverOptions): TargetFailover {
  if (options.targets.length === 0) throw new TypeError('failover needs at least one target');
  const { targets, send, user, onTargetFailed } = options;
  let index = 0;
  /** A final outcome went to the user: what the attempt reports from now on is passed through as it is. */
  let answered = false;
  /** cancel() was called or a 18x came: the current target is the last one tried. */
  let stopped = false;

  const attempt = (): void => {
    const mine = index;
    const target = targets[mine]!;
    // Events of an attempt already given up (a late transport error sending the ACK for its 503) are not ours.
    const current = (): boolean => mine === index;
    /** A 18x came through this target: it works, whatever comes after. */
    let passed = false;
    const failed = (reason: TargetFailure, report: () => void): void => {
      if (!current()) return;
      if (!answered) {
        // A target that passed a 18x got the call through: what fails after that is not the target's fault.
        if (!passed) onTargetFailed?.(target, reason);
        if (!stopped && index + 1 < targets.length) {
          index++;
          attempt();
          return;
        }
        answered = true;
      }
      report();
    };
    send(target, mine, {
      response: (response) => {
        if (!current()) return;
        if (response.status > 100 && response.status < 200) {
          passed = true;
          stopped = true;
        }
        if (response.status === 503 && !passed) {
          failed('serviceUnavailable', () => user.response(response));
          return;
        }
        if (response.status >= 200) answered = true;
        user.response(response);
      },
      timeout: () => failed('timeout', () => user.timeout()),
      transportError: (error: TransportError) => failed('transportError', () => user.transportError(error)),
    });
  };

  attempt();
  return {
    get current() {
      return targets[index]!;
    },
    get attempt() {
      return index;
    },
    cancel: () => {
      stopped = true;
    },
  };
}
