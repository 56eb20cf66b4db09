// The sides of the start-up benchmark, each started fresh per run and measured from its spawn: our door as the systemd
// unit starts it (registered at the bench's registrar, READY=1 through a real NOTIFY_SOCKET), a bare `node` idling,
// baresip registering at the same kind of registrar, and two probes that only start and exit (node alone, and node
// loading our bundle for `--version`).

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BenchRegistrar } from './benchRegistrar.ts';
import { bounded, doorNodeFlags, msBetween, sleep } from './benchRun.ts';
import { baresipDir } from './doorDirs.ts';
import { type IdleMemory, idleMemory } from './procStats.ts';
import { type Supervised, supervise } from './supervise.ts';
import type { NotifyListener } from './notifyListener.ts';
import { type UnitCommand, replaceFlagValues } from './unitCommand.ts';

/** Longest wait for each milestone (first REGISTER, READY=1, registered, a probe's exit). */
const MILESTONE_MS = 15_000;
const PASSWORD = 'bench-Pa55word';

/** One run of one side; a milestone the side does not have is undefined. */
export interface StartupSample {
  /** Spawn → the first REGISTER's datagram at the registrar. */
  readonly registerMs?: number;
  /** Spawn → the READY=1 line from the NOTIFY_SOCKET receiver. */
  readonly readyMs?: number;
  /** Spawn → the registrar's 200 (after a 401 and the answer to it). */
  readonly registeredMs?: number;
  /** Spawn → exit (the probes). */
  readonly exitMs?: number;
  /** After the idle time, registered. */
  readonly memory?: IdleMemory;
}

export interface StartupSide {
  readonly name: string;
  /** Starts it, takes its milestones, lets it idle `idleMs` (0: no idling, no memory read), stops it. */
  measure(idleMs: number): Promise<StartupSample>;
}

/** `launched` is stopped (and `registrar` closed) whatever `body` does. */
async function stopping<T>(launched: Supervised, registrar: BenchRegistrar | undefined, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } finally {
    // The registrar stays until the door has gone: its un-REGISTER on SIGTERM gets an answer, so the stop is quick.
    await launched.stop();
    registrar?.close();
  }
}

/** `milestone` raced with the process's early exit, bounded. */
function awaited<T>(launched: Supervised, milestone: Promise<T>, what: string): Promise<T> {
  return bounded(Promise.race([milestone, launched.exited]), MILESTONE_MS, `${what} did not come within ${MILESTONE_MS} ms; it printed:\n${launched.output()}`);
}

export interface OursOptions {
  /** The side's name ('ours' unless it starts otherwise than the unit). */
  readonly name?: string;
  /** Node flags beyond the unit's (a startup snapshot's --snapshot-blob <blob>). */
  readonly nodeFlags?: readonly string[];
  readonly bundle: string;
  readonly unit: UnitCommand;
  readonly notify: NotifyListener;
  /** A throwaway directory for config/ and state/ (the state kept across runs, as on a device that restarts). */
  readonly dir: string;
}

/** Our door: the unit's node flags and arguments, our bundle for its program, `--simulate` (no GPIO here). */
export function oursStartupSide({ name = 'ours', nodeFlags = [], bundle, unit, notify, dir }: OursOptions): StartupSide {
  const configDir = path.join(dir, 'config');
  const stateDir = path.join(dir, 'state');
  mkdirSync(configDir, { recursive: true, mode: 0o750 });
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const configFile = path.join(configDir, 'config.json');
  const args = [...unit.nodeFlags, ...nodeFlags, ...doorNodeFlags(), bundle, ...replaceFlagValues(unit.programArgs, { '--config': configFile, '--state': stateDir }), '--simulate'];
  return {
    name,
    async measure(idleMs) {
      const registrar = await BenchRegistrar.open();
      const config = {
        sip: {
          mode: 'registered',
          listen: { host: '127.0.0.1', port: 0, transports: ['udp'] },
          account: { registrar: `sip:127.0.0.1:${registrar.port}`, user: 'door', password: PASSWORD },
        },
        web: { listen: 'http://127.0.0.1:0' },
      };
      writeFileSync(configFile, JSON.stringify(config, null, 2), { mode: 0o600 });
      const from = notify.count;
      const env = { ...unit.env, NOTIFY_SOCKET: notify.socket, STATE_DIRECTORY: stateDir, CONFIGURATION_DIRECTORY: configDir };
      const door = supervise({ name, command: process.execPath, args, env, stdin: 'ignore', tailLines: 40 });
      return stopping(door, registrar, async () => {
        const [register, ready, registered] = await Promise.all([
          awaited(door, registrar.firstRegister, 'our first REGISTER'),
          awaited(door, notify.waitFor(/ READY=1\b/, MILESTONE_MS, from), 'our READY=1'),
          awaited(door, registrar.registered, 'our registration'),
        ]);
        await sleep(idleMs);
        return {
          registerMs: msBetween(door.spawnedAt, register),
          readyMs: msBetween(door.spawnedAt, ready.at),
          registeredMs: msBetween(door.spawnedAt, registered),
          ...(idleMs > 0 ? { memory: idleMemory(door.pid) } : {}),
        };
      });
    },
  };
}

