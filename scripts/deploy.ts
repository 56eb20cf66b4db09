// `npm run deploy -- [user@]host [--arch arm64] [--port 22] [--no-build] [--dry-run]`: for development, puts this
// checkout on a Pi over ssh: builds the Debian package for the device's architecture (asked with
// `dpkg --print-architecture` unless --arch says), copies it with scp and installs it with `sudo apt-get install`,
// which restarts the service; configuration and state on the device stay as they are.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ARCHES, type DebArch } from './package/emulation.ts';
import { debFileName } from './package/deb.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));

export interface DeployOptions {
  /** `user@host` or `host`, as ssh takes it. */
  readonly target: string;
  /** undefined: ask the device. */
  readonly arch: DebArch | undefined;
  readonly port: number | undefined;
  readonly build: boolean;
  readonly dryRun: boolean;
}

export const DEPLOY_USAGE = `npm run deploy -- [user@]host [--arch ${ARCHES.join('|')}] [--port <ssh port>] [--no-build] [--dry-run]`;

/** Reads the command line; throws with the usage on anything it does not know. */
export function parseDeployArgs(args: readonly string[]): DeployOptions {
  let target: string | undefined;
  let arch: DebArch | undefined;
  let port: number | undefined;
  let build = true;
  let dryRun = false;
  const fail = (why: string): never => {
    throw new Error(`${why}\nusage: ${DEPLOY_USAGE}`);
  };
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i]!;
    const value = (): string => args[(i += 1)] ?? fail(`${arg} needs a value`);
    if (arg === '--arch') {
      const name = value();
      if (!(ARCHES as readonly string[]).includes(name)) fail(`unknown architecture ${name}`);
      arch = name as DebArch;
    } else if (arg === '--port') {
      const text = value();
      port = Number(text);
      if (!/^\d+$/.test(text) || port < 1 || port > 65535) fail(`--port ${text}: not a port number`);
    } else if (arg === '--no-build') {
      build = false;
    } else if (arg === '--dry-run') {
      dryRun = true;
    } else if (arg.startsWith('-')) {
      fail(`unknown option ${arg}`);
    } else if (target !== undefined) {
      fail(`one device at a time (got ${target} and ${arg})`);
    } else if (!/^([A-Za-z0-9._][A-Za-z0-9._-]*@)?[A-Za-z0-9][A-Za-z0-9.-]*$|^([A-Za-z0-9._][A-Za-z0-9._-]*@)?\[[0-9A-Fa-f:.]+\]$/.test(arg)) {
      // Nothing that ssh could read as an option or a second argument.
      fail(`${arg} is not a [user@]host`);
    } else {
      target = arg;
    }
  }
  if (target === undefined) fail('which device? give [user@]host');
  return { target: target!, arch, port, build, dryRun };
}

/** ssh takes the host bare; scp wants an IPv6 address in brackets, which `[…]` already has. */
const sshHost = (target: string): string => target.replace(/\[(.+)\]$/, '$1');

/** The commands that put `deb` on the device and install it, in order. */
export function deployCommands(options: DeployOptions, deb: string): string[][] {
  const remote = `/tmp/${path.basename(deb)}`;
  const port = options.port === undefined ? [] : ['-p', String(options.port)];
  const scpPort = options.port === undefined ? [] : ['-P', String(options.port)];
  return [
    ['scp', ...scpPort, deb, `${options.target}:${remote}`],
    // -t: sudo may ask for a password. --reinstall: the same version again is still installed (a development build).
    ['ssh', '-t', ...port, sshHost(options.target), `sudo apt-get install -y --reinstall ${remote}; status=$?; rm -f ${remote}; exit $status`],
  ];
}

/** The command that asks the device for its Debian architecture. */
export function archQuery(options: DeployOptions): string[] {
  return ['ssh', ...(options.port === undefined ? [] : ['-p', String(options.port)]), sshHost(options.target), 'dpkg --print-architecture'];
}

function exec(command: readonly string[], capture = false): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command[0]!, command.slice(1), { stdio: ['inherit', capture ? 'pipe' : 'inherit', 'inherit'] });
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${command[0]} exited with ${code}`))));
  });
}

async function deploy(options: DeployOptions): Promise<void> {
  let arch = options.arch;
  if (arch === undefined) {
    const answer = options.dryRun ? 'arm64' : (await exec(archQuery(options), true)).trim();
    if (!(ARCHES as readonly string[]).includes(answer)) throw new Error(`${options.target} is ${answer}: no package for it (${ARCHES.join(', ')})`);
    arch = answer as DebArch;
  }
  const version = (JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as { version: string }).version;
  const deb = path.join(repo, 'dist', 'deb', debFileName(version, arch));
  if (options.build && !options.dryRun) {
    const { packageDebs } = await import('./package.ts');
    await packageDebs({ arches: [arch], outDir: path.dirname(deb), log: (line) => console.log(`deploy: ${line}`) });
  }
  for (const command of deployCommands(options, deb)) {
    console.log(`deploy: ${command.join(' ')}`);
    if (!options.dryRun) await exec(command);
  }
  console.log(`deploy: done; the setup code (first start): ssh ${sshHost(options.target)} journalctl -u sip-doorbell -g setupCode`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    await deploy(parseDeployArgs(process.argv.slice(2)));
  } catch (error) {
    console.error(`deploy: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
