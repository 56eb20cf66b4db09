// Bodies the dialog layer reads itself: SIP INFO DTMF (application/dtmf-relay, application/dtmf) and the hold
// direction of an SDP offer (RFC 3264 §8.4, RFC 6337 §5.3), read minimally from the a=/c= lines.

import { mediaType } from './headers.ts';
import type { SessionBody } from './types.ts';

export interface DtmfDigit {
  readonly digit: string;
  readonly durationMs?: number;
}

const decoder = new TextDecoder();

/** Signal values some phones send as numbers (RFC 4733 event codes): 10 → *, 11 → #, 12-15 → A-D. */
const EVENT_CODES = '0123456789*#ABCD';

function digitOf(signal: string): string | undefined {
  const s = signal.trim().toUpperCase();
  if (s.length === 1 && EVENT_CODES.includes(s)) return s;
  if (/^\d{1,2}$/.test(s)) return EVENT_CODES[Number(s)];
  return undefined;
}

/**
 * The digit an INFO body carries: `application/dtmf-relay` (`Signal=5\r\nDuration=160`) or `application/dtmf`
 * (`5`). Returns undefined for another content type and `'malformed'` for one of ours without a valid digit.
 */
export function dtmfOfInfo(body: SessionBody): DtmfDigit | 'malformed' | undefined {
  const type = mediaType(body.contentType);
  const text = decoder.decode(body.bytes);
  if (type === 'application/dtmf') {
    const digit = digitOf(text);
    return digit === undefined ? 'malformed' : { digit };
  }
  if (type !== 'application/dtmf-relay') return undefined;
  let digit: string | undefined;
  let durationMs: number | undefined;
  for (const line of text.split(/\r?\n/)) {
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const name = line.slice(0, eq).trim().toLowerCase();
    const value = line.slice(eq + 1).trim();
    if (name === 'signal') digit = digitOf(value);
    else if (name === 'duration' && /^\d{1,6}$/.test(value)) durationMs = Number(value);
  }
  if (digit === undefined) return 'malformed';
  return durationMs === undefined ? { digit } : { digit, durationMs };
}

type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
const DIRECTIONS: ReadonlySet<string> = new Set(['sendrecv', 'sendonly', 'recvonly', 'inactive']);

/**
 * Whether an SDP offer puts us on hold: the first audio stream (else the first stream) is `sendonly` or
 * `inactive` (a media-level attribute overrides the session-level one), or its connection address is
 * 0.0.0.0 (the RFC 2543 way). Undefined when the body is not SDP or has no media line.
 *
 * This is the one place the SIP layers look inside SDP; everything else about the session description is
 * the injected handler's business.
 */
export function offerHolds(body: SessionBody): boolean | undefined {
  if (mediaType(body.contentType) !== 'application/sdp') return undefined;
  let sessionDirection: Direction = 'sendrecv';
  let sessionNullAddress = false;
  const streams: Array<{ audio: boolean; direction: Direction | undefined; nullAddress: boolean | undefined }> = [];
  for (const raw of decoder.decode(body.bytes).split(/\r?\n/)) {
    const line = raw.trim();
    const stream = streams.at(-1);
    if (line.startsWith('m=')) {
      streams.push({ audio: line.startsWith('m=audio'), direction: undefined, nullAddress: undefined });
    } else if (line.startsWith('a=') && DIRECTIONS.has(line.slice(2))) {
      if (stream === undefined) sessionDirection = line.slice(2) as Direction;
      else stream.direction = line.slice(2) as Direction;
    } else if (line.startsWith('c=')) {
      const isNull = /\s0\.0\.0\.0(?:\/|$)/.test(line);
      if (stream === undefined) sessionNullAddress = isNull;
      else stream.nullAddress = isNull;
    }
  }
  const stream = streams.find((s) => s.audio) ?? streams[0];
  if (stream === undefined) return undefined;
  const direction = stream.direction ?? sessionDirection;
  return direction === 'sendonly' || direction === 'inactive' || (stream.nullAddress ?? sessionNullAddress);
}
