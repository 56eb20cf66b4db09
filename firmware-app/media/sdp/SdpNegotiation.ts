// One dialog's offer/answer state (RFC 3264 §4, §8): our o= counter, the offer we await an answer to, and what the
// last completed exchange agreed. A failed exchange (a re-offer we cannot use, a bad answer) leaves the running
// session as it was (§8: "the old session remains in effect"). Bodies in and out as bytes, nothing else.
import { acceptAnswer } from './acceptAnswer.ts';
import { answerOffer, answerRemoval } from './answer.ts';
import type { LocalMedia } from './local.ts';
import type { NegotiatedAudio } from './negotiated.ts';
import { buildOffer } from './offer.ts';
import { startOrigin, stampOrigin, type OriginState } from './origin.ts';
import { parseSdp } from './parse.ts';
import { fail, ok, type SdpResult } from './result.ts';
import type { SessionDescription } from './types.ts';

export type NegotiationState =
  | { readonly kind: 'stable' }
  /** Our offer is out; the next SDP from the peer must be its answer. */
  | { readonly kind: 'offerSent'; readonly offer: SessionDescription };

const encoder = new TextEncoder();

export class SdpNegotiation {
  #origin: OriginState;
  #state: NegotiationState = { kind: 'stable' };
  #current: NegotiatedAudio | undefined;
  /** The last SDP we sent, offer or answer. */
  #lastSent: SessionDescription | undefined;

  /** `sessionId`: digits chosen once per dialog by the caller (random, or NTP time as RFC 8866 §5.2 suggests). */
  constructor(sessionId: string) {
    this.#origin = startOrigin(sessionId);
  }

  get state(): NegotiationState {
    return this.#state;
  }

  /** What the last completed exchange agreed, undefined before the first one. */
  get current(): NegotiatedAudio | undefined {
    return this.#current;
  }

  /** Our offer (initial or re-offer: hold with direction sendonly, resume with sendrecv, a new address or port). */
  createOffer(local: LocalMedia): SdpResult<Uint8Array> {
    if (this.#state.kind === 'offerSent') return fail('SDP_OUT_OF_ORDER', 'our previous offer has no answer yet');
    const built = buildOffer(local);
    if (!built.ok) return built;
    const stamped = stampOrigin(this.#origin, built.value);
    this.#origin = stamped.state;
    this.#state = { kind: 'offerSent', offer: stamped.description };
    this.#lastSent = stamped.description;
    return ok(encoder.encode(stamped.text));
  }

  /** The peer's answer to our outstanding offer. On failure the offer is dropped and the running session stays. */
  setAnswer(body: Uint8Array | string): SdpResult<NegotiatedAudio> {
    if (this.#state.kind !== 'offerSent') return fail('SDP_OUT_OF_ORDER', 'an answer without an offer of ours');
    const offer = this.#state.offer;
    this.#state = { kind: 'stable' };
    const parsed = parseSdp(body);
    if (!parsed.ok) return parsed;
    const accepted = acceptAnswer(offer, parsed.value);
    if (accepted.ok) this.#current = accepted.value;
    return accepted;
  }

  /**
   * An SDP in a provisional response to our offer (early media, RFC 3960): what it would agree, without completing
   * the exchange. The 2xx still brings the answer of record to `setAnswer` (without 100rel, a 18x's SDP is not one).
   */
  previewAnswer(body: Uint8Array | string): SdpResult<NegotiatedAudio> {
    if (this.#state.kind !== 'offerSent') return fail('SDP_OUT_OF_ORDER', 'an early answer without an offer of ours');
    const parsed = parseSdp(body);
    if (!parsed.ok) return parsed;
    return acceptAnswer(this.#state.offer, parsed.value);
  }

  /**
   * The peer's answer to our last SDP sent again unchanged (an RFC 4028 refresh re-INVITE carries it without a new
   * offer being made): read against that SDP, as an answer to it. Fails when we never sent one.
   */
  answerToRepeat(body: Uint8Array | string): SdpResult<NegotiatedAudio> {
    if (this.#state.kind !== 'stable' || this.#lastSent === undefined) return fail('SDP_OUT_OF_ORDER', 'an answer without an SDP of ours');
    const parsed = parseSdp(body);
    if (!parsed.ok) return parsed;
    const accepted = acceptAnswer(this.#lastSent, parsed.value);
    if (accepted.ok) this.#current = accepted.value;
    return accepted;
  }

  /** Our offer went unanswered (the request failed, e.g. 488 or 491): back to stable, the running session stays. */
  cancelOffer(): void {
    this.#state = { kind: 'stable' };
  }

  /**
   * Our answer to the peer's offer (initial or re-offer; the running codec is kept when it is still offered).
   * SDP_NOT_ACCEPTABLE / SDP_MALFORMED / SDP_TOO_LARGE → the caller answers 488; SDP_OUT_OF_ORDER (glare) → 491.
   * `audio` is undefined when the peer removed the audio of a running call (every m-line answered with port 0).
   */
  createAnswer(offer: Uint8Array | string, local: LocalMedia): SdpResult<{ readonly body: Uint8Array; readonly audio: NegotiatedAudio | undefined }> {
    if (this.#state.kind === 'offerSent') return fail('SDP_OUT_OF_ORDER', 'an offer while ours awaits its answer');
    const parsed = parseSdp(offer);
    if (!parsed.ok) return parsed;
    const answered = answerOffer(parsed.value, local, this.#current);
    if (!answered.ok) {
      // A running call's peer removed the audio (port 0, RFC 3264 §8.2): answer the removal, the call goes on silent.
      const removal = this.#current === undefined ? undefined : answerRemoval(parsed.value, local);
      if (removal === undefined || !removal.ok) return answered;
      const stamped = stampOrigin(this.#origin, removal.value);
      this.#origin = stamped.state;
      this.#lastSent = stamped.description;
      this.#current = undefined;
      return ok({ body: encoder.encode(stamped.text), audio: undefined });
    }
    const stamped = stampOrigin(this.#origin, answered.value.answer);
    this.#origin = stamped.state;
    this.#lastSent = stamped.description;
    this.#current = answered.value.audio;
    return ok({ body: encoder.encode(stamped.text), audio: answered.value.audio });
  }
}
