// Our o= line across a dialog (RFC 3264 §8, RFC 8866 §5.2): one session id, and a version that goes up by one each
// time our SDP changes (a re-offer for hold, resume or a new address) and stays when we send the same SDP again.
import { serializeSdp } from './serialize.ts';
import type { SessionDescription } from './types.ts';

export interface OriginState {
  /** Digits, chosen once per dialog by the caller (random or from the clock: this file has neither). */
  readonly sessionId: string;
  readonly version: number;
  /** Our last SDP without its o= line, to tell a change from a repeat. */
  readonly lastBody?: string;
}

export function startOrigin(sessionId: string, version = 0): OriginState {
  if (!/^\d{1,20}$/.test(sessionId)) throw new RangeError('SDP session id must be 1–20 digits');
  return { sessionId, version };
}

/** Gives `description` our session id and the right version; returns the text to send and the next state. */
export function stampOrigin(state: OriginState, description: SessionDescription): { readonly text: string; readonly state: OriginState; readonly description: SessionDescription } {
  const body = serializeSdp({ ...description, origin: { ...description.origin, sessionId: '0', sessionVersion: '0' } });
  const version = state.lastBody === undefined || state.lastBody === body ? state.version : state.version + 1;
  const stamped: SessionDescription = { ...description, origin: { ...description.origin, sessionId: state.sessionId, sessionVersion: String(version) } };
  return { text: serializeSdp(stamped), state: { sessionId: state.sessionId, version, lastBody: body }, description: stamped };
}
