// The Kamailio interop rig: Kamailio as the PBX, the door station run from its command line with a config file
// (bound to 0.0.0.0 like the default config), and baresip as the flat's phone, all on loopback and all stopped
// after each test; plus the checks on what the door put on the wire, as Kamailio received it.

import { expect, onTestFailed, onTestFinished } from 'vitest';
import { type Baresip, startBaresip } from '../../support/baresip.ts';
import { type DoorProcess, startDoor } from '../../support/doorProcess.ts';
import { type Kamailio, type KamailioMessage, startKamailio } from '../../support/kamailio.ts';
import { listenerPort } from '../../support/ports.ts';
import { type TracedMessage, describeFault, wildcardFaults } from '../../support/wire.ts';

export const DOOR_PASSWORD = 'door-Pa55word';
export const FLAT_PASSWORD = 'flat-Pa55word';
export type Protocol = 'udp' | 'tcp' | 'tls';

/** The main's bound for a stop (firmware-app/main.ts STOP_BOUND_MS) plus the time a process takes to exit. */
export const STOP_BOUND_MS = 6000 + 500;

export interface Rig {
  readonly kamailio: Kamailio;
  readonly door: DoorProcess;
  /** baresip registered at Kamailio as `flat`, when asked for. */
  readonly phone?: Baresip;
  readonly phonePort?: number;
}

export interface RigOptions {
  /** The account's transport to Kamailio. */
  readonly transport: Protocol;
  readonly algorithm?: 'MD5' | 'SHA-256';
  /** The longest registration Kamailio grants (s). */
  readonly maxExpires?: number;
  /** Kamailio challenges every request afresh (one-time nonces). */
  readonly oneTimeNonce?: boolean;
  /** Kamailio keeps its location table across a restart. */
  readonly persistentLocation?: boolean;
  /** The account names Kamailio as its outbound proxy and the bare domain as its registrar. */
  readonly outboundProxy?: boolean;
  /** Start baresip as `flat` (auto-answer; hangs up when its tone ends) and wait for its registration. */
  readonly phone?: { readonly toneSeconds: number };
}

/**
 * The door's registered-mode config as a user writes it: the account points at Kamailio; with `outboundProxy`
 * the registrar is the bare domain (`sip:127.0.0.1`, port 5060 where nothing listens) and Kamailio is the proxy.
 */
export function doorConfig(kamailio: Kamailio, transport: Protocol, listenPort: number, outboundProxy = false): object {
  const kamailioUri = `sip:127.0.0.1:${kamailio.ports[transport]}`;
  return {
    sip: {
      mode: 'registered',
      listen: { host: '0.0.0.0', port: listenPort, transports: ['udp', 'tcp'] },
      account: {
        ...(outboundProxy ? { registrar: 'sip:127.0.0.1', outboundProxy: `${kamailioUri};lr` } : { registrar: kamailioUri }),
        transport,
        user: 'door',
        password: DOOR_PASSWORD,
        expires: 60,
        ...(transport === 'tls' ? { tlsCa: kamailio.ca } : {}),
      },
    },
    // The flat's phone (its From user, asserted by Kamailio's auth checks) may call the door and listen in.
    doorbell: { callTargets: ['flat'], incoming: { autoAnswer: [{ from: 'flat' }] } },
  };
}

/** baresip registered at Kamailio (UDP) as `flat`; `commands` run at its start. Stopped when the test finishes. */
export async function startPhone(kamailio: Kamailio, toneSeconds: number, commands: string[] = [], account = `auth_pass=${FLAT_PASSWORD}`): Promise<{ phone: Baresip; port: number }> {
  const port = await listenerPort('127.0.0.1', 2); // baresip binds port + 1 for TLS
  const phone = startBaresip({
    port,
    account: `<sip:flat@127.0.0.1:${kamailio.ports.udp};transport=udp>;${account};answermode=auto;regint=300`,
    toneSeconds,
    commands,
  });
  onTestFinished(() => phone.stop());
  return { phone, port };
}

/** Kamailio, then (if asked) the phone, then the door; on failure the door's log and the SIP transcript are printed. */
export async function startRig(options: RigOptions): Promise<Rig> {
  const kamailio = await startKamailio({
    users: { door: DOOR_PASSWORD, flat: FLAT_PASSWORD },
    ...(options.algorithm !== undefined ? { algorithm: options.algorithm } : {}),
    ...(options.maxExpires !== undefined ? { maxExpires: options.maxExpires } : {}),
    ...(options.oneTimeNonce !== undefined ? { oneTimeNonce: options.oneTimeNonce } : {}),
    ...(options.persistentLocation !== undefined ? { persistentLocation: options.persistentLocation } : {}),
  });
  let phone: { phone: Baresip; port: number } | undefined;
  if (options.phone !== undefined) {
    phone = await startPhone(kamailio, options.phone.toneSeconds);
    await phone.phone.waitFor(/200 OK \([^)]*\) \[1 binding\]/, 10_000);
  }
  const door = startDoor({ simulate: true, config: doorConfig(kamailio, options.transport, await listenerPort('0.0.0.0'), options.outboundProxy === true) });
  onTestFailed(() => {
    const transcript = kamailio.messages().map((m) => `--- ${m.direction} ${m.protocol} ${m.peer}\n${m.text.trimEnd()}`).join('\n');
    console.log(`door log:\n${door.lines().join('\n')}\n\nKamailio messages:\n${transcript.slice(-30_000)}`);
  });
  return { kamailio, door, ...(phone !== undefined ? { phone: phone.phone, phonePort: phone.port } : {}) };
}

