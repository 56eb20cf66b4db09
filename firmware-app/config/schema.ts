// The configuration schema: one source of truth for types, validation and defaults (zod).

import { z } from 'zod';

const token = z.string().regex(/^[A-Za-z0-9.!%*_+`'~-]+$/, 'letters, digits and -.!%*_+`\'~ only');
const hostOrUri = z.string().min(1).max(255).regex(/^[^\s<>"]+$/, 'no spaces, <, > or quotes');
const protocol = z.enum(['udp', 'tcp', 'tls']);

export const AccountSchema = z.object({
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
  /** With transport `tls`: trust these CA certificates (PEM) instead of the system ones. */
  tlsCa: z.string().regex(/-----BEGIN CERTIFICATE-----/, 'a PEM certificate').max(65536).optional(),
  /** With transport `tls`: also require this SHA-256 fingerprint of the server certificate. */
  tlsPinSha256: z.string().regex(/^([0-9A-Fa-f]{2}:?){31}[0-9A-Fa-f]{2}$/, '64 hex digits').optional(),
});

export const IndoorUserSchema = z.object({
  username: token,
  password: z.string().min(8, 'at least 8 characters').max(256),
});

export const SipSchema = z.object({
  /** `standalone`: the door station is the registrar for the indoor phones; `registered`: it registers with a PBX. */
  mode: z.enum(['standalone', 'registered']).default('standalone'),
  listen: z.object({
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

export const ConfigSchema = z.object({
  version: z.literal(1).default(1),
  sip: SipSchema.prefault({}),
  doorbell: z.object({
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

/** Field errors, one line each (`sip.account.password: Required`), never the values themselves. */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
}