/**
 * The floor of any node program's first REGISTER: node started as the unit starts ours (its flags and environment)
 * runs a script that sends one fixed REGISTER at once, nothing loaded but node:dgram, and then idles.
 */
export function nodeFloorSide(unit: UnitCommand): StartupSide {
  const script = [
    "const port = Number(process.argv[1]);",
    "const lines = ['REGISTER sip:127.0.0.1 SIP/2.0', 'Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKfloor', 'Max-Forwards: 70',",
    "  'From: <sip:floor@127.0.0.1>;tag=f', 'To: <sip:floor@127.0.0.1>', 'Call-ID: floor', 'CSeq: 1 REGISTER',",
    "  'Contact: <sip:floor@127.0.0.1:9>', 'Content-Length: 0', '', ''];",
    "const socket = require('node:dgram').createSocket('udp4');",
    "socket.send(lines.join('\\r\\n'), port, '127.0.0.1');",
    // Kept running until stopped, like the other sides: its exit must not race the datagram's arrival.
    "setInterval(() => {}, 1 << 30);",
  ].join('\n');
  return {
    name: 'node floor',
    async measure() {
      const registrar = await BenchRegistrar.open();
      const floor = supervise({ name: 'node floor', command: process.execPath, args: [...unit.nodeFlags, '-e', script, String(registrar.port)], env: unit.env, stdin: 'ignore', tailLines: 40 });
      return stopping(floor, registrar, async () => ({ registerMs: msBetween(floor.spawnedAt, await awaited(floor, registrar.firstRegister, "the floor's REGISTER")) }));
    },
  };
}

/** A bare node idling: the floor of a node program's memory. */
export const bareNodeSide: StartupSide = {
  name: 'bare node',
  async measure(idleMs) {
    const node = supervise({ name: 'bare node', command: process.execPath, args: ['-e', 'setInterval(() => {}, 1 << 30)'], stdin: 'ignore', tailLines: 40 });
    return stopping(node, undefined, async () => {
      await sleep(idleMs);
      return idleMs > 0 ? { memory: idleMemory(node.pid) } : {};
    });
  },
};

/** baresip (Debian package): one account registering at the bench's registrar, g711, no audio devices. */
export const baresipStartupSide: StartupSide = {
  name: 'baresip',
  async measure(idleMs) {
    const registrar = await BenchRegistrar.open();
    const dir = baresipDir('bench-startup-baresip-', [], () => ({ source: '/dev/null', player: '/dev/null' }));
    // The AOR's host and port are the registrar (baresip REGISTERs at its account's domain); regint as our expires.
    writeFileSync(path.join(dir, 'accounts'), `<sip:door@127.0.0.1:${registrar.port};transport=udp>;auth_pass=${PASSWORD};regint=600\n`);
    const baresip = supervise({ name: 'baresip', command: 'baresip', args: ['-f', dir], dir, stdin: 'ignore', tailLines: 40 });
    return stopping(baresip, registrar, async () => {
      const [register, registered] = await Promise.all([
        awaited(baresip, registrar.firstRegister, "baresip's first REGISTER"),
        awaited(baresip, registrar.registered, "baresip's registration"),
      ]);
      await sleep(idleMs);
      return {
        registerMs: msBetween(baresip.spawnedAt, register),
        registeredMs: msBetween(baresip.spawnedAt, registered),
        ...(idleMs > 0 ? { memory: idleMemory(baresip.pid) } : {}),
      };
    });
  },
};

/** A probe that starts and exits by itself (node with `args`, `env` added): spawn → exit, exit code 0 required. */
export function exitProbe(name: string, args: readonly string[], env: Readonly<Record<string, string>>): StartupSide {
  return {
    name,
    async measure() {
      const probe = supervise({ name, command: process.execPath, args, env, stdin: 'ignore', tailLines: 40 });
      return stopping(probe, undefined, async () => {
        const end = await bounded(probe.ended, MILESTONE_MS, `${name} did not exit within ${MILESTONE_MS} ms`);
        if (end.code !== 0) throw new Error(`${name} exited with code ${end.code} (signal ${end.signal}); it printed:\n${probe.output()}`);
        return { exitMs: msBetween(probe.spawnedAt, end.at) };
      });
    },
  };
}
