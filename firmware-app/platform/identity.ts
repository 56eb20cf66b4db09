// The device's stable SIP identity, kept in the state directory: the Contact token and the instance id.

import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface Identity {
  /** Unguessable Contact user: only requests to it are accepted from the registrar (ghost calls). */
  readonly contactUser: string;
  /** RFC 5626 `+sip.instance`, `urn:uuid:…`. */
  readonly instanceId: string;
}

/** Reads `identity.json` from `dir`, creating it (mode 0600) on first start or when unreadable. */
export function loadIdentity(dir: string): Identity {
  const file = path.join(dir, 'identity.json');
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<Identity>;
    if (typeof parsed.contactUser === 'string' && /^[a-z0-9-]{12,64}$/.test(parsed.contactUser) &&
      typeof parsed.instanceId === 'string' && /^urn:uuid:[0-9a-f-]{36}$/.test(parsed.instanceId)) {
      return { contactUser: parsed.contactUser, instanceId: parsed.instanceId };
    }
  } catch {
    // absent or corrupt: make a new one below
  }
  const identity: Identity = { contactUser: `door-${randomBytes(10).toString('hex')}`, instanceId: `urn:uuid:${randomUUID()}` };
  writePrivate(file, `${JSON.stringify(identity, null, 2)}\n`);
  return identity;
}

/** Writes a file only its owner can read, atomically (temp file, rename). */
export function writePrivate(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.tmp-${process.pid}`;
  writeFileSync(temp, text, { mode: 0o600 });
  renameSync(temp, file);
}
