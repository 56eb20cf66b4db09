// Runs the real Kamailio (Debian packages kamailio, kamailio-tls-modules) as the PBX of interop tests, on loopback.
// The config is test/interop/kamailio/kamailio.cfg with ports, users and paths filled in; the TLS certificate is
// made at start by the test PKI. Kamailio runs in the foreground (-DD -E) and logs every SIP message it receives,
// and every one it forwards, as one base64 line, which messages() decodes (its own stateless replies, such as
// 401 and 200 to REGISTER, are not logged).

import { randomBytes } from 'node:crypto';
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { onTestFinished } from 'vitest';
import { createTestPki, type TestPki } from '../sip/transport/certs.ts';
import { listenerPort } from './ports.ts';

export interface KamailioOptions {
  /** Digest users and their passwords (user names: letters, digits, `-`, `_`, `.`). */
  readonly users: Readonly<Record<string, string>>;
  /** The digest algorithm of the challenges (auth module `algorithm`); default MD5. */
  readonly algorithm?: 'MD5' | 'SHA-256';
  /** The challenges' realm (default `pbx.test`). */
  readonly realm?: string;
  /** The longest registration Kamailio grants, in seconds (default 3600; 10 or more). */
  readonly maxExpires?: number;
  /** Each nonce answers one request only: every request is challenged afresh (auth module `one_time_nonce`). */
  readonly oneTimeNonce?: boolean;
  /** Keep the location table across restarts (db_text), like a PBX with a database; default: in memory only. */
  readonly persistentLocation?: boolean;
}

/** One SIP message as Kamailio logged it. */
export interface KamailioMessage {
  /** `in`: Kamailio received it; `out`: Kamailio forwarded it. */
  readonly direction: 'in' | 'out';
  /** `udp`, `tcp`, `tls` (as Kamailio names the protocol). */
  readonly protocol: string;
  /** The other side, `ip:port`: the source of a received message, the destination of a sent one. */
  readonly peer: string;
  /** The whole message, start line to body. */
  readonly text: string;
}

/** A location binding as `kamcmd ul.dump` lists it. */
export interface KamailioBinding {
  readonly aor: string;
  readonly contact: string;
  readonly expires: string;
  /** `+sip.instance` and `reg-id` when the registration carried them. */
  readonly instance?: string;
  readonly regId?: string;
  /** The socket the REGISTER came in on (`tls:127.0.0.1:5061`). */
  readonly socket?: string;
}

export interface Kamailio {
  readonly host: '127.0.0.1';
  /** UDP and TCP share one port; TLS has its own. */
  readonly ports: { readonly udp: number; readonly tcp: number; readonly tls: number };
  readonly realm: string;
  /** The CA that signed Kamailio's TLS certificate (PEM), for a client's `tlsCa`. */
  readonly ca: string;
  /** Kamailio's recent output (its log without the message lines), for failure messages. */
  output(): string;
  /** Every SIP message logged so far, in log order (across restarts). */
  messages(): KamailioMessage[];
  /** Resolves with the first message (from index `from` on) that matches; rejects after `timeoutMs`. */
  waitForMessage(match: (message: KamailioMessage) => boolean, what: string, timeoutMs?: number, from?: number): Promise<KamailioMessage>;
  /** The location table now (`kamcmd ul.dump`). */
  bindings(): Promise<KamailioBinding[]>;
  /** Closes the TCP/TLS connection `user` last registered over (from Kamailio's side); false when there was none. */
  closeFlowOf(user: string): Promise<boolean>;
  /**
   * Stops Kamailio (its in-memory location table is lost) and starts it again on the same ports, after `downMs`
   * (default 0) without any listener, as a restart that takes a while.
   */
  restart(downMs?: number): Promise<void>;
  /** Stops Kamailio (SIGTERM, SIGKILL after 5 s); the temp dir is removed. Idempotent. */
  stop(): Promise<void>;
}

// The db_text table definitions the kamailio package ships (version, location …).
const DBTEXT_SCHEMA_DIR = '/usr/share/kamailio/dbtext/kamailio';
const TEMPLATE = path.resolve(import.meta.dirname, '../interop/kamailio/kamailio.cfg');
const MESSAGE_LINE = /sipmsg (in|out) proto=(\S+) (?:source|destination)=(\S+) (?:local=\S+ )?b64=(\S*)/;

