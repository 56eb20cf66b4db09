// The composition root of sip-doorbell: command line → config → hal → SIP stack → door application → runs until
// SIGINT/SIGTERM (or `quit` in the simulator).
import { existsSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import packageJson from '../package.json' with { type: 'json' };
import { type Config, deviceIssues } from './config/schema.ts';
import { randomDoorCode, reachableHost, simulatorConfig, simulatorReadyFields } from './config/simulator.ts';
import { DoorCodes } from './doorbell/DoorCodes.ts';
import { DoorStation } from './doorbell/DoorStation.ts';
import { EventLog } from './doorbell/EventLog.ts';
import { Schedules, systemTimeZone } from './doorbell/schedule.ts';
import { errorMessage } from './errors.ts';
import { createHal, type Hal } from '../hal/createHal.ts';
import { DoorAudio } from './media/DoorAudio.ts';
import { MediaSession } from './media/MediaSession.ts';
import { createFileStore } from './platform/atomicFile.ts';
import { createScryptCodeHasher } from './platform/doorCodeHash.ts';
import { createNodeSrtpCrypto } from './platform/srtpCrypto.ts';
import { createUdpMediaPorts } from './platform/udpMediaPorts.ts';
import type { Clock } from './platform/Clock.ts';
import { createSystemClock } from './platform/Clock.ts';
import { loadConfig } from './platform/configFile.ts';
import { createNodeHasher } from './platform/hash.ts';
import { loadIdentity, writePrivate } from './platform/identity.ts';
import { type Logger, createConsoleLogger } from './platform/Logger.ts';
import { type Stack, type StackOptions, createStack } from './sip/ua/createStack.ts';

const USAGE = `Usage: sip-doorbell [options]

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

/** Longest a stop may take (the stack's own bounds are 5 s, BYEs and un-REGISTER running side by side). */
const STOP_BOUND_MS = 6000;

interface Flags {
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
function readFlags(args: readonly string[]): Flags | undefined {
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

/** What every call's media shares: the door's devices, the RTP port range, randomness and the SRTP crypto. */
interface MediaParts {
  readonly clock: Clock;
  /** Wall-clock milliseconds for RTCP's NTP fields. */
  readonly wallClock: () => number;
  readonly audio: DoorAudio;
  readonly ports: ReturnType<typeof createUdpMediaPorts>;
}

/** Uniform in [0, 1) from the system's CSPRNG: SSRCs, sequence and timestamp origins are not guessable (RFC 3550 §5.1). */
function secureRandom(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0]! / 2 ** 32;
}

function mediaFactory(config: Config, parts: MediaParts): StackOptions['media'] {
  const srtpCrypto = createNodeSrtpCrypto();
  const settings = { codecs: config.media.codecs, srtp: config.media.srtp, rtpTimeoutMs: config.media.rtpTimeoutSec * 1000 };
  return (local, context) => new MediaSession({
    address: local.host,
    clock: parts.clock,
    random: secureRandom,
    wallClockMs: parts.wallClock,
    ports: parts.ports,
    audio: parts.audio,
    crypto: srtpCrypto,
    settings,
    events: context,
  });
}

function stackOptions(config: Config, stateDir: string, media: StackOptions['media']): StackOptions {
  const sip = config.sip;
  const identity = loadIdentity(stateDir);
  const account = sip.mode === 'registered' ? sip.account : undefined;
  return {
    listen: sip.listen,
    ...(account !== undefined
      ? {
          account: {
            registrar: account.registrar,
            ...(account.backupRegistrar !== undefined ? { backupRegistrar: account.backupRegistrar } : {}),
            ...(account.outboundProxy !== undefined ? { outboundProxy: account.outboundProxy } : {}),
            ...(account.transport !== undefined ? { protocol: account.transport } : {}),
            aor: `sip:${account.user}@${account.registrar.replace(/^sips?:/i, '').replace(/[:;].*$/, '')}`,
            credentials: { username: account.authUser ?? account.user, password: account.password, ...(account.realm !== undefined ? { realm: account.realm } : {}) },
            expires: account.expires,
            tls: {
              ...(account.tlsCa !== undefined ? { ca: account.tlsCa } : {}),
              ...(account.tlsPinSha256 !== undefined ? { pinnedSha256: account.tlsPinSha256 } : {}),
            },
          },
        }
      : { standalone: { domain: sip.domain, users: sip.users } }),
    contactUser: identity.contactUser,
    instanceId: identity.instanceId,
    localUsers: ['door'],
    displayName: sip.displayName,
    peerAllowList: sip.peerAllowList,
    media,
  };
}

/** Log lines for what the stack reports; the door application logs its own events (presses, doors, calls). */
function wireEvents(stack: Stack, log: Logger, simulate: boolean): void {
  const ua = stack.ua;
  ua.events.on('mediaStarted', (call, report) => log.info('mediaStarted', { call: call.id, ...report }));
  ua.events.on('mediaStopped', (call, report) => log.info('mediaStopped', { call: call.id, ...report }));
  // registered, registrationFailed and the end of a call (callEnded) are logged where they happen, with more detail.
  ua.events.on('callRinging', (call) => log.info('callRinging', { call: call.id }));
  ua.events.on('callEstablished', (call) => log.info('callEstablished', { call: call.id, remote: call.remote.uri }));
  // Digits make up door codes, which are secrets: the device logs that a digit came, the simulator which one.
  ua.events.on('dtmfReceived', (call, info) => log.info('dtmfReceived', { call: call.id, ...(simulate ? { digit: info.digit } : {}), source: info.source }));
  ua.events.on('callIncoming', (call, info) => {
    log.info('callIncoming', { call: call.id, from: info.from, source: `${info.source.host}:${info.source.port}`, ...(info.user !== undefined ? { user: info.user } : {}) });
  });
}

/** The simulator's console: `ring` (or an empty line) presses button 1, `ring <id>` that button, `quit` stops. */
function readSimulatorCommands(hal: Hal, config: Config, log: Logger, quit: () => void): void {
  const press = hal.simulator;
  if (press === undefined) return;
  const first = config.buttons[0]?.id ?? '1';
  createInterface({ input: process.stdin }).on('line', (line) => {
    const [command = '', id, ...rest] = line.trim().split(/\s+/);
    if ((command === '' || command === 'ring') && rest.length === 0) {
      if (!press.pressButton(id ?? first)) log.warn('unknownButton', { button: id ?? first, buttons: config.buttons.map((b) => b.id).join(',') });
    } else if (command === 'quit' && id === undefined) {
      quit();
    } else {
      log.warn('unknownCommand', { command: command.slice(0, 32), commands: 'ring, ring <id>, quit' });
    }
  });
}

/** `--hash-door-code`: the hash of one code read from stdin (a line), for `doorbell.doorCodes[].hash`. */
async function printDoorCodeHash(): Promise<number> {
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

/** The one line that tells a simulator user what to do next: where to register a softphone, and how to ring. */
function logSimulatorReady(stack: Stack, config: Config, configFile: string, log: Logger, doorCode: string | undefined): void {
  const protocol = config.sip.listen.transports.includes('udp') ? 'udp' : 'tcp';
  const bound = stack.transport.boundAddress(protocol);
  if (bound === undefined) return;
  const interfaces = Object.entries(networkInterfaces()).flatMap(([name, list]) => (list ?? []).map((a) => ({ ...a, name })));
  const host = reachableHost(bound.host, interfaces);
  log.info('simulatorReady', simulatorReadyFields(config, configFile, { host, port: bound.port, protocol }, doorCode));
}

async function run(flags: Flags): Promise<number> {
  // Lines are written together after the current work (setImmediate), so that a press's INVITE leaves before its
  // log lines; whatever waits is written at exit.
  const log = createConsoleLogger({ defer: (flush) => setImmediate(flush) });
  process.on('exit', () => log.flush());
  // Last line of defence: a promise some step forgot to handle is a bug to log, not a reason for the door to go
  // silent (Node's default would end the process).
  process.on('unhandledRejection', (reason) => log.error('unhandledRejection', { error: errorMessage(reason) }));
  // Listen for the stop signal from the start: one may arrive while the sockets are being opened.
  let requestStop: (reason: string) => void = () => {};
  const stopRequested = new Promise<string>((resolve) => {
    requestStop = resolve;
    // SIGHUP (a closed terminal) and SIGQUIT too: Node's default for them ends the process without 'exit' handlers,
    // which would leave a relay driven.
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'] as const) process.once(signal, () => resolve(signal));
  });
  const simulate = flags.simulate === true;
  const stateDir = path.resolve(flags.state ?? process.env.STATE_DIRECTORY ?? '.sip-doorbell');
  let configFile = flags.config;
  let trialCode: string | undefined;
  if (configFile === undefined) {
    if (!simulate) {
      log.error('configMissing', { detail: 'pass --config <file> (or --simulate for a local trial)' });
      return 2;
    }
    configFile = path.join(stateDir, 'config.json');
    if (!existsSync(configFile)) {
      // One door code to try the simulator with, printed once (only its hash is stored).
      trialCode = randomDoorCode();
      const created = simulatorConfig(configFile, { exists: existsSync, writePrivate }, { doorCodeHash: await createScryptCodeHasher().hash(trialCode) });
      if (created !== undefined) log.info('simulatorConfigCreated', { file: configFile, user: created.username });
    }
  }
  const config = loadConfig(configFile, log);
  if (config === undefined) return 1;
  const unwired = simulate ? [] : deviceIssues(config);
  for (const issue of unwired) log.error('configInvalid', { file: configFile, issue });
  if (unwired.length > 0) return 1;
  if (!simulate && (flags['sim-mic'] !== undefined || flags['sim-speaker'] !== undefined)) {
    log.error('flagsInvalid', { detail: '--sim-mic and --sim-speaker need --simulate' });
    return 2;
  }
  const clock = createSystemClock((error) => log.error('timerFailed', { error: errorMessage(error) }));
  // RTCP's NTP times: the monotonic clock plus the wall-clock offset at start, so a clock step (NTP catching up after a
  // boot without RTC) cannot bend round-trip times. Schedules and the event log read the wall clock itself: a Pi that
  // booted with the wrong time must open a delivery code at the right hours once NTP has set it.
  const epochOffset = Date.now() - clock.now();
  const rtcpClock = (): number => epochOffset + clock.now();
  const wallClock = (): number => Date.now();
  const made = createHal({
    simulate, audio: config.audio, gpio: config.gpio, buttons: config.buttons, relays: config.relays, leds: config.leds,
    simMic: flags['sim-mic'], simSpeaker: flags['sim-speaker'],
  }, { clock, logger: log });
  if (!made.ok) {
    log.error('halFailed', { error: made.error });
    return 1;
  }
  const hal: Hal = made.hal;
  // A relay must never stay driven when the process ends, however it ends: released synchronously on exit, and an
  // uncaught error (a bug) is logged, the relays released, and the process ends for systemd to restart it.
  process.on('exit', () => hal.releaseRelays());
  process.on('uncaughtException', (error) => {
    log.error('uncaughtException', { error: errorMessage(error) });
    hal.releaseRelays();
    process.exit(70);
  });
  const audio = new DoorAudio({ clock, microphone: hal.audio.microphone, speaker: hal.audio.speaker, logger: log });
  const ports = createUdpMediaPorts({ min: config.media.rtpPorts.min, max: config.media.rtpPorts.max, listenHost: config.sip.listen.host, logger: log });
  log.info('started', { version: packageJson.version, mode: simulate ? 'simulate' : 'device', sipMode: config.sip.mode, port: config.sip.listen.port, pid: process.pid });
  let stack: Stack;
  try {
    const media = mediaFactory(config, { clock, wallClock: rtcpClock, audio, ports });
    stack = await createStack(stackOptions(config, stateDir, media), { clock, logger: log, hasher: createNodeHasher() });
  } catch (error) {
    log.error('startFailed', { error: errorMessage(error) });
    return 1;
  }
  wireEvents(stack, log, simulate);
  const events = new EventLog({ maxEntries: config.doorbell.eventLog.maxEntries, store: createFileStore(path.join(stateDir, 'events.json')), clock, wallClock, logger: log });
  const schedules = new Schedules({ schedules: config.schedules, timeZone: config.doorbell.timeZone ?? systemTimeZone(), wallClock });
  const codes = new DoorCodes({ codes: config.doorbell.doorCodes, entry: config.doorbell.codeEntry, hasher: createScryptCodeHasher(), schedules, clock, logger: log, events });
  const station = new DoorStation({
    buttons: config.buttons, doorbell: config.doorbell, sipMode: config.sip.mode, phone: stack.ua, hardware: hal, tones: audio,
    codes, schedules, events, platform: { clock, wallClock, logger: log },
  });
  station.start();
  if (simulate) {
    readSimulatorCommands(hal, config, log, () => requestStop('quit'));
    logSimulatorReady(stack, config, configFile, log, trialCode);
  }
  const signal = await stopRequested;
  log.info('stopping', { signal });
  station.stop();
  // Un-REGISTER and BYE within a bound: a dead registrar must not hold up the stop. The stack bounds each of them
  // to 5 s, in parallel; this outer bound only catches a bug, and stays well inside systemd's stop timeout.
  let bound: NodeJS.Timeout | undefined;
  await Promise.race([
    stack.close().catch((error: unknown) => log.warn('stopFailed', { error: errorMessage(error) })),
    new Promise<void>((resolve) => {
      bound = setTimeout(resolve, STOP_BOUND_MS);
    }),
  ]);
  clearTimeout(bound);
  audio.close();
  await ports.close(); // the spare RTP pair kept bound for the next call
  hal.close();
  await events.flush().catch((error: unknown) => log.warn('eventLogWriteFailed', { error: errorMessage(error) }));
  log.info('stopped');
  return 0;
}

const flags = readFlags(process.argv.slice(2));
if (flags === undefined) {
  process.exitCode = 2;
} else if (flags.help === true) {
  process.stdout.write(USAGE);
} else if (flags.version === true) {
  process.stdout.write(`${packageJson.version}\n`);
} else if (flags['hash-door-code'] === true) {
  printDoorCodeHash().then((code) => process.exit(code), (error: unknown) => {
    process.stderr.write(`sip-doorbell: ${errorMessage(error)}\n`);
    process.exit(1);
  });
} else {
  run(flags).then((code) => process.exit(code), (error: unknown) => {
    process.stderr.write(`sip-doorbell: internal error: ${errorMessage(error)}\n`);
    process.exit(70);
  });
}
