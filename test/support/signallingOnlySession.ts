// A stand-in SessionDescriptionHandler for SIP-level tests: offers and answers PCMU/PCMA on a port nobody listens on,
// sends and receives nothing (the product uses media/MediaSession).

/** A message body with its content type (the shape the SIP layers expect; no SIP import here). */
export interface Body {
  readonly contentType: string;
  readonly bytes: Uint8Array;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Payload types we would take, in our order of preference (RFC 3551 static types). */
const PREFERRED = [
  { pt: 0, rtpmap: 'PCMU/8000' },
  { pt: 8, rtpmap: 'PCMA/8000' },
];

export class MediaNegotiationError extends Error {
  readonly code = 'SDP_NOT_ACCEPTABLE';
}

/**
 * Offers and answers an audio stream on `address`:`port` but sends and receives nothing: enough
 * for softphones and PBXs to connect the call and exchange DTMF over SIP INFO.
 */
export class SignallingOnlySession {
  readonly #address: string;
  readonly #port: number;
  readonly #sessionId = String(Math.floor(Math.random() * 1e9));
  #version = 0;

  constructor(address: string, port = 40000) {
    this.#address = address;
    this.#port = port;
  }

  async createOffer(): Promise<Body> {
    return this.#sdp(PREFERRED.map((c) => c.pt), 'sendrecv');
  }

  async createAnswer(offer: Body): Promise<Body> {
    const text = decoder.decode(offer.bytes);
    const media = /^m=audio \d+ [A-Z/]+ ([0-9 ]+)\s*$/m.exec(text);
    if (media === null) throw new MediaNegotiationError('no audio stream in the offer');
    const offered = media[1]!.trim().split(/\s+/).map(Number);
    const common = PREFERRED.filter((c) => offered.includes(c.pt)).map((c) => c.pt);
    if (common.length === 0) throw new MediaNegotiationError('no codec in common');
    const direction = /^a=(sendonly|inactive)\s*$/m.exec(text)?.[1];
    // RFC 3264 §6.1: answer sendonly with recvonly, inactive with inactive.
    return this.#sdp(common, direction === 'sendonly' ? 'recvonly' : direction === 'inactive' ? 'inactive' : 'sendrecv');
  }

  async setAnswer(answer: Body): Promise<void> {
    if (!/^m=audio [1-9]\d* /m.test(decoder.decode(answer.bytes))) throw new MediaNegotiationError('the answer refused the audio stream');
  }

  /** Nothing to release: no port is bound, no audio opened. */
  close(): void {}

  #sdp(payloadTypes: readonly number[], direction: string): Body {
    const family = this.#address.includes(':') ? 'IP6' : 'IP4';
    const lines = [
      'v=0',
      `o=sip-doorbell ${this.#sessionId} ${this.#version++} IN ${family} ${this.#address}`,
      's=sip-doorbell',
      `c=IN ${family} ${this.#address}`,
      't=0 0',
      `m=audio ${this.#port} RTP/AVP ${payloadTypes.join(' ')}`,
      ...payloadTypes.map((pt) => `a=rtpmap:${pt} ${PREFERRED.find((c) => c.pt === pt)!.rtpmap}`),
      `a=${direction}`,
    ];
    return { contentType: 'application/sdp', bytes: encoder.encode(`${lines.join('\r\n')}\r\n`) };
  }
}
