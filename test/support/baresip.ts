// Runs the real baresip (Debian package, v1.0.0) as an indoor phone for interop tests, in a throwaway config dir.
//
// What baresip 1.0.0 can and cannot do here (checked against the binary and its modules):
// - aufile is a source only (no player, whatever `audio_player aufile,…` says) and insists the file's rate is the
//   codec's (8000 Hz for G.711, 16000 Hz for G.722); what it hears is recorded by the sndfile filter instead
//   (`snd_path`: dump-<time>-dec.wav, what it decoded; -enc.wav, what it sent), closed when the call ends.
// - Media goes to the address of `net_interface` (an IP works, `lo` does not); without it the SDP carries eth0's.
// - DTMF goes out only as RFC 4733 telephone-events (`/sndcode 12#1` on its console: stdin through stdio.so, which
//   works on a pipe after warning "could not setup terminal"); it has no `;dtmfmode=info` and cannot send SIP INFO.
// - `;mediaenc=srtp-mand` offers RTP/SAVP with one a=crypto (AES_CM_128_HMAC_SHA1_80); srtp.so must be loaded before
//   account.so, or the account says "mediaenc not found".

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { encodeWav, sine } from './toneAnalysis.ts';
import { type TracedMessage, baresipMessages } from './wire.ts';

/** The audio codecs baresip has modules for here that the door speaks too. */
export type BaresipCodec = 'PCMU' | 'PCMA' | 'G722';

export interface BaresipOptions {
  /** Local SIP port of baresip (127.0.0.1); it also binds port + 1 (TLS). */
  readonly port: number;
  /** accounts file line, e.g. `<sip:flat@127.0.0.1:5060;transport=udp>;auth_pass=…;answermode=auto`. */
  readonly account: string;
  /** Commands run at start (`/dial sip:…`). */
  readonly commands?: readonly string[];
  /** Seconds the tone it plays lasts (it hangs up when the file ends; default 30). */
  readonly toneSeconds?: number;
  /** The tone's frequency (default 1000 Hz). */
  readonly toneHz?: number;
  /** The tone file's sample rate: it must be the call's (default 16000 when `codecs` is G722 alone, else 8000). */
  readonly toneRate?: number;
  /**
   * The codecs it offers and accepts, in order: loads g711 and/or g722 and sets the account's `audio_codecs`
   * (default: PCMU, PCMA — the g711 module alone, as before).
   */
  readonly codecs?: readonly BaresipCodec[];
  /** SRTP with SDES keys, mandatory (`;mediaenc=srtp-mand`: RTP/SAVP only). */
  readonly srtp?: boolean;
}

export interface Baresip {
  /** Its SIP port (the one it was started with). */
  readonly port: number;
  /** Everything baresip printed so far (with its SIP trace). */
  output(): string;
  /** Where its output ends now (count of characters): pass it to waitFor to look only at what comes later. */
  mark(): number;
  /** The SIP messages in its trace so far. */
  messages(): TracedMessage[];
  /** Resolves when the output (from offset `from` on, default 0) matches. */
  waitFor(pattern: RegExp, timeoutMs?: number, from?: number): Promise<void>;
  /** Types a line on its console (`/hangup`, `/dial sip:…`). */
  command(line: string): void;
  /** Sends `digits` (0-9, *, #, A-D) in the current call as RFC 4733 telephone-events, one after the other. */
  sendDigits(digits: string): void;
  /**
   * The WAV file of what it heard (decoded) in its latest call, 16-bit mono at the call's rate; undefined before a
   * call. Complete once the call has ended; kept until stop(). Two calls within one second share one file.
   */
  heardFile(): string | undefined;
  /** Settles when the process has exited (by itself or stopped). */
  readonly exited: Promise<void>;
  /** Freezes it (SIGSTOP): a phone that vanished without a BYE, its sockets silent; `stop` still ends it. */
  freeze(): void;
  /** Lets a frozen baresip run on (SIGCONT): it reads what queued up on its sockets meanwhile. */
  thaw(): void;
  /** Stops it (SIGTERM, SIGKILL after 3 s) and removes its directory, recordings included. */
  stop(): Promise<void>;
}

const MODULES: Record<BaresipCodec, string> = { PCMU: 'g711.so', PCMA: 'g711.so', G722: 'g722.so' };

