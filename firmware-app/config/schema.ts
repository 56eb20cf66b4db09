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

export const ConfigSchema = z.strictObject({
  version: z.literal(1).default(1),
  sip: SipSchema.prefault({}),
  media: MediaSchema.prefault({}),
  audio: AudioSchema.prefault({}),
  doorbell: z.strictObject({
    /** Who the bell button calls: local user names (standalone) or numbers/URIs (registered). */
    callTargets: z.array(z.string().min(1).max(255)).min(1).default(['flat']),
  }).prefault({}),
}).superRefine((config, issue) => {
  if (config.sip.mode === 'registered' && config.sip.account === undefined) {
    issue.addIssue({ code: 'custom', path: ['sip', 'account'], message: 'registered mode needs an account' });
  }
});

export type Config = z.infer<typeof ConfigSchema>;
export type AccountConfig = z.infer<typeof AccountSchema>;

/** The keys the schema knows at `path` (array indexes step into elements), or none when it is no object there. */
function knownKeys(path: readonly PropertyKey[]): string[] {
  let schema: z.ZodType = ConfigSchema;
  for (let i = 0; ; ) {
    if (schema instanceof z.ZodOptional || schema instanceof z.ZodDefault || schema instanceof z.ZodPrefault) {
      schema = schema.unwrap() as z.ZodType;
    } else if (i === path.length) {
      return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
    } else if (schema instanceof z.ZodArray && typeof path[i] === 'number') {
      schema = schema.element as z.ZodType;
      i++;
    } else if (schema instanceof z.ZodObject && typeof path[i] === 'string' && Object.hasOwn(schema.shape, path[i] as string)) {
      schema = schema.shape[path[i] as string] as z.ZodType;
      i++;
    } else {
      return [];
    }
  }
}

/** Levenshtein distance, for "did you mean": config keys are short, so the quadratic table is nothing. */
function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    row = next;
  }
  return row[b.length]!;
}

/** The known key a misspelt one most likely meant (same letters in another case, or at most two edits away). */
function likelyMeant(key: string, known: readonly string[]): string | undefined {
  const sameLetters = known.find((k) => k.toLowerCase() === key.toLowerCase());
  if (sameLetters !== undefined) return sameLetters;
  let best: string | undefined;
  let bestDistance = 3;
  for (const k of known) {
    const d = editDistance(key.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best;
}

function describePath(path: readonly PropertyKey[]): string {
  return path.map(String).join('.') || '(root)';
}

/**
 * Field errors, one line each (`sip.account.password: Required`, `sip.account.tlsCA: unknown key (did you mean
 * tlsCa?)`), never the values themselves.
 */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.flatMap((i) => {
    if (i.code !== 'unrecognized_keys') return [`${describePath(i.path)}: ${i.message}`];
    const known = knownKeys(i.path);
    return i.keys.map((key) => {
      const meant = likelyMeant(key, known);
      return `${describePath([...i.path, key])}: unknown key${meant === undefined ? '' : ` (did you mean ${meant}?)`}`;
    });
  });
}
