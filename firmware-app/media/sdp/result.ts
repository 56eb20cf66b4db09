// Results of the SDP functions: a value or a typed failure with a stable code, never an exception (STYLE: errors as
// results). A failure is plain data (cheap under a flood); the caller wraps it into a PeerInputError when it logs.

/**
 * - `SDP_MALFORMED`: the text is not SDP we can read (missing line, bad number, not UTF-8 …): a 400 or 488.
 * - `SDP_TOO_LARGE`: over a limit of limits.ts (bytes, lines, m-lines): a 488.
 * - `SDP_NOT_ACCEPTABLE`: well-formed, but no audio stream we can use: the caller answers 488.
 * - `SDP_ANSWER_MISMATCH`: an answer that does not fit our offer (m-line count, codec we never offered).
 * - `SDP_BAD_LOCAL_ADDRESS`: our own address or port is unusable (0.0.0.0, ::, port 0): our bug, nothing is sent.
 * - `SDP_OUT_OF_ORDER`: an offer while ours awaits its answer (glare: a 491), or an answer when we made no offer.
 */
export type SdpErrorCode =
  | 'SDP_MALFORMED'
  | 'SDP_TOO_LARGE'
  | 'SDP_NOT_ACCEPTABLE'
  | 'SDP_ANSWER_MISMATCH'
  | 'SDP_BAD_LOCAL_ADDRESS'
  | 'SDP_OUT_OF_ORDER';

export interface SdpFailure {
  readonly code: SdpErrorCode;
  /** Short, safe to log (never echoes more than a few characters of peer input). */
  readonly detail: string;
}

export type SdpResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: SdpFailure };

export function ok<T>(value: T): SdpResult<T> {
  return { ok: true, value };
}

export function fail<T = never>(code: SdpErrorCode, detail: string): SdpResult<T> {
  return { ok: false, error: { code, detail } };
}

/** Peer text quoted in a detail, cut short so a log line stays one short line. */
export function quote(text: string): string {
  const cut = text.length > 40 ? `${text.slice(0, 40)}…` : text;
  return JSON.stringify(cut);
}