/** The config file: SIP and media on 127.0.0.1, audio from the tone file, what it hears recorded by sndfile. */
function configFile(options: BaresipOptions, dir: string, codecs: readonly BaresipCodec[]): string {
  const modules = [...new Set(codecs.map((codec) => MODULES[codec]))];
  // Order matters: a media encryption module must be registered before account.so reads `;mediaenc=`.
  if (options.srtp === true) modules.push('srtp.so');
  modules.push('aufile.so', 'sndfile.so', 'account.so', 'menu.so', 'stdio.so');
  return [
    'poll_method\t\tepoll',
    `sip_listen\t\t127.0.0.1:${options.port}`,
    'net_interface\t\t127.0.0.1',
    'module_path\t\t/usr/lib/baresip/modules',
    ...modules.map((module) => `module\t\t\t${module}`),
    `audio_source\t\taufile,${path.join(dir, 'tone.wav')}`,
    'audio_alert\t\taufile,/dev/null',
    `snd_path\t\t${path.join(dir, 'heard')}`,
    '',
  ].join('\n');
}

/** The accounts line with the codec list and media encryption asked for. */
function accountLine(options: BaresipOptions): string {
  let line = options.account;
  if (options.codecs !== undefined) line += `;audio_codecs=${options.codecs.join(',')}`;
  if (options.srtp === true) line += ';mediaenc=srtp-mand';
  return line;
}

/** Starts baresip with a config of its own (no sound card: files for audio). */
export function startBaresip(options: BaresipOptions): Baresip {
  const dir = mkdtempSync(path.join(tmpdir(), 'baresip-'));
  const codecs = options.codecs ?? ['PCMU', 'PCMA'];
  if (codecs.length === 0) throw new Error('baresip needs at least one codec');
  const toneRate = options.toneRate ?? (codecs.every((codec) => codec === 'G722') ? 16000 : 8000);
  writeFileSync(path.join(dir, 'tone.wav'), encodeWav(sine(options.toneHz ?? 1000, toneRate, options.toneSeconds ?? 30, 8000 / 32768)));
  mkdirSync(path.join(dir, 'heard'));
  writeFileSync(path.join(dir, 'config'), configFile(options, dir, codecs));
  writeFileSync(path.join(dir, 'accounts'), `${accountLine(options)}\n`);
  const args = ['-s', '-f', dir, ...(options.commands ?? []).flatMap((c) => ['-e', c])];
  const child = spawn('baresip', args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  let trimmed = 0; // characters dropped from the front of `output`, so that marks stay valid
  const waiters: Array<() => void> = [];
  const append = (chunk: Buffer): void => {
    output += chunk.toString('latin1');
    if (output.length > 400_000) {
      trimmed += output.length - 200_000;
      output = output.slice(-200_000);
    }
    for (const w of [...waiters]) w();
  };
  child.stdout.on('data', append);
  child.stderr.on('data', append);
  child.stdin.on('error', () => {}); // a line typed into a baresip that has just exited is not the test's failure
  let running = true;
  const exited = new Promise<void>((resolve) => {
    child.once('error', (error) => {
      append(Buffer.from(`\nbaresip: cannot run it: ${error.message}\n`));
      running = false;
      resolve();
    });
    // 'close', not 'exit': by then everything it printed has been read.
    child.once('close', () => {
      running = false;
      resolve();
    });
  });
  void exited.then(() => {
    for (const w of [...waiters]) w();
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  const command = (line: string): void => {
    if (running) child.stdin.write(`${line}\n`);
  };
  let stopping: Promise<void> | undefined;
  return {
    port: options.port,
    output: () => output,
    mark: () => trimmed + output.length,
    messages: () => baresipMessages(output, options.port),
    waitFor: (pattern, timeoutMs = 10_000, from = 0) =>
      new Promise<void>((resolve, reject) => {
        const check = (): void => {
          if (pattern.test(output.slice(Math.max(0, from - trimmed)))) {
            cleanup();
            resolve();
          } else if (!running) {
            cleanup();
            reject(new Error(`baresip exited before printing ${pattern}; it printed:\n${output.slice(-3000)}`));
          }
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
    command,
    sendDigits: (digits) => {
      if (!/^[0-9*#A-D]+$/i.test(digits)) throw new Error(`not DTMF digits: ${digits}`);
      command(`/sndcode ${digits}`);
    },
    heardFile: () => {
      const heard = path.join(dir, 'heard');
      let names: string[];
      try {
        names = readdirSync(heard).filter((name) => name.endsWith('-dec.wav')).sort();
      } catch {
        return undefined; // stopped: the directory is gone
      }
      return names.length === 0 ? undefined : path.join(heard, names.at(-1)!);
    },
    exited,
    freeze: () => void child.kill('SIGSTOP'),
    thaw: () => void child.kill('SIGCONT'),
    stop: () => {
      stopping ??= (async () => {
        child.kill('SIGCONT');
        child.kill('SIGTERM');
        const forced = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(forced);
        clearTimeout(killer);
        rmSync(dir, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}
