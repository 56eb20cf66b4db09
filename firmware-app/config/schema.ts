// The configuration schema: one source of truth for types, validation and defaults (zod). Every object is strict: a
// misspelt key (`tlsCA`) is an error naming it, never a setting silently left at its default.

import { z } from 'zod';
import { SHA256_PIN_FORMAT, normalizeSha256Pin } from '../sip/transport/tlsPin.ts';

const token = z.string().regex(/^[A-Za-z0-9.!%*_+`'~-]+$/, 'letters, digits and -.!%*_+`\'~ only');
const hostOrUri = z.string().min(1).max(255).regex(/^[^\s<>"]+$/, 'no spaces, <, > or quotes');
const protocol = z.enum(['udp', 'tcp', 'tls']);

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;

/** Does this text hold at least one PEM certificate block? */
export function holdsPemCertificate(text: string): boolean {
  return PEM_CERTIFICATE.test(text);
}

/**
 * What a `tlsCa` value is: PEM text when it holds a PEM armour line, else the path of a PEM file (relative paths
 * are relative to the config file; main.ts reads it, config/ does no I/O).
 */
export function tlsCaSource(value: string): { readonly pem: string } | { readonly file: string } {
  return value.includes('-----BEGIN') ? { pem: value } : { file: value };
}

const tlsCa = z.string().min(1).max(65536).superRefine((value, issue) => {
  const source = tlsCaSource(value);
  if ('pem' in source) {
    if (!holdsPemCertificate(source.pem)) issue.addIssue({ code: 'custom', message: 'PEM text without a certificate (-----BEGIN CERTIFICATE-----)' });
  } else if (source.file.length > 4096 || /\p{Cc}/u.test(source.file)) {
    issue.addIssue({ code: 'custom', message: 'PEM text (-----BEGIN CERTIFICATE-----…) or the path of a PEM file' });
  }
});

export const AccountSchema = z.strictObject({
  /** Registrar URI or host (`sip:pbx.example.org`, `fritz.box`, `192.168.178.1`). */
  registrar: hostOrUri,
  backupRegistrar: hostOrUri.optional(),
  outboundProxy: hostOrUri.optional(),
  transport: protocol.optional(),
  /** The AOR's user part (`door`, a FRITZ!Box IP phone user, an extension number). */
  user: token,
  /** Digest user name when it differs from `user`. */
  authUser: token.optional(),
  password: z.string().min(1).max(256),
  /** Only challenges for this realm are answered when set. */
  realm: z.string().max(255).optional(),
  expires: z.number().int().min(60).max(86400).default(600),
  /** With transport `tls`: trust these CA certificates instead of the system ones: PEM text, or a PEM file's path. */
  tlsCa: tlsCa.optional(),
  /** With transport `tls`: also require this SHA-256 fingerprint of the server certificate (read as tls.ts reads it). */
  tlsPinSha256: z.string().refine((pin) => normalizeSha256Pin(pin) !== undefined, SHA256_PIN_FORMAT).optional(),
});

export const IndoorUserSchema = z.strictObject({
  username: token,
  password: z.string().min(8, 'at least 8 characters').max(256),
});

export const SipSchema = z.strictObject({
  /** `standalone`: the door station is the registrar for the indoor phones; `registered`: it registers with a PBX. */
  mode: z.enum(['standalone', 'registered']).default('standalone'),
  listen: z.strictObject({
    host: z.string().default('0.0.0.0'),
    // 0 picks a free port (tests); a door station uses 5060.
    port: z.number().int().min(0).max(65535).default(5060),
    transports: z.array(z.enum(['udp', 'tcp'])).min(1).default(['udp', 'tcp']),
  }).prefault({}), // absent: parsed as `{}`, so the defaults above apply (each stated once)
  /** Domain of our AOR in standalone mode (and the realm of its challenges). */
  domain: z.string().min(1).max(255).default('doorbell.local'),
  displayName: z.string().max(64).regex(/^[^"\\\r\n]*$/, 'no quotes or line breaks').default('Door'),
  account: AccountSchema.optional(),
  users: z.array(IndoorUserSchema).max(16).default([]),
  /** Direct calls without a registrar, only from these IP addresses. */
  peerAllowList: z.array(z.string().regex(/^[0-9A-Fa-f.:]+$/, 'an IP address')).max(32).default([]),
});

const codecName = z.enum(['PCMU', 'PCMA', 'G722']);

export const MediaSchema = z.strictObject({
  /** Codecs in our order of preference. G.711 first: FRITZ!Box users report G.722 trouble. */
  codecs: z.array(codecName).min(1).max(3).refine((list) => new Set(list).size === list.length, 'each codec once').default(['PCMU', 'PCMA', 'G722']),
  /** SDES-SRTP: `optional` offers it when signalling runs over TLS and accepts it when offered; `required` insists. */
  srtp: z.enum(['off', 'optional', 'required']).default('optional'),
  /** RTP/RTCP ports: each call binds an even port and the one above it from this range. */
  rtpPorts: z.strictObject({
    min: z.number().int().min(1024).max(65534).default(10000),
    max: z.number().int().min(1025).max(65535).default(10999),
  }).prefault({}).refine((range) => range.max - range.min >= 3, 'the range needs at least two port pairs (max - min >= 3)'),
  /** Seconds without RTP from the far end (not on hold) that end a call; 0 never ends one. */
  rtpTimeoutSec: z.number().int().min(0).max(3600).default(30),
});

const device = z.string().min(1).max(128).regex(/^[A-Za-z0-9_:,.=-]+$/, 'an ALSA device name such as plughw:1,0 or default');

export const AudioSchema = z.strictObject({
  microphone: z.strictObject({
    /** ALSA capture device; the system default when absent. */
    device: device.optional(),
    /** Linear gain, 1 = unchanged. */
    gain: z.number().min(0).max(8).default(1),
  }).prefault({}),
  speaker: z.strictObject({
    device: device.optional(),
    /** Linear volume, 1 = unchanged. */
    volume: z.number().min(0).max(8).default(1),
  }).prefault({}),
});

const id = z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, '1 to 32 letters, digits, - or _');
/** A BCM GPIO number (the numbers on pinout.xyz, not the physical pin numbers). */
const bcmPin = z.number().int().min(0).max(53);
const clockTime = z.string().regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, 'a time as HH:MM (00:00 to 24:00)');
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

/** One weekly window: on these days from `from` to `to` (local time); `to` before `from` runs past midnight. */
export const TimeWindowSchema = z.strictObject({
  days: z.array(z.enum(WEEKDAYS)).min(1).max(7),
  from: clockTime,
  to: clockTime,
}).refine((w) => w.from !== w.to, 'from and to must differ');

export const GpioSchema = z.strictObject({
  /** `sysfs` (onoff), `chardev` (gpiomon/gpioset of the gpiod package) or `auto`: what works here, logged at start. */
  driver: z.enum(['auto', 'sysfs', 'chardev']).default('auto'),
  /** The GPIO chip's label (`pinctrl-bcm2711`, `pinctrl-rp1`); absent: the Pi's main chip is found by its label. */
  chip: z.string().min(1).max(64).regex(/^[A-Za-z0-9_.,:-]+$/, 'a chip label such as pinctrl-bcm2711').optional(),
}).prefault({});

/** One step of a button's routing plan: ring these targets in parallel for `ringSec`, then the next step. */
export const RoutingStepSchema = z.strictObject({
  /** Built-in registrar users (standalone) or numbers / SIP URIs (through the PBX). */
  targets: z.array(z.string().min(1).max(255)).min(1).max(8),
  ringSec: z.number().int().min(5).max(600).default(30),
  /** Name of a schedule in `schedules`: the step is skipped outside it. */
  schedule: id.optional(),
});

export const ButtonSchema = z.strictObject({
  id,
  /** BCM GPIO number; needed on a device, ignored by the simulator. */
  pin: bcmPin.optional(),
  /** The button pulls the pin to ground when pressed (the usual wiring, with the internal pull-up). */
  activeLow: z.boolean().default(true),
  plan: z.array(RoutingStepSchema).max(8),
});

export const RelaySchema = z.strictObject({
  id,
  pin: bcmPin.optional(),
  activeLow: z.boolean().default(false),
  /** The longest pulse this relay ever gets, enforced in the HAL (at most 30 s). */
  maxPulseMs: z.number().int().min(50).max(30000).default(10000),
});

export const LedSchema = z.strictObject({
  id,
  pin: bcmPin.optional(),
  activeLow: z.boolean().default(false),
});

/** `scrypt$<log2 N>$<r>$<p>$<salt, base64>$<key, base64>`, made by `sip-doorbell --hash-door-code`. */
export const DOOR_CODE_HASH = /^scrypt\$(1[0-9]|20)\$([1-9]|1[0-6])\$([1-4])\$[A-Za-z0-9+/]{16,88}={0,2}\$[A-Za-z0-9+/]{22,88}={0,2}$/;

/** The most memory one door-code check may take (128 · r · N bytes): a Pi Zero has 512 MiB for everything. */
export const MAX_SCRYPT_MEMORY = 64 * 1024 * 1024;

/** Bytes scrypt needs to check against `hash` (its N and r), or Infinity for something else. */
export function scryptMemory(hash: string): number {
  const [, log2N, r] = hash.split('$');
  return log2N === undefined || r === undefined ? Number.POSITIVE_INFINITY : 128 * Number(r) * 2 ** Number(log2N);
}

export const DoorCodeSchema = z.strictObject({
  /** A name for logs and the event log (`family`, `parcel`); never the code. */
  name: id,
  hash: z.string().regex(DOOR_CODE_HASH, 'a hash made by sip-doorbell --hash-door-code (scrypt$…), never the code itself')
    .refine((hash) => scryptMemory(hash) <= MAX_SCRYPT_MEMORY, 'scrypt parameters needing more than 64 MiB per check (a Pi cannot afford them)'),
  relay: id.default('door'),
  pulseMs: z.number().int().min(50).max(30000).default(3000),
  schedule: id.optional(),
});

export const DoorbellSchema = z.strictObject({
  /** Legacy shorthand for button 1's plan (one step ringing these targets); use `buttons[].plan` instead. */
  callTargets: z.array(z.string().min(1).max(255)).min(1).max(8).optional(),
  /** IANA time zone for schedules (`Europe/Berlin`); absent: the system's. */
  timeZone: z.string().min(1).max(64).refine(isTimeZone, 'an IANA time zone such as Europe/Berlin').optional(),
  /** Edges within this time of the last accepted one are bounces. */
  debounceMs: z.number().int().min(10).max(500).default(40),
  /** A call ends after this long; `warnBeforeSec` earlier the visitor and the flat hear a warning tone. 0: no limit. */
  maxCallSec: z.number().int().min(0).max(7200).default(300),
  warnBeforeSec: z.number().int().min(0).max(120).default(15),
  /** The house's existing gong on a relay, pulsed on every press, whatever SIP does. */
  chime: z.strictObject({ relay: id, pulseMs: z.number().int().min(50).max(5000).default(500) }).optional(),
  doorCodes: z.array(DoorCodeSchema).max(32).default([]),
  codeEntry: z.strictObject({
    /** Wrong codes in one call before the door hangs up. */
    maxWrongPerCall: z.number().int().min(1).max(10).default(3),
    /** Wrong codes in a row (over all calls) that lock code entry for `lockMinutes`. */
    lockAfterWrong: z.number().int().min(1).max(100).default(6),
    lockMinutes: z.number().int().min(1).max(1440).default(15),
    /** A code is taken after `#`, or after this pause following its last digit. */
    submitAfterMs: z.number().int().min(1000).max(30000).default(4000),
  }).prefault({}),
  incoming: z.strictObject({
    /** Callers answered at once ("listen in at the door"): a built-in user's name, or a SIP URI / its user part. */
    autoAnswer: z.array(z.strictObject({ from: z.string().min(1).max(255), schedule: id.optional() })).max(32).default([]),
    /** Everyone else: `reject` (603), or `ring` at the door until a bell button is pressed (answers) or `ringSec` passes. */
    others: z.enum(['reject', 'ring']).default('reject'),
    ringSec: z.number().int().min(5).max(600).default(30),
    /** A tone at the door when an auto-answered call starts and every `everySec` while it lasts (0: only at the start). */
    listeningTone: z.strictObject({ enabled: z.boolean().default(true), everySec: z.number().int().min(0).max(3600).default(60) }).prefault({}),
  }).prefault({}),
  eventLog: z.strictObject({ maxEntries: z.number().int().min(10).max(10000).default(500) }).prefault({}),
});

/** Can Intl use this time zone? */
function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export const WebSchema = z.strictObject({
  /**
   * Where the configuration page listens: `http://<address>:<port>` or `https://…` (a certificate made on first start).
   * Absent: `http://127.0.0.1:8080` in the simulator, `http://0.0.0.0:8080` on a device. Port 0 picks a free port.
   */
  listen: z.string().regex(/^https?:\/\/(\[[0-9A-Fa-f:.]+\]|[0-9.]+|localhost):\d{1,5}\/?$/, 'http://address:port or https://address:port').optional(),
}).prefault({});

/** The config as written, before the cross-checks and the legacy resolution (field-error wording walks it). */
export const ConfigObject = z.strictObject({
  version: z.literal(1).default(1),
  sip: SipSchema.prefault({}),
  media: MediaSchema.prefault({}),
  audio: AudioSchema.prefault({}),
  gpio: GpioSchema,
  /** Bell buttons, each with its routing plan; absent: button `1` ringing `doorbell.callTargets` or every indoor user. */
  buttons: z.array(ButtonSchema).min(1).max(16).optional(),
  relays: z.array(RelaySchema).max(8).default([{ id: 'door', activeLow: false, maxPulseMs: 10000 }]),
  leds: z.array(LedSchema).max(8).default([{ id: 'status', activeLow: false }]),
  /** Named weekly schedules that routing steps, door codes and auto-answer entries refer to. */
  schedules: z.record(id, z.array(TimeWindowSchema).min(1).max(14)).default({}),
  doorbell: DoorbellSchema.prefault({}),
  web: WebSchema,
});

type ConfigInput = z.output<typeof ConfigObject>;

/** The plan of each button, with the legacy `doorbell.callTargets` and the defaults resolved. */
function resolvedButtons(config: ConfigInput): z.output<typeof ButtonSchema>[] {
  if (config.buttons !== undefined) return config.buttons;
  const targets = config.doorbell.callTargets
    ?? (config.sip.mode === 'standalone' ? config.sip.users.map((u) => u.username) : []);
  return [{ id: '1', activeLow: true, plan: targets.length > 0 ? [{ targets: targets.slice(0, 8), ringSec: 30 }] : [] }];
}

/** Cross-field rules: every reference names something that exists, ids and pins are unique. */
function crossCheck(config: ConfigInput, issue: z.core.$RefinementCtx<ConfigInput>): void {
  const add = (path: PropertyKey[], message: string): void => issue.addIssue({ code: 'custom', path, message });
  if (config.sip.mode === 'registered' && config.sip.account === undefined) add(['sip', 'account'], 'registered mode needs an account');
  if (config.buttons !== undefined && config.doorbell.callTargets !== undefined) {
    add(['doorbell', 'callTargets'], 'give either buttons[].plan or the older doorbell.callTargets, not both');
  }
  const schedules = new Set(Object.keys(config.schedules));
  const users = new Set(config.sip.users.map((u) => u.username));
  const standalone = config.sip.mode === 'standalone';
  const checkSchedule = (name: string | undefined, path: PropertyKey[]): void => {
    if (name !== undefined && !schedules.has(name)) add(path, `no schedule named ${name} under schedules`);
  };
  const checkTarget = (target: string, path: PropertyKey[]): void => {
    if (standalone && !target.includes(':') && !target.includes('@') && !users.has(target)) add(path, `no indoor user ${target} under sip.users`);
  };
  unique(config.buttons?.map((b) => b.id) ?? [], ['buttons'], add);
  unique(config.relays.map((r) => r.id), ['relays'], add);
  unique(config.leds.map((l) => l.id), ['leds'], add);
  const pins = [...(config.buttons ?? []), ...config.relays, ...config.leds].flatMap((p) => (p.pin === undefined ? [] : [String(p.pin)]));
  if (new Set(pins).size !== pins.length) add([], 'each GPIO pin may be used once among buttons, relays and leds');
  config.buttons?.forEach((button, b) => button.plan.forEach((step, s) => {
    checkSchedule(step.schedule, ['buttons', b, 'plan', s, 'schedule']);
    step.targets.forEach((target, t) => checkTarget(target, ['buttons', b, 'plan', s, 'targets', t]));
  }));
  config.doorbell.callTargets?.forEach((target, t) => checkTarget(target, ['doorbell', 'callTargets', t]));
  config.doorbell.doorCodes.forEach((code, c) => {
    checkSchedule(code.schedule, ['doorbell', 'doorCodes', c, 'schedule']);
    const relay = config.relays.find((r) => r.id === code.relay);
    if (relay === undefined) add(['doorbell', 'doorCodes', c, 'relay'], `no relay ${code.relay} under relays`);
    else if (code.pulseMs > relay.maxPulseMs) add(['doorbell', 'doorCodes', c, 'pulseMs'], `longer than relay ${relay.id}'s maxPulseMs (${relay.maxPulseMs})`);
  });
  unique(config.doorbell.doorCodes.map((c) => c.name), ['doorbell', 'doorCodes'], add);
  const chime = config.doorbell.chime;
  if (chime !== undefined) {
    const relay = config.relays.find((r) => r.id === chime.relay);
    if (relay === undefined) add(['doorbell', 'chime', 'relay'], `no relay ${chime.relay} under relays`);
    else if (chime.pulseMs > relay.maxPulseMs) add(['doorbell', 'chime', 'pulseMs'], `longer than relay ${relay.id}'s maxPulseMs (${relay.maxPulseMs})`);
    // Every press pulses the chime: on a door code's relay, every visitor would open the door.
    if (config.doorbell.doorCodes.some((code) => code.relay === chime.relay)) add(['doorbell', 'chime', 'relay'], `relay ${chime.relay} opens the door (a door code uses it): the chime needs a relay of its own`);
  }
  const { maxCallSec, warnBeforeSec } = config.doorbell;
  if (maxCallSec > 0 && warnBeforeSec >= maxCallSec) add(['doorbell', 'warnBeforeSec'], `must be shorter than maxCallSec (${maxCallSec})`);
  config.doorbell.incoming.autoAnswer.forEach((entry, e) => {
    const path = ['doorbell', 'incoming', 'autoAnswer', e];
    checkSchedule(entry.schedule, [...path, 'schedule']);
    checkTarget(entry.from, [...path, 'from']);
    // Standalone: only the user a phone authenticated as is known; a From URI is whatever the caller wrote.
    if (standalone && (entry.from.includes(':') || entry.from.includes('@'))) add([...path, 'from'], 'in standalone mode name a built-in user (a From URI can be forged by any caller)');
  });
}

function unique(ids: readonly string[], path: PropertyKey[], add: (path: PropertyKey[], message: string) => void): void {
  const seen = new Set<string>();
  for (const value of ids) {
    if (seen.has(value)) add(path, `id ${value} is used twice`);
    seen.add(value);
  }
}

export const ConfigSchema = ConfigObject.superRefine(crossCheck).transform((config) => {
  const { callTargets: _legacy, ...doorbell } = config.doorbell;
  return { ...config, buttons: resolvedButtons(config), doorbell };
});

export type Config = z.output<typeof ConfigSchema>;

/**
 * Field errors for a device (not the simulator): a relay a door code or the chime uses needs a pin, or the code
 * would be accepted and nothing would open. (A button or LED without a pin is only left unwired, with a warning.)
 */
export function deviceIssues(config: Config): string[] {
  const used = new Set([...config.doorbell.doorCodes.map((c) => c.relay), ...(config.doorbell.chime !== undefined ? [config.doorbell.chime.relay] : [])]);
  return config.relays.flatMap((relay, i) => (used.has(relay.id) && relay.pin === undefined
    ? [`relays.${i}.pin: relay ${relay.id} is used by ${config.doorbell.chime?.relay === relay.id ? 'the chime' : 'a door code'} but has no pin (a BCM GPIO number)`]
    : []));
}
export type ButtonConfig = Config['buttons'][number];
export type RoutingStep = ButtonConfig['plan'][number];
export type DoorCodeConfig = Config['doorbell']['doorCodes'][number];
export type TimeWindow = z.output<typeof TimeWindowSchema>;
export type Schedules = Config['schedules'];
export type AccountConfig = z.infer<typeof AccountSchema>;
