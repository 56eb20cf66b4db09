// The composition root of sip-doorbell: command line → config → SIP stack → (app) → runs until SIGINT/SIGTERM.
import { existsSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import packageJson from '../package.json' with { type: 'json' };
import type { Config } from './config/schema.ts';
import { reachableHost, simulatorConfig, simulatorReadyFields } from './config/simulator.ts';
import { errorMessage } from './errors.ts';
import { createHal, type Hal } from '../hal/createHal.ts';
import { DoorAudio } from './media/DoorAudio.ts';
import { MediaSession } from './media/MediaSession.ts';
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
  --simulate       run with simulated hardware (no GPIO, no sound card needed);
                   type "ring" (or an empty line) to press the virtual bell button
  --sim-mic <wav>  simulator: the microphone plays this WAV file in a loop (default: a 440 Hz tone)
  --sim-speaker <wav>
                   simulator: the speaker writes each call's audio into this WAV file when the call ends
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
  readonly audio: DoorAudio;
  readonly ports: ReturnType<typeof createUdpMediaPorts>;
}

/** Uniform in [0, 1) from the system's CSPRNG: SSRCs, sequence and timestamp origins are not guessable (RFC 3550 §5.1). */
function secureRandom(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0]! / 2 ** 32;
}

function mediaFactory(config: Config, parts: MediaParts): StackOptions['media'] {
  const srtpCrypto = createNodeSrtpCrypto();
  // Wall-clock time for RTCP's NTP fields: the monotonic clock plus the offset at start.
  const epochOffset = Date.now() - parts.clock.now();
  const settings = { codecs: config.media.codecs, srtp: config.media.srtp, rtpTimeoutMs: config.media.rtpTimeoutSec * 1000 };
  return (local, context) => new MediaSession({
    address: local.host,
    clock: parts.clock,
    random: secureRandom,
    wallClockMs: () => epochOffset + parts.clock.now(),
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

function wireEvents(stack: Stack, config: Config, log: Logger, simulate: boolean, audio: DoorAudio): void {
  const ua = stack.ua;
  ua.events.on('mediaStarted', (call, report) => log.info('mediaStarted', { call: call.id, ...report }));
  ua.events.on('mediaStopped', (call, report) => log.info('mediaStopped', { call: call.id, ...report }));
  // registered, registrationFailed and the end of a call (callEnded) are logged where they happen, with more detail.
  ua.events.on('callRinging', (call) => log.info('callRinging', { call: call.id }));
  ua.events.on('callEstablished', (call) => log.info('callEstablished', { call: call.id, remote: call.remote.uri }));
  // Digits make up door codes, which are secrets: the device logs that a digit came, the simulator which one.
  ua.events.on('dtmfReceived', (call, info) => log.info('dtmfReceived', { call: call.id, ...(simulate ? { digit: info.digit } : {}), source: info.source }));
  ua.events.on('callIncoming', (call, info) => {
    log.info('callIncoming', { call: call.id, from: info.from, source: `${info.source.host}:${info.source.port}` });
    // Until the door application ([5/8]) decides who may listen in at the door, only the simulator
    // answers; a device declines rather than open its microphone to any caller.
    if (!simulate) {
      call.reject(486, 'Busy Here');
      return;
    }
    call.ring();
    call.answer().catch((error: unknown) => log.warn('answerFailed', { call: call.id, error: errorMessage(error) }));
  });
  if (!simulate) return;
  createInterface({ input: process.stdin }).on('line', (line) => {
    const command = line.trim();
    if (command !== '' && command !== 'ring') return;
    const targets = config.buttons[0]?.plan[0]?.targets ?? [];
    log.info('buttonPressed', { button: 'simulated', targets: targets.join(',') });
    ua.call(targets).then(
      (call) => call.events.on('ended', (info) => {
        // Nobody answered: the visitor hears why (busy or declined, or nobody there), generated here, not by a PBX.
        if (info.reason === 'localBye' || info.reason === 'remoteBye' || info.reason === 'sessionExpired') return;
        audio.startTone(call, info.status === 486 || info.status === 600 || info.status === 603 ? 'busy' : 'unavailable');
      }),
      (error: unknown) => log.warn('callFailed', { error: errorMessage(error) }),
    );
  });
}

/** The one line that tells a simulator user what to do next: where to register a softphone, and how to ring. */
function logSimulatorReady(stack: Stack, config: Config, configFile: string, log: Logger): void {
  const protocol = config.sip.listen.transports.includes('udp') ? 'udp' : 'tcp';
  const bound = stack.transport.boundAddress(protocol);
  if (bound === undefined) return;
  const interfaces = Object.entries(networkInterfaces()).flatMap(([name, list]) => (list ?? []).map((a) => ({ ...a, name })));
  const host = reachableHost(bound.host, interfaces);
  log.info('simulatorReady', simulatorReadyFields(config, configFile, { host, port: bound.port, protocol }));
}

async function run(flags: Flags): Promise<number> {
  const log = createConsoleLogger();
  // Last line of defence: a promise some step forgot to handle is a bug to log, not a reason for the door to go
  // silent (Node's default would end the process).
  process.on('unhandledRejection', (reason) => log.error('unhandledRejection', { error: errorMessage(reason) }));
  // Listen for the stop signal from the start: one may arrive while the sockets are being opened.
  const stopRequested = new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  const simulate = flags.simulate === true;
  const stateDir = path.resolve(flags.state ?? process.env.STATE_DIRECTORY ?? '.sip-doorbell');
  let configFile = flags.config;
  if (configFile === undefined) {
    if (!simulate) {
      log.error('configMissing', { detail: 'pass --config <file> (or --simulate for a local trial)' });
      return 2;
    }
    configFile = path.join(stateDir, 'config.json');
    const created = simulatorConfig(configFile, { exists: existsSync, writePrivate });
    if (created !== undefined) log.info('simulatorConfigCreated', { file: configFile, user: created.username });
  }
  const config = loadConfig(configFile, log);
  if (config === undefined) return 1;
  if (!simulate && (flags['sim-mic'] !== undefined || flags['sim-speaker'] !== undefined)) {
    log.error('flagsInvalid', { detail: '--sim-mic and --sim-speaker need --simulate' });
    return 2;
  }
  const clock = createSystemClock((error) => log.error('timerFailed', { error: errorMessage(error) }));
  const made = createHal({ simulate, audio: config.audio, simMic: flags['sim-mic'], simSpeaker: flags['sim-speaker'] }, { clock, logger: log });
  if (!made.ok) {
    log.error('halFailed', { error: made.error });
    return 1;
  }
  const hal: Hal = made.hal;
  const audio = new DoorAudio({ clock, microphone: hal.audio.microphone, speaker: hal.audio.speaker, logger: log });
  const ports = createUdpMediaPorts({ min: config.media.rtpPorts.min, max: config.media.rtpPorts.max, listenHost: config.sip.listen.host, logger: log });
  log.info('started', { version: packageJson.version, mode: simulate ? 'simulate' : 'device', sipMode: config.sip.mode, port: config.sip.listen.port, pid: process.pid });
  let stack: Stack;
  try {
    const media = mediaFactory(config, { clock, audio, ports });
    stack = await createStack(stackOptions(config, stateDir, media), { clock, logger: log, hasher: createNodeHasher() });
  } catch (error) {
    log.error('startFailed', { error: errorMessage(error) });
    return 1;
  }
  wireEvents(stack, config, log, simulate, audio);
  if (simulate) logSimulatorReady(stack, config, configFile, log);
  const signal = await stopRequested;
  log.info('stopping', { signal });
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
} else {
  run(flags).then((code) => process.exit(code), (error: unknown) => {
    process.stderr.write(`sip-doorbell: internal error: ${errorMessage(error)}\n`);
    process.exit(70);
  });
}
