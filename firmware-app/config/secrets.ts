// Write-only secrets of the configuration (SIP passwords, door-code hashes): taken out of what the page reads, and
// kept or hashed when the page writes a section back.

import type { ConfigSection } from '../../provisioning/ports.ts';
import type { Config } from './schema.ts';

/** What the page sees instead of a secret. */
export interface SecretState {
  readonly set: boolean;
}

/** A door code as a digit string typed on a phone (as platform/doorCodeHash.ts takes it). */
const DOOR_CODE = /^[0-9]{1,16}$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Left out, null or `{ "set": … }` as read: the stored secret stays. */
function keepsStored(value: unknown): boolean {
  return value === undefined || value === null || (isRecord(value) && Object.keys(value).length === 1 && typeof value.set === 'boolean');
}

const state = (secret: string | undefined): SecretState => ({ set: secret !== undefined && secret !== '' });

function redactedSip(sip: Config['sip']): unknown {
  const { account, users, ...rest } = sip;
  return {
    ...structuredClone(rest),
    ...(account !== undefined ? { account: { ...structuredClone(account), password: state(account.password) } } : {}),
    users: users.map((user) => ({ username: user.username, password: state(user.password) })),
  };
}

function redactedDoorbell(doorbell: Config['doorbell']): unknown {
  const { doorCodes, ...rest } = doorbell;
  return {
    ...structuredClone(rest),
    doorCodes: doorCodes.map(({ hash, ...code }) => ({ ...structuredClone(code), code: state(hash) })),
  };
}

/** Section `section` as the page may see it: every secret replaced by `{ set }`, a copy the caller may change. */
export function redactSection(config: Config, section: ConfigSection): unknown {
  if (section === 'sip') return redactedSip(config.sip);
  if (section === 'doorbell') return redactedDoorbell(config.doorbell);
  return structuredClone(config[section]);
}

/** The whole configuration without its secrets (for export). */
export function redactConfig(config: Config): Record<string, unknown> {
  return { ...structuredClone(config), sip: redactedSip(config.sip), doorbell: redactedDoorbell(config.doorbell) };
}

/** Replaces one secret found at `path` (`sip.account.password`); undefined leaves the key out. */
export type SecretReplacer = (secret: unknown, path: string) => unknown;

function replaceAt(record: Record<string, unknown>, key: string, path: string, replace: SecretReplacer): void {
  if (record[key] === undefined) return;
  const next = replace(record[key], path);
  if (next === undefined) Reflect.deleteProperty(record, key);
  else record[key] = next;
}

/**
 * A copy of a config-shaped value (the stored Config, or an imported file not checked yet) with every secret present
 * replaced by `replace(secret, path)`. The secrets are `sip.account.password`, `sip.users.<i>.password` and
 * `doorbell.doorCodes.<i>.hash`; whatever is not shaped like a config is copied as it is, for the schema to judge.
 */
export function mapSecrets(value: unknown, replace: SecretReplacer): unknown {
  const next: unknown = structuredClone(value);
  if (!isRecord(next)) return next;
  const { sip, doorbell } = next;
  if (isRecord(sip)) {
    if (isRecord(sip.account)) replaceAt(sip.account, 'password', 'sip.account.password', replace);
    if (Array.isArray(sip.users)) {
      sip.users.forEach((user: unknown, i) => isRecord(user) && replaceAt(user, 'password', `sip.users.${i}.password`, replace));
    }
  }
  if (isRecord(doorbell) && Array.isArray(doorbell.doorCodes)) {
    doorbell.doorCodes.forEach((code: unknown, i) => isRecord(code) && replaceAt(code, 'hash', `doorbell.doorCodes.${i}.hash`, replace));
  }
  return next;
}

/** A section as written, with its secrets put back or hashed; `fields` are problems with them (section-relative). */
export interface MergedSection {
  readonly value: unknown;
  readonly fields: Readonly<Record<string, string>>;
}

function withSipSecrets(value: Record<string, unknown>, stored: Config['sip']): Record<string, unknown> {
  const next = { ...value };
  if (isRecord(value.account)) {
    const { password, ...account } = value.account;
    const kept = keepsStored(password) ? stored.account?.password : password;
    next.account = kept === undefined ? account : { ...account, password: kept };
  }
  if (Array.isArray(value.users)) {
    next.users = value.users.map((user: unknown) => {
      if (!isRecord(user)) return user;
      const { password, ...rest } = user;
      // Matched by username: a renamed user needs its password again.
      const kept = keepsStored(password) ? stored.users.find((u) => u.username === user.username)?.password : password;
      return kept === undefined ? rest : { ...rest, password: kept };
    });
  }
  return next;
}

async function withDoorCodeHashes(value: Record<string, unknown>, stored: Config['doorbell'], hashCode: (code: string) => Promise<string>): Promise<MergedSection> {
  if (!Array.isArray(value.doorCodes)) return { value, fields: {} };
  const fields: Record<string, string> = {};
  const doorCodes: unknown[] = [];
  for (const [i, entry] of (value.doorCodes as unknown[]).entries()) {
    if (!isRecord(entry)) {
      doorCodes.push(entry);
      continue;
    }
    const { code, hash, ...rest } = entry;
    let kept: unknown;
    if (typeof code === 'string' && DOOR_CODE.test(code)) {
      kept = await hashCode(code);
    } else if (!keepsStored(code)) {
      fields[`doorCodes.${i}.code`] = 'a door code is 1 to 16 digits 0-9';
    } else {
      // A hash given as it is (an imported file), else the stored one of the code with this name.
      kept = keepsStored(hash) ? stored.doorCodes.find((c) => c.name === entry.name)?.hash : hash;
      if (kept === undefined) fields[`doorCodes.${i}.code`] = 'enter the code (1 to 16 digits 0-9)';
    }
    doorCodes.push(kept === undefined ? rest : { ...rest, hash: kept });
  }
  return { value: { ...value, doorCodes }, fields };
}

/**
 * Section `section` as the page wrote it, made ready for validation: a secret left out, null or `{ "set": … }` keeps
 * the stored one (indoor users matched by username, door codes by name); door codes given as digits are hashed with
 * `hashCode`. Anything else is passed on for the schema to judge.
 */
export async function withSecrets(section: ConfigSection, value: unknown, stored: Config, hashCode: (code: string) => Promise<string>): Promise<MergedSection> {
  if (section === 'sip' && isRecord(value)) return { value: withSipSecrets(value, stored.sip), fields: {} };
  if (section === 'doorbell' && isRecord(value)) return withDoorCodeHashes(value, stored.doorbell, hashCode);
  return { value, fields: {} };
}
