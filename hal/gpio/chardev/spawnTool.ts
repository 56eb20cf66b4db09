// The real process runners for the chardev driver: node:child_process spawn (every pipe open) and spawnSync (probes
// at start-up and the last rest write at exit, bounded by a timeout).
//
// The long-running tools are started as `setpriv --pdeathsig KILL -- <tool> <args>`, so the kernel kills them when
// node dies however it dies (crash, SIGKILL, OOM): a gpioset left behind would hold the relay and LED lines (and an
// interactive v2 gpioset spins at 100 % CPU on the EOF of its stdin), a gpiomon the button lines. setpriv execs the
// tool in place, so the pid node holds (and signals) is the tool's own. The death signal follows the thread that
// spawned the child; node spawns from its main thread, which lives as long as the process. This file is the only one
// that knows about setpriv; a missing tool then shows as setpriv's exit code 127 (KeptProcess reads it so).

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { RunSync, SpawnTool } from './gpiodTools.ts';

/** util-linux's setpriv (always there on Debian and Raspberry Pi OS). */
export const SETPRIV = '/usr/bin/setpriv';

/** The command line that runs `tool` so that it dies with us; the tool alone when setpriv is not there. */
export function deathBoundCommand(tool: string, args: readonly string[], setpriv: boolean): { readonly command: string; readonly args: string[] } {
  return setpriv ? { command: SETPRIV, args: ['--pdeathsig', 'KILL', '--', tool, ...args] } : { command: tool, args: [...args] };
}

export interface SpawnToolDeps {
  /** Does this file exist (asked once, on the first spawn)? */
  readonly exists: (path: string) => boolean;
  readonly spawn: (command: string, args: readonly string[]) => ReturnType<SpawnTool>;
}

/** A SpawnTool that wraps every tool in setpriv when /usr/bin/setpriv exists (checked once). */
export function createSpawnTool(deps: SpawnToolDeps): SpawnTool {
  let setpriv: boolean | undefined;
  return (tool, args) => {
    setpriv ??= deps.exists(SETPRIV);
    const line = deathBoundCommand(tool, args, setpriv);
    return deps.spawn(line.command, line.args);
  };
}

export const spawnTool: SpawnTool = createSpawnTool({
  exists: existsSync,
  spawn: (command, args): ChildProcess => spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] }),
});

export const runToolSync: RunSync = (command, args) => {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 3000 });
  const error = result.error as (Error & { code?: string }) | undefined;
  return {
    status: result.status,
    stdout: result.stdout ?? '',
    stderr: result.stderr ?? '',
    ...(error !== undefined ? { error: { code: error.code, message: error.message } } : {}),
  };
};
