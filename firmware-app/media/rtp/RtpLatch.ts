// Symmetric RTP (RFC 4961) behind NAT: where our RTP goes, learnt from where the far end's RTP comes from, strictly.

/** A transport address as the socket driver reports it (addresses already in one canonical text form). */
export interface Endpoint {
  readonly address: string;
  readonly port: number;
}

export interface RtpLatchOptions {
  /** The address and port of the far end's SDP (`c=` and `m=`). */
  readonly target: Endpoint;
  /** Consecutive packets (one SSRC, sequence numbers one apart) a source other than `target` must send to be latched. */
  readonly learnPackets?: number;
}

type LatchState =
  | {
      readonly kind: 'learning';
      /** A source other than the SDP's that is proving itself. */
      candidate: { readonly source: Endpoint; readonly ssrc: number; sequenceNumber: number; count: number } | undefined;
    }
  | { readonly kind: 'latched'; readonly source: Endpoint };

/**
 * A phone behind NAT sends from an address its SDP cannot name, so we answer where its packets come from. A source
 * we latch to must be the SDP's own address (the first packet from it latches) or send `learnPackets` packets in a
 * row of one stream; until then, and afterwards from any other source, packets are dropped, so a stray or injected
 * packet neither plays at the door nor diverts our audio (the "RTP bleed" attack). Once latched, only a new SDP from
 * the far end (`retarget`, after a re-INVITE) lets the latch move; a NAT that changes its mapping mid-call is not
 * followed.
 */
export class RtpLatch {
  readonly #learnPackets: number;
  #target: Endpoint;
  #state: LatchState = { kind: 'learning', candidate: undefined };
  #dropped = 0;

  constructor(options: RtpLatchOptions) {
    this.#target = options.target;
    this.#learnPackets = Math.max(1, options.learnPackets ?? 4);
  }

  /** Where to send RTP now: the SDP's address until a source is latched, then that source. */
  get target(): Endpoint {
    return this.#target;
  }

  get state(): LatchState['kind'] {
    return this.#state.kind;
  }

  /** Packets refused so far (for a summary log line, never one line per packet). */
  get dropped(): number {
    return this.#dropped;
  }

  /**
   * A well-formed RTP packet of a negotiated payload type arrived from `source`; true when it is to be played (and
   * counted by the statistics and the inactivity watchdog), false when it is dropped.
   */
  packetFrom(source: Endpoint, ssrc: number, sequenceNumber: number): boolean {
    const state = this.#state;
    if (state.kind === 'latched') return this.#accept(sameEndpoint(source, state.source));
    if (sameEndpoint(source, this.#target)) return this.#latch(source);
    const candidate = state.candidate;
    if (candidate !== undefined && sameEndpoint(source, candidate.source) && candidate.ssrc === ssrc &&
      ((candidate.sequenceNumber + 1) & 0xffff) === sequenceNumber) {
      candidate.sequenceNumber = sequenceNumber;
      candidate.count++;
    } else {
      state.candidate = { source, ssrc, sequenceNumber, count: 1 };
    }
    if (state.candidate!.count >= this.#learnPackets) return this.#latch(source);
    return this.#accept(false);
  }

  /** The far end sent a new SDP address: send there and learn again. */
  retarget(target: Endpoint): void {
    this.#target = target;
    this.#state = { kind: 'learning', candidate: undefined };
  }

  #latch(source: Endpoint): boolean {
    this.#state = { kind: 'latched', source };
    this.#target = source;
    return true;
  }

  #accept(accepted: boolean): boolean {
    if (!accepted) this.#dropped++;
    return accepted;
  }
}

/** The same address and port. */
export function sameEndpoint(a: Endpoint, b: Endpoint): boolean {
  return a.port === b.port && a.address === b.address;
}
