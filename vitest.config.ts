// Vitest configuration: unit, scenario and architecture tests under test/, run in plain Node.
import { defineConfig } from 'vitest/config';

// CI and scripts/test.sh set VITEST_JSON=1 to get a machine-readable report for the tally line.
const jsonReport = process.env.VITEST_JSON === '1';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    // Builds the bundle once per run (into a directory of the run's own) for the tests that start the door station
    // from its command line.
    globalSetup: ['test/support/buildBundle.ts'],
    // Generous for a slow Raspberry Pi or a loaded CI machine; protocol tests run on a fake clock.
    testTimeout: 15_000,
    hookTimeout: 15_000,
    reporters: jsonReport ? ['default', 'json'] : ['default'],
    outputFile: { json: '.vitest-results.json' },
  },
});
