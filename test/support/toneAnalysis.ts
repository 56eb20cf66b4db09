// Test support: 16-bit mono PCM WAV files (read, write) and the dominant tone in one: its frequency (windowed FFT
// peak, refined by interpolation) and its signal-to-noise ratio (power near the peak against all the rest).

import { readFileSync } from 'node:fs';

/** Decoded PCM audio: samples scaled to [-1, 1). */
export interface Pcm {
  readonly sampleRate: number;
  readonly samples: Float64Array;
}

/** What analyseTone found; `tone` is absent when the analysed part is (near) silent. */
export interface ToneReport {
  readonly sampleRate: number;
  /** Seconds of audio in the file, and analysed after trimming both ends. */
  readonly seconds: number;
  readonly analysedSeconds: number;
  /** RMS level of the analysed part (DC removed), dB relative to full scale; -Infinity for digital silence. */
  readonly levelDbfs: number;
  readonly tone?: {
    readonly frequencyHz: number;
    /** Power within `bandHz` of the tone against the power everywhere else (DC removed), in dB. */
    readonly snrDb: number;
  };
}

export interface AnalyseOptions {
  /** Seconds left out at each end (start-up, jitter buffer fill, hang-up): default 0.3. */
  readonly trimSeconds?: number;
  /** Half-width of the band counted as the tone (default 50 Hz: a phase jump from a lost packet stays inside). */
  readonly bandHz?: number;
  /** Below this RMS level the part is silence and no tone is reported (default -70 dBFS). */
  readonly silenceDbfs?: number;
}

