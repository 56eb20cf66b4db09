// Un-REGISTER (RFC 3261 §10.2.2): Expires: 0 for our Contact, challenges answered, bounded in time.

import type { DigestClientApi } from '../auth/types.ts';
import type { SipMessage } from '../message/index.ts';
import type { SipContext } from '../transaction/index.ts';
import type { Target } from '../transport/types.ts';
import { STOP_BOUND_MS } from './policy.ts';

/** Challenges answered for one un-REGISTER (a proxy's and the registrar's). */
const MAX_AUTH_ROUNDS = 2;

export interface UnregisterOptions {
  readonly target: Target;
  readonly flowId: string | undefined;
  /** Builds the REGISTER with Expires: 0 carrying `auth` (a new CSeq each call); may throw. */
  readonly build: (auth: ReadonlyMap<string, string>) => SipMessage;
}

/**
 * Sends the un-REGISTER and resolves on its final response, a timeout, a transport error, or after STOP_BOUND_MS,
 * whichever comes first: shutting the device down must not wait 32 s for Timer F.
 */
export function unregister(ctx: SipContext, digest: DigestClientApi, options: UnregisterOptions): Promise<void> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      bound.cancel();
      resolve();
    };
    const bound = ctx.clock.setTimer(STOP_BOUND_MS, () => {
      ctx.logger.debug('unregisterUnanswered', { target: `${options.target.host}:${options.target.port}` });
      finish();
    });
    const auth = new Map<string, string>();
    let rounds = 0;
    const send = (): void => {
      let request: SipMessage;
      try {
        request = options.build(auth);
      } catch {
        finish(); // the transport it needs is gone
        return;
      }
      ctx.transactions.sendRequest(request, options.target, {
        response: (response) => {
          if (done || response.status < 200) return;
          if ((response.status === 401 || response.status === 407) && rounds < MAX_AUTH_ROUNDS) {
            const answer = digest.answer(response, request);
            if (answer.ok) {
              rounds++;
              auth.set(answer.header, answer.value);
              send();
              return;
            }
          }
          finish();
        },
        timeout: finish,
        transportError: finish,
      }, options.flowId);
    };
    send();
  });
}
