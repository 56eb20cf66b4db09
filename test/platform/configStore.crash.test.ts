// The store on a real disk under SIGKILL: a child saves 200 configurations while the test kills it 30 times at seeded
// random moments; after every kill the store opens with the last save that returned or the one in flight, from the file
// itself (never from the .bak, never a missing or broken file).
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../firmware-app/config/schema.ts';
import { openConfigStore } from '../../firmware-app/platform/configFiles.ts';
import { initialConfig, saveIndexOf } from '../config/support/crashConfigs.ts';
import { memoryLogger, seeded } from '../sip/transport/helpers.ts';

const SAVES = 200;
const KILLS = 30;
const MAX_KILL_DELAY_MS = 30;

let dir: string;
let child: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'config-crash-'));
  child = path.join(dir, 'saveLoop.mjs');
  const entry = fileURLToPath(new URL('../config/support/saveLoop.ts', import.meta.url));
  await build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile: child, logLevel: 'silent' });
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

interface Run {
  readonly saved: number[];
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
}

/** Runs the child for saves `from`..SAVES; kills it `killAfterMs` after it said `ready` (never, when undefined). */
function runChild(file: string, from: number, killAfterMs: number | undefined): Promise<Run> {
  return new Promise((resolve, reject) => {
    const proc: ChildProcess = spawn(process.execPath, [child, file, String(from), String(SAVES)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    // Bounded: a child that hangs is killed and the test fails on its missing saves.
    const guard = setTimeout(() => proc.kill('SIGKILL'), 15_000);
    proc.stdout!.on('data', (chunk: Buffer) => {
      const wasReady = stdout.startsWith('ready\n');
      stdout += chunk.toString();
      if (!wasReady && stdout.startsWith('ready\n') && killAfterMs !== undefined) setTimeout(() => proc.kill('SIGKILL'), killAfterMs);
    });
    proc.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    proc.on('error', reject);
    proc.on('close', (code, signal) => {
      clearTimeout(guard);
      const saved = [...stdout.matchAll(/^saved (\d+)$/gm)].map((m) => Number(m[1]));
      resolve({ saved, code, signal, stderr });
    });
  });
}

/** Opens the store as main.ts would; fails the test on anything but a clean start from the file itself. */
function reopen(file: string): number {
  const log = memoryLogger();
  const opened = openConfigStore(file, { hasher: { hash: async () => '' }, logger: log, onChange: () => {}, factory: () => ({}) });
  expect(log.lines).toEqual([]);
  if (!opened.ok) throw new Error('the store did not open after a kill');
  expect(opened.store.startedFromBackup).toBe(false);
  return saveIndexOf(opened.config);
}

describe('the config store under SIGKILL', () => {
  it(`restarts with the old or the new configuration after each of ${KILLS} kills during ${SAVES} saves`, async () => {
    const file = path.join(dir, 'config.json');
    writeFileSync(file, `${JSON.stringify(ConfigSchema.parse(initialConfig()), null, 2)}\n`, { mode: 0o600 });
    const random = seeded(0x5eed17);
    let current = reopen(file);
    let killed = 0;
    let savedWhileKilling = 0;
    for (let run = 0; run < KILLS && current < SAVES; run++) {
      const result = await runChild(file, current + 1, Math.floor(random() * (MAX_KILL_DELAY_MS + 1)));
      if (result.signal === 'SIGKILL') killed++;
      else expect(result.code, result.stderr).toBe(0);
      savedWhileKilling += result.saved.length;
      const returned = result.saved.at(-1) ?? current;
      const loaded = reopen(file);
      // The last save that returned, or the one the kill interrupted after its rename.
      expect([returned, returned + 1]).toContain(loaded);
      // The .bak may be missing (no save yet, or killed between its unlink and link); when there, it is valid.
      if (existsSync(`${file}.bak`)) {
        const backup = ConfigSchema.safeParse(JSON.parse(readFileSync(`${file}.bak`, 'utf8')));
        expect(backup.success).toBe(true);
        if (backup.success) expect(saveIndexOf(backup.data)).toBeLessThanOrEqual(loaded);
      }
      current = loaded;
    }
    expect(killed).toBeGreaterThanOrEqual(KILLS - 2);
    expect(savedWhileKilling).toBeGreaterThan(KILLS);
    // The rest of the 200 saves without a kill: the last one is what the file holds.
    if (current < SAVES) {
      const rest = await runChild(file, current + 1, undefined);
      expect(rest.code, rest.stderr).toBe(0);
      expect(rest.saved.at(-1)).toBe(SAVES);
    }
    expect(reopen(file)).toBe(SAVES);
  }, 30_000);
});
