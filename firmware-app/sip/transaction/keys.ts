// Transaction matching keys: RFC 3261 §17.1.3 (client) and §17.2.3 (server, with the RFC 2543 fallback).

import type { SipMessage } from '../message/index.ts';
import { MAGIC_COOKIE } from './ids.ts';

/** §17.1.3: a response matches by the top Via branch and the CSeq method (CANCEL shares its INVITE's branch). */
export function clientKey(branch: string, method: string): string {
  return `${branch}\n${method}`;
}

export function clientKeyOfResponse(response: SipMessage): string | undefined {
  const branch = response.topVia.branch;
  return branch === undefined ? undefined : clientKey(branch, response.cseq.method);
}

function sentBy(message: SipMessage): string {
  const via = message.topVia;
  return `${via.host.toLowerCase()}:${via.port ?? ''}`;
}

/**
 * §17.2.3: with the magic cookie, branch + sent-by + method, where ACK matches its INVITE.
 * Without it (RFC 2543 peers), Request-URI, From tag, Call-ID, CSeq number and the top Via; the
 * To tag is left out so that the ACK (which carries ours) matches the INVITE (which did not).
 */
export function serverKey(request: SipMessage, method: string = request.method): string {
  const m = method === 'ACK' ? 'INVITE' : method;
  const branch = request.topVia.branch;
  if (branch !== undefined && branch.startsWith(MAGIC_COOKIE)) return `${branch}\n${sentBy(request)}\n${m}`;
  return ['2543', request.requestUri, request.from.tag ?? '', request.callId, request.cseq.seq, request.headers('via')[0], m].join('\n');
}
