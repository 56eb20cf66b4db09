// scripts/tally.mjs: the last line CI reads, and the exit code, for passing, failing and crashed runs.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const tallyScript = fileURLToPath(new URL('../../scripts/tally.mjs', import.meta.url));
const dir = mkdtempSync(path.join(tmpdir(), 'tally-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let reports = 0;
function tally(report: object | undefined, vitestExit = 0, lintExit = 0): { lastLine: string; status: number | null } {
  const file = path.join(dir, `report-${reports++}.json`);
  if (report !== undefined) writeFileSync(file, JSON.stringify(report));
  const args = [tallyScript, file, '--vitest-exit', String(vitestExit), '--lint-exit', String(lintExit)];
  const result = spawnSync(process.execPath, args, { encoding: 'utf8' });
  return { lastLine: result.stdout.trimEnd().split('\n').at(-1) ?? '', status: result.status };
}

const passingFile = { name: 'a.test.ts', status: 'passed', message: '', assertionResults: [{ status: 'passed' }] };

describe('tally.mjs', () => {
  it('prints passed and failed and exits 0 for a green run', () => {
    const report = { numPassedTests: 12, numFailedTests: 0, numPendingTests: 0, numTodoTests: 0, testResults: [passingFile] };
    expect(tally(report)).toEqual({ lastLine: '12 passed, 0 failed', status: 0 });
  });

  it('appends skipped (pending + todo) only when there are some', () => {
    const report = { numPassedTests: 3, numFailedTests: 0, numPendingTests: 2, numTodoTests: 1, testResults: [] };
    expect(tally(report)).toEqual({ lastLine: '3 passed, 0 failed, 3 skipped', status: 0 });
  });

  it('exits nonzero when a test failed', () => {
    const report = { numPassedTests: 5, numFailedTests: 2, numPendingTests: 0, numTodoTests: 0, testResults: [] };
    expect(tally(report, 1)).toEqual({ lastLine: '5 passed, 2 failed', status: 1 });
  });

  it('prints 0 passed, 1 failed when vitest crashed before writing a report', () => {
    expect(tally(undefined, 1)).toEqual({ lastLine: '0 passed, 1 failed', status: 1 });
  });

  it('counts a test file that failed to load as a failure', () => {
    const broken = { name: 'b.test.ts', status: 'failed', message: 'SyntaxError', assertionResults: [] };
    const report = { numPassedTests: 1, numFailedTests: 0, numPendingTests: 0, numTodoTests: 0, testResults: [passingFile, broken] };
    expect(tally(report, 1)).toEqual({ lastLine: '1 passed, 1 failed', status: 1 });
  });

  it('counts a nonzero vitest exit without failed tests as a failure', () => {
    const report = { numPassedTests: 4, numFailedTests: 0, numPendingTests: 0, numTodoTests: 0, testResults: [] };
    expect(tally(report, 1)).toEqual({ lastLine: '4 passed, 1 failed', status: 1 });
  });

  it('counts failed lint as a failure', () => {
    const report = { numPassedTests: 4, numFailedTests: 0, numPendingTests: 0, numTodoTests: 0, testResults: [] };
    expect(tally(report, 0, 2)).toEqual({ lastLine: '4 passed, 1 failed', status: 1 });
  });
});
