// The composition root of sip-doorbell: command line → config → hal → SIP stack → door application → runs until
// SIGINT/SIGTERM (or `quit` in the simulator).
import { existsSync } from 'node:fs';
import path from 'node:path';
import packageJson from '../package.json' with { type: 'json' };
import type { Config } from './config/schema.ts';
import { randomDoorCode, simulatorConfig, simulatorConfigObject } from './config/simulator.ts';
import { DoorCodes } from './doorbell/DoorCodes.ts';
import { DoorStation } from './doorbell/DoorStation.ts';
import { EventLog } from './doorbell/EventLog.ts';
import { Schedules } from './doorbell/schedule.ts';
import { errorMessage } from './errors.ts';
import { createHal, type Hal } from '../hal/createHal.ts';
import { DoorAudio } from './media/DoorAudio.ts';
import { createFileStore } from './platform/atomicFile.ts';
import { createScryptCodeHasher } from './platform/doorCodeHash.ts';
import { createUdpMediaPorts } from './platform/udpMediaPorts.ts';
import { createSdNotifier, sipStatusLine } from './platform/sdNotify.ts';
import type { Clock } from './platform/Clock.ts';
import { createSystemClock } from './platform/Clock.ts';
import { type Flags, USAGE, printDoorCodeHash, readFlags } from './platform/commandLine.ts';
import { withTlsCaRead } from './platform/configFile.ts';
import { openConfigStore } from './platform/configFiles.ts';
import { createNodeHasher } from './platform/hash.ts';
import { writePrivate } from './platform/identity.ts';
import { type Logger, createConsoleLogger } from './platform/Logger.ts';
import { logSimulatorReady, readSimulatorCommands } from './platform/simulatorConsole.ts';
import { type RuntimeSupervisor, type StartResult, createRuntimeSupervisor } from './platform/runtimeSupervisor.ts';
import { runNowOrFromSnapshot } from './platform/startupSnapshot.ts';
import { compileEagerly } from './platform/v8Flags.ts';
import { addressForPeople } from './platform/pageAddress.ts';
import { type Stack, createStack } from './sip/ua/createStack.ts';
import { mediaFactory, stackOptions } from './sip/ua/stackFromConfig.ts';
import { type ActionParts, createDeviceActions } from '../provisioning/device/actions.ts';
import { type StatusDevice, createStatusSource } from '../provisioning/device/status.ts';
import type { ConfigStoreApi, DeviceActions, EventLogSource, StatusSource } from '../provisioning/ports.ts';
import type { ProvisioningServer } from '../provisioning/server.ts';
import { listenOrDefault, pageMover } from '../provisioning/placement.ts';

/** Longest a stop may take (the stack's own bounds are 5 s, BYEs and un-REGISTER running side by side). */
const STOP_BOUND_MS = 6000;

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

/** What outlives a configuration change: the clock, the log, the event log, the state directory. */
interface Shared {
  readonly simulate: boolean;
  readonly flags: Flags;
  readonly stateDir: string;
  readonly clock: Clock;
  readonly log: Logger;
  /** Wall-clock milliseconds: schedules and the event log. */
  readonly wallClock: () => number;
  /** The monotonic clock plus the wall-clock offset at start: RTCP's NTP times (a clock step cannot bend RTTs). */
  readonly rtcpClock: () => number;
  readonly events: EventLog;
}

/** Everything made from one configuration; the page's changes replace it with one made from the next. */
interface Runtime {
  readonly config: Config;
  readonly hal: Hal;
  readonly stack: Stack;
  readonly station: DoorStation;
  readonly audio: DoorAudio;
  /** A call or a ring in progress: a saved change waits for the door to be idle. */
  busy(): boolean;
  stop(): Promise<void>;
}

