// The two G.711 codecs as Codec objects (RFC 3551 §4.5.14: PCMU payload type 0, PCMA payload type 8, 8000 Hz).

import type { Codec } from './Codec.ts';
import { aLawDecode, aLawEncode } from './aLaw.ts';
import { muLawDecode, muLawEncode } from './muLaw.ts';

/** G.711 µ-law. Stateless, so one object serves every stream. */
export const PCMU: Codec = Object.freeze({
  name: 'PCMU',
  payloadType: 0,
  clockRate: 8000,
  sampleRate: 8000,
  samplesPerFrame: 160,
  timestampPerFrame: 160,
  encode: muLawEncode,
  decode: muLawDecode,
});

/** G.711 A-law. Stateless, so one object serves every stream. */
export const PCMA: Codec = Object.freeze({
  name: 'PCMA',
  payloadType: 8,
  clockRate: 8000,
  sampleRate: 8000,
  samplesPerFrame: 160,
  timestampPerFrame: 160,
  encode: aLawEncode,
  decode: aLawDecode,
});
