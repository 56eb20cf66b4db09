// Dialog state of RFC 3261 §12: Call-ID and tags, local/remote CSeq, remote target, route set, secure flag.

import { type NameAddr, type SipMessage, parseUri } from '../message/index.ts';
import type { Party } from '../transaction/index.ts';
import type { Flow, Target } from '../transport/types.ts';

export type DialogState = 'early' | 'confirmed';

/** The dialog ID of §12 as one map key: Call-ID, local tag, remote tag. */
function dialogKey(callId: string, localTag: string, remoteTag: string): string {
  return `${callId}\n${localTag}\n${remoteTag}`;
}

/** The key of the dialog a received request (or ACK) belongs to: our tag is in To. */
export function keyOfRequest(request: SipMessage): string {
  return dialogKey(request.callId, request.to.tag ?? '', request.from.tag ?? '');
}

/** The key of the dialog a response to our request belongs to: our tag is in From. */
export function keyOfResponse(response: SipMessage): string {
  return dialogKey(response.callId, response.from.tag ?? '', response.to.tag ?? '');
}

/** A From or To as a Party: URI, display name and `tag` when there are any. */
export function partyOf(address: NameAddr, tag: string | undefined): Party {
  const party: { uri: string; displayName?: string; tag?: string } = { uri: address.uri };
  if (address.displayName !== undefined) party.displayName = address.displayName;
  if (tag !== undefined) party.tag = tag;
  return party;
}

/**
 * A Contact URI as a Request-URI: §19.1.5 says the method parameter and URI headers of a contact are not
 * copied into a request built from it.
 */
export function requestUriOf(uri: string): string {
  const q = uri.indexOf('?');
  const bare = q < 0 ? uri : uri.slice(0, q);
  return bare.replace(/;method=[^;]*/i, '');
}

/** The URI of a Route / Record-Route value (`<sip:proxy;lr>;param`): route values are always name-addrs. */
function uriOfRoute(route: string): string {
  const match = /<([^>]*)>/.exec(route);
  return match === null ? route.trim() : match[1]!;
}

/** The remote target a request or response names in its Contact (§12.1.1, §12.1.2), if any. */
function contactTarget(message: SipMessage): string | undefined {
  const contact = message.contact;
  if (contact === '*' || contact.length === 0) return undefined;
  return requestUriOf(contact[0]!.uri);
}

export interface DialogInit {
  readonly callId: string;
  /** Our From (UAC) or To (UAS) with our tag. */
  readonly local: Party & { readonly tag: string };
  /** The peer's address with its tag. */
  readonly remote: Party & { readonly tag: string };
  readonly localSeq: number;
  readonly remoteSeq: number | undefined;
  readonly remoteTarget: string;
  /** Route header values in the order our requests carry them. */
  readonly routeSet: readonly string[];
  readonly secure: boolean;
  readonly state: DialogState;
  /** The connection the dialog was created over (TCP/TLS), reused for our requests when it leads to the next hop. */
  readonly flow?: Flow;
}

/** One dialog (§12): what every request inside it is built from. */
export class Dialog {
  readonly callId: string;
  readonly local: Party & { readonly tag: string };
  readonly remote: Party & { readonly tag: string };
  readonly secure: boolean;
  readonly flow: Flow | undefined;
  state: DialogState;
  /** The resolved next hop, cached until the remote target or the route set changes. */
  hop: Target | undefined;
  #localSeq: number;
  #remoteSeq: number | undefined;
  #remoteTarget: string;
  #routeSet: readonly string[];

  constructor(init: DialogInit) {
    this.callId = init.callId;
    this.local = init.local;
    this.remote = init.remote;
    this.secure = init.secure;
    this.flow = init.flow;
    this.state = init.state;
    this.#localSeq = init.localSeq;
    this.#remoteSeq = init.remoteSeq;
    this.#remoteTarget = init.remoteTarget;
    this.#routeSet = init.routeSet;
  }

