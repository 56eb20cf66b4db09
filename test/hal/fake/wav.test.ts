// WAV encode/decode: round trip, chunks skipped, and the formats refused.

import { describe, expect, it } from 'vitest';
import { decodeWav, encodeWav } from '../../../hal/fake/wav.ts';

/** A WAV header with a chosen format tag, channel count and bit depth, and `data` bytes after it. */
function wavWith(fields: { tag?: number; channels?: number; bits?: number; extraChunk?: Uint8Array; data?: number[] }) {
  const base = encodeWav({ sampleRate: 8000, samples: Int16Array.from(fields.data ?? [1, 2]) });
  const view = new DataView(base.buffer);
  if (fields.tag !== undefined) view.setUint16(20, fields.tag, true);
  if (fields.channels !== undefined) view.setUint16(22, fields.channels, true);
  if (fields.bits !== undefined) view.setUint16(34, fields.bits, true);
  if (fields.extraChunk === undefined) return base;
  // Insert the extra chunk between fmt and data.
  return Uint8Array.from([...base.subarray(0, 36), ...fields.extraChunk, ...base.subarray(36)]);
}

describe('WAV', () => {
  it('round-trips samples and rate, with the canonical 44-byte header', () => {
    const samples = Int16Array.from({ length: 1000 }, (_, i) => ((i * 977) % 65536) - 32768);
    const bytes = encodeWav({ sampleRate: 16000, samples });
    expect(bytes.length).toBe(44 + 2000);
    expect(new TextDecoder().decode(bytes.subarray(0, 4))).toBe('RIFF');
    const view = new DataView(bytes.buffer);
    expect(view.getUint32(4, true)).toBe(36 + 2000);
    expect(view.getUint32(28, true)).toBe(32000);
    const decoded = decodeWav(bytes);
    expect(decoded.ok && decoded.value.sampleRate).toBe(16000);
    expect(decoded.ok && Array.from(decoded.value.samples)).toEqual(Array.from(samples));
  });

  it('skips other chunks, with the pad byte of an odd-sized one', () => {
    const list = Uint8Array.from([...new TextEncoder().encode('LIST'), 3, 0, 0, 0, 65, 66, 67, 0]);
    const decoded = decodeWav(wavWith({ extraChunk: list, data: [5, -5, 300] }));
    expect(decoded.ok && Array.from(decoded.value.samples)).toEqual([5, -5, 300]);
  });

  it('cuts a data size that runs past the end of the file to the samples present', () => {
    const bytes = encodeWav({ sampleRate: 8000, samples: Int16Array.of(1, 2, 3) });
    new DataView(bytes.buffer).setUint32(40, 0xffffffff, true);
    const decoded = decodeWav(bytes);
    expect(decoded.ok && Array.from(decoded.value.samples)).toEqual([1, 2, 3]);
  });

  it('refuses other formats with a reason that names them', () => {
    expect(decodeWav(wavWith({ channels: 2 }))).toEqual({ ok: false, error: 'WAV has 2 channels (only mono is supported)' });
    expect(decodeWav(wavWith({ bits: 8 }))).toEqual({ ok: false, error: 'WAV has 8-bit samples (only 16-bit is supported)' });
    expect(decodeWav(wavWith({ tag: 3 }))).toEqual({ ok: false, error: 'WAV format tag 3 is not supported (only PCM, tag 1)' });
    expect(decodeWav(new TextEncoder().encode('ID3 not a wav at all'))).toEqual({
      ok: false,
      error: 'not a WAV file (no RIFF/WAVE header)',
    });
    expect(decodeWav(encodeWav({ sampleRate: 8000, samples: new Int16Array(0) }).subarray(0, 36))).toEqual({
      ok: false,
      error: 'WAV has no data chunk',
    });
  });
});
