// The configuration `npm start --simulate` creates on first start (standalone, one indoor user, a random password), and
// the one line that tells the user what to do next.

import { type Config, ConfigSchema } from './schema.ts';

/** File access, injected: config/ does no I/O itself. */
export interface ConfigFiles {
  exists(file: string): boolean;
  /** Writes a file only its owner can read, atomically. */
  writePrivate(file: string, text: string): void;
}

/**
 * Creates `file` unless it exists; returns the indoor user it made, or undefined when nothing was created. With
 * `doorCodeHash` (the hash of a code main.ts made up and prints once), the config has that one door code for trying
 * it out, opening the simulated relay `door`; a device's config has none until its owner sets one.
 */
export function simulatorConfig(file: string, files: ConfigFiles, trial: { readonly doorCodeHash?: string } = {}): { username: string } | undefined {
  if (files.exists(file)) return undefined;
  files.writePrivate(file, `${JSON.stringify(simulatorConfigObject(trial), null, 2)}\n`);
  return { username: 'flat' };
}

/** The simulator's first-start configuration (also its factory configuration): one indoor user with a new password. */
export function simulatorConfigObject(trial: { readonly doorCodeHash?: string } = {}): Config {
  const raw = new Uint8Array(12);
  globalThis.crypto.getRandomValues(raw);
  const password = Array.from(raw, (b) => 'abcdefghjkmnpqrstuvwxyz23456789'[b % 31]).join('');
  return ConfigSchema.parse({
    sip: { mode: 'standalone', users: [{ username: 'flat', password }] },
    buttons: [{ id: '1', plan: [{ targets: ['flat'], ringSec: 30 }] }],
    doorbell: {
      ...(trial.doorCodeHash !== undefined ? { doorCodes: [{ name: 'trial', hash: trial.doorCodeHash, relay: 'door', pulseMs: 3000 }] } : {}),
      // The softphone the hint names may listen in at the door (with the listening tone).
      incoming: { autoAnswer: [{ from: 'flat' }] },
    },
  });
}

/** One address of a network interface, as node:os networkInterfaces() lists it (with the interface's name). */
export interface InterfaceAddress {
  readonly name: string;
  readonly family: string;
  readonly address: string;
  readonly internal: boolean;
}

// Container and VM bridges, VPN tunnels: addresses a phone on the LAN cannot reach.
const VIRTUAL_INTERFACE = /^(docker|br-|veth|virbr|vmnet|vboxnet|lxc|lxd|cni|flannel|tun|tap|wg|zt)/;

/**
 * The host a softphone on the LAN registers to: the listen host when it is a real address, else an IPv4 address of
 * this machine (a LAN interface before virtual bridges and tunnels), else loopback. Never 0.0.0.0 or ::.
 */
export function reachableHost(listenHost: string, interfaces: readonly InterfaceAddress[]): string {
  if (listenHost !== '' && listenHost !== '0.0.0.0' && !/^[0:]+$/.test(listenHost)) return listenHost;
  const candidates = interfaces.filter((a) => a.family === 'IPv4' && !a.internal);
  return (candidates.find((a) => !VIRTUAL_INTERFACE.test(a.name)) ?? candidates[0])?.address ?? '127.0.0.1';
}

/**
 * The fields of the one `simulatorReady` line that tells the user what to do next: whom to register a softphone
 * as and where (the password stays in the config file, which the line names), and how to press the bell.
 */
export function simulatorReadyFields(
  config: Config,
  configFile: string,
  listening: { readonly host: string; readonly port: number; readonly protocol: 'udp' | 'tcp' },
  doorCode?: string,
): Record<string, string> {
  const ring = { ring: 'type ring and Enter', ...(doorCode !== undefined ? { doorCode: `${doorCode}# on the phone in a call opens the door` } : {}) };
  const protocol: Record<string, string> = listening.protocol === 'udp' ? {} : { transport: listening.protocol };
  if (config.sip.mode === 'registered' && config.sip.account !== undefined) {
    // The phones register with the PBX; the door calls them there.
    return { registeredAt: config.sip.account.registrar, calls: bellTargets(config).join(','), ...ring };
  }
  const users = config.sip.users;
  // The user the bell calls first, so that the phone registered with the hint is the one that rings.
  const targets = bellTargets(config);
  const user = users.find((u) => targets.includes(u.username)) ?? users[0];
  if (user === undefined) return { addUserIn: configFile, detail: 'no indoor user under sip.users to register a softphone with', ...ring };
  return { register: `${user.username}@${hostPort(listening.host, listening.port)}`, ...protocol, passwordIn: configFile, ...ring };
}

/** A door code: 6 random digits (the simulator's trial code, printed once at first start). */
export function randomDoorCode(): string {
  const raw = new Uint32Array(1);
  globalThis.crypto.getRandomValues(raw);
  return String(raw[0]! % 1_000_000).padStart(6, '0');
}

/** Every target the buttons' plans ring, in order, each once. */
function bellTargets(config: Config): string[] {
  return [...new Set(config.buttons.flatMap((b) => b.plan.flatMap((step) => step.targets)))];
}

function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
