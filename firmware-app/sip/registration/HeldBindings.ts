// Bindings a registrar may still hold for us, and their removal (RFC 3261 §10.2.2; RFC 5626 §4.2.1: one Contact per reg-id).

import type { DigestClientApi } from '../auth/types.ts';
import type { SipContext } from '../transaction/index.ts';
import { formatAddress } from '../transport/flows.ts';
import type { Target } from '../transport/types.ts';
import { sameTarget } from './binding.ts';
import type { Binding, Sent } from './exchange.ts';
import type { RegistrationRequests } from './requests.ts';
import { type UnregisterOutcome, unregister } from './unregister.ts';

/** A binding some registrar may hold for us, with the clock time its grant runs out. */
type Held = Binding & { readonly until: number };

function heldKey(target: Target, uri: string): string {
  return `${target.protocol} ${formatAddress(target)} ${uri}`;
}

/**
 * Every binding a registrar may still hold for us, by target and Contact URI: the current one, one left at a registrar
 * we failed over from, one whose removal was not answered. A removal that fails is held again, so a later one (the
 * next replacement at that registrar, or stop()) tries once more while the grant may still run.
 */
export class HeldBindings {
  readonly #ctx: SipContext;
  readonly #digest: DigestClientApi;
  readonly #requests: RegistrationRequests;
  readonly #held = new Map<string, Held>();
  /** Removals of replaced Contacts still under way: a stop waits for them too (each is bounded by STOP_BOUND_MS). */
  readonly #pending = new Set<Promise<void>>();

  constructor(ctx: SipContext, digest: DigestClientApi, requests: RegistrationRequests) {
    this.#ctx = ctx;
    this.#digest = digest;
    this.#requests = requests;
  }

  /** Remembers that the registrar behind `sent.target` holds `sent`'s Contact for `granted` seconds (0: it holds none). */
  hold(sent: Sent, granted: number): void {
    const key = heldKey(sent.target, sent.contactUri);
    this.#held.delete(key);
    if (granted <= 0) return;
    this.#held.set(key, { ...sent, granted, publicAddress: undefined, until: this.#ctx.clock.now() + granted * 1000 });
  }

  /**
   * The registrar behind `binding.target` may still hold Contacts of ours that `binding` replaced (an address the NAT
   * or a new connection changed). A registrar that keys bindings on +sip.instance and reg-id replaced them already; one
   * that keys them on the URI did not. Each goes with a REGISTER of its own, by URI and nothing else: a removal that
   * named our instance and reg-id would remove the new binding at an RFC 5626 registrar.
   */
  removeReplaced(binding: Binding): void {
    const now = this.#ctx.clock.now();
    for (const [key, held] of this.#held) {
      if (held.until <= now) {
        this.#held.delete(key);
        continue;
      }
      if (!sameTarget(held.target, binding.target) || held.contactUri === binding.contactUri) continue;
      this.#held.delete(key);
      const removal = this.#remove({ ...binding, contactUri: held.contactUri }, `<${held.contactUri}>`).then((outcome) => {
        if (outcome === 'removed') this.#ctx.logger.debug('staleContactRemoved', { contact: held.contactUri });
        else this.#keepFailed(key, held, outcome);
      }).finally(() => this.#pending.delete(removal));
      this.#pending.add(removal);
    }
  }

  /**
   * Un-REGISTERs every live binding, and `inFlight` (a REGISTER not answered yet) where it was sent, each with its
   * Contact exactly as registered (+sip.instance, reg-id); resolves within STOP_BOUND_MS.
   */
  async removeAll(inFlight: Sent | undefined): Promise<void> {
    const now = this.#ctx.clock.now();
    const removals = [...this.#held].filter(([, held]) => held.until > now);
    if (inFlight !== undefined) {
      const key = heldKey(inFlight.target, inFlight.contactUri);
      if (!this.#held.has(key)) {
        removals.push([key, { ...inFlight, granted: inFlight.expires, publicAddress: undefined, until: now + inFlight.expires * 1000 }]);
      }
    }
    this.#held.clear();
    await Promise.all([...this.#pending, ...removals.map(async ([key, held]) => {
      const outcome = await this.#remove(held, held.contact);
      if (outcome !== 'removed') this.#keepFailed(key, held, outcome);
    })]);
  }

  /** A removal failed: the registrar may still hold it, so it stays held (unless registered again meanwhile). */
  #keepFailed(key: string, held: Held, outcome: UnregisterOutcome): void {
    this.#ctx.logger.debug('unregisterFailed', { contact: held.contactUri, outcome });
    if (held.until > this.#ctx.clock.now() && !this.#held.has(key)) this.#held.set(key, held);
  }

  /** One un-REGISTER of `contact` (a Contact header value) where `held` was registered, answering challenges. */
  #remove(held: Sent, contact: string): Promise<UnregisterOutcome> {
    return unregister(this.#ctx, this.#digest, {
      target: held.target,
      flowId: held.flowId,
      // A flow may have closed since: the driver then opens a new connection, whose address the Via must name.
      sentBy: async () => (await this.#ctx.transport.localAddress(held.target, held.flowId)) ?? held.sentBy,
      build: (sentBy, auth) => this.#requests.register(held.server, held.target, sentBy, contact, 0, auth),
    });
  }
}
