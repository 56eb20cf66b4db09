// `npm start`: builds the bundle, then runs it in simulator mode in the foreground, forwarding signals and exit code.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { build, OUTFILE } from './build.mjs';

try {
  await build();
} catch {
  process.exit(1); // esbuild has already printed why
}

const child = spawn(process.execPath, ['--enable-source-maps', OUTFILE, '--simulate', ...process.argv.slice(2)], {
  stdio: 'inherit',
});

const FORWARDED = /** @type {const} */ (['SIGINT', 'SIGTERM', 'SIGHUP']);
const forward = (/** @type {NodeJS.Signals} */ signal) => child.kill(signal);
for (const signal of FORWARDED) process.on(signal, forward);

child.on('error', (error) => {
  console.error(`start: cannot run ${OUTFILE}: ${error.message}`);
  process.exitCode = 1;
});
child.on('exit', (code, signal) => {
  for (const s of FORWARDED) process.off(s, forward);
  // A child killed by a signal reports it the shell way: 128 + signal number.
  process.exitCode = code ?? 128 + (signal === null ? 0 : constants.signals[signal]);
});
