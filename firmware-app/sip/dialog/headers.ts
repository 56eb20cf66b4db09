// What the INVITE sessions advertise and accept: Allow, Supported, Require (RFC 3261 §8.2.2.3, §20.5), bodies.

import type { SipMessage } from '../message/index.ts';
import type { SessionBody } from './types.ts';

/** Methods the dialog layer handles, in the order of our Allow header. */
export const ALLOWED_METHODS: readonly string[] = ['INVITE', 'ACK', 'CANCEL', 'BYE', 'OPTIONS', 'INFO', 'UPDATE'];

export const ALLOW = ALLOWED_METHODS.join(', ');

/** Option tags we support: RFC 4028 session timers only (no 100rel, no replaces). */
export const SUPPORTED_EXTENSIONS: readonly string[] = ['timer'];

export const SUPPORTED = SUPPORTED_EXTENSIONS.join(', ');

/** What our OPTIONS answer says we accept, and the INFO bodies we understand. */
export const ACCEPT = 'application/sdp, application/dtmf-relay, application/dtmf';

/**
 * RFC 3326 Reason for the CANCEL to the phones that did not answer when another one did: "Call completed elsewhere"
 * (cause 200), so that they show no missed call.
 */
export const COMPLETED_ELSEWHERE = 'SIP;cause=200;text="Call completed elsewhere"';

/** A value that fits on one header line: printable, no CR, LF or other control characters. */
export function isHeaderValue(value: string): boolean {
  return !/[\u0000-\u0008\u000a-\u001f\u007f]/.test(value);
}

/** §8.2.2.3: the option tags of `Require` not in `supported` (answer 420 with them in Unsupported). */
export function unsupportedRequire(request: SipMessage, supported: readonly string[] = SUPPORTED_EXTENSIONS): string[] {
  return request.headers('require').filter((tag) => !supported.includes(tag.toLowerCase()));
}

/** Does the peer list `tag` in Supported (or Require)? */
export function supports(message: SipMessage, tag: string): boolean {
  const has = (values: string[]): boolean => values.some((v) => v.toLowerCase() === tag);
  return has(message.headers('supported')) || has(message.headers('require'));
}

/** Does the peer's Allow list `method`? */
export function allows(message: SipMessage, method: string): boolean {
  return message.headers('allow').some((m) => m.toUpperCase() === method);
}

/** The body of a message with its type, or undefined when it has none. A copy: the receive buffer is not kept. */
export function bodyOf(message: SipMessage): SessionBody | undefined {
  if (message.contentLength === 0) return undefined;
  return { contentType: message.contentType ?? 'application/sdp', bytes: message.body.slice() };
}

/** The media type without parameters, lower-cased (`Application/SDP; charset=x` → `application/sdp`). */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

export function sameBody(a: SessionBody | undefined, b: SessionBody | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.bytes.length !== b.bytes.length || mediaType(a.contentType) !== mediaType(b.contentType)) return false;
  for (let i = 0; i < a.bytes.length; i++) if (a.bytes[i] !== b.bytes[i]) return false;
  return true;
}

/** The headers that carry a body: the SIP serializer adds Content-Length, Content-Type is ours to add. */
export function contentTypeHeader(body: SessionBody | undefined): Array<readonly [string, string]> {
  return body === undefined ? [] : [['Content-Type', body.contentType]];
}

/** Record-Route of a dialog-creating request, copied into our 1xx/2xx in order (§12.1.1). */
export function recordRouteCopy(request: SipMessage): Array<readonly [string, string]> {
  return request.headers('record-route').map((value): readonly [string, string] => ['Record-Route', value]);
}

/** The credentials of a request (§13.2.2.4: the 2xx ACK carries the INVITE's). */
export function credentialHeaders(request: SipMessage): Array<readonly [string, string]> {
  const out: Array<readonly [string, string]> = [];
  for (const name of ['Authorization', 'Proxy-Authorization']) {
    for (const value of request.headers(name)) out.push([name, value]);
  }
  return out;
}
