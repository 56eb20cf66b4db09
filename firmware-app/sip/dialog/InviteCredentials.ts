// The digest challenges of one outgoing call (RFC 3261 §22.2, §22.3; RFC 7616 §3.4) and whom they may be answered
// for: the configured proxy/registrar, never a redirect target (§8.1.3.4, SIPDigestLeak).

import { errorMessage } from '../../errors.ts';
import type { Logger } from '../../platform/Logger.ts';
import type { SipMessage } from '../message/index.ts';
import type { OutgoingCallOptions } from './types.ts';

/** One answer per challenge kind is normal (407 from the proxy, then 401 from the far end); more means a loop. */
const MAX_AUTH_ATTEMPTS = 3;

type Headers = Array<readonly [string, string]>;

/**
 * Who may be answered: anyone on the way to the configured target; after a redirect, nobody. Not even a 407 in our
 * outbound proxy's realm: a realm is a string anyone behind the redirect can copy, and a digest answer is material for
 * an offline guess. A redirected call through a proxy that challenges every INVITE fails instead.
 */
type Scope = 'configured' | 'nobody';

export class InviteCredentials {
  readonly #authenticate: OutgoingCallOptions['authenticate'];
  readonly #logger: Logger;
  readonly #call: string;
  /**
   * The challenges answered so far, one per header (a proxy's 407, the far end's 401). Every new INVITE answers
   * them again: re-sending the same credentials would repeat their `nc`, which a server takes for a replay (RFC 7616
   * §3.4); the answer just computed for a challenge is used once, by the INVITE that follows it.
   */
  readonly #challenges = new Map<string, SipMessage>();
  readonly #fresh = new Map<string, string>();
  #attempts = 0;
  #scope: Scope = 'configured';

  /** `call`: the call's id, for log lines. */
  constructor(authenticate: OutgoingCallOptions['authenticate'], logger: Logger, call: string) {
    this.#authenticate = authenticate;
    this.#logger = logger;
    this.#call = call;
  }

  /** Credentials for `build`'s INVITE: the fresh answer of the last challenge, the others answered anew. */
  headersFor(build: (credentials: Headers) => SipMessage): SipMessage {
    // Digest answers cover the method, the Request-URI and (auth-int) the body: computed on the request without them.
    const bare = build([]);
    if (this.#challenges.size === 0) return bare;
    const headers: Headers = [];
    for (const [header, challenge] of this.#challenges) {
      const fresh = this.#fresh.get(header);
      if (fresh !== undefined) {
        headers.push([header, fresh]);
        continue;
      }
      const answer = this.#answer(challenge, bare);
      if (answer !== undefined) headers.push([answer.header, answer.value]);
    }
    this.#fresh.clear();
    return build(headers);
  }

  /**
   * A 401 or 407 to `invite` (as it was sent, credentials and all: that is how the callback tells a wrong password):
   * true when it was answered and the next INVITE carries the answer.
   */
  challenged(response: SipMessage, invite: SipMessage): boolean {
    if (this.#authenticate === undefined || this.#attempts >= MAX_AUTH_ATTEMPTS || !this.#mayAnswer()) return false;
    const answer = this.#answer(response, invite);
    if (answer === undefined) return false;
    this.#attempts++;
    this.#challenges.set(answer.header, response);
    this.#fresh.set(answer.header, answer.value);
    return true;
  }

  /**
   * §8.1.3.4: the request goes to whoever the 3xx named. It gets no credentials, and its challenges are not
   * answered (their digest `uri` would be the new Request-URI anyway), through our outbound proxy or not.
   */
  redirected(): void {
    this.#scope = 'nobody';
    this.#challenges.clear();
    this.#fresh.clear();
  }

  #mayAnswer(): boolean {
    return this.#scope === 'configured';
  }

  /** The authenticate callback's answer, or undefined (logged) when it cannot answer or throws. */
  #answer(challenge: SipMessage, request: SipMessage): { header: string; value: string } | undefined {
    let answer;
    try {
      answer = this.#authenticate!(challenge, request);
    } catch (error) {
      this.#logger.warn('authenticateFailed', { call: this.#call, error: errorMessage(error) });
      return undefined;
    }
    if (!answer.ok) {
      this.#logger.info('challengeNotAnswered', { call: this.#call, reason: answer.reason });
      return undefined;
    }
    return answer;
  }
}
