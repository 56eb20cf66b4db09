// The door sides of the media benchmark, each started as its user starts it and told to call the peer: our door
// station (the bundle, `--simulate`, `ring` on stdin) and baresip (Debian package, files for audio, `/dial`).

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { baresipDir, oursDoorDir } from './doorDirs.ts';
import { readyWhen, supervise } from './supervise.ts';

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

/** Our door station: `node <bundle> --simulate --config <file> --state <dir>`, standalone, calling the peer. */
export function oursSide(bundle: string): DoorSide {
  return {
    name: 'ours',
    async start(peerUri) {
      const { dir, args } = oursDoorDir('bench-door-', bundle, { doorbell: { callTargets: [peerUri] } });
      const door = supervise({ name: 'ours', command: process.execPath, args, dir, tailLines: 60 });
      await readyWhen(door, /simulatorReady/, 10_000);
      door.write('ring\n');
      return door;
    },
  };
}

/** A mono 16-bit PCM WAV file holding a 440 Hz tone at 8 kHz (baresip's microphone; it hangs up when the file ends). */
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
    const dir = baresipDir('bench-baresip-', [], (at) => ({ source: path.join(at, 'tone.wav'), player: path.join(at, 'heard.wav') }));
    writeFileSync(path.join(dir, 'tone.wav'), toneWav(callSeconds + 30));
    return supervise({ name: 'baresip', command: 'baresip', args: ['-f', dir, '-e', `/dial ${peerUri}`], dir, tailLines: 60 });
  },
};
