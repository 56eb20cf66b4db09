// The real process runners for the chardev driver: node:child_process spawn (every pipe open) and spawnSync (probes
// at start-up and the last rest write at exit, bounded by a timeout).

import { spawn, spawnSync } from 'node:child_process';
import type { RunSync, SpawnTool } from './gpiodTools.ts';

export const spawnTool: SpawnTool = (command, args) => spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });

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
