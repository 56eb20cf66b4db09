// Runs the real Linphone console client (`linphonec`, Debian package linphone-cli) as an indoor phone for interop
// tests: a throwaway config and home, SIP on a loopback address only, audio from files (no sound card), bounded.

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { onTestFinished } from 'vitest';
import { freePort } from './sipp.ts';
import { type TracedMessage, linphoneMessages } from './wire.ts';

/** A console phone process: lines in on stdin, console output and a SIP log out. */
export interface ConsolePhone {
  /** Types one command line. */
  send(command: string): void;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** Its SIP log file so far. */
  log(): string;
  /** Where the console output ends now: pass it to waitFor to look only at what comes later. */
  mark(): number;
  /**
   * Resolves when the console output from offset `from` (default 0) on matches; rejects after `timeoutMs`
   * or when the process exits first.
   */
  waitFor(pattern: RegExp, timeoutMs?: number, from?: number): Promise<void>;
  /** Types `quit`, waits up to 3 s, then kills it; its files are removed. Safe to call twice. */
  stop(): Promise<void>;
  /** Kills it at once (SIGKILL, like a power cut: no un-REGISTER), then stops it as stop() does. */
  kill(): Promise<void>;
}

interface ConsolePhoneSpec {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  /** The throwaway directory to remove on stop. */
  readonly dir: string;
  readonly logFile: string;
  readonly quit: string;
}

/**
 * Starts a console phone and keeps its output; used by linphone.ts and twinkle.ts. Inside a test it is stopped
 * when the test finishes; in any case it is killed after 120 s.
 */
