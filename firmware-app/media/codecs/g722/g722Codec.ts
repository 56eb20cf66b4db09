// G.722 as a Codec (RFC 3551 §4.5.2: payload type 9, 16 kHz audio under an 8000 Hz RTP clock).

import type { Codec } from '../Codec.ts';
import { G722Decoder } from './G722Decoder.ts';
import { G722Encoder } from './G722Encoder.ts';

/**
 * A G.722 codec (64 kbit/s mode) for one stream: a fresh encoder and a fresh decoder, independent of each
 * other, so the stream's two directions never disturb one another. Make one per stream; never share it.
 * A 20 ms frame is 320 samples ⇄ 160 octets, and 160 RTP timestamp units: RFC 3551 keeps G.722's RTP clock
 * at 8000 Hz, an error of the original RFC 1890 that every implementation now relies on.
 */
export function createG722Codec(): Codec {
  const encoder = new G722Encoder();
  const decoder = new G722Decoder();
  return Object.freeze({
    name: 'G722',
    payloadType: 9,
    clockRate: 8000,
    sampleRate: 16000,
    samplesPerFrame: 320,
    timestampPerFrame: 160,
    encode: (pcm: Int16Array, out: Uint8Array): number => encoder.encode(pcm, out),
    decode: (payload: Uint8Array, out: Int16Array): number => decoder.decode(payload, out),
  });
}