/** The door's bindings (Contact URIs) in Kamailio's location table. */
export async function doorBindings(kamailio: Kamailio): Promise<string[]> {
  return (await kamailio.bindings()).filter((b) => b.aor === 'door').map((b) => b.contact);
}

/** Polls Kamailio's location table until the door has a binding; resolves with the milliseconds it took. */
export async function doorBound(kamailio: Kamailio, timeoutMs: number): Promise<number> {
  const started = performance.now();
  for (;;) {
    if ((await doorBindings(kamailio)).length > 0) return performance.now() - started;
    if (performance.now() - started > timeoutMs) throw new Error(`the door had no binding at Kamailio within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Every message Kamailio received from the door (everything it received that the phone did not send). */
export function fromDoor(rig: Rig): KamailioMessage[] {
  const phone = rig.phonePort === undefined ? undefined : `127.0.0.1:${rig.phonePort}`;
  return rig.kamailio.messages().filter((m) => m.direction === 'in' && m.peer !== phone);
}

/**
 * Waits until Kamailio has logged a message from the door that matches (from message index `from` on). Wait for
 * what you assert on: Kamailio's log and the door's log are two pipes, read in no fixed order.
 */
export function doorSent(rig: Rig, match: (m: KamailioMessage) => boolean, what: string, timeoutMs = 5000, from = 0): Promise<KamailioMessage> {
  const phone = rig.phonePort === undefined ? undefined : `127.0.0.1:${rig.phonePort}`;
  return rig.kamailio.waitForMessage((m) => m.direction === 'in' && m.peer !== phone && match(m), what, timeoutMs, from);
}

/** A request of this method that carries digest credentials (Authorization or Proxy-Authorization). */
export const isAuthorized = (method: string) => (m: KamailioMessage): boolean =>
  m.text.startsWith(`${method} `) && /^(Proxy-)?Authorization:/im.test(m.text.slice(0, m.text.indexOf('\r\n\r\n')));

export const startLine = (m: KamailioMessage): string => m.text.slice(0, m.text.indexOf('\r\n'));
export const isRequest = (method: string) => (m: KamailioMessage): boolean => m.text.startsWith(`${method} `);
export const isResponse = (status: number, method: string) => (m: KamailioMessage): boolean =>
  m.text.startsWith(`SIP/2.0 ${status} `) && new RegExp(`^CSeq:\\s*\\d+\\s+${method}\\s*$`, 'mi').test(m.text);

/** The value of the first header field `name` (long form), or undefined. */
export function header(m: KamailioMessage, name: string): string | undefined {
  const end = m.text.indexOf('\r\n\r\n');
  return new RegExp(`^${name}:[ \\t]*(.*)$`, 'mi').exec(end === -1 ? m.text : m.text.slice(0, end))?.[1]?.trim();
}

/** A message Kamailio received, in the shape test/support/wire.ts checks (`received`: the door sent it). */
export function traced(m: KamailioMessage): TracedMessage {
  const end = m.text.indexOf('\r\n\r\n');
  const head = (end === -1 ? m.text : m.text.slice(0, end)).split('\r\n');
  const headers: Array<[string, string]> = [];
  for (const line of head.slice(1)) {
    if (/^[ \t]/.test(line) && headers.length > 0) {
      headers[headers.length - 1]![1] += ` ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon > 0) headers.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
  }
  const body = end === -1 ? [] : m.text.slice(end + 4).split(/\r?\n/);
  return {
    direction: m.direction === 'in' ? 'received' : 'sent',
    remote: `${m.protocol}:${m.peer}`,
    startLine: head[0] ?? '',
    headers,
    sdp: body.filter((line) => /^[a-z]=/.test(line)).join('\n'),
  };
}

/** What every test ends with: the door put only real addresses on the wire (the offending fields when not). */
export function expectRealAddresses(rig: Rig): void {
  const sent = fromDoor(rig);
  expect(sent.length, 'messages from the door to check').toBeGreaterThan(0);
  const faults = sent.flatMap((m) => wildcardFaults(traced(m))).map(describeFault);
  expect(faults, 'header fields the door sent with 0.0.0.0, :: or port 0').toEqual([]);
}
