// Un-REGISTER (RFC 3261 §10.2.2): Expires: 0 for our Contact, challenges answered, bounded in time.

import type { DigestClientApi } from '../auth/types.ts';
import type { SipMessage } from '../message/index.ts';
import type { SipContext } from '../transaction/index.ts';
import type { Address, Target } from '../transport/types.ts';
import { STOP_BOUND_MS } from './policy.ts';

/** Challenges answered for one un-REGISTER (a proxy's and the registrar's). */
const MAX_AUTH_ROUNDS = 2;

/**
 * How an un-REGISTER ended: `removed` by a 2xx; otherwise the registrar may still hold the binding: `refused` (a
 * final non-2xx, or a challenge we could not or would no longer answer), `timeout` (Timer F or the stop bound),
 * `transport-error`, or `unsendable` (no address or transport to send it from).
 */
export type UnregisterOutcome = 'removed' | 'refused' | 'timeout' | 'transport-error' | 'unsendable';

export interface UnregisterOptions {
  readonly target: Target;
  readonly flowId: string | undefined;
  /** Our Via sent-by toward the target; may open a connection, so it runs inside the bound. */
  readonly sentBy: () => Promise<Address>;
  /** Builds the REGISTER with Expires: 0 carrying `auth` (a new CSeq each call); may throw. */
  readonly build: (sentBy: Address, auth: ReadonlyMap<string, string>) => SipMessage;
}

/**
 * Sends the un-REGISTER and resolves with its outcome on its final response, a timeout, a transport error, or after
 * STOP_BOUND_MS from the call (the sent-by lookup included), whichever comes first: shutting the device down must
 * wait neither for Timer F nor for a connect to a registrar that is gone.
 */
export function unregister(ctx: SipContext, digest: DigestClientApi, options: UnregisterOptions): Promise<UnregisterOutcome> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (outcome: UnregisterOutcome): void => {
      if (done) return;
      done = true;
      bound.cancel();
      resolve(outcome);
    };
    const bound = ctx.clock.setTimer(STOP_BOUND_MS, () => {
      ctx.logger.debug('unregisterUnanswered', { target: `${options.target.host}:${options.target.port}` });
      finish('timeout');
    });
    const auth = new Map<string, string>();
    let rounds = 0;
    const send = (sentBy: Address): void => {
      let request: SipMessage;
      try {
        request = options.build(sentBy, auth);
      } catch {
        finish('unsendable'); // the transport it needs is gone
        return;
      }
      ctx.transactions.sendRequest(request, options.target, {
        response: (response) => {
          if (done || response.status < 200) return;
          if (response.status < 300) {
            finish('removed');
            return;
          }
          if ((response.status === 401 || response.status === 407) && rounds < MAX_AUTH_ROUNDS) {
            const answer = digest.answer(response, request);
            if (answer.ok) {
              rounds++;
              auth.set(answer.header, answer.value);
              send(sentBy);
              return;
            }
          }
          finish('refused');
        },
        timeout: () => finish('timeout'),
        transportError: () => finish('transport-error'),
      }, options.flowId);
    };
    options.sentBy().then(
      (sentBy) => {
        if (!done) send(sentBy);
      },
      () => finish('unsendable'),
    );
  });
}
