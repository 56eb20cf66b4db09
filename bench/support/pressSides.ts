// The door sides of the press benchmark, each started once and pressed many times through its stdin: our door
// station (the bundle, `--simulate`: each `ring` line presses the simulator's bell button) and baresip (Debian
// package, its stdio module: `/dial <uri>` typed on stdin).

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

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

/** Spawns a door with its output kept (the last 200 lines); `ready` resolves once it printed `readyLine`. */
function supervise(name: string, command: string, args: readonly string[], dir: string, pressLine: string, readyLine: RegExp, readyMs: number): { door: PressDoor; ready: Promise<void> } {
  const child: ChildProcess = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], cwd: dir });
  const lines: string[] = [];
  let partial = '';
  let onLine: (() => void) | undefined;
  const take = (chunk: Buffer): void => {
    const parts = (partial + chunk.toString('utf8')).split('\n');
    partial = parts.pop()!;
    lines.push(...parts);
    if (lines.length > 200) lines.splice(0, lines.length - 200);
    onLine?.();
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
      exitInfo = `${name} exited (code ${code}, signal ${signal})`;
      resolve();
    });
  });
  const output = (): string => [...lines, partial].filter((l) => l !== '').slice(-40).join('\n');
  const exited = closed.then((): never => {
    throw new Error(`${exitInfo}; it printed:\n${output()}`);
  });
  exited.catch(() => {});
  let stopping: Promise<void> | undefined;
  const door: PressDoor = {
    name,
    press: () => {
      const at = process.hrtime.bigint();
      child.stdin!.write(pressLine);
      return at;
    },
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
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`${name} did not print ${readyLine} within ${readyMs} ms; it printed:\n${output()}`)), readyMs);
    const check = (): void => {
      if (lines.some((l) => readyLine.test(l))) finish();
    };
    const finish = (error?: Error): void => {
      clearTimeout(timer);
      onLine = undefined;
      if (error === undefined) resolve();
      else reject(error);
    };
    onLine = check;
    exited.catch((error: unknown) => finish(error as Error));
  });
  return { door, ready };
}

/** Starts a door and waits until it is ready; a door that never gets ready is stopped before the error goes up. */
async function started(made: { door: PressDoor; ready: Promise<void> }): Promise<PressDoor> {
  try {
    await made.ready;
  } catch (error) {
    await made.door.stop();
    throw error;
  }
  return made.door;
}

/** A port for baresip's SIP listener, with the one after it (its TLS listener) free too, below the ephemeral range. */
function listenerPortGuess(): number {
  return 20_000 + Math.floor(Math.random() * 11_000);
}

/** Our door station: `node <bundle> --simulate`, standalone on 127.0.0.1, button 1's plan ringing the peer. */
export function oursPressSide(bundle: string): PressSide {
  return {
    name: 'ours',
    async start(peerUri) {
      const dir = mkdtempSync(path.join(tmpdir(), 'bench-press-door-'));
      const rtpBase = 20_000 + 2 * Math.floor(Math.random() * 5_900);
      const config = {
        sip: { mode: 'standalone', listen: { host: '127.0.0.1', port: 0, transports: ['udp'] }, domain: 'doorbell.test' },
        buttons: [{ id: '1', plan: [{ targets: [peerUri], ringSec: 30 }] }],
        media: { codecs: ['PCMU'], rtpPorts: { min: rtpBase, max: rtpBase + 99 } },
      };
      writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config, null, 2), { mode: 0o600 });
      const args = [bundle, '--simulate', '--config', path.join(dir, 'config.json'), '--state', dir];
      return started(supervise('ours', process.execPath, args, dir, 'ring\n', /simulatorReady/, 10_000));
    },
  };
}

/** baresip: a throwaway config dir, the stdio module reading commands from stdin, g711, no audio devices. */
export const baresipPressSide: PressSide = {
  name: 'baresip',
  async start(peerUri) {
    const dir = mkdtempSync(path.join(tmpdir(), 'bench-press-baresip-'));
    const port = listenerPortGuess();
    writeFileSync(path.join(dir, 'config'), [
      'poll_method\t\tepoll',
      `sip_listen\t\t127.0.0.1:${port}`,
      'module_path\t\t/usr/lib/baresip/modules',
      'module\t\t\tstdio.so',
      'module\t\t\tg711.so',
      'module\t\t\taufile.so',
      'module\t\t\taccount.so',
      'module\t\t\tmenu.so',
      'audio_source\t\taufile,/dev/null',
      'audio_player\t\taufile,/dev/null',
      'audio_alert\t\taufile,/dev/null',
      '',
    ].join('\n'));
    writeFileSync(path.join(dir, 'accounts'), `<sip:door@127.0.0.1:${port};transport=udp>;regint=0\n`);
    return started(supervise('baresip', 'baresip', ['-f', dir], dir, `/dial ${peerUri}\n`, /baresip is ready/, 10_000));
  },
};
