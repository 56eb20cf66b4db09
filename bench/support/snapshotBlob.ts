// A startup snapshot of our bundle for the start-up benchmark, built the way a device would build its own: this node,
// the unit's node flags and environment (V8 refuses a blob built under other V8 flags), `--build-snapshot` on the bundle.

import { spawnSync } from 'node:child_process';
import path from 'node:path';
import type { UnitCommand } from './unitCommand.ts';

/** The blob's path, or why none could be built (the bundle's main does not wait for the start from a snapshot). */
export type SnapshotBlob = { readonly ok: true; readonly blob: string; readonly ms: number } | { readonly ok: false; readonly reason: string };

export function buildSnapshotBlob(bundle: string, unit: UnitCommand, dir: string): SnapshotBlob {
  const blob = path.join(dir, 'door.blob');
  const started = process.hrtime.bigint();
  const built = spawnSync(process.execPath, [...unit.nodeFlags, '--snapshot-blob', blob, '--build-snapshot', bundle], {
    env: { ...process.env, ...unit.env }, encoding: 'utf8', timeout: 60_000,
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (built.status === 0) return { ok: true, blob, ms };
  // node prints a warning per built-in module it has not verified in snapshots; the cause is in the last lines.
  const said = `${built.stdout}${built.stderr}`.split('\n').filter((line) => line.trim() !== '' && !/snapshot builder scripts|may still work|issue tracker|trace-warnings/.test(line));
  return { ok: false, reason: `node --build-snapshot exited with ${built.status ?? built.signal}: ${said.slice(-3).join(' / ')}` };
}
