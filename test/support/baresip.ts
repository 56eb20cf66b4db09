// Runs the real baresip (Debian package) as an indoor phone for interop tests, in a throwaway config dir.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type TracedMessage, baresipMessages } from './wire.ts';

export interface BaresipOptions {
  /** Local SIP port of baresip (127.0.0.1). */
  readonly port: number;
  /** accounts file line, e.g. `<sip:flat@127.0.0.1:5060;transport=udp>;auth_pass=…;answermode=auto`. */
  readonly account: string;
  /** Commands run at start (`/dial sip:…`). */
  readonly commands?: readonly string[];
  /** Seconds the tone it plays lasts (it hangs up when the file ends). */
  readonly toneSeconds?: number;
}

export interface Baresip {
  /** Its SIP port (the one it was started with). */
  readonly port: number;
  /** Everything baresip printed so far (with its SIP trace). */
  output(): string;
  /** The SIP messages in its trace so far. */
  messages(): TracedMessage[];
  /** Resolves when the output matches. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** A mono 16-bit PCM WAV file holding a 1 kHz tone at 8 kHz. */
function toneWav(seconds: number): Buffer {
  const rate = 8000;
  const samples = rate * seconds;
  const wav = Buffer.alloc(44 + samples * 2);
  wav.write('RIFF', 0, 'latin1');
  wav.writeUInt32LE(36 + samples * 2, 4);
  wav.write('WAVEfmt ', 8, 'latin1');
  wav.writeUInt32LE(16, 16);
  wav.writeUInt16LE(1, 20);
  wav.writeUInt16LE(1, 22);
  wav.writeUInt32LE(rate, 24);
  wav.writeUInt32LE(rate * 2, 28);
  wav.writeUInt16LE(2, 32);
  wav.writeUInt16LE(16, 34);
  wav.write('data', 36, 'latin1');
  wav.writeUInt32LE(samples * 2, 40);
  for (let i = 0; i < samples; i++) wav.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 1000 * i) / rate)), 44 + i * 2);
  return wav;
}

/** Starts baresip with a config of its own (no sound card: files for audio). */
export function startBaresip(options: BaresipOptions): Baresip {
  const dir = mkdtempSync(path.join(tmpdir(), 'baresip-'));
  writeFileSync(path.join(dir, 'tone.wav'), toneWav(options.toneSeconds ?? 30));
  writeFileSync(path.join(dir, 'config'), [
    'poll_method\t\tepoll',
    `sip_listen\t\t127.0.0.1:${options.port}`,
    'module_path\t\t/usr/lib/baresip/modules',
    'module\t\t\tg711.so',
    'module\t\t\taufile.so',
    'module\t\t\taccount.so',
    'module\t\t\tmenu.so',
    `audio_source\t\taufile,${path.join(dir, 'tone.wav')}`,
    `audio_player\t\taufile,${path.join(dir, 'heard.wav')}`,
    'audio_alert\t\taufile,/dev/null',
    '',
  ].join('\n'));
  writeFileSync(path.join(dir, 'accounts'), `${options.account}\n`);
  const args = ['-s', '-f', dir, ...(options.commands ?? []).flatMap((c) => ['-e', c])];
  const child = spawn('baresip', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const waiters: Array<() => void> = [];
  const append = (chunk: Buffer): void => {
    output += chunk.toString('latin1');
    if (output.length > 400_000) output = output.slice(-200_000);
    for (const w of [...waiters]) w();
  };
  child.stdout.on('data', append);
  child.stderr.on('data', append);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const killer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  return {
    port: options.port,
    output: () => output,
    messages: () => baresipMessages(output, options.port),
    waitFor: (pattern, timeoutMs = 10_000) =>
      new Promise<void>((resolve, reject) => {
        const check = (): void => {
          if (!pattern.test(output)) return;
          cleanup();
          resolve();
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`baresip never printed ${pattern}; it printed:\n${output.slice(-3000)}`));
        }, timeoutMs);
        const cleanup = (): void => {
          clearTimeout(timer);
          waiters.splice(waiters.indexOf(check), 1);
        };
        waiters.push(check);
        check();
      }),
    stop: async () => {
      child.kill('SIGTERM');
      const forced = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(forced);
      clearTimeout(killer);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
