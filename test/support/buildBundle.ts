// Vitest globalSetup: builds the door station bundle once per test run, as `npm run build` does, for doorProcess.ts.

import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { TestProject } from 'vitest/node';

/** What the test files get through `inject('doorBundle')`. */
export type DoorBundle = { readonly file: string } | { readonly error: string };

declare module 'vitest' {
  export interface ProvidedContext {
    doorBundle: DoorBundle;
  }
}

const root = fileURLToPath(new URL('../..', import.meta.url));

interface BuildScript {
  build(outfile?: string): Promise<{ outfile: string }>;
}

/**
 * Runs scripts/build.mjs into a directory of this run's own: another `npm run build` or test run rewriting
 * dist/ must not hand a half-written file to a door process that starts at that moment. The directory sits
 * under node_modules/.cache so the bundle's external packages still resolve from node_modules.
 */
async function buildOnce(runDir: string): Promise<DoorBundle> {
  const script = pathToFileURL(path.join(root, 'scripts', 'build.mjs')).href;
  try {
    const { build } = (await import(script)) as BuildScript;
    return { file: (await build(path.join(runDir, 'sip-doorbell.js'))).outfile };
  } catch (error) {
    // A syntax error in the source fails only the tests that run the door, with esbuild's message, not the whole run.
    return { error: `scripts/build.mjs failed: ${error instanceof Error ? error.message : String(error)}` };
  }
}

export default async function setup(project: TestProject): Promise<() => void> {
  const runDir = path.join(root, 'node_modules', '.cache', 'sip-doorbell-tests', `run-${process.pid}-${Date.now()}`);
  mkdirSync(runDir, { recursive: true });
  project.provide('doorBundle', await buildOnce(runDir));
  return () => rmSync(runDir, { recursive: true, force: true });
}
