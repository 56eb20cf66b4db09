// The door sides of the media benchmark, each started as its user starts it and told to call the peer: our door
// station (the bundle, `--simulate`, `ring` on stdin) and baresip (Debian package, files for audio, `/dial`).

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface RunningDoor {
  readonly pid: number;
  /** The last lines it printed (stdout and stderr). */
  output(): string;
  /** Rejects when it exits before the call ends. */
  readonly exited: Promise<never>;
  /** Ends it (SIGTERM, SIGKILL after 5 s) and removes its directory. */
  stop(): Promise<void>;
}

export interface DoorSide {
  readonly name: string;
  /** Starts it and makes it call `peerUri`; resolves once the call has been placed. */
  start(peerUri: string, callSeconds: number): Promise<RunningDoor>;
}

/** Spawns a door side with its output kept (the last 200 lines) and a bound on how long it may take to get ready. */
function supervise(command: string, args: readonly string[], dir: string): { child: ChildProcess; door: RunningDoor; waitFor(pattern: RegExp, ms: number): Promise<void> } {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], cwd: dir });
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  let partial = '';
  const take = (chunk: Buffer): void => {
    const text = partial + chunk.toString('utf8');
    const parts = text.split('\n');
    partial = parts.pop()!;
    lines.push(...parts);
    if (lines.length > 200) lines.splice(0, lines.length - 200);
    for (const w of [...waiters]) w();
  };
  child.stdout!.on('data', take);
  child.stderr!.on('data', take);
  child.stdin!.on('error', () => {});
  let exitInfo: string | undefined;
  const closed = new Promise<void>((resolve) => {
    child.once('error', (error) => {
      exitInfo = `could not start ${command}: ${error.message}`;
      resolve();
    });
    child.once('close', (code, signal) => {
      exitInfo = `${command} exited (code ${code}, signal ${signal})`;
      resolve();
    });
  });
  const output = (): string => [...lines, partial].filter((l) => l !== '').slice(-60).join('\n');
  const exited = closed.then((): never => {
    throw new Error(`${exitInfo}; it printed:\n${output()}`);
  });
  exited.catch(() => {});
  let stopping: Promise<void> | undefined;
  const door: RunningDoor = {
    pid: child.pid ?? -1,
    output,
    exited,
    stop: () => {
      stopping ??= (async () => {
        if (exitInfo === undefined) child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await closed;
        clearTimeout(killer);
        rmSync(dir, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
  const waitFor = (pattern: RegExp, ms: number): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => finish(new Error(`${command} did not print ${pattern} within ${ms} ms; it printed:\n${output()}`)), ms);
      const check = (): void => {
        if (lines.some((l) => pattern.test(l))) finish();
      };
      const finish = (error?: Error): void => {
        clearTimeout(timer);
        waiters.delete(check);
        if (error === undefined) resolve();
        else reject(error);
      };
      waiters.add(check);
      exited.catch((error: unknown) => finish(error as Error));
      check();
    });
  return { child, door, waitFor };
}

/** A port for baresip's SIP listener, with the one after it (its TLS listener) free too, below the ephemeral range. */
function listenerPortGuess(): number {
  return 20_000 + Math.floor(Math.random() * 11_000);
}

/** Our door station: `node <bundle> --simulate --config <file> --state <dir>`, standalone, calling the peer. */
export function oursSide(bundle: string): DoorSide {
  return {
    name: 'ours',
    async start(peerUri) {
      const dir = mkdtempSync(path.join(tmpdir(), 'bench-door-'));
      const rtpBase = 20_000 + 2 * Math.floor(Math.random() * 5_900);
      const config = {
        sip: { mode: 'standalone', listen: { host: '127.0.0.1', port: 0, transports: ['udp'] }, domain: 'doorbell.test' },
        doorbell: { callTargets: [peerUri] },
        media: { codecs: ['PCMU'], rtpPorts: { min: rtpBase, max: rtpBase + 99 } },
      };
      writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config, null, 2), { mode: 0o600 });
      const { child, door, waitFor } = supervise(process.execPath, [bundle, '--simulate', '--config', path.join(dir, 'config.json'), '--state', dir], dir);
      try {
        await waitFor(/simulatorReady/, 10_000);
      } catch (error) {
        await door.stop();
        throw error;
      }
      child.stdin!.write('ring\n');
      return door;
    },
  };
}

/** A mono 16-bit PCM WAV file holding a 1 kHz tone at 8 kHz (baresip's microphone; it hangs up when the file ends). */
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
  for (let i = 0; i < samples; i++) wav.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / rate)), 44 + i * 2);
  return wav;
}

/** baresip as the door: a throwaway config dir, g711 + aufile (a tone file as microphone, a WAV file as speaker). */
export const baresipSide: DoorSide = {
  name: 'baresip',
  async start(peerUri, callSeconds) {
    const dir = mkdtempSync(path.join(tmpdir(), 'bench-baresip-'));
    writeFileSync(path.join(dir, 'tone.wav'), toneWav(callSeconds + 30));
    const port = listenerPortGuess();
    writeFileSync(path.join(dir, 'config'), [
      'poll_method\t\tepoll',
      `sip_listen\t\t127.0.0.1:${port}`,
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
    writeFileSync(path.join(dir, 'accounts'), `<sip:door@127.0.0.1:${port};transport=udp>;regint=0\n`);
    const { door } = supervise('baresip', ['-f', dir, '-e', `/dial ${peerUri}`], dir);
    return door;
  },
};
