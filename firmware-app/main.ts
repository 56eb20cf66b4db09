// The composition root of sip-doorbell: reads the command line, builds the parts, runs until SIGINT/SIGTERM.
import { parseArgs } from 'node:util';
import packageJson from '../package.json' with { type: 'json' };
import { createConsoleLogger } from './platform/Logger.ts';

const USAGE = `Usage: sip-doorbell [options]

Options:
  --config <file>  configuration file
  --simulate       run with simulated hardware (no GPIO, no sound card needed)
  -h, --help       print this help and exit
  --version        print the version and exit
`;

interface Flags {
  readonly config?: string;
  readonly simulate?: boolean;
  readonly help?: boolean;
  readonly version?: boolean;
}

/** Parses the flags; a bad command line is the user's mistake, so it gets a message and exit code 2, not a stack. */
function readFlags(args: readonly string[]): Flags | undefined {
  try {
    return parseArgs({
      args: [...args],
      strict: true,
      allowPositionals: false,
      options: {
        config: { type: 'string' },
        simulate: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean' },
      },
    }).values;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code !== 'string' || !code.startsWith('ERR_PARSE_ARGS')) throw error;
    process.stderr.write(`sip-doorbell: ${(error as Error).message}\nRun 'sip-doorbell --help' for usage.\n`);
    return undefined;
  }
}

const flags = readFlags(process.argv.slice(2));
if (flags === undefined) {
  process.exitCode = 2;
} else if (flags.help === true) {
  process.stdout.write(USAGE);
} else if (flags.version === true) {
  process.stdout.write(`${packageJson.version}\n`);
} else {
  const log = createConsoleLogger();
  const mode = flags.simulate === true ? 'simulate' : 'device';
  // Signal handlers alone do not keep Node's event loop alive; this idle timer does, until we stop.
  const keepAlive = setInterval(() => {}, 0x7fffffff);
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return; // `npm start` forwards the terminal's Ctrl-C, so the child may see it twice
    stopping = true;
    clearInterval(keepAlive);
    log.info('stopped', { signal });
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  log.info('started', { version: packageJson.version, mode, pid: process.pid });
  if (flags.config !== undefined) {
    log.warn('configIgnored', { file: flags.config, reason: 'config loading is not implemented yet' });
  }
  log.info('sipStackNotWired', { detail: 'the SIP stack is not wired yet; waiting for SIGINT or SIGTERM' });
}
