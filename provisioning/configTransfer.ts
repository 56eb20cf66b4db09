// The configuration export with secrets, and the way back: every secret sealed with AES-256-GCM under a key derived
// from the owner's passphrase (scrypt, random salt), the rest readable JSON (format in provisioning/README.md).

import { createCipheriv, createDecipheriv, randomBytes, scrypt, type ScryptOptions } from 'node:crypto';
import { mapSecrets } from '../firmware-app/config/secrets.ts';
import { ApiError } from './errors.ts';
import type { ConfigStoreApi } from './ports.ts';

/** `format` of an export with encrypted secrets. */
export const EXPORT_FORMAT = 'sip-doorbell-config-export';
export const EXPORT_FORMAT_VERSION = 1;
export const MIN_PASSPHRASE = 10;
export const MAX_PASSPHRASE = 256;

/** The key derivation written into a file; a file's own numbers are read back within READ_LIMITS. */
export interface ScryptParams {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

const WRITE_PARAMS: ScryptParams = { N: 2 ** 15, r: 8, p: 1 };
/** A file may ask for more work than we write, never enough to keep a Pi busy for long or out of memory. */
const READ_LIMITS = { minN: 2 ** 14, maxN: 2 ** 17, maxR: 8, maxP: 4 };
const SALT_BYTES = 16;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const CIPHER = 'aes-256-gcm';

/** What stands in a file instead of a secret. */
export interface SealedSecret {
  readonly encrypted: { readonly iv: string; readonly data: string; readonly tag: string };
}

export interface SealedExport {
  readonly format: typeof EXPORT_FORMAT;
  readonly formatVersion: typeof EXPORT_FORMAT_VERSION;
  readonly exportedAt: string;
  readonly encryption: { readonly kdf: 'scrypt'; readonly N: number; readonly r: number; readonly p: number; readonly salt: string; readonly cipher: typeof CIPHER };
  readonly config: unknown;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function deriveKey(passphrase: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  const options: ScryptOptions = { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scrypt(passphrase.normalize('NFC'), salt, 32, options, (error, key) => (error === null ? resolve(key) : reject(error)));
  });
}

/** A passphrase's problem, or undefined when it may seal an export. */
export function passphraseProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'give a passphrase';
  if ([...value].length < MIN_PASSPHRASE) return `at least ${MIN_PASSPHRASE} characters`;
  if (value.length > MAX_PASSPHRASE) return `at most ${MAX_PASSPHRASE} characters`;
  return undefined;
}

/** The whole configuration with each secret sealed under `passphrase`; each secret's path is its associated data. */
export async function sealExport(store: ConfigStoreApi, passphrase: string, now: Date): Promise<SealedExport> {
  const salt = randomBytes(SALT_BYTES);
  const key = await deriveKey(passphrase, salt, WRITE_PARAMS);
  const config = store.exportSealed((secret, path): SealedSecret => {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(CIPHER, key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(path, 'utf8'));
    const data = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return { encrypted: { iv: iv.toString('base64'), data: data.toString('base64'), tag: cipher.getAuthTag().toString('base64') } };
  });
  return {
    format: EXPORT_FORMAT, formatVersion: EXPORT_FORMAT_VERSION, exportedAt: now.toISOString(),
    encryption: { kdf: 'scrypt', ...WRITE_PARAMS, salt: salt.toString('base64'), cipher: CIPHER },
    config,
  };
}

function isSealed(value: unknown): value is SealedSecret {
  return isRecord(value) && Object.keys(value).length === 1 && isRecord(value.encrypted);
}

const badFile = (message: string): ApiError => new ApiError(400, 'BAD_EXPORT', message);

function base64(value: unknown, bytes?: number): Buffer {
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) throw badFile('an encrypted secret is damaged');
  const buffer = Buffer.from(value, 'base64');
  if (bytes !== undefined && buffer.length !== bytes) throw badFile('an encrypted secret is damaged');
  return buffer;
}

/** The file's scrypt numbers, checked against READ_LIMITS. */
function paramsOf(encryption: unknown): { readonly params: ScryptParams; readonly salt: Buffer } {
  if (!isRecord(encryption) || encryption.kdf !== 'scrypt' || encryption.cipher !== CIPHER) throw badFile('the file names an encryption this version does not know');
  const { N, r, p } = encryption;
  const whole = (n: unknown, min: number, max: number): n is number => typeof n === 'number' && Number.isInteger(n) && n >= min && n <= max;
  if (!whole(N, READ_LIMITS.minN, READ_LIMITS.maxN) || (N & (N - 1)) !== 0 || !whole(r, 1, READ_LIMITS.maxR) || !whole(p, 1, READ_LIMITS.maxP)) {
    throw badFile('the file\'s key derivation numbers are out of range');
  }
  return { params: { N, r, p }, salt: base64(encryption.salt, SALT_BYTES) };
}

/**
 * The configuration to import from what the page sent: an export with encrypted secrets (opened with `passphrase`),
 * or a plain configuration (`GET /api/export`'s, secrets left out). Throws ApiError: `PASSPHRASE_REQUIRED`,
 * `WRONG_PASSPHRASE` (or a changed file: GCM cannot tell them apart), `BAD_EXPORT`.
 */
export async function openExport(file: unknown, passphrase: string | undefined): Promise<unknown> {
  if (!isRecord(file) || file.format !== EXPORT_FORMAT) {
    let sealed = false;
    mapSecrets(file, (secret) => {
      sealed ||= isSealed(secret);
      return secret;
    });
    if (sealed) throw badFile('encrypted secrets in a file that is not an encrypted export');
    return file;
  }
  if (file.formatVersion !== EXPORT_FORMAT_VERSION) throw badFile(`export format version ${String(file.formatVersion)} is not one this version reads (${EXPORT_FORMAT_VERSION})`);
  if (!isRecord(file.config)) throw badFile('the file holds no configuration');
  const { params, salt } = paramsOf(file.encryption);
  const paths: string[] = [];
  mapSecrets(file.config, (secret, path) => {
    if (isSealed(secret)) paths.push(path);
    return secret;
  });
  if (paths.length === 0) return file.config;
  if (passphrase === undefined || passphrase === '') {
    throw new ApiError(400, 'PASSPHRASE_REQUIRED', 'the file\'s passwords and door codes are encrypted: give the passphrase it was exported with', { fields: { passphrase: 'required for this file' } });
  }
  const key = await deriveKey(passphrase, salt, params);
  return mapSecrets(file.config, (secret, path) => {
    if (!isSealed(secret)) return secret;
    const iv = base64(secret.encrypted.iv, IV_BYTES);
    const tag = base64(secret.encrypted.tag, TAG_BYTES);
    const data = base64(secret.encrypted.data);
    try {
      const decipher = createDecipheriv(CIPHER, key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(path, 'utf8'));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(data), decipher.final()]).toString('utf8');
    } catch {
      throw new ApiError(400, 'WRONG_PASSPHRASE', 'the passphrase does not open this file (or the file was changed); nothing was imported', { fields: { passphrase: 'not the passphrase of this export' } });
    }
  });
}
