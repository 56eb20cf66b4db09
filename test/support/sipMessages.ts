// Test helpers: realistic SIP requests and responses (RFC 3261 §8.1.1, §8.2.6), serialized and parsed back.
import { type SipMessage, parseMessage, serializeMessage } from '../../firmware-app/sip/message/index.ts';
import { newBranch } from '../../firmware-app/sip/transaction/index.ts';

/** The parts of a request a test cares about; everything else gets a realistic default. */
export interface RequestOptions {
  readonly method: string;
  /** Top Via branch (default: a fresh `newBranch()`); `null` writes a Via without branch (RFC 2543). */
  readonly branch?: string | null;
  /** Top Via transport (default UDP). */
  readonly transport?: string;
  /** Top Via sent-by (default `192.0.2.10:5060`). */
  readonly sentBy?: string;
  /** Extra top Via parameters written before the branch, e.g. `;rport`. */
  readonly viaParams?: string;
  /** Further Via header lines below the top one (values only). */
  readonly lowerVias?: readonly string[];
  readonly requestUri?: string;
  readonly from?: string;
  readonly fromTag?: string;
  readonly to?: string;
  readonly toTag?: string;
  readonly callId?: string;
  readonly cseq?: number;
  /** CSeq method (default: `method`). */
  readonly cseqMethod?: string;
  readonly route?: readonly string[];
  readonly maxForwards?: number;
  /** Header lines added after the standard ones. */
  readonly headers?: ReadonlyArray<readonly [string, string]>;
  readonly body?: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

const DEFAULTS = {
  requestUri: 'sip:flat@pbx.example.com',
  sentBy: '192.0.2.10:5060',
  from: '"Door" <sip:door@pbx.example.com>',
  fromTag: 'a48s9c2',
  to: '<sip:flat@pbx.example.com>',
  callId: 'f81d4fae7dec11d0a76500a0c91e6bf6@192.0.2.10',
  cseq: 101,
} as const;

/** Builds, serializes and parses a request; the result is what the transport layer would hand up. */
export function makeRequest(options: RequestOptions): SipMessage {
  const branch = options.branch === undefined ? newBranch() : options.branch;
  const via =
    `SIP/2.0/${options.transport ?? 'UDP'} ${options.sentBy ?? DEFAULTS.sentBy}${options.viaParams ?? ''}` +
    (branch === null ? '' : `;branch=${branch}`);
  const toTag = options.toTag === undefined ? '' : `;tag=${options.toTag}`;
  const headers: Array<readonly [string, string]> = [['Via', via]];
  for (const lower of options.lowerVias ?? []) headers.push(['Via', lower]);
  for (const route of options.route ?? []) headers.push(['Route', route]);
  headers.push(
    ['Max-Forwards', String(options.maxForwards ?? 70)],
    ['From', `${options.from ?? DEFAULTS.from};tag=${options.fromTag ?? DEFAULTS.fromTag}`],
    ['To', `${options.to ?? DEFAULTS.to}${toTag}`],
    ['Call-ID', options.callId ?? DEFAULTS.callId],
    ['CSeq', `${options.cseq ?? DEFAULTS.cseq} ${options.cseqMethod ?? options.method}`],
    ...(options.headers ?? []),
  );
  const body = options.body === undefined ? undefined : encoder.encode(options.body);
  return parseMessage(
    serializeMessage({ isRequest: true, method: options.method, requestUri: options.requestUri ?? DEFAULTS.requestUri, headers, ...(body ? { body } : {}) }),
  );
}

export interface ResponseOptions {
  /** Added to the To header when the request's To has none. */
  readonly toTag?: string;
  readonly reason?: string;
  /** Replaces the top Via value (e.g. to fake another branch); the others are copied. */
  readonly topVia?: string;
  /** Replaces the CSeq value. */
  readonly cseq?: string;
}

const REASONS: Readonly<Record<number, string>> = {
  100: 'Trying', 180: 'Ringing', 183: 'Session Progress', 200: 'OK', 202: 'Accepted', 302: 'Moved Temporarily',
  401: 'Unauthorized', 404: 'Not Found', 481: 'Call/Transaction Does Not Exist', 486: 'Busy Here',
  487: 'Request Terminated', 500: 'Server Internal Error', 503: 'Service Unavailable', 603: 'Decline',
};

/** A response to `request` as a peer would send it (§8.2.6.2): Via, From, To, Call-ID and CSeq copied. */
export function makeResponse(request: SipMessage, status: number, options: ResponseOptions = {}): SipMessage {
  const headers: Array<readonly [string, string]> = [];
  const vias = request.headers('via');
  headers.push(['Via', options.topVia ?? vias[0]!]);
  for (const via of vias.slice(1)) headers.push(['Via', via]);
  const to = request.header('to')!;
  const tagged = options.toTag !== undefined && request.to.tag === undefined ? `${to};tag=${options.toTag}` : to;
  headers.push(
    ['From', request.header('from')!],
    ['To', tagged],
    ['Call-ID', request.callId],
    ['CSeq', options.cseq ?? `${request.cseq.seq} ${request.cseq.method}`],
  );
  return parseMessage(serializeMessage({ isRequest: false, status, reason: options.reason ?? REASONS[status] ?? 'Whatever', headers }));
}

/** A CANCEL or ACK for `invite`: its Request-URI, Route set, From, Call-ID and CSeq number, the given top Via and To. */
function requestForInvite(invite: SipMessage, method: 'CANCEL' | 'ACK', topVia: string, to: string): SipMessage {
  return parseMessage(
    serializeMessage({
      isRequest: true,
      method,
      requestUri: invite.requestUri,
      headers: [
        ['Via', topVia],
        ...invite.headers('route').map((r): [string, string] => ['Route', r]),
        ['Max-Forwards', '70'],
        ['From', invite.header('from')!],
        ['To', to],
        ['Call-ID', invite.callId],
        ['CSeq', `${invite.cseq.seq} ${method}`],
      ],
    }),
  );
}

/** §9.1: a CANCEL for `invite`: same Request-URI, Call-ID, From, To, CSeq number and top Via (branch). */
export function makeCancel(invite: SipMessage): SipMessage {
  return requestForInvite(invite, 'CANCEL', invite.headers('via')[0]!, invite.header('to')!);
}

/**
 * §17.1.1.3 as a peer's client transaction does it: the ACK for a non-2xx `response` to `invite`
 * (same top Via and branch, To from the response). `branch` overrides it for the ACK of a 2xx (§13.2.2.4).
 */
export function makeAck(invite: SipMessage, response: SipMessage, branch?: string): SipMessage {
  const via = invite.headers('via')[0]!;
  const topVia = branch === undefined ? via : via.replace(/;branch=[^;]*/, `;branch=${branch}`);
  return requestForInvite(invite, 'ACK', topVia, response.header('to')!);
}

/** The bytes as text (SIP messages in these tests are ASCII). */
export function text(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}
