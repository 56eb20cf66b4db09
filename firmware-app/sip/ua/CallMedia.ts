// Where sip/ua plugs the media in: each call's session-description handler is made by the injected factory, and
// what the media reports (RTP started/stopped, RFC 4733 digits, a dead far end) reaches the UA's events under the
// call the application placed.

import type { Emitter } from '../../platform/Emitter.ts';
import type { Logger } from '../../platform/Logger.ts';
import type { Call, SessionDescriptionHandler, SessionMediaContext } from '../dialog/types.ts';
import type { Address, TransportProtocol } from '../transport/types.ts';
import type { UserAgentEvents } from './UserAgent.ts';

type DigitInfo = Parameters<UserAgentEvents['dtmfReceived']>[1];

export class CallMedia {
  readonly #events: Emitter<UserAgentEvents>;
  readonly #logger: Logger;
  readonly #factory: (local: Address, context: SessionMediaContext) => SessionDescriptionHandler;
  /** The group (one bell press) each outgoing call belongs to. */
  readonly #groupOf = new WeakMap<Call, Call>();
  /** How each call's digits arrive (the first way seen). */
  readonly #dtmfSource = new WeakMap<Call, DigitInfo['source']>();

  constructor(events: Emitter<UserAgentEvents>, logger: Logger, factory: (local: Address, context: SessionMediaContext) => SessionDescriptionHandler) {
    this.#events = events;
    this.#logger = logger;
    this.#factory = factory;
  }

  /** `members` ring for `group`: their media events are reported under the group. */
  group(group: Call, members: readonly Call[]): void {
    for (const member of members) this.#groupOf.set(member, group);
  }

  /** The media side of a call about to be made: what it reports reaches the UA once the call exists (`bind`). */
  forCall(local: Address, protocol: TransportProtocol): { readonly sdh: SessionDescriptionHandler; bind<C extends Call>(call: C): C } {
    let member: Call | undefined;
    // Media events name the call the application placed (the group of a bell press), as its other events do.
    const app = (): Call | undefined => (member === undefined ? undefined : (this.#groupOf.get(member) ?? member));
    const sdh = this.#factory(local, {
      secureSignalling: protocol === 'tls',
      started: (report) => {
        const call = app();
        if (call !== undefined) this.#events.emit('mediaStarted', call, report);
      },
      stopped: (report) => {
        const call = app();
        if (call !== undefined) this.#events.emit('mediaStopped', call, report);
      },
      dtmf: (info) => {
        const call = app();
        // Only in an answered call: events in early media (a PBX's announcement, a phone still ringing) are no key
        // presses of the person who answers, and must not count toward a door code.
        if (call !== undefined && member?.state === 'confirmed') this.digit(call, { ...info, source: 'rfc4733' });
      },
      failed: (reason) => {
        if (member === undefined || member.state === 'ended') return;
        this.#logger.warn('mediaFailed', { call: app()!.id, reason });
        member.hangup();
      },
    });
    return {
      sdh,
      bind: (call) => {
        member = call;
        return call;
      },
    };
  }

  /**
   * One key press, once: a phone set to send both RFC 4733 events and SIP INFO would give each digit twice, so the
   * first way a call's digits arrive is the only one taken from it (a door code must not count a key twice).
   */
  digit(call: Call, info: DigitInfo): void {
    const first = this.#dtmfSource.get(call);
    if (first === undefined) this.#dtmfSource.set(call, info.source);
    else if (first !== info.source) {
      this.#logger.debug('dtmfIgnored', { call: call.id, source: info.source, using: first });
      return;
    }
    this.#events.emit('dtmfReceived', call, info);
  }
}
