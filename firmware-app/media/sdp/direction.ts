// Stream directions (RFC 3264 §5.1, §6.1, §8.4; RFC 8866 §6.7): reading them at media or session level, the answer's
// direction, and the old RFC 2543 hold (c=0.0.0.0) understood as "do not send to me".
import { isUnspecified } from './address.ts';
import type { Attribute, Direction, MediaDescription, SessionDescription } from './types.ts';

const DIRECTIONS: ReadonlySet<string> = new Set(['sendrecv', 'sendonly', 'recvonly', 'inactive']);

function directionIn(attributes: readonly Attribute[]): Direction | undefined {
  for (const a of attributes) if (a.value === undefined && DIRECTIONS.has(a.name)) return a.name as Direction;
  return undefined;
}

/** The direction the SDP's author declared for `media`: media level, else session level, else sendrecv (§6.7). */
export function declaredDirection(session: SessionDescription, media: MediaDescription): Direction {
  return directionIn(media.attributes) ?? directionIn(session.attributes) ?? 'sendrecv';
}

/** The address the author wants `media` sent to: the media-level c=, else the session-level one. */
export function connectionAddress(session: SessionDescription, media: MediaDescription): string | undefined {
  return (media.connections[0] ?? session.connection)?.address;
}

/**
 * The direction the author really means: a c= of 0.0.0.0 (or ::) is RFC 2543 hold, "do not send to me", so it takes
 * away the author's receiving side (RFC 3264 §8.4 tells us to understand it).
 */
export function effectiveDirection(session: SessionDescription, media: MediaDescription): Direction {
  const declared = declaredDirection(session, media);
  const address = connectionAddress(session, media);
  if (address === undefined || !isUnspecified(address)) return declared;
  return intersect(declared, 'sendonly');
}

export function sends(d: Direction): boolean {
  return d === 'sendrecv' || d === 'sendonly';
}

export function receives(d: Direction): boolean {
  return d === 'sendrecv' || d === 'recvonly';
}

export function fromFlags(send: boolean, receive: boolean): Direction {
  if (send) return receive ? 'sendrecv' : 'sendonly';
  return receive ? 'recvonly' : 'inactive';
}

/** The same stream seen from the other end: sendonly ↔ recvonly. */
export function reverse(d: Direction): Direction {
  return fromFlags(receives(d), sends(d));
}

/** What both allow. */
export function intersect(a: Direction, b: Direction): Direction {
  return fromFlags(sends(a) && sends(b), receives(a) && receives(b));
}

/**
 * RFC 3264 §6.1: the answer's direction for an offered one, limited by what we want (`ours`): sendonly is answered
 * recvonly, recvonly sendonly, inactive inactive, sendrecv with whatever we want.
 */
export function answerDirection(offered: Direction, ours: Direction): Direction {
  return intersect(reverse(offered), ours);
}
