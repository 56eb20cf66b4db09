// Flow ids, address text and failed-send results shared by every transport driver (RFC 3261 §18, RFC 5626 §3 "flow").

import { TransportError, type Address, type Flow, type SendResult, type TransportErrorCode, type TransportProtocol } from './types.ts';

/** `192.0.2.1:5060`, or `[2001:db8::1]:5060` for IPv6 (an IPv6 literal is the only host text with a colon). */
export function formatAddress(address: Address): string {
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}

/**
 * The flow between a local and a remote address: `tcp:127.0.0.1:5060>127.0.0.1:41234`. For a connection the
 * 4-tuple is unique while it lives, so the id names that connection; for UDP it just names the two ends.
 */
export function makeFlow(protocol: TransportProtocol, local: Address, remote: Address): Flow {
  return { id: `${protocol}:${formatAddress(local)}>${formatAddress(remote)}`, protocol, local, remote };
}

/** Largest UDP payload over IPv4 (65535 − 8 UDP − 20 IP header bytes); applied to IPv6 too, to keep one rule. */
export const MAX_UDP_PAYLOAD = 65507;

const V4_MAPPED = /^::ffff:(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/i;

/**
 * A host as a socket reports it, in the form targets use: a dual-stack listener reports IPv4 peers as
 * `::ffff:192.0.2.1`, and that must match a target of `192.0.2.1` for connection reuse.
 */
export function normalizeHost(host: string): string {
  const mapped = V4_MAPPED.exec(host);
  return mapped !== null ? mapped[1]! : host.toLowerCase();
}

/** `[v6]` → `v6`, lower-cased: hosts compared as text (Via sent-by, received, targets). */
export function bareHost(host: string): string {
  return (host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host).toLowerCase();
}

/** The port a SIP URI or sent-by without one means: 5061 for TLS, else 5060 (RFC 3261 §19.1.2, §18.2.2). */
export function defaultPort(protocol: TransportProtocol): number {
  return protocol === 'tls' ? 5061 : 5060;
}

/** A `{ ok: false }` send result. */
export function sendFailed(code: TransportErrorCode, message: string, cause?: unknown): SendResult {
  return { ok: false, error: new TransportError(code, message, cause === undefined ? undefined : { cause }) };
}

/** `ECONNREFUSED connect ECONNREFUSED 127.0.0.1:5060` — the code (when Node gives one) and message of an error, for logs. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && !error.message.includes(code) ? `${code} ${error.message}` : error.message;
}

/** A Node socket buffer as a plain Uint8Array view (no copy): Buffer's own `slice`/`toString` must not leak upward. */
export function plainBytes(chunk: Uint8Array): Uint8Array {
  return Object.getPrototypeOf(chunk) === Uint8Array.prototype ? chunk : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}