/** Builds hal → media → SIP stack → door application from `config`; the reason (logged) when a part cannot start. */
async function startRuntime(config: Config, shared: Shared): Promise<StartResult<Runtime>> {
  const { clock, log, simulate, flags, events, wallClock } = shared;
  const made = createHal({
    simulate, audio: config.audio, gpio: config.gpio, buttons: config.buttons, relays: config.relays, leds: config.leds,
    simMic: flags['sim-mic'], simSpeaker: flags['sim-speaker'],
  }, { clock, logger: log });
  if (!made.ok) {
    log.error('halFailed', { error: made.error });
    // A --sim-mic file that is no WAV file: a mistake on the command line, which no retry mends.
    return { ok: false, reason: made.error, final: made.fromFlags === true };
  }
  const hal: Hal = made.hal;
  const audio = new DoorAudio({ clock, microphone: hal.audio.microphone, speaker: hal.audio.speaker, logger: log });
  const ports = createUdpMediaPorts({ min: config.media.rtpPorts.min, max: config.media.rtpPorts.max, listenHost: config.sip.listen.host, logger: log });
  let stack: Stack | undefined;
  let station: DoorStation;
  try {
    const media = mediaFactory(config, { clock, wallClock: shared.rtcpClock, audio, ports });
    stack = await createStack(stackOptions(config, shared.stateDir, media), { clock, logger: log, hasher: createNodeHasher() });
    wireEvents(stack, log, simulate);
    const schedules = new Schedules({ schedules: config.schedules, timeZone: config.doorbell.timeZone, wallClock });
    const codes = new DoorCodes({ codes: config.doorbell.doorCodes, entry: config.doorbell.codeEntry, hasher: createScryptCodeHasher(), schedules, clock, logger: log, events });
    station = new DoorStation({
      buttons: config.buttons, doorbell: config.doorbell, sipMode: config.sip.mode, phone: stack.ua, hardware: hal, tones: audio,
      codes, schedules, events, platform: { clock, wallClock, logger: log },
    });
    station.start();
  } catch (error) {
    // Everything this start opened is let go (sockets, RTP ports, GPIO lines and their tools): the next try needs them.
    log.error('startFailed', { error: errorMessage(error) });
    await stack?.close().catch(() => {});
    audio.close();
    await ports.close().catch(() => {});
    hal.close();
    return { ok: false, reason: errorMessage(error) };
  }
  return { ok: true, runtime: {
    config, hal, stack, station, audio,
    busy: () => station.state.kind !== 'idle',
    async stop() {
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
    },
  } };
}

/** The parts of the page's status that come from one runtime. */
function statusDevice(runtime: Runtime): StatusDevice {
  return { sipMode: runtime.config.sip.mode, ua: runtime.stack.ua, door: runtime.station, relays: runtime.hal.relays, leds: runtime.hal.leds };
}

/** Phones holding a binding at the built-in registrar (standalone mode), for systemd's status line. */
function phonesRegistered(runtime: Runtime): number {
  const registrar = runtime.stack.registrar;
  return registrar === undefined ? 0 : runtime.config.sip.users.reduce((sum, user) => sum + registrar.lookup(user.username).length, 0);
}

/** What the page's actions work on in one runtime. */
function actionParts(runtime: Runtime): ActionParts {
  const { config, hal, station, audio } = runtime;
  const simulator = hal.simulator;
  return {
    station,
    audio,
    relays: config.relays.map((relay) => relay.id),
    doorRelay: config.doorbell.doorCodes[0]?.relay ?? 'door',
    buttons: config.buttons.map((button) => button.id),
    ...(simulator !== undefined ? { pressVirtualButton: (id: string) => simulator.pressButton(id) } : {}),
  };
}

/**
 * The configuration page on `web.listen` (default http://127.0.0.1:8080/ in the simulator, http://0.0.0.0:8080/ on a
 * device). Until the owner has chosen a password, the setup code is shown where only the owner sees it: this line (the
 * terminal, the journal) and the 0600 file the server writes. A page that cannot start is logged; the door runs on.
 */
