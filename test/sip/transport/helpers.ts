// Helpers for the transport tests: an event recorder, a bounded wait, a log collector, a seeded PRNG and small SIP messages.
import type { Logger } from '../../../firmware-app/platform/Logger.ts';
import { formatLogLine } from '../../../firmware-app/platform/Logger.ts';
import type { SipParseError } from '../../../firmware-app/sip/message/index.ts';
import type { Flow, Inbound, Transport, TransportEvents } from '../../../firmware-app/sip/transport/types.ts';

/** Everything a transport reported, in arrival order. */
export interface Recorder {
  readonly events: TransportEvents;
  readonly messages: Inbound[];
  readonly closed: Flow[];
  readonly streamErrors: { flow: Flow; error: SipParseError }[];
  readonly keepAlives: { flow: Flow; kind: 'ping' | 'pong' }[];
}

export function recorder(): Recorder {
  const messages: Inbound[] = [];
  const closed: Flow[] = [];
  const streamErrors: { flow: Flow; error: SipParseError }[] = [];
  const keepAlives: { flow: Flow; kind: 'ping' | 'pong' }[] = [];
  return {
    messages,
    closed,
    streamErrors,
    keepAlives,
    events: {
      message: (inbound) => messages.push(inbound),
      flowClosed: (flow) => closed.push(flow),
      streamError: (flow, error) => streamErrors.push({ flow, error }),
      keepAlive: (flow, kind) => keepAlives.push({ flow, kind }),
    },
  };
}

/**
 * `events` with a stand-in for the UA's incoming policy in front: a request that `passes` trusts the connection it
 * came on, within its delivery, as the UA does (`transport` is read then: the driver does not exist yet when its
 * events are made).
 */
export function withPolicy(events: TransportEvents, passes: (inbound: Inbound) => boolean, transport: () => Transport | undefined): TransportEvents {
  return {
    ...events,
    message: (inbound) => {
      events.message(inbound);
      if (passes(inbound)) transport()?.trustFlow?.(inbound.flow.id);
    },
  };
}

/** Polls `probe` until it returns something other than undefined/false; fails after `timeoutMs` of real time. */
export async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Lets queued microtasks and I/O callbacks run. */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A Logger that keeps its lines, formatted as the console logger would write them. */
export function memoryLogger(): Logger & { readonly lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    debug: (event, fields) => lines.push(formatLogLine('debug', event, fields)),
    info: (event, fields) => lines.push(formatLogLine('info', event, fields)),
    warn: (event, fields) => lines.push(formatLogLine('warn', event, fields)),
    error: (event, fields) => lines.push(formatLogLine('error', event, fields)),
  };
}

/** mulberry32: a small seeded PRNG, so tests that draw random numbers are the same on every run. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const encoder = new TextEncoder();

/** A small OPTIONS request (or `body` with a Content-Length) as wire bytes. */
export function sipRequest(callId: string, body = ''): Uint8Array {
  return encoder.encode(
    [
      'OPTIONS sip:door@192.0.2.10 SIP/2.0',
      `Via: SIP/2.0/TCP 192.0.2.20;branch=z9hG4bK-${callId}`,
      'Max-Forwards: 70',
      'From: <sip:pbx@192.0.2.20>;tag=1',
      'To: <sip:door@192.0.2.10>',
      `Call-ID: ${callId}`,
      'CSeq: 1 OPTIONS',
      `Content-Length: ${encoder.encode(body).length}`,
      '',
      body,
    ].join('\r\n'),
  );
}

/** A 200 response to `sipRequest(callId)`. */
export function sipResponse(callId: string): Uint8Array {
  return encoder.encode(
    [
      'SIP/2.0 200 OK',
      `Via: SIP/2.0/TCP 192.0.2.20;branch=z9hG4bK-${callId}`,
      'From: <sip:pbx@192.0.2.20>;tag=1',
      'To: <sip:door@192.0.2.10>;tag=2',
      `Call-ID: ${callId}`,
      'CSeq: 1 OPTIONS',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n'),
  );
}

/** Bytes as text, one character per byte. */
export function text(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/** Concatenates byte arrays. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
