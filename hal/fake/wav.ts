// WAV (RIFF/WAVE) for the fakes: PCM, 16-bit, mono only, in and out; anything else is refused with a clear reason.

/** A mono 16-bit PCM sound. */
export interface Wav {
  readonly sampleRate: number;
  readonly samples: Int16Array;
}

export type WavResult = { readonly ok: true; readonly value: Wav } | { readonly ok: false; readonly error: string };

const WAVE_FORMAT_PCM = 1;

function fourCc(view: DataView, at: number): string {
  return String.fromCharCode(view.getUint8(at), view.getUint8(at + 1), view.getUint8(at + 2), view.getUint8(at + 3));
}

/** A 44-byte header (RIFF, fmt , data) followed by the samples, little-endian. */
export function encodeWav(wav: Wav): Uint8Array {
  const dataBytes = wav.samples.length * 2;
  const bytes = new Uint8Array(44 + dataBytes);
  const view = new DataView(bytes.buffer);
  const ascii = (at: number, text: string): void => {
    for (let i = 0; i < 4; i++) view.setUint8(at + i, text.charCodeAt(i));
  };
  ascii(0, 'RIFF');
  view.setUint32(4, 36 + dataBytes, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, WAVE_FORMAT_PCM, true);
  view.setUint16(22, 1, true); // channels
  view.setUint32(24, wav.sampleRate, true);
  view.setUint32(28, wav.sampleRate * 2, true); // byte rate
  view.setUint16(32, 2, true); // block align
  view.setUint16(34, 16, true); // bits per sample
  ascii(36, 'data');
  view.setUint32(40, dataBytes, true);
  for (let i = 0; i < wav.samples.length; i++) view.setInt16(44 + i * 2, wav.samples[i]!, true);
  return bytes;
}

/**
 * Reads a WAV file's bytes. Chunks other than `fmt ` and `data` (LIST, fact …) are skipped, with the pad byte
 * after an odd-sized chunk. A `data` size past the end of the file (a recorder killed before it fixed the header)
 * is cut to what is there.
 */
export function decodeWav(bytes: Uint8Array): WavResult {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 12 || fourCc(view, 0) !== 'RIFF' || fourCc(view, 8) !== 'WAVE') {
    return { ok: false, error: 'not a WAV file (no RIFF/WAVE header)' };
  }
  let format: { sampleRate: number } | undefined;
  for (let at = 12; at + 8 <= bytes.length; ) {
    const id = fourCc(view, at);
    const size = view.getUint32(at + 4, true);
    const body = at + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > bytes.length) return { ok: false, error: 'WAV fmt chunk too short' };
      const tag = view.getUint16(body, true);
      const channels = view.getUint16(body + 2, true);
      const bits = view.getUint16(body + 14, true);
      if (tag !== WAVE_FORMAT_PCM) return { ok: false, error: `WAV format tag ${tag} is not supported (only PCM, tag 1)` };
      if (channels !== 1) return { ok: false, error: `WAV has ${channels} channels (only mono is supported)` };
      if (bits !== 16) return { ok: false, error: `WAV has ${bits}-bit samples (only 16-bit is supported)` };
      const sampleRate = view.getUint32(body + 4, true);
      if (sampleRate === 0) return { ok: false, error: 'WAV sample rate is 0' };
      format = { sampleRate };
    } else if (id === 'data') {
      if (format === undefined) return { ok: false, error: 'WAV data chunk before its fmt chunk' };
      const count = Math.floor(Math.min(size, bytes.length - body) / 2);
      const samples = new Int16Array(count);
      for (let i = 0; i < count; i++) samples[i] = view.getInt16(body + i * 2, true);
      return { ok: true, value: { sampleRate: format.sampleRate, samples } };
    }
    at = body + size + (size % 2);
  }
  return { ok: false, error: format === undefined ? 'WAV has no fmt chunk' : 'WAV has no data chunk' };
}
