// The G.722 decoder, 64 kbit/s mode: one octet → two 16 kHz PCM samples (ITU-T G.722 §4).

import { InternalError } from '../../../errors.ts';
import { ReceiveQmf } from './qmf.ts';
import { createHighBand, createLowBand, decodeHigh, decodeLow } from './subBandCoding.ts';

/**
 * One decoder's state (both sub-band ADPCM decoders and the receive QMF), kept from call to call: a lost or
 * reordered frame is the jitter buffer's business, this only ever sees octets in order. Allocates nothing
 * after construction.
 */
export class G722Decoder {
  readonly #qmf = new ReceiveQmf();
  readonly #low = createLowBand();
  readonly #high = createHighBand();

  /**
   * Decodes `payload` (IH in the two high bits of each octet, IL in the six low ones) into `out`, two 16-bit
   * samples per octet. Returns the number of samples written; throws InternalError when `out` is too small.
   */
  decode(payload: Uint8Array, out: Int16Array): number {
    const samples = payload.length * 2;
    if (out.length < samples) throw new InternalError('CODEC_BUFFER', `G.722: ${payload.length} octets, room for ${out.length} samples`);
    const qmf = this.#qmf;
    for (let n = 0; n < payload.length; n++) {
      const octet = payload[n]!;
      qmf.join(decodeLow(this.#low, octet & 0x3f), decodeHigh(this.#high, octet >> 6));
      out[2 * n] = qmf.first;
      out[2 * n + 1] = qmf.second;
    }
    return samples;
  }
}
