// WAV files on disk for the simulator's --sim-mic and --sim-speaker.

import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { decodeWav, encodeWav, type Wav, type WavResult } from './wav.ts';

/** Reads and decodes `path`; a missing or unsupported file is an error result naming it. */
export function readWavFile(path: string): WavResult {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    return { ok: false, error: `cannot read ${path}: ${error instanceof Error ? error.message : String(error)}` };
  }
  const wav = decodeWav(bytes);
  return wav.ok ? wav : { ok: false, error: `${path}: ${wav.error}` };
}

/** Writes `wav` to `path` whole (through a temporary file and a rename, so a reader never sees half of it). */
export function writeWavFile(path: string, wav: Wav): { readonly ok: true } | { readonly ok: false; readonly error: string } {
  const temporary = `${path}.tmp`;
  try {
    writeFileSync(temporary, encodeWav(wav));
    renameSync(temporary, path);
    return { ok: true };
  } catch (error) {
    return { ok: false, error: `cannot write ${path}: ${error instanceof Error ? error.message : String(error)}` };
  }
}