/** The kamailio program: on PATH, else /usr/sbin (where Debian puts it, often off a user's PATH). */
export function kamailioBinary(name: 'kamailio' | 'kamcmd' = 'kamailio'): string | undefined {
  for (const dir of [...(process.env.PATH ?? '').split(':').filter((d) => d !== ''), '/usr/sbin', '/sbin', '/usr/local/sbin']) {
    const file = path.join(dir, name);
    if (existsSync(file)) return file;
  }
  return undefined;
}

/** The directory holding Kamailio's modules (tm.so), wherever the architecture puts it; undefined without TLS modules. */
export function kamailioModuleDir(): string | undefined {
  const candidates = ['/usr/lib/kamailio/modules', '/usr/local/lib/kamailio/modules', '/usr/local/lib64/kamailio/modules'];
  try {
    for (const entry of readdirSync('/usr/lib')) candidates.push(path.join('/usr/lib', entry, 'kamailio', 'modules'));
  } catch {
    // no /usr/lib: only the fixed candidates
  }
  return candidates.find((dir) => existsSync(path.join(dir, 'tm.so')) && existsSync(path.join(dir, 'tls.so')));
}

/** Whether Kamailio with its TLS module is installed here. */
export function hasKamailio(): boolean {
  return kamailioBinary() !== undefined && kamailioBinary('kamcmd') !== undefined && kamailioModuleDir() !== undefined;
}

const live = new Set<Kamailio>();

/** Stops every Kamailio still running; startKamailio arranges this after each test. */
export async function stopAllKamailios(): Promise<void> {
  await Promise.all([...live].map((k) => k.stop()));
}

function fillTemplate(values: Readonly<Record<string, string>>): string {
  return readFileSync(TEMPLATE, 'utf8').replace(/\{\{([A-Z_]+)\}\}/g, (_, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`kamailio.cfg: no value for {{${key}}}`);
    return value;
  });
}

/** A quoted string for kamailio.cfg (the test's own values: no quotes or backslashes in them). */
function cfgString(value: string): string {
  if (/["\\\r\n]/.test(value)) throw new Error(`kamailio.cfg cannot hold ${JSON.stringify(value)}`);
  return `"${value}"`;
}

function runKamcmd(socket: string, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(kamailioBinary('kamcmd')!, ['-s', `unix:${socket}`, ...args], { timeout: 5000 }, (error, stdout, stderr) => {
      if (error !== null) reject(new Error(`kamcmd ${args.join(' ')} failed: ${error.message} ${stderr}`));
      else resolve(stdout);
    });
  });
}

/** Parses `kamcmd ul.dump` (nested `Key: value` lines with `{ }`) into bindings. */
export function parseUlDump(text: string): KamailioBinding[] {
  const bindings: KamailioBinding[] = [];
  let aor = '';
  let current: Record<string, string> | undefined;
  const flush = (): void => {
    if (current?.Address === undefined) return;
    bindings.push({
      aor,
      contact: current.Address,
      expires: current.Expires ?? '',
      ...(current.Instance !== undefined && current.Instance !== '[not set]' ? { instance: current.Instance } : {}),
      ...(current['Reg-Id'] !== undefined && current['Reg-Id'] !== '0' ? { regId: current['Reg-Id'] } : {}),
      ...(current.Socket !== undefined ? { socket: current.Socket } : {}),
    });
    current = undefined;
  };
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const field = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
    if (field === null) continue;
    const [, key, value] = field as unknown as [string, string, string];
    if (key === 'AoR') {
      flush();
      aor = value;
    } else if (key === 'Contact' && value === '{') {
      flush();
      current = {};
    } else if (current !== undefined && value !== '{') {
      current[key] = value;
    }
  }
  flush();
  return bindings;
}

