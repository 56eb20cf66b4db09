// The requests of one registration (RFC 3261 §10.2): REGISTERs on one Call-ID with CSeq counting up, keep-alive OPTIONS.

import type { SipMessage } from '../message/index.ts';
import { parseUri } from '../message/index.ts';
import { createRequest, randomToken } from '../transaction/index.ts';
import type { Address, Target } from '../transport/types.ts';
import { asSipUri, registrarRequestUri, resolveUri, routeTo } from './binding.ts';
import type { RegistrationConfig } from './types.ts';

/** Our User-Agent; no version, so a scan of the internet does not learn which release to attack. */
export const USER_AGENT = 'sip-doorbell';

/** A registrar as configured, with what every REGISTER to it needs. */
export interface Server {
  /** As configured: reported in events. */
  readonly registrar: string;
  readonly requestUri: string;
  /** The URI to resolve: the outbound proxy's when one is configured, else the registrar's. */
  readonly resolveUri: string;
  readonly route: readonly string[];
}

/**
 * The registrar, then the backup, each reached through the outbound proxy when one is configured (the proxy is
 * the way out of this network, whichever registrar is behind it). Throws SipParseError on a URI that does not parse.
 */
export function configuredServers(config: RegistrationConfig): Server[] {
  const proxy = config.outboundProxy === undefined || config.outboundProxy.trim() === '' ? undefined : parseUri(asSipUri(config.outboundProxy));
  parseUri(asSipUri(config.aor));
  const names = [config.registrar, config.backupRegistrar].filter((r): r is string => r !== undefined && r.trim() !== '');
  return names.map((registrar) => {
    const uri = parseUri(asSipUri(registrar));
    return {
      registrar,
      requestUri: registrarRequestUri(uri),
      resolveUri: resolveUri(proxy ?? uri, config.protocol),
      route: proxy === undefined ? [] : [routeTo(proxy)],
    };
  });
}

/** Builds the client's requests; throws SipParseError when a configured value breaks the grammar. */
export class RegistrationRequests {
  readonly #config: RegistrationConfig;
  /** §10.2.4: one Call-ID for every REGISTER of this client, CSeq incremented by one each. */
  readonly #callId = randomToken(16);
  readonly #fromTag = randomToken(6);
  #cseq = 0;
  readonly #optionsCallId = randomToken(16);
  #optionsCseq = 0;

  constructor(config: RegistrationConfig) {
    this.#config = config;
  }

  /** REGISTER to `target`: To = From = the AOR; `auth` holds Authorization / Proxy-Authorization values. */
  register(server: Server, target: Target, sentBy: Address, contact: string, expires: number, auth: ReadonlyMap<string, string>): SipMessage {
    const aor = asSipUri(this.#config.aor);
    const party = this.#config.displayName === undefined ? { uri: aor } : { uri: aor, displayName: this.#config.displayName };
    return createRequest({
      method: 'REGISTER',
      requestUri: server.requestUri,
      from: { ...party, tag: this.#fromTag },
      to: party,
      callId: this.#callId,
      cseq: ++this.#cseq,
      via: { protocol: target.protocol, sentBy },
      contact,
      route: server.route,
      headers: [
        ['Expires', String(expires)],
        // RFC 5626 §4.2.1: a reg-id goes with the outbound option tag.
        ['Supported', 'outbound'],
        ['User-Agent', USER_AGENT],
        ...auth,
      ],
    });
  }

  /** A keep-alive OPTIONS to the registrar (RFC 3261 §11), on a Call-ID of its own. */
  options(server: Server, target: Target, sentBy: Address): SipMessage {
    return createRequest({
      method: 'OPTIONS',
      requestUri: server.requestUri,
      from: { uri: asSipUri(this.#config.aor), tag: this.#fromTag },
      to: { uri: server.requestUri },
      callId: this.#optionsCallId,
      cseq: ++this.#optionsCseq,
      via: { protocol: target.protocol, sentBy },
      route: server.route,
      headers: [['User-Agent', USER_AGENT]],
    });
  }
}
