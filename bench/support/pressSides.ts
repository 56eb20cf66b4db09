// The door sides of the press benchmark, each started once and pressed many times through its stdin: our door
// station (the bundle, `--simulate`: each `ring` line presses the simulator's bell button) and baresip (Debian
// package, its stdio module: `/dial <uri>` typed on stdin).

import { doorNodeFlags } from './benchRun.ts';
import { baresipDir, oursDoorDir } from './doorDirs.ts';
import { type Supervised, readyWhen, supervise } from './supervise.ts';

export interface PressDoor {
  readonly name: string;
  /** Writes the press (one line) to the door's stdin; returns hrtime (ns) taken just before the write. */
  press(): bigint;
  /** The last lines it printed (stdout and stderr). */
  output(): string;
  /** Rejects when it exits before `stop`. */
  readonly exited: Promise<never>;
  /** Ends it (SIGTERM, SIGKILL after 5 s) and removes its directory; safe to call more than once. */
  stop(): Promise<void>;
}

export interface PressSide {
  readonly name: string;
  /** Starts it, ready to be pressed: each press calls `peerUri`. */
  start(peerUri: string): Promise<PressDoor>;
}

/** A started door, pressed by writing `pressLine`, once it has printed `readyLine` (within 10 s). */
async function pressable(door: Supervised, name: string, pressLine: string, readyLine: RegExp): Promise<PressDoor> {
  await readyWhen(door, readyLine, 10_000);
  return {
    name,
    press: () => {
      const at = process.hrtime.bigint();
      door.write(pressLine);
      return at;
    },
    output: door.output,
    exited: door.exited,
    stop: door.stop,
  };
}

/** Our door station: `node <bundle> --simulate`, standalone on 127.0.0.1, button 1's plan ringing the peer. */
export function oursPressSide(bundle: string): PressSide {
  return {
    name: 'ours',
    async start(peerUri) {
      const { dir, args } = oursDoorDir('bench-press-door-', bundle, { buttons: [{ id: '1', plan: [{ targets: [peerUri], ringSec: 30 }] }] });
      const door = supervise({ name: 'ours', command: process.execPath, args: [...doorNodeFlags(), ...args], dir, tailLines: 40 });
      return pressable(door, 'ours', 'ring\n', /simulatorReady/);
    },
  };
}

/** baresip: a throwaway config dir, the stdio module reading commands from stdin, g711, no audio devices. */
export const baresipPressSide: PressSide = {
  name: 'baresip',
  async start(peerUri) {
    const dir = baresipDir('bench-press-baresip-', ['stdio.so'], () => ({ source: '/dev/null', player: '/dev/null' }));
    const door = supervise({ name: 'baresip', command: 'baresip', args: ['-f', dir], dir, tailLines: 40 });
    return pressable(door, 'baresip', `/dial ${peerUri}\n`, /baresip is ready/);
  },
};