async function tcpAccepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Sends one OPTIONS to Kamailio's control route over UDP and resolves with the response's status (0: none in 5 s). */
async function controlRequest(port: number, user: string, extraHeader: string): Promise<number> {
  const socket = createSocket('udp4');
  try {
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    const local = socket.address().port;
    const id = randomBytes(6).toString('hex');
    const request = [
      `OPTIONS sip:${user}@127.0.0.1:${port} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${local};branch=z9hG4bK-${id};rport`,
      'Max-Forwards: 70',
      `From: <sip:test@127.0.0.1>;tag=${id}`,
      `To: <sip:${user}@127.0.0.1>`,
      `Call-ID: control-${id}@127.0.0.1`,
      'CSeq: 1 OPTIONS',
      extraHeader,
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    const answer = new Promise<number>((resolve) => {
      const timer = setTimeout(() => resolve(0), 5000);
      socket.on('message', (bytes) => {
        clearTimeout(timer);
        resolve(Number(/^SIP\/2\.0 (\d{3})/.exec(bytes.toString('latin1'))?.[1] ?? 0));
      });
    });
    socket.send(request, port, '127.0.0.1');
    return await answer;
  } finally {
    socket.close();
  }
}

// Runs "$@" (Kamailio) in the background, waits for stdin to close, then stops it with SIGTERM and waits for it.
const STOP_WITH_STDIN = '"$@" </dev/null & pid=$!; cat >/dev/null; kill -TERM "$pid" 2>/dev/null; wait "$pid"';

/** SIGKILL to the wrapper's whole process group (Kamailio and its workers). */
function killGroup(proc: ChildProcessWithoutNullStreams): void {
  if (proc.pid === undefined) return;
  try {
    process.kill(-proc.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Whether TCP and UDP `port` can be bound on `host` now. */
const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts Kamailio on free loopback ports with `options.users` as its subscribers, and resolves once its
 * UDP/TCP/TLS listeners and control socket answer. Inside a test it is stopped when the test finishes.
 */
export async function startKamailio(options: KamailioOptions): Promise<Kamailio> {
  const binary = kamailioBinary();
  const moduleDir = kamailioModuleDir();
  if (binary === undefined || moduleDir === undefined || kamailioBinary('kamcmd') === undefined) {
    throw new Error('Kamailio is not installed (Debian packages kamailio and kamailio-tls-modules; `sh scripts/test.sh` installs them)');
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'kamailio-'));
  const pki: TestPki = createTestPki();
  const realm = options.realm ?? 'pbx.test';
  // The Request-URI user of the test's control requests: nobody else knows it.
  const controlUser = `control-${randomBytes(8).toString('hex')}`;
  const sipPort = await listenerPort();
  let tlsPort = await listenerPort();
  while (tlsPort === sipPort) tlsPort = await listenerPort();
  const ctlSocket = path.join(dir, 'ctl.sock');
  writeFileSync(path.join(dir, 'server.key'), pki.serverKey, { mode: 0o600 });
  writeFileSync(path.join(dir, 'server.pem'), pki.serverCert);
  writeFileSync(path.join(dir, 'tls.cfg'), [
    '[server:default]',
    'method = TLSv1.2+',
    'verify_certificate = no',
    'require_certificate = no',
    `private_key = ${path.join(dir, 'server.key')}`,
    `certificate = ${path.join(dir, 'server.pem')}`,
    '',
    '[client:default]',
    'method = TLSv1.2+',
    'verify_certificate = no',
    'require_certificate = no',
    '',
  ].join('\n'));
  for (const name of Object.keys(options.users)) {
    if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new Error(`Kamailio test user name ${JSON.stringify(name)}: letters, digits, . _ - only`);
  }
  const dbDir = path.join(dir, 'db');
  if (options.persistentLocation === true) {
    mkdirSync(dbDir);
    for (const table of ['version', 'location']) {
      const schema = path.join(DBTEXT_SCHEMA_DIR, table);
      if (!existsSync(schema)) throw new Error(`no db_text schema ${schema} (Debian package kamailio)`);
      copyFileSync(schema, path.join(dbDir, table));
    }
  }
  const config = fillTemplate({
    DEFINES: options.persistentLocation === true ? '#!define WITH_PERSISTENT_LOCATION' : '',
    DB_DIR: dbDir,
    SIP_PORT: String(sipPort),
    TLS_PORT: String(tlsPort),
    MODULE_DIR: moduleDir,
    CTL_SOCKET: ctlSocket,
    TLS_CONFIG: path.join(dir, 'tls.cfg'),
    MAX_EXPIRES: String(options.maxExpires ?? 3600),
    ALGORITHM: options.algorithm ?? 'MD5',
    ONE_TIME_NONCE: options.oneTimeNonce === true ? '1' : '0',
    REALM: realm,
    UNKNOWN_USER_PASSWORD: randomBytes(24).toString('hex'),
    CONTROL_USER: controlUser,
    USERS: Object.entries(options.users).map(([name, password]) => `\t$sht(users=>${name}) = ${cfgString(password)};`).join('\n'),
  });
  const configFile = path.join(dir, 'kamailio.cfg');
  writeFileSync(configFile, config);

  const logLines: string[] = [];
  const messages: KamailioMessage[] = [];
  const listeners = new Set<() => void>();
  let child: ChildProcessWithoutNullStreams | undefined;
  let exited: Promise<void> = Promise.resolve();
  let stopped = false;

  const onLine = (line: string): void => {
    const m = MESSAGE_LINE.exec(line);
    if (m === null) {
      logLines.push(line);
      if (logLines.length > 5000) logLines.splice(0, 1000);
    } else {
      const [, direction, protocol, peer, b64] = m as unknown as [string, 'in' | 'out', string, string, string];
      const text = Buffer.from(b64, 'base64').toString('latin1');
      // The test's own control requests and their answers are not part of any transcript.
      if (!text.includes(controlUser)) messages.push({ direction, protocol, peer, text });
    }
    for (const listener of [...listeners]) listener();
  };

  const launch = async (): Promise<void> => {
    // -DD: no daemon, the main process stays in the foreground; -E: log to stderr; -Y: runtime files in our dir.
    const args = ['-DD', '-E', '-f', configFile, '-Y', dir, '-m', '64', '-M', '8', '-w', dir];
    // Through a small shell that stops Kamailio when our end of its stdin closes: halt() closes it, and so does
    // the end of the test process however it ends (Ctrl-C, a crash), so no Kamailio outlives its test run.
    // Its own process group, so that the SIGKILL of last resort reaches Kamailio's worker processes as well.
    const proc = spawn('sh', ['-c', STOP_WITH_STDIN, 'sh', binary, ...args], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    child = proc;
    createInterface({ input: proc.stdout, crlfDelay: Infinity }).on('line', onLine);
    createInterface({ input: proc.stderr, crlfDelay: Infinity }).on('line', onLine);
    let gone = false;
    exited = new Promise<void>((resolve) => {
      proc.once('error', (error) => {
        logLines.push(`kamailio.ts: cannot run ${binary}: ${error.message}`);
        gone = true;
        resolve();
      });
      proc.once('close', (code, signal) => {
        logLines.push(`kamailio.ts: kamailio exited (code ${code}, signal ${signal})`);
        gone = true;
        resolve();
      });
    });
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (gone) throw new Error(`Kamailio exited during start:\n${logLines.slice(-40).join('\n')}`);
      if (existsSync(ctlSocket) && (await tcpAccepts(sipPort)) && (await tcpAccepts(tlsPort))) {
        try {
          await runKamcmd(ctlSocket, 'core.version');
          return;
        } catch {
          // not answering yet
        }
      }
      if (Date.now() > deadline) {
        killGroup(proc);
        throw new Error(`Kamailio did not come up within 10 s:\n${logLines.slice(-40).join('\n')}`);
      }
      await pause(50);
    }
  };

  const halt = async (): Promise<void> => {
    const proc = child;
    if (proc === undefined) return;
    child = undefined;
    proc.stdin.end();
    const killer = setTimeout(() => killGroup(proc), 5000);
    await exited;
    clearTimeout(killer);
    rmSync(ctlSocket, { force: true });
  };

  const kamailio: Kamailio = {
    host: '127.0.0.1',
    ports: { udp: sipPort, tcp: sipPort, tls: tlsPort },
    realm,
    ca: pki.ca,
    output: () => logLines.slice(-200).join('\n'),
    messages: () => messages,
    waitForMessage: (match, what, timeoutMs = 10_000, from = 0) =>
      new Promise<KamailioMessage>((resolve, reject) => {
        let scanned = from;
        const check = (): void => {
          for (; scanned < messages.length; scanned++) {
            const message = messages[scanned]!;
            if (match(message)) {
              cleanup();
              resolve(message);
              return;
            }
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`Kamailio did not see ${what} within ${timeoutMs} ms; its log:\n${logLines.slice(-60).join('\n')}`));
        }, timeoutMs);
        const cleanup = (): void => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      }),
    bindings: async () => {
      if (child === undefined) throw new Error('Kamailio is not running');
      return parseUlDump(await runKamcmd(ctlSocket, 'ul.dump'));
    },
    closeFlowOf: (user) => controlRequest(sipPort, controlUser, `X-Close-Flow-Of: ${user}`).then((status) => status === 200),
    restart: async (downMs = 0) => {
      await halt();
      if (downMs > 0) await pause(downMs);
      await launch();
    },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await halt();
      live.delete(kamailio);
      pki.dispose();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  live.add(kamailio);
  try {
    onTestFinished(() => kamailio.stop());
  } catch {
    // Started outside a test: the caller stops it (or stopAllKamailios in an afterAll).
  }
  try {
    await launch();
  } catch (error) {
    await kamailio.stop();
    throw error;
  }
  return kamailio;
}
