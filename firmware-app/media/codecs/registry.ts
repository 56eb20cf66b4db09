// The codec for a negotiated name: G.711's are stateless and shared, G.722 gets fresh state per stream direction.

import type { CodecName } from '../sdp/codecs.ts';
import type { Codec } from './Codec.ts';
import { createG722Codec } from './g722/g722Codec.ts';
import { PCMA, PCMU } from './g711Codecs.ts';

/** A codec instance for one direction of one stream. */
export function createCodec(name: CodecName): Codec {
  switch (name) {
    case 'PCMU':
      return PCMU;
    case 'PCMA':
      return PCMA;
    case 'G722':
      return createG722Codec();
  }
}
