// The file side of the configuration store: the config file and its `.bak` read from disk, saves through
// writeFileAtomic (temp file, fsync, rename, fsync of the directory, the old file kept as `.bak`), mode 0600.

import { readFileSync } from 'node:fs';
import type { ConfigSection } from '../../provisioning/ports.ts';
import { type Config, deviceIssues } from '../config/schema.ts';
import { ConfigStore, type ConfigStoreFiles, type PrepareResult } from '../config/store.ts';
import { writeFileAtomic } from './atomicFile.ts';
import { readTlsCa, withTlsCaRead } from './configFile.ts';
import type { Logger } from './Logger.ts';

/** `file` and `<file>.bak` on disk. */
export function configStoreFiles(file: string): ConfigStoreFiles {
  const backup = `${file}.bak`;
  return {
    names: { file, backup },
    read(which) {
      try {
        return readFileSync(which === 'file' ? file : backup, 'utf8');
      } catch (error) {
        if ((error as { code?: unknown } | null)?.code === 'ENOENT') return undefined;
        throw error;
      }
    },
    write: (text, options) => writeFileAtomic(file, text, { mode: 0o600, keepBackup: options.keepBackup }),
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

/**
 * Opens the store on `file` (falling back to `<file>.bak`, see ConfigStore.open) and reads the CA file a `tlsCa` path
 * names. Not ok: the problems are logged and nothing has started; main exits 1.
 */
export function openConfigStore(file: string, options: OpenConfigStoreOptions): OpenConfigStoreResult {
  const { hasher, logger, onChange, factory } = options;
  const opened = ConfigStore.open({
    files: configStoreFiles(file),
    hashCode: (code) => hasher.hash(code),
    logger,
    onChange,
    factory,
    prepare: configPreparer(file, options.device === true),
  });
  if (!opened.ok) return { ok: false };
  const config = withTlsCaRead(opened.config, file, logger);
  return config === undefined ? { ok: false } : { ok: true, store: opened.store, config };
}
