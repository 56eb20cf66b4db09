// Stand-ins for the audio drivers: recorders over the fake child (fakeChild.ts), a logger that keeps lines, PCM bytes.

import type { Recorder, RecorderFactory, RecorderOptions } from '../../../hal/audio/Recorder.ts';
import type { HalLogFields, HalLogger } from '../../../hal/ports.ts';
import { FakeChild } from './fakeChild.ts';

/**
 * A RecorderFactory like lpcm16Recorder: its stream is the process's stdout, and, as node-record-lpcm16 does, a
 * non-zero exit is re-emitted on that stream as an 'error' (which throws if nobody listens).
 */
export function fakeRecorders(): { factory: RecorderFactory; started: { options: RecorderOptions; process: FakeChild }[] } {
  const started: { options: RecorderOptions; process: FakeChild }[] = [];
  const factory: RecorderFactory = (options) => {
    const process = new FakeChild('arecord', [], { closesOnKill: true });
    process.on('close', (code: number | null) => {
      if (code !== 0) process.stdout.emit('error', `arecord has exited with error code ${code}.`);
    });
    started.push({ options, process });
    const recorder: Recorder = { command: 'arecord', process, stream: process.stdout, stop: () => process.kill() };
    return recorder;
  };
  return { factory, started };
}

export interface LogLine {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly event: string;
  readonly fields: HalLogFields;
}

export function collectingLogger(): HalLogger & { readonly lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at = (level: LogLine['level']) => (event: string, fields: HalLogFields = {}) => void lines.push({ level, event, fields });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** `samples` as S16_LE bytes. */
export function s16le(samples: readonly number[]): Uint8Array {
  const bytes = new Uint8Array(samples.length * 2);
  const view = new DataView(bytes.buffer);
  samples.forEach((s, i) => view.setInt16(i * 2, s, true));
  return bytes;
}
