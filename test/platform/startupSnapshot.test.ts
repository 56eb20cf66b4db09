// The start from a startup snapshot (firmware-app/platform/startupSnapshot.ts): main runs at once normally, and only at
// the start from the snapshot when node builds one; checked with fake hooks, then with this node building a real one.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { runNowOrFromSnapshot, type SnapshotHooks } from '../../firmware-app/platform/startupSnapshot.ts';

function fakeHooks(building: boolean): SnapshotHooks & { deferred: Array<() => void> } {
  const deferred: Array<() => void> = [];
  return { deferred, isBuildingSnapshot: () => building, setDeserializeMainFunction: (main) => deferred.push(main) };
}

describe('runNowOrFromSnapshot', () => {
  it('runs main at once when no snapshot is being built', () => {
    const hooks = fakeHooks(false);
    let ran = 0;
    runNowOrFromSnapshot(() => ran++, hooks);
    expect(ran).toBe(1);
    expect(hooks.deferred).toHaveLength(0);
  });

  it('leaves main to the start from the snapshot while one is being built', () => {
    const hooks = fakeHooks(true);
    let ran = 0;
    runNowOrFromSnapshot(() => ran++, hooks);
    expect(ran).toBe(0);
    expect(hooks.deferred).toHaveLength(1);
    hooks.deferred[0]!();
    expect(ran).toBe(1);
  });
});

describe('a snapshot built by this node', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'doorbell-snapshot-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('evaluates the modules at build time and runs main with the arguments of the start from it', async () => {
    // A module-level value computed at build time, and main reading what only the start from the snapshot knows.
    const script = path.join(dir, 'entry.cjs');
    await esbuild.build({
      stdin: {
        contents: [
          `import { runNowOrFromSnapshot } from ${JSON.stringify(path.resolve('firmware-app/platform/startupSnapshot.ts'))};`,
          `const evaluatedAt = process.env.SNAPSHOT_PHASE;`,
          `runNowOrFromSnapshot(() => process.stdout.write(JSON.stringify({ evaluatedAt, runAt: process.env.SNAPSHOT_PHASE, args: process.argv.slice(2) })));`,
        ].join('\n'),
        resolveDir: dir, loader: 'ts',
      },
      outfile: script, bundle: true, platform: 'node', format: 'cjs', logLevel: 'warning',
    });
    const blob = path.join(dir, 'entry.blob');
    const built = spawnSync(process.execPath, ['--snapshot-blob', blob, '--build-snapshot', script], {
      encoding: 'utf8', timeout: 20_000, env: { ...process.env, SNAPSHOT_PHASE: 'build' },
    });
    expect(built.status, built.stderr).toBe(0);
    expect(built.stdout).toBe(''); // main did not run at build time
    const started = spawnSync(process.execPath, ['--snapshot-blob', blob, script, '--config', 'x.json'], {
      encoding: 'utf8', timeout: 20_000, env: { ...process.env, SNAPSHOT_PHASE: 'start' },
    });
    expect(started.status, started.stderr).toBe(0);
    expect(JSON.parse(started.stdout)).toEqual({ evaluatedAt: 'build', runAt: 'start', args: ['--config', 'x.json'] });
  }, 30_000);
});
