// The page's own secrets in `<stateDir>/web-auth.json` (0600, directory 0700): the admin password's scrypt hash, or
// before setup the one-time setup code's hash (the code itself in plain in `<stateDir>/setup-code`, 0600), and the
// session secret. Written atomically; nothing here is ever sent to a browser or logged.

import { randomBytes, randomInt } from 'node:crypto';
import { chmod, mkdir, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { brokenName, writeFileAtomic } from '../firmware-app/platform/atomicFile.ts';
import { hashPassword, verifyPassword, type PasswordHashCost, DEFAULT_PASSWORD_COST } from './passwordHash.ts';

/** What web-auth.json holds. */
interface AuthFile {
  readonly version: 1;
  readonly sessionSecret: string;
  readonly passwordHash?: string;
  readonly setupCodeHash?: string;
}

/** Setup codes avoid look-alikes (0/O, 1/I/L) so they can be typed from a terminal or a journal line. */
const CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';

/** A fresh setup code: three groups of four characters from a crypto random source (about 59 bits). */
export function newSetupCode(): string {
  const group = (): string => Array.from({ length: 4 }, () => CODE_ALPHABET[randomInt(CODE_ALPHABET.length)]).join('');
  return `${group()}-${group()}-${group()}`;
}

/** A setup code as typed: case, spaces and dashes do not matter. */
export function normalizeSetupCode(typed: string): string {
  return typed.toUpperCase().replace(/[\s-]/g, '');
}

function isAuthFile(value: unknown): value is AuthFile {
  const v = value as Partial<AuthFile> | null;
  return typeof v === 'object' && v !== null && v.version === 1 && typeof v.sessionSecret === 'string' && v.sessionSecret.length >= 32
    && (v.passwordHash === undefined || typeof v.passwordHash === 'string')
    && (v.setupCodeHash === undefined || typeof v.setupCodeHash === 'string');
}

/** The admin credentials, loaded once at start and changed only through these methods. */
export interface AuthState {
  readonly sessionSecret: string;
  /** True until the owner has chosen a password. */
  readonly setupRequired: boolean;
  /** Where the plain setup code is while setup is pending. */
  readonly setupCodeFile: string;
  verifySetupCode(typed: string): Promise<boolean>;
  verifyPassword(password: string): Promise<boolean>;
  /** Stores a new admin password and ends setup (the setup code file is deleted). */
  setPassword(password: string): Promise<void>;
  /** Forgets the password (factory reset) and returns the new setup code. */
  resetToSetup(): Promise<string>;
}

export interface LoadedAuthState {
  readonly state: AuthState;
  /** The setup code made at this start, when setup is pending. */
  readonly setupCode: string | undefined;
  /** Where an unreadable web-auth.json was moved before setup began again (the caller logs it). */
  readonly unusableKeptAs?: string;
}

/** The file's contents; undefined when there is none; 'unusable' when it is not a web-auth file. */
async function readAuthFile(file: string): Promise<AuthFile | 'unusable' | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return undefined;
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return isAuthFile(parsed) ? parsed : 'unusable';
}

/**
 * Loads web-auth.json, making the directory (0700) and the file on first start. Without a password a fresh setup
 * code is made at every start (the old one may have been seen), its hash saved and the code written to `setup-code`.
 */
export async function loadAuthState(stateDir: string, cost: PasswordHashCost = DEFAULT_PASSWORD_COST): Promise<LoadedAuthState> {
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  await chmod(stateDir, 0o700);
  const file = path.join(stateDir, 'web-auth.json');
  const setupCodeFile = path.join(stateDir, 'setup-code');
  const read = await readAuthFile(file);
  // A damaged file (a power cut on an old card, a hand edit) must not leave the door without its page: it is kept
  // beside for the owner and setup begins again, with a new code only the owner can read (journal, setup-code file).
  let unusableKeptAs: string | undefined;
  if (read === 'unusable') {
    unusableKeptAs = brokenName(file);
    await rename(file, unusableKeptAs);
  }
  let current: AuthFile = read !== undefined && read !== 'unusable' ? read : { version: 1, sessionSecret: randomBytes(32).toString('base64url') };

  const save = async (next: AuthFile): Promise<void> => {
    await writeFileAtomic(file, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600 });
    current = next;
  };
  const startSetup = async (): Promise<string> => {
    const code = newSetupCode();
    const { passwordHash: _dropped, ...rest } = current;
    await save({ ...rest, setupCodeHash: await hashPassword(normalizeSetupCode(code), cost) });
    await writeFileAtomic(setupCodeFile, `${code}\n`, { mode: 0o600 });
    return code;
  };

  let setupCode: string | undefined;
  if (current.passwordHash === undefined) setupCode = await startSetup();
  else await chmod(file, 0o600);

  const state: AuthState = {
    get sessionSecret() {
      return current.sessionSecret;
    },
    get setupRequired() {
      return current.passwordHash === undefined;
    },
    setupCodeFile,
    async verifySetupCode(typed) {
      const hash = current.setupCodeHash;
      return hash !== undefined && current.passwordHash === undefined && (await verifyPassword(normalizeSetupCode(typed), hash));
    },
    async verifyPassword(password) {
      const hash = current.passwordHash;
      return hash !== undefined && (await verifyPassword(password, hash));
    },
    async setPassword(password) {
      const passwordHash = await hashPassword(password, cost);
      const { setupCodeHash: _used, ...rest } = current;
      await save({ ...rest, passwordHash });
      await unlink(setupCodeFile).catch((error: unknown) => {
        if ((error as { code?: unknown }).code !== 'ENOENT') throw error;
      });
    },
    resetToSetup: startSetup,
  };
  return { state, setupCode, ...(unusableKeptAs !== undefined ? { unusableKeptAs } : {}) };
}
