// The command line: flags, usage, and `--hash-door-code` (a door code read from stdin, its hash printed).

import { parseArgs } from 'node:util';
import { createScryptCodeHasher } from './doorCodeHash.ts';

export const USAGE = `Usage: sip-doorbell [options]

Options:
  --config <file>  configuration file (JSON); --simulate without it uses <state>/config.json
  --state <dir>    state directory (default: $STATE_DIRECTORY, else ./.sip-doorbell)
  --simulate       run with simulated hardware (no GPIO, no sound card needed); on stdin,
                   "ring" (or an empty line) presses button 1, "ring <id>" that button, "quit" stops
  --sim-mic <wav>  simulator: the microphone plays this WAV file in a loop (default: a 440 Hz tone)
  --sim-speaker <wav>
                   simulator: the speaker writes each call's audio into this WAV file when the call ends
  --hash-door-code read a door code (digits) from stdin, print its hash for doorbell.doorCodes, exit
  -h, --help       print this help and exit
  --version        print the version and exit
`;

export interface Flags {
  readonly config?: string;
  readonly state?: string;
  readonly simulate?: boolean;
  readonly 'sim-mic'?: string;
  readonly 'sim-speaker'?: string;
  readonly 'hash-door-code'?: boolean;
  readonly help?: boolean;
  readonly version?: boolean;
}

/** Parses the flags; a bad command line is the user's mistake, so it gets a message and exit code 2, not a stack. */
export function readFlags(args: readonly string[]): Flags | undefined {
  try {
    return parseArgs({
      args: [...args],
      strict: true,
      allowPositionals: false,
      options: {
        config: { type: 'string' },
        state: { type: 'string' },
        simulate: { type: 'boolean' },
        'sim-mic': { type: 'string' },
        'sim-speaker': { type: 'string' },
        'hash-door-code': { type: 'boolean' },
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

/** `--hash-door-code`: the hash of one code read from stdin (a line), for `doorbell.doorCodes[].hash`. */
export async function printDoorCodeHash(): Promise<number> {
  if (process.stdin.isTTY) process.stderr.write('Door code (digits, then Enter): ');
  let text = '';
  for await (const chunk of process.stdin) {
    text += String(chunk);
    if (text.includes('\n') || text.length > 64) break;
  }
  const code = text.split('\n')[0]!.trim();
  if (!/^[0-9]{1,16}$/.test(code)) {
    process.stderr.write('sip-doorbell: a door code is 1 to 16 digits (0-9)\n');
    return 2;
  }
  process.stdout.write(`${await createScryptCodeHasher().hash(code)}\n`);
  return 0;
}

