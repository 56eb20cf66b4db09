// How a recorder or player process is started (a PipedProcess: ../childProcess.ts) and how its death is read: a
// restart may cure it, or not.

import type { PipedProcess } from '../childProcess.ts';

/** Starts `command` with `args`, stdin and stderr piped (node's child_process.spawn, or a fake). */
export type SpawnAudio = (command: string, args: readonly string[]) => PipedProcess;

/** stderr text of ALSA tools when the device itself is missing: restarting cannot bring it back. */
const DEVICE_MISSING = /audio open error|no such (?:file|device)|unknown pcm|cannot find card|invalid card/i;

/** Why `command` died, and whether a restart could help (it cannot when the program or the device is missing). */
export function deathOf(
  command: string,
  event: { readonly error?: unknown; readonly code?: number | null; readonly signal?: string | null },
  stderr: string,
): { reason: string; final: boolean } {
  if (event.error !== undefined) {
    const code = (event.error as { code?: unknown }).code;
    if (code === 'ENOENT') return { reason: `${command} is not installed`, final: true };
    const message = event.error instanceof Error ? event.error.message : String(event.error);
    return { reason: `${command} failed: ${message}`, final: false };
  }
  const how = event.signal ? `was killed by ${event.signal}` : `exited with code ${event.code ?? '?'}`;
  const reason = stderr === '' ? `${command} ${how}` : `${command} ${how}: ${stderr}`;
  return { reason, final: DEVICE_MISSING.test(stderr) };
}