export function startConsolePhone(spec: ConsolePhoneSpec): ConsolePhone {
  const child: ChildProcess = spawn(spec.command, [...spec.args], { env: spec.env, stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  let exited = false;
  const append = (chunk: Buffer): void => {
    output += chunk.toString('latin1');
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  child.stdin!.on('error', () => {}); // a command typed into a phone that has just exited is not our failure
  const exit = new Promise<void>((resolve) => {
    child.once('error', (error) => {
      output += `\n${spec.name}: cannot run ${spec.command}: ${error.message}\n`;
      exited = true;
      resolve();
    });
    child.once('close', () => {
      exited = true;
      resolve();
    });
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  killer.unref();
  const log = (): string => (existsSync(spec.logFile) ? readFileSync(spec.logFile, 'latin1') : '');

  const poll = (read: () => string, pattern: RegExp, timeoutMs: number): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const deadline = Date.now() + timeoutMs;
      const check = (): void => {
        if (pattern.test(read())) {
          resolve();
          return;
        }
        if (exited || Date.now() > deadline) {
          const why = exited ? 'exited' : `did not show it within ${timeoutMs} ms`;
          reject(new Error(`${spec.name} ${why}: waited for ${pattern}; it printed:\n${output.slice(-3000)}`));
          return;
        }
        setTimeout(check, 25);
      };
      check();
    });

  let stopping: Promise<void> | undefined;
  const phone: ConsolePhone = {
    send: (command) => {
      if (!exited) child.stdin!.write(`${command}\n`);
    },
    output: () => output,
    log,
    mark: () => output.length,
    waitFor: (pattern, timeoutMs = 10_000, from = 0) => poll(() => output.slice(from), pattern, timeoutMs),
    kill: () => {
      child.kill('SIGKILL');
      return phone.stop();
    },
    stop: () => {
      stopping ??= (async () => {
        phone.send(spec.quit);
        const term = setTimeout(() => child.kill('SIGTERM'), 3000);
        const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exit;
        clearTimeout(term);
        clearTimeout(kill);
        clearTimeout(killer);
        rmSync(spec.dir, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
  try {
    onTestFinished(() => phone.stop());
  } catch {
    // Started outside a test (beforeAll …): the caller stops it.
  }
  return phone;
}

/** The account the phone registers (none: it only calls and answers by address). */
export interface PhoneAccount {
  /** Registrar address, e.g. the door's `127.0.0.1` and its UDP port. */
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  /** Registration expiry asked for (s). */
  readonly expires?: number;
}

export interface LinphoneOptions {
  /** Local SIP port (on 127.0.0.1); a free one when omitted. */
  readonly port?: number;
  /** The one transport it listens on and registers over (default udp). */
  readonly transport?: 'udp' | 'tcp';
  /** Its loopback address (default 127.0.0.1); `::1` makes it an IPv6 phone. */
  readonly localHost?: '127.0.0.1' | '::1';
  readonly account?: PhoneAccount;
  /** Answers every incoming call at once. */
  readonly autoAnswer?: boolean;
}

export interface Linphone extends ConsolePhone {
  /** Its SIP port. */
  readonly port: number;
  /** The SIP messages in its log so far. */
  messages(): TracedMessage[];
}

/** linphonec's configuration: one port on a loopback address (UDP or TCP), no TLS, no video, no STUN/ICE, no sound card. */
function linphoneRc(port: number, transport: 'udp' | 'tcp', localHost: string, rtpPort: number, account: PhoneAccount | undefined): string {
  const ipv6 = localHost.includes(':');
  const lines = [
    '[sip]',
    `sip_port=${transport === 'udp' ? port : 0}`,
    `sip_tcp_port=${transport === 'tcp' ? port : 0}`,
    'sip_tls_port=0',
    `bind_address=${localHost}`,
    `use_ipv6=${ipv6 ? 1 : 0}`,
    'guess_hostname=0',
    'register_only_when_network_is_up=0',
    'auto_net_state_mon=0',
    'ping_with_options=0',
    `default_proxy=${account === undefined ? -1 : 0}`,
    '',
    '[net]',
    'firewall_policy=0',
    '',
    '[rtp]',
    `audio_rtp_port=${rtpPort}`,
    `video_rtp_port=${rtpPort + 2}`,
    '',
    '[video]',
    'enabled=0',
    'capture=0',
    'display=0',
    'automatically_initiate=0',
    'automatically_accept=0',
    '',
    '[sound]',
    'echocancellation=0',
    '',
  ];
  if (account !== undefined) {
    const registrar = `${account.host.includes(':') ? `[${account.host}]` : account.host}:${account.port}`;
    lines.push(
      '[proxy_0]',
      `reg_proxy=<sip:${registrar};transport=${transport}>`,
      `reg_identity=sip:${account.user}@${registrar}`,
      `reg_expires=${account.expires ?? 60}`,
      'reg_sendregister=1',
      'publish=0',
      '',
      '[auth_info_0]',
      `username=${account.user}`,
      `passwd=${account.password}`,
      '',
    );
  }
  return lines.join('\n');
}

/**
 * Starts linphonec with a config of its own. Console lines to wait for: `registered, identity=` (after
 * `status register`), `Receiving new incoming call`, `Call <n> with … connected.`, `… ended`. Commands:
 * `call <uri>`, `answer`, `pause`, `resume`, `terminate`.
 */
export async function startLinphone(options: LinphoneOptions = {}): Promise<Linphone> {
  const port = options.port ?? (await freePort());
  const rtpPort = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'linphone-'));
  // liblinphone keeps its call log and chat database under $HOME; without the directory it logs errors.
  mkdirSync(path.join(dir, 'home', '.local', 'share', 'linphone'), { recursive: true });
  const rc = path.join(dir, 'linphonerc');
  writeFileSync(rc, linphoneRc(port, options.transport ?? 'udp', options.localHost ?? '127.0.0.1', rtpPort, options.account));
  const logFile = path.join(dir, 'linphone.log');
  const phone = startConsolePhone({
    name: 'linphonec',
    command: 'linphonec',
    args: ['-c', rc, '-d', '6', '-l', logFile],
    env: { ...process.env, HOME: path.join(dir, 'home') },
    dir,
    logFile,
    quit: 'quit',
  });
  // No sound card here: play and record files instead (a wav of silence is what it plays without one).
  phone.send('soundcard use files');
  if (options.autoAnswer === true) phone.send('autoanswer enable');
  return { ...phone, port, messages: () => linphoneMessages(phone.log()) };
}
