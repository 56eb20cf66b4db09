// The G.722 encoder, 64 kbit/s mode: 16 kHz PCM → one octet per two samples (ITU-T G.722 §3).

import { InternalError } from '../../../errors.ts';
import { TransmitQmf } from './qmf.ts';
import { createHighBand, createLowBand, encodeHigh, encodeLow } from './subBandCoding.ts';

/**
 * One encoder's state (transmit QMF and both sub-band ADPCM encoders), kept from call to call so that a
 * stream cut into frames encodes exactly as it would in one piece. Allocates nothing after construction.
 */
export class G722Encoder {
  readonly #qmf = new TransmitQmf();
  readonly #low = createLowBand();
  readonly #high = createHighBand();

  /**
   * Encodes `pcm` (16-bit, 16 kHz, an even number of samples) into `out`, one octet per sample pair: IH in the
   * two high bits, IL in the six low ones (G.722 §1.4.4; RFC 3551 §4.5.2 sends the octets as they are).
   * Returns the number of octets written. Throws InternalError for an odd sample count or a short `out`.
   */
  encode(pcm: Int16Array, out: Uint8Array): number {
    const octets = pcm.length >> 1;
    if ((pcm.length & 1) !== 0) throw new InternalError('CODEC_FRAME', `G.722: ${pcm.length} samples, not whole pairs`);
    if (out.length < octets) throw new InternalError('CODEC_BUFFER', `G.722: ${pcm.length} samples, room for ${out.length} octets`);
    const qmf = this.#qmf;
    for (let n = 0; n < octets; n++) {
      qmf.split(pcm[2 * n]!, pcm[2 * n + 1]!);
      const low = encodeLow(this.#low, qmf.low);
      const high = encodeHigh(this.#high, qmf.high);
      out[n] = (high << 6) | low;
    }
    return octets;
  }
}