  /**
   * §12.1.2: the UAC's dialog from a 1xx (early) or 2xx (confirmed) with a To tag to our INVITE: the route set is
   * the Record-Route list reversed, the remote target the Contact, the local sequence number the INVITE's CSeq.
   * From, Call-ID and CSeq are the INVITE's (§8.2.6.2 has them copied into every response).
   */
  static uac(response: SipMessage, options: { secureTransport: boolean; fallbackTarget: string }): Dialog {
    const toTag = response.to.tag;
    const fromTag = response.from.tag;
    if (toTag === undefined || fromTag === undefined) throw new TypeError('a UAC dialog needs both tags');
    return new Dialog({
      callId: response.callId,
      local: { ...partyOf(response.from, fromTag), tag: fromTag },
      remote: { ...partyOf(response.to, toTag), tag: toTag },
      localSeq: response.cseq.seq,
      remoteSeq: undefined,
      remoteTarget: contactTarget(response) ?? options.fallbackTarget,
      routeSet: response.headers('record-route').reverse(),
      secure: options.secureTransport && options.fallbackTarget.toLowerCase().startsWith('sips:'),
      state: response.status >= 200 ? 'confirmed' : 'early',
    });
  }

  /**
   * §12.1.1: the UAS's dialog for a request we answer with `localTag`: the route set is the Record-Route list
   * in order, the remote target the Contact (else `fallbackTarget`), the remote sequence number the request's.
   */
  static uas(request: SipMessage, localTag: string, options: { flow: Flow; fallbackTarget: string }): Dialog {
    const fromTag = request.from.tag ?? '';
    return new Dialog({
      callId: request.callId,
      local: { ...partyOf(request.to, localTag), tag: localTag },
      remote: { ...partyOf(request.from, fromTag), tag: fromTag },
      localSeq: 0,
      remoteSeq: request.cseq.seq,
      remoteTarget: contactTarget(request) ?? options.fallbackTarget,
      routeSet: request.headers('record-route'),
      secure: options.flow.protocol === 'tls' && request.requestUri.toLowerCase().startsWith('sips:'),
      state: 'early',
      flow: options.flow,
    });
  }

  get key(): string {
    return dialogKey(this.callId, this.local.tag, this.remote.tag);
  }

  get localSeq(): number {
    return this.#localSeq;
  }

  get remoteSeq(): number | undefined {
    return this.#remoteSeq;
  }

  get remoteTarget(): string {
    return this.#remoteTarget;
  }

  get routeSet(): readonly string[] {
    return this.#routeSet;
  }

  /**
   * §12.2.1.1: loose routing when the first route has `lr`. Strict routing (an RFC 2543 proxy) would put the
   * first route into the Request-URI; it is out of scope: we send loose-routed requests and log it.
   */
  get looseRouting(): boolean {
    const first = this.#routeSet[0];
    if (first === undefined) return true;
    try {
      return parseUri(uriOfRoute(first)).params.has('lr');
    } catch {
      return false;
    }
  }

  /** The URI to resolve for the next hop (§12.2.1.1, loose routing): the first route, else the remote target. */
  get nextHopUri(): string {
    const first = this.#routeSet[0];
    return first === undefined ? this.#remoteTarget : uriOfRoute(first);
  }

  /** §12.2.1.1: "the CSeq number MUST be incremented by one" for each new request (not ACK, not CANCEL). */
  nextLocalSeq(): number {
    return ++this.#localSeq;
  }

  /** §12.2.2: a request whose CSeq is lower than the remote sequence number is out of order (false). */
  acceptRemoteSeq(seq: number): boolean {
    if (this.#remoteSeq !== undefined && seq < this.#remoteSeq) return false;
    this.#remoteSeq = seq;
    return true;
  }

  /** §12.2: a target refresh request (re-INVITE, UPDATE) or its 2xx replaces the remote target. */
  refreshTarget(message: SipMessage): void {
    const target = contactTarget(message);
    if (target === undefined || target === this.#remoteTarget) return;
    this.#remoteTarget = target;
    if (this.#routeSet.length === 0) this.hop = undefined;
  }

  /** §13.2.2.4: an early dialog confirmed by a 2xx takes the route set and remote target of the 2xx. */
  confirm(response: SipMessage): void {
    this.state = 'confirmed';
    this.#routeSet = response.headers('record-route').reverse();
    this.hop = undefined;
    this.refreshTarget(response);
  }
}
