// The file side of the configuration store: the config file and its `.bak` read from disk, saves through
// writeFileAtomic (temp file, fsync, rename, fsync of the directory, the old file kept as `.bak`), mode 0600; an
// unusable file moved aside to `<name>.broken-<time>` before the first save would replace it.

import { readFileSync } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import path from 'node:path';
import type { ConfigSection } from '../../provisioning/ports.ts';
import { type Config, deviceIssues } from '../config/schema.ts';
import { type CompleteResult, ConfigStore, type ConfigStoreFiles, type PrepareResult } from '../config/store.ts';
import { DoorbellError, errorMessage } from '../errors.ts';
import { brokenName, writeFileAtomic } from './atomicFile.ts';
import { readTlsCa } from './configFile.ts';
import type { Logger } from './Logger.ts';

/** No such file: ENOENT, or ENOTDIR when a part of the path is a file (nothing can be there either). */
function isMissing(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/**
 * `file` and `<file>.bak` on disk. The first save makes a missing directory (0700: the file holds secrets); a save
 * that cannot write says which file and why (`CONFIG_NOT_SAVED`), and the running configuration stays as it was.
 */
export function configStoreFiles(file: string): ConfigStoreFiles {
  const backup = `${file}.bak`;
  const notSaved = (error: unknown): never => {
    throw new DoorbellError('CONFIG_NOT_SAVED', `cannot save the configuration to ${file}: ${errorMessage(error)}`, { cause: error });
  };
  return {
    names: { file, backup },
    read(which) {
      try {
        return readFileSync(which === 'file' ? file : backup, 'utf8');
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw error;
      }
    },
    async write(text, options) {
      try {
        await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
        await writeFileAtomic(file, text, { mode: 0o600, keepBackup: options.keepBackup });
      } catch (error) {
        notSaved(error);
      }
    },
    async setAside(which) {
      const name = which === 'file' ? file : backup;
      const kept = brokenName(name, new Date());
      try {
        await rename(name, kept);
      } catch (error) {
        if (isMissing(error)) return undefined;
        notSaved(error);
      }
      return kept;
    },
  };
}

/**
 * Before a save: a `tlsCa` path must name a readable PEM file (the applied config carries its text), and on a device
 * every relay a door code or the chime uses needs a pin, else the next start would refuse the file.
 */
export function configPreparer(file: string, device: boolean): (config: Config) => PrepareResult {
  return (config) => {
    const fields: Record<string, string> = {};
    for (const issue of device ? deviceIssues(config) : []) {
      const colon = issue.indexOf(': ');
      fields[issue.slice(0, colon)] = issue.slice(colon + 2);
    }
    const read = readTlsCa(config, file);
    if (!read.ok) {
      fields['sip.account.tlsCa'] = read.error !== undefined ? `cannot read ${read.caFile} (${read.error})` : `${read.caFile} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`;
    }
    return read.ok && Object.keys(fields).length === 0 ? { ok: true, config: read.config } : { ok: false, fields };
  };
}

export interface OpenConfigStoreOptions {
  /** Hashes door codes the page sends as digits (createScryptCodeHasher()). */
  readonly hasher: { hash(code: string): Promise<string> };
  readonly logger: Logger;
  /** After each save: the config to apply (tlsCa read) and the sections that changed (all of them on a reset). */
  readonly onChange: (next: Config, changed: readonly ConfigSection[]) => void;
  /** The configuration a factory reset writes. */
  readonly factory: () => unknown;
  /** A device, not the simulator: saves that leave a door code's relay without a pin are refused. */
  readonly device?: boolean;
}

export type OpenConfigStoreResult = { readonly ok: true; readonly store: ConfigStore; readonly config: Config } | { readonly ok: false };

/** A `tlsCa` path that names no readable PEM file makes a configuration unusable at start (the next one is tried). */
function tlsCaCompleter(file: string): (config: Config) => CompleteResult {
  return (config) => {
    const read = readTlsCa(config, file);
    if (read.ok) return read;
    return { ok: false, problem: read.error !== undefined ? `sip.account.tlsCa: cannot read ${read.caFile} (${read.error})` : `sip.account.tlsCa: ${read.caFile} holds no PEM certificate (-----BEGIN CERTIFICATE-----)` };
  };
}

/**
 * Opens the store on `file`: the file, else `<file>.bak`, else the factory configuration in memory (see
 * ConfigStore.open), with the CA file a `tlsCa` path names read. On a device, a door code's or the chime's relay
 * without a pin is a problem the status lists, not a reason to stop: the bell still rings. Not ok only when the
 * factory configuration itself is invalid (our bug; logged).
 */
export function openConfigStore(file: string, options: OpenConfigStoreOptions): OpenConfigStoreResult {
  const { hasher, logger, onChange, factory } = options;
  const device = options.device === true;
  const opened = ConfigStore.open({
    files: configStoreFiles(file),
    hashCode: (code) => hasher.hash(code),
    logger,
    onChange,
    factory,
    prepare: configPreparer(file, device),
    complete: tlsCaCompleter(file),
    ...(device ? { problemsOf: deviceIssues } : {}),
  });
  if (!opened.ok) {
    logger.error('configFactoryInvalid', { problem: opened.problem });
    return { ok: false };
  }
  return { ok: true, store: opened.store, config: opened.config };
}
