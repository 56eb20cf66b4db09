// Dialog and INVITE session contracts (RFC 3261 §12-15, RFC 3262-free, RFC 4028 session timers).

import type { Emitter } from '../../platform/Emitter.ts';
import type { AuthAnswer } from '../auth/types.ts';
import type { SipMessage } from '../message/index.ts';
import type { InviteServerTransaction, Party, ServerTransaction } from '../transaction/index.ts';
import type { Target } from '../transport/types.ts';

/** A message body with its type (SDP for INVITE, dtmf-relay for INFO …). */
export interface SessionBody {
  readonly contentType: string;
  readonly bytes: Uint8Array;
}

/**
 * The media side of one call, injected: the SIP layers never import media. `sip/ua` plugs the
 * real one in; tests use a fake. Rejections become 488 (incoming; 503 for SESSION_RESOURCES) or a BYE/CANCEL (outgoing).
 */
export interface SessionDescriptionHandler {
  /** An offer for our INVITE (or re-INVITE). */
  createOffer(): Promise<SessionBody>;
  /** Our answer to the peer's offer (initial INVITE, re-INVITE or UPDATE: hold and resume). */
  createAnswer(offer: SessionBody): Promise<SessionBody>;
  /** The peer's answer to our offer. */
  setAnswer(answer: SessionBody): Promise<void>;
  /** The call ended: release ports and audio. */
  close(): void;
  /**
   * A 18x with SDP to our INVITE (early media, RFC 3960): the far end's audio plays before the call is answered.
   * Not the answer of record: the 2xx still brings it to `setAnswer`.
   */
  earlyAnswer?(answer: SessionBody): void;
  /** A 180 without SDP to our INVITE: the far end alerts, and the caller hears a locally made ringback tone. */
  alerting?(): void;
}

/** Counters and facts about a call's media, for one log line (values are safe to log). */
export type MediaReport = Readonly<Record<string, string | number | boolean>>;

/** What the media side of one call is told and reports to the UA (given to the `media` factory). */
export interface SessionMediaContext {
  /** The call's signalling runs over TLS: keys in our SDP are as safe as the SIP messages (SRTP policy `optional`). */
  readonly secureSignalling: boolean;
  /** A digit from an RFC 4733 telephone-event, once per key press, in order. */
  dtmf(info: { readonly digit: string; readonly durationMs: number }): void;
  /** The media cannot go on (the far end's RTP stopped while not on hold): the UA hangs the call up. */
  failed(reason: string): void;
  /** RTP started (codec, far end, SRTP) or stopped (counters). */
  started(report: MediaReport): void;
  stopped(report: MediaReport): void;
}

export type CallState = 'calling' | 'early' | 'confirmed' | 'ended';

export type CallEndReason =
  | 'localBye'
  | 'remoteBye'
  | 'cancelled'
  | 'rejected'
  | 'timeout'
  | 'transportError'
  | 'sessionExpired'
  | 'failed';

/** Events of one call, past tense. */
export type CallEvents = {
  /** A provisional response (outgoing) or our 180 sent (incoming). */
  ringing(info: { readonly status: number; readonly reason: string; readonly early: boolean }): void;
  /** 2xx sent and ACKed (incoming) or 2xx received and ACKed (outgoing). */
  established(): void;
  ended(info: { readonly reason: CallEndReason; readonly status?: number }): void;
  /** A DTMF digit from SIP INFO (application/dtmf-relay or application/dtmf), in order, once each. */
  dtmfReceived(info: { readonly digit: string; readonly durationMs?: number }): void;
  /** The peer put us on hold (sendonly/inactive offer) or resumed. */
  holdChanged(info: { readonly held: boolean }): void;
};

/** How we hang up. */
export interface HangupOptions {
  /**
   * RFC 3326 Reason header value for the CANCEL of an unanswered outgoing call, e.g. COMPLETED_ELSEWHERE when
   * another phone of the group answered (the phone then shows no missed call).
   */
  readonly reason?: string;
}

export interface Call {
  readonly id: string;
  readonly direction: 'incoming' | 'outgoing';
  readonly state: CallState;
  /** The remote party (To of an outgoing call, From of an incoming one). */
  readonly remote: Party;
  readonly events: Emitter<CallEvents>;
  /** Outgoing: CANCEL before a final response, BYE after. Incoming: reject (before answer) or BYE. */
  hangup(options?: HangupOptions): void;
}

export interface IncomingCall extends Call {
  readonly request: SipMessage;
  /** 180 Ringing (once). */
  ring(): void;
  /** 200 OK with our SDP answer; resolves when the ACK arrives (or rejects on timeout). */
  answer(): Promise<void>;
  /** A final non-2xx: 486 busy, 603 decline, 480 … */
  reject(status: number, reason: string): void;
}

export interface OutgoingCallOptions {
  /** Request-URI. */
  readonly uri: string;
  /**
   * Where to send the INVITE, resolved: one target, or the RFC 3263 list in failover order (§4.3: a target that
   * times out, cannot be reached or answers 503 is marked failed with the resolver and the next one is tried).
   */
  readonly target: Target | readonly Target[];
  /** TCP/TLS: send on this connection while it is open (RFC 5626: the registration's flow to the PBX, the first target). */
  readonly flowId?: string;
  readonly from: Party;
  readonly to: Party;
  /** Our Contact header value. */
  readonly contact: string;
  /** Outbound proxy route set, as header values. */
  readonly route?: readonly string[];
  readonly headers?: ReadonlyArray<readonly [string, string]>;
  readonly sdh: SessionDescriptionHandler;
  /**
   * Answers a 401/407 (the registration's digest client); called only for responses to requests
   * sent to the configured registrar/proxy, never inside a dialog with anyone else (SIPDigestLeak).
   */
  readonly authenticate?: (response: SipMessage, request: SipMessage) => AuthAnswer;
  /** Follow 3xx Contacts (default true, at most 5 hops). */
  readonly followRedirects?: boolean;
  /** RFC 4028 Session-Expires we ask for, seconds (default 1800; 0 disables). */
  readonly sessionExpires?: number;
}

export interface IncomingCallOptions {
  readonly contact: string;
  readonly sdh: SessionDescriptionHandler;
}

/** The dialog layer: owns every dialog and INVITE session. */
export interface DialogLayerApi {
  /** Sends an INVITE; the call's events report what happens. */
  invite(options: OutgoingCallOptions): Call;
  /** Wraps a new INVITE server transaction (out of dialog) in an incoming call. */
  incoming(transaction: InviteServerTransaction, options: IncomingCallOptions): IncomingCall;
  /**
   * Offers a request from the transaction layer: in-dialog requests (To tag set) are handled
   * (BYE, re-INVITE, UPDATE, INFO, OPTIONS) or answered 481 when no dialog matches. Returns
   * false for out-of-dialog requests, which the UA handles.
   */
  request(transaction: ServerTransaction): boolean;
  /** Whether an in-dialog request (To tag set) matches a dialog we have, before any transaction exists. */
  matches(request: SipMessage): boolean;
  /** An ACK outside any transaction (the ACK for our 2xx). */
  ack(ack: SipMessage): void;
  /** A response no transaction matched (2xx retransmission: re-ACK; a forked 2xx: ACK + BYE). */
  strayResponse(response: SipMessage): void;
  /** Live dialogs, for diagnostics and leak checks. */
  readonly size: number;
  /** BYE every confirmed call, CANCEL every pending one (graceful shutdown). */
  closeAll(): Promise<void>;
}