async function startWeb(parts: {
  readonly config: Config; readonly simulate: boolean; readonly stateDir: string; readonly log: Logger; readonly clock: Clock;
  readonly store: ConfigStoreApi; readonly status: StatusSource; readonly actions: DeviceActions; readonly eventLog: EventLogSource;
}): Promise<ProvisioningServer | undefined> {
  const { log } = parts;
  let web: ProvisioningServer | undefined;
  try {
    // Loaded here, after SIP has started: the web server's modules (fastify and its plugins, the page) are a good part
    // of the bundle's start-up work, and the first REGISTER need not wait for them.
    const { createProvisioningServer } = await import('../provisioning/server.ts');
    const { loadPageAssets } = await import('../provisioning/page/assets.ts');
    web = await createProvisioningServer({
      store: parts.store, status: parts.status, actions: parts.actions, eventLog: parts.eventLog, paths: { stateDir: path.join(parts.stateDir, 'web') },
      logger: log, clock: parts.clock, assets: await loadPageAssets(),
      announceSetupCode: (setupCode) => log.info('setupRequired', { setupCode }),
    });
    const { url } = await listenOrDefault(web, parts.config, parts.simulate, log);
    // On a device the page listens on every address: `open` names one a phone on the same network can type.
    const open = addressForPeople(url);
    if (web.setupCode !== undefined) log.info('setupRequired', { url, setupCode: web.setupCode, ...(open !== undefined ? { open } : {}) });
    return web;
  } catch (error) {
    log.error('webFailed', { error: errorMessage(error) });
    await web?.close().catch(() => {});
    return undefined;
  }
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
  // The page's saves apply live (the runtime supervisor, set before the first start); `applied` is the last one saved.
  let applyLive: (next: Config) => void = () => {};
  let movePage: (next: Config) => void = () => {};
  let applied: Config | undefined;
  const opened = openConfigStore(configFile, {
    hasher: createScryptCodeHasher(), logger: log, device: !simulate,
    // Factory reset: the simulator's first-start configuration (a new indoor password), a device's defaults; where
    // SIP and the page listen stays as it is, so the owner still reaches the page that was just reset.
    factory: () => {
      const base: Record<string, unknown> = simulate ? { ...simulatorConfigObject() } : {};
      const sip = (base.sip ?? {}) as Record<string, unknown>;
      // At open, when neither the file nor its .bak can be used, nothing listens yet: the defaults' places then.
      if (applied === undefined) return base;
      return { ...base, sip: { ...sip, listen: applied.sip.listen }, web: applied.web };
    },
    onChange: (next) => {
      applied = next;
      movePage(next);
      const withCa = withTlsCaRead(next, configFile, log);
      if (withCa !== undefined) applyLive(withCa);
    },
  });
  if (!opened.ok) return 1;
  const config = opened.config;
  applied = config;
  // A door code's relay without a pin on a device: the door runs without it (the bell still rings), the page says so.
  for (const issue of opened.store.origin.problems) log.warn('configIncomplete', { file: configFile, issue });
  if (!simulate && (flags['sim-mic'] !== undefined || flags['sim-speaker'] !== undefined)) {
    log.error('flagsInvalid', { detail: '--sim-mic and --sim-speaker need --simulate' });
    return 2;
  }
  const clock = createSystemClock((error) => log.error('timerFailed', { error: errorMessage(error) }));
  // systemd (Type=notify): WATCHDOG=1 from a timer on the SIP stack's own clock; nothing without NOTIFY_SOCKET.
  const notify = createSdNotifier({ env: process.env, pid: process.pid, clock, logger: log });
  const epochOffset = Date.now() - clock.now();
  // Schedules and the event log read the wall clock itself: a Pi that booted with the wrong time (no RTC) must open a
  // delivery code at the right hours once NTP has set it.
  const wallClock = (): number => Date.now();
  const events = new EventLog({ maxEntries: config.doorbell.eventLog.maxEntries, store: createFileStore(path.join(stateDir, 'events.json')), clock, wallClock, logger: log });
  const shared: Shared = { simulate, flags, stateDir, clock, log, wallClock, rtcpClock: () => epochOffset + clock.now(), events };
  log.info('started', { version: packageJson.version, mode: simulate ? 'simulate' : 'device', sipMode: config.sip.mode, port: config.sip.listen.port, pid: process.pid });
  // A configuration that cannot start (the SIP port taken, the address gone, a GPIO line busy) leaves the process up
  // with the page, saying why on the status, and is tried again: exiting would end in systemd's start limit.
  const status = createStatusSource({
    version: packageJson.version, mode: simulate ? 'simulate' : 'device', device: undefined, events,
    sipMode: () => (applied ?? config).sip.mode, notRunning: () => running.notRunning(), configOrigin: () => opened.store.origin, clock,
  });
  const running: RuntimeSupervisor<Config, Runtime> = createRuntimeSupervisor<Config, Runtime>({
    start: (next) => startRuntime(next, shared), clock, wallClock, logger: log,
    onChange: (next) => status.rebind(next === undefined ? undefined : statusDevice(next)),
  });
  // A relay must never stay driven when the process ends, however it ends: released synchronously on exit, and an
  // uncaught error (a bug) is logged, the relays released, and the process ends for systemd to restart it.
  process.on('exit', () => running.current()?.hal.releaseRelays());
  process.on('uncaughtException', (error) => {
    log.error('uncaughtException', { error: errorMessage(error) });
    running.current()?.hal.releaseRelays();
    process.exit(70);
  });
  if ((await running.start(config)) === 'impossible') return 1;
  applyLive = (next) => running.apply(next);
  // The first REGISTER's last steps (the local address toward the registrar, the send) wait on the event loop; let
  // them run before the page's modules load, which take tens of milliseconds of the start without a pause.
  await new Promise((resolve) => setImmediate(resolve));
  const actions = createDeviceActions(() => {
    const now = running.current();
    return now === undefined ? undefined : actionParts(now);
  }, simulate);
  const web = await startWeb({ config, simulate, stateDir, log, clock, store: opened.store, status, eventLog: events, actions });
  if (web !== undefined) movePage = pageMover(web, config, simulate, log);
  if (simulate) {
    readSimulatorCommands((id) => running.current()?.hal.simulator?.pressButton(id) ?? false, () => running.current()?.config ?? applied ?? config, log, () => requestStop('quit'));
    const protocol = config.sip.listen.transports.includes('udp') ? 'udp' : 'tcp';
    const first = running.current();
    if (first !== undefined) logSimulatorReady(first.stack.transport.boundAddress(protocol), protocol, config, configFile, log, trialCode);
  }
  // SIP and the page listen (or the page alone, the door down and retrying): ready, with the state as the status line.
  const sipStatus = (): string => {
    const down = running.notRunning();
    if (down !== undefined) return `not running: ${down.reason}; trying again (${down.attempts} failed)`;
    const now = running.current();
    return sipStatusLine(status.registration(), now === undefined ? 0 : phonesRegistered(now));
  };
  notify.ready(sipStatus());
  notify.follow(sipStatus);
  // From here on, what runs first (a press, a call) is compiled to baseline code at once; the start itself was not.
  compileEagerly();
  const signal = await stopRequested;
  log.info('stopping', { signal });
  notify.stopping();
  await web?.close().catch((error: unknown) => log.warn('webStopFailed', { error: errorMessage(error) }));
  status.close();
  await running.stop();
  await events.flush().catch((error: unknown) => log.warn('eventLogWriteFailed', { error: errorMessage(error) }));
  await notify.close();
  log.info('stopped');
  return 0;
}

/** The command line: usage, version, a door code's hash, or the door station. */
function main(): void {
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
}

// The package starts the bundle from a startup snapshot of it when it can (systemd/sip-doorbell-start): main then runs
// at that start, not while node builds the snapshot.
runNowOrFromSnapshot(main);
