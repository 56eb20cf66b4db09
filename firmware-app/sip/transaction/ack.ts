// The ACK a client INVITE transaction sends for a non-2xx final response (RFC 3261 §17.1.1.3).

import { type SipMessage, serializeMessage } from '../message/index.ts';

/**
 * Builds the ACK for `response` to `invite`: same Request-URI, Call-ID, From, CSeq number and
 * top Via (so it matches the server transaction), Route as in the INVITE, To from the response.
 */
export function buildNon2xxAck(invite: SipMessage, response: SipMessage): Uint8Array {
  const headers: Array<[string, string]> = [
    ['Via', invite.headers('via')[0]!],
    ['Max-Forwards', '70'],
    ['From', invite.header('from')!],
    ['To', response.header('to')!],
    ['Call-ID', invite.callId],
    ['CSeq', `${invite.cseq.seq} ACK`],
  ];
  for (const route of invite.headers('route')) headers.push(['Route', route]);
  return serializeMessage({ isRequest: true, method: 'ACK', requestUri: invite.requestUri, headers });
}
