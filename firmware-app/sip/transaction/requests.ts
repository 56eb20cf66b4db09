// Builds the requests a UA sends (RFC 3261 §8.1.1): mandatory headers, a fresh branch, rport requested.

import { type SipMessage, parseMessage, serializeMessage } from '../message/index.ts';
import { formatAddress } from '../transport/flows.ts';
import type { Address, TransportProtocol } from '../transport/types.ts';
import { newBranch } from './ids.ts';

/** An address for From/To: URI, optional display name and tag. */
export interface Party {
  readonly uri: string;
  readonly displayName?: string;
  readonly tag?: string;
}

export interface RequestInit {
  readonly method: string;
  readonly requestUri: string;
  readonly from: Party;
  readonly to: Party;
  readonly callId: string;
  readonly cseq: number;
  /** Transport and sent-by for our Via (from TransportLayer.sentBy). */
  readonly via: { readonly protocol: TransportProtocol; readonly sentBy: Address };
  /** Branch to use (CANCEL reuses its INVITE's); a fresh one by default. */
  readonly branch?: string;
  /** Contact header value, e.g. `<sip:door-x7f@192.0.2.4:5060>;+sip.instance="<urn:uuid:…>"`. */
  readonly contact?: string;
  /** Route set, in order, as header values (`<sip:proxy;lr>`). */
  readonly route?: readonly string[];
  readonly maxForwards?: number;
  /** Further headers, after the mandatory ones. */
  readonly headers?: ReadonlyArray<readonly [string, string]>;
  readonly body?: { readonly contentType: string; readonly bytes: Uint8Array };
}

/** Quotes a display name when it is not a plain token list (RFC 3261 §25.1 display-name). */
export function formatParty(party: Party): string {
  let out = `<${party.uri}>`;
  if (party.displayName !== undefined && party.displayName !== '') {
    out = `"${party.displayName.replace(/["\\]/g, (c) => `\\${c}`)}" ${out}`;
  }
  return party.tag !== undefined ? `${out};tag=${party.tag}` : out;
}

/** The host of a sent-by: IPv6 literals get brackets. */
export const hostport: (address: Address) => string = formatAddress;

/**
 * Serializes and re-parses a request, so that what the transaction layer holds is exactly what
 * goes on the wire. Throws SipParseError when a value would break the grammar (header injection
 * from configuration included).
 */
export function createRequest(init: RequestInit): SipMessage {
  const via = `SIP/2.0/${init.via.protocol.toUpperCase()} ${hostport(init.via.sentBy)};branch=${init.branch ?? newBranch()};rport`;
  const headers: Array<readonly [string, string]> = [
    ['Via', via],
    ['Max-Forwards', String(init.maxForwards ?? 70)],
  ];
  for (const route of init.route ?? []) headers.push(['Route', route]);
  headers.push(
    ['From', formatParty(init.from)],
    ['To', formatParty(init.to)],
    ['Call-ID', init.callId],
    ['CSeq', `${init.cseq} ${init.method}`],
  );
  if (init.contact !== undefined) headers.push(['Contact', init.contact]);
  for (const header of init.headers ?? []) headers.push(header);
  if (init.body !== undefined) headers.push(['Content-Type', init.body.contentType]);
  return parseMessage(serializeMessage({
    isRequest: true,
    method: init.method,
    requestUri: init.requestUri,
    headers,
    ...(init.body !== undefined ? { body: init.body.bytes } : {}),
  }));
}
