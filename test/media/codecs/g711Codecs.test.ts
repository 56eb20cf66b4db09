// PCMU and PCMA as Codec objects: the numbers SDP and RTP need, and a 20 ms frame through each.
import { describe, expect, it } from 'vitest';
import type { Codec } from '../../../firmware-app/media/codecs/Codec.ts';
import { PCMA, PCMU } from '../../../firmware-app/media/codecs/g711Codecs.ts';

function sine(samples: number, hz: number, rate: number, amplitude: number): Int16Array {
  return Int16Array.from({ length: samples }, (_, i) => Math.round(amplitude * Math.sin((2 * Math.PI * hz * i) / rate)));
}

describe('G.711 codecs', () => {
  it.each([
    [PCMU, 'PCMU', 0],
    [PCMA, 'PCMA', 8],
  ] as const)('%s carries RFC 3551 payload type, 8000 Hz clock and 160 samples per 20 ms', (codec: Codec, name, pt) => {
    expect(codec).toMatchObject({ name, payloadType: pt, clockRate: 8000, sampleRate: 8000, samplesPerFrame: 160, timestampPerFrame: 160 });
  });

  it.each([[PCMU], [PCMA]])('%s carries a 1 kHz tone through a 20 ms frame with at least 30 dB SNR', (codec: Codec) => {
    const pcm = sine(codec.samplesPerFrame, 1000, codec.sampleRate, 8000);
    const payload = new Uint8Array(codec.samplesPerFrame);
    expect(codec.encode(pcm, payload)).toBe(160);
    const out = new Int16Array(codec.samplesPerFrame);
    expect(codec.decode(payload, out)).toBe(160);
    let signal = 0;
    let noise = 0;
    for (let i = 0; i < pcm.length; i++) {
      signal += pcm[i]! ** 2;
      noise += (pcm[i]! - out[i]!) ** 2;
    }
    expect(10 * Math.log10(signal / noise)).toBeGreaterThan(30);
  });
});
