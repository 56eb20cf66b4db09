// Codec: what the media layer needs from an audio codec (G.711 now, G.722 later), whatever its sample rate.

/**
 * One audio codec for one RTP stream. G.711 is stateless and its codecs can be shared; a codec with state
 * (G.722's ADPCM predictors) is created per stream and per direction.
 *
 * `encode` and `decode` write into buffers the caller owns and return how much they wrote, so the 20 ms
 * send and receive paths allocate nothing.
 */
export interface Codec {
  /** Encoding name as SDP's a=rtpmap writes it (RFC 3551): `PCMU`, `PCMA`, `G722`. */
  readonly name: string;
  /** The RFC 3551 static payload type (0, 8, 9); a dynamic one is chosen by SDP, not by the codec. */
  readonly payloadType: number;
  /**
   * The RTP clock rate as signalled in SDP and used for RTP timestamps. Not always the sample rate:
   * G.722 samples at 16 kHz but signals 8000 (RFC 3551 §4.5.2).
   */
  readonly clockRate: number;
  /** Samples per second of the PCM this codec takes and gives. */
  readonly sampleRate: number;
  /** PCM samples in one 20 ms frame (`sampleRate / 50`). */
  readonly samplesPerFrame: number;
  /** RTP timestamp units in one 20 ms frame (`clockRate / 50`). */
  readonly timestampPerFrame: number;
  /**
   * Encodes `pcm` (16-bit linear, mono) into `out`; returns the number of bytes written.
   * Throws InternalError when `out` is too small (a bug of the caller, never the peer's doing).
   */
  encode(pcm: Int16Array, out: Uint8Array): number;
  /**
   * Decodes `payload` into `out` (16-bit linear, mono); returns the number of samples written.
   * Throws InternalError when `out` is too small.
   */
  decode(payload: Uint8Array, out: Int16Array): number;
}