/** Little-endian reads over a byte array, bounds-checked. */
function reader(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Reads a RIFF/WAVE file holding 16-bit mono PCM at any rate. A `data` chunk whose size runs past the end of the
 * file (or is 0 while bytes follow: a writer that never rewrote its header) is read to the end of the file.
 */
export function decodeWav(bytes: Uint8Array): Pcm {
  const view = reader(bytes);
  const tag = (at: number): string => String.fromCharCode(...bytes.subarray(at, at + 4));
  if (bytes.length < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE') throw new Error(`not a RIFF/WAVE file (${bytes.length} bytes)`);
  let format: { channels: number; sampleRate: number; bits: number; code: number } | undefined;
  for (let at = 12; at + 8 <= bytes.length;) {
    const id = tag(at);
    const size = view.getUint32(at + 4, true);
    const body = at + 8;
    if (id === 'fmt ') {
      if (size < 16) throw new Error(`fmt chunk of ${size} bytes`);
      format = { code: view.getUint16(body, true), channels: view.getUint16(body + 2, true), sampleRate: view.getUint32(body + 4, true), bits: view.getUint16(body + 14, true) };
    } else if (id === 'data') {
      if (format === undefined) throw new Error('data chunk before the fmt chunk');
      if (format.code !== 1 || format.bits !== 16 || format.channels !== 1) {
        throw new Error(`want 16-bit mono PCM, got format ${format.code}, ${format.bits} bits, ${format.channels} channels`);
      }
      const available = bytes.length - body;
      const length = size === 0 || size > available ? available : size;
      const samples = new Float64Array(Math.floor(length / 2));
      for (let i = 0; i < samples.length; i++) samples[i] = view.getInt16(body + 2 * i, true) / 32768;
      return { sampleRate: format.sampleRate, samples };
    }
    at = body + size + (size % 2); // chunks are padded to an even length
  }
  throw new Error('no data chunk');
}

/** Reads a WAV file (see decodeWav). */
export function readWav(file: string): Pcm {
  try {
    return decodeWav(readFileSync(file));
  } catch (error) {
    throw new Error(`${file}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

/** A 16-bit mono PCM WAV file of `samples` (in [-1, 1], clipped). */
export function encodeWav(pcm: Pcm): Buffer {
  const { sampleRate, samples } = pcm;
  const wav = Buffer.alloc(44 + samples.length * 2);
  wav.write('RIFF', 0, 'latin1');
  wav.writeUInt32LE(36 + samples.length * 2, 4);
  wav.write('WAVEfmt ', 8, 'latin1');
  wav.writeUInt32LE(16, 16);
  wav.writeUInt16LE(1, 20); // PCM
  wav.writeUInt16LE(1, 22); // mono
  wav.writeUInt32LE(sampleRate, 24);
  wav.writeUInt32LE(sampleRate * 2, 28);
  wav.writeUInt16LE(2, 32);
  wav.writeUInt16LE(16, 34);
  wav.write('data', 36, 'latin1');
  wav.writeUInt32LE(samples.length * 2, 40);
  for (let i = 0; i < samples.length; i++) wav.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(samples[i]! * 32768))), 44 + i * 2);
  return wav;
}

/** `seconds` of a sine at `frequencyHz`, amplitude `amplitude` (of full scale), sampled at `sampleRate`. */
export function sine(frequencyHz: number, sampleRate: number, seconds: number, amplitude = 0.25): Pcm {
  const samples = new Float64Array(Math.round(sampleRate * seconds));
  for (let i = 0; i < samples.length; i++) samples[i] = amplitude * Math.sin((2 * Math.PI * frequencyHz * i) / sampleRate);
  return { sampleRate, samples };
}

/** In-place iterative radix-2 FFT of (re, im); the length is a power of two. */
function fft(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j]!, re[i]!];
      [im[i], im[j]] = [im[j]!, im[i]!];
    }
  }
  for (let size = 2; size <= n; size <<= 1) {
    const step = (-2 * Math.PI) / size;
    for (let start = 0; start < n; start += size) {
      for (let k = 0; k < size / 2; k++) {
        const wr = Math.cos(step * k);
        const wi = Math.sin(step * k);
        const a = start + k;
        const b = a + size / 2;
        const tr = re[b]! * wr - im[b]! * wi;
        const ti = re[b]! * wi + im[b]! * wr;
        re[b] = re[a]! - tr;
        im[b] = im[a]! - ti;
        re[a] = re[a]! + tr;
        im[a] = im[a]! + ti;
      }
    }
  }
}

/** Power spectrum (bins 0 … n/2) of the Hann-windowed part, zero-padded to at least 4× its length. */
function powerSpectrum(part: Float64Array): { power: Float64Array; size: number } {
  let size = 1;
  while (size < part.length * 4) size <<= 1;
  const re = new Float64Array(size);
  const im = new Float64Array(size);
  for (let i = 0; i < part.length; i++) re[i] = part[i]! * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (part.length - 1)));
  fft(re, im);
  const power = new Float64Array(size / 2 + 1);
  for (let k = 0; k < power.length; k++) power[k] = re[k]! ** 2 + im[k]! ** 2;
  return { power, size };
}

/**
 * The dominant tone of `pcm` between its first and last `trimSeconds`: the strongest bin of a Hann-windowed,
 * zero-padded FFT, refined by a parabola through the log powers of it and its neighbours; SNR is the power
 * within `bandHz` of that bin against all other power (the mean removed first: a DC offset is not noise one hears).
 */
export function analyseTone(pcm: Pcm, options: AnalyseOptions = {}): ToneReport {
  const { sampleRate, samples } = pcm;
  const trim = Math.round((options.trimSeconds ?? 0.3) * sampleRate);
  const part = samples.slice(Math.min(trim, samples.length), Math.max(trim, samples.length - trim));
  const seconds = samples.length / sampleRate;
  const analysedSeconds = part.length / sampleRate;
  let mean = 0;
  for (const x of part) mean += x;
  mean /= Math.max(1, part.length);
  let energy = 0;
  for (let i = 0; i < part.length; i++) {
    part[i] = part[i]! - mean;
    energy += part[i]! ** 2;
  }
  const levelDbfs = part.length === 0 ? -Infinity : 10 * Math.log10(energy / part.length);
  const base = { sampleRate, seconds, analysedSeconds, levelDbfs };
  if (part.length < 16 || !(levelDbfs > (options.silenceDbfs ?? -70))) return base;

  const { power, size } = powerSpectrum(part);
  const binHz = sampleRate / size;
  let peak = 1;
  for (let k = 2; k < power.length - 1; k++) if (power[k]! > power[peak]!) peak = k;
  const [left, centre, right] = [power[peak - 1]!, power[peak]!, power[peak + 1]!].map((p) => Math.log(Math.max(p, 1e-300))) as [number, number, number];
  const curvature = left - 2 * centre + right;
  const offset = curvature < 0 ? (0.5 * (left - right)) / curvature : 0;
  const frequencyHz = (peak + offset) * binHz;

  const band = Math.max(2, Math.round((options.bandHz ?? 50) / binHz));
  let inBand = 0;
  let total = 0;
  for (let k = 0; k < power.length; k++) {
    total += power[k]!;
    if (Math.abs(k - peak) <= band) inBand += power[k]!;
  }
  const rest = total - inBand;
  const snrDb = rest <= 0 ? Infinity : 10 * Math.log10(inBand / rest);
  return { ...base, tone: { frequencyHz, snrDb } };
}

/** A one-line account of a report for assertion messages. */
export function describeTone(report: ToneReport): string {
  const head = `${report.sampleRate} Hz, ${report.seconds.toFixed(2)} s (${report.analysedSeconds.toFixed(2)} s analysed), level ${report.levelDbfs.toFixed(1)} dBFS`;
  return report.tone === undefined ? `${head}, no tone` : `${head}, tone ${report.tone.frequencyHz.toFixed(1)} Hz at SNR ${report.tone.snrDb.toFixed(1)} dB`;
}
