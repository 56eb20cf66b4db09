// Prints the test tally, "N passed, N failed[, N skipped]", as the last line, from vitest's JSON report.
// Usage: node scripts/tally.mjs <report.json> [--vitest-exit N] [--lint-exit N]
// Exits 1 when anything failed: a test, a test file that did not load, lint, or vitest itself.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { 'vitest-exit': { type: 'string', default: '0' }, 'lint-exit': { type: 'string', default: '0' } },
});
const reportPath = positionals[0] ?? '.vitest-results.json';
const vitestExit = Number(values['vitest-exit']);
const lintExit = Number(values['lint-exit']);

/** Why the tally counts more failures than vitest's failed test cases (printed before the tally). */
const notes = [];
let passed = 0;
let failed = 0;
let skipped = 0;

let report;
try {
  report = JSON.parse(readFileSync(reportPath, 'utf8'));
} catch (error) {
  notes.push(`tally: no usable test report ${reportPath} (${error.code ?? error.message}): vitest crashed; counted as 1 failure`);
}

if (report === undefined) {
  failed = 1;
} else {
  passed = report.numPassedTests ?? 0;
  failed = report.numFailedTests ?? 0;
  skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  // A test file that fails to import has no failed test case, yet something is broken.
  for (const file of report.testResults ?? []) {
    const anyTestFailed = (file.assertionResults ?? []).some((test) => test.status === 'failed');
    if (file.status === 'failed' && !anyTestFailed) {
      failed += 1;
      notes.push(`tally: ${file.name} failed outside any test (${file.message || 'no message'}); counted as 1 failure`);
    }
  }
  if (vitestExit !== 0 && failed === 0) {
    failed = 1;
    notes.push(`tally: vitest exited with ${vitestExit} without a failed test (crash, unhandled error or no tests); counted as 1 failure`);
  }
}

if (lintExit !== 0) {
  failed += 1;
  notes.push(`tally: npm run lint exited with ${lintExit}; counted as 1 failure`);
}

for (const note of notes) console.log(note);
console.log(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`);
process.exitCode = failed > 0 || vitestExit !== 0 || lintExit !== 0 ? 1 : 0;
