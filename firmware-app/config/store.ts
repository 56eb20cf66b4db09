// The configuration store: loads the file (or its `.bak`, or else the factory configuration: never a crash loop), gives the page sections without secrets, validates and saves
// a section against the whole configuration, one save at a time, and tells the application what changed.

import { z } from 'zod';
import { CONFIG_SECTIONS, type ConfigOrigin, type ConfigSection, type ConfigStoreApi, type FieldErrors, type SaveResult } from '../../provisioning/ports.ts';
import { errorMessage, InternalError } from '../errors.ts';
import type { Logger } from '../platform/Logger.ts';
import { parseConfigText } from './configText.ts';
import { MIGRATIONS, type Migration, migrateConfig } from './migrations.ts';
import { type Config, ConfigSchema } from './schema.ts';
import { describeIssues } from './issues.ts';
import { mapSecrets, redactConfig, redactSection, withSecrets } from './secrets.ts';

/** The file and its `.bak`, injected (config/ does no I/O). */
export interface ConfigStoreFiles {
  /** The file's and the backup's names, for log lines. */
  readonly names: { readonly file: string; readonly backup: string };
  /** The text of the file or of its backup; undefined when there is none; throws when it cannot be read. */
  read(which: 'file' | 'backup'): string | undefined;
  /** Replaces the file atomically (mode 0600); with `keepBackup` the file being replaced becomes the `.bak`. */
  write(text: string, options: { readonly keepBackup: boolean }): Promise<void>;
  /** Moves an unusable file or backup out of the way before it would be overwritten; its new name (undefined: gone). */
  setAside(which: 'file' | 'backup'): Promise<string | undefined>;
}

/** A configuration that loads but cannot run as it is: the text read, or the problem in one line (no values). */
export type CompleteResult = { readonly ok: true; readonly config: Config } | { readonly ok: false; readonly problem: string };

/** A check past the schema before a save (a CA file that must be readable, pins a device needs), by full dotted path. */
export type PrepareResult = { readonly ok: true; readonly config: Config } | { readonly ok: false; readonly fields: FieldErrors };

export interface ConfigStoreOptions {
  readonly files: ConfigStoreFiles;
  /** Hashes a door code given as digits (scrypt, platform/doorCodeHash.ts). */
  readonly hashCode: (code: string) => Promise<string>;
  readonly logger: Logger;
  /** Called after every save with the configuration to apply (as `prepare` made it) and the sections that changed. */
  readonly onChange: (next: Config, changed: readonly ConfigSection[]) => void;
  /** The configuration a factory reset writes (the simulator's first-start one, or the schema's defaults). */
  readonly factory: () => unknown;
  /** Checks and completes a valid configuration before it is saved and applied; default: taken as it is. */
  readonly prepare?: (config: Config) => PrepareResult;
  /** The steps from older file versions (default: MIGRATIONS). */
  readonly migrations?: readonly Migration[];
  /**
   * At open: completes a valid configuration for running (a `tlsCa` path read into PEM text), or says why it cannot
   * run, which makes it unusable like an invalid one. Default: taken as it is.
   */
  readonly complete?: (config: Config) => CompleteResult;
  /** What the device cannot do with a configuration that still runs (a door code's relay without a pin). */
  readonly problemsOf?: (config: Config) => readonly string[];
}

/**
 * `config` is the configuration to run (as `complete` made it). Not ok only when the factory configuration itself is
 * invalid: our own bug.
 */
export type OpenResult = { readonly ok: true; readonly store: ConfigStore; readonly config: Config } | { readonly ok: false; readonly problem: string };

type Loaded = { readonly ok: true; readonly config: Config; readonly applied: Config; readonly from: number } | {
  readonly ok: false;
  readonly missing: boolean;
  /** The problem in one line, field errors without values. */
  readonly summary: string;
  /** The log lines that tell the problem field by field, as main.ts has always told it. */
  readonly report: (logger: Logger) => void;
};

/** Field errors as (path, message) pairs, with describeIssues' wording ("unknown key (did you mean …?)"). */
function issuesOf(error: z.ZodError): { path: readonly PropertyKey[]; message: string }[] {
  return error.issues.flatMap((issue) => {
    const paths = issue.code === 'unrecognized_keys' ? issue.keys.map((key) => [...issue.path, key]) : [issue.path];
    const lines = describeIssues(new z.ZodError([issue]));
    return paths.map((path, i) => {
      const line = lines[i] ?? issue.message;
      const prefix = `${path.map(String).join('.') || '(root)'}: `;
      return { path, message: line.startsWith(prefix) ? line.slice(prefix.length) : line };
    });
  });
}

/** A full path as the page's field key: relative inside `section` (a door code's hash is its `code`), else `/`-rooted. */
function fieldKey(section: ConfigSection, path: readonly PropertyKey[]): string {
  if (path[0] !== section) return `/${path.map(String).join('.')}`;
  const key = path.slice(1).map(String).join('.');
  return section === 'doorbell' ? key.replace(/^(doorCodes\.\d+)\.hash$/, '$1.code') : key;
}

function summaryOf(lines: readonly string[]): string {
  const shown = lines.slice(0, 5).join('; ');
  return lines.length > 5 ? `${shown}; and ${lines.length - 5} more` : shown;
}

function load(files: ConfigStoreFiles, which: 'file' | 'backup', migrations: readonly Migration[], complete?: ConfigStoreOptions['complete']): Loaded {
  const file = files.names[which];
  let text: string | undefined;
  try {
    text = files.read(which);
  } catch (error) {
    return { ok: false, missing: false, summary: `unreadable: ${errorMessage(error)}`, report: (log) => log.error('configUnreadable', { file, error: errorMessage(error) }) };
  }
  if (text === undefined) return { ok: false, missing: true, summary: 'no such file', report: (log) => log.error('configUnreadable', { file, error: 'no such file' }) };
  const json = parseConfigText(text);
  if (!json.ok) return { ok: false, missing: false, summary: json.problem, report: (log) => log.error('configUnreadable', { file, problem: json.problem }) };
  const migrated = migrateConfig(json.value, migrations);
  if (!migrated.ok) {
    const issue = `version: ${migrated.problem}`;
    return { ok: false, missing: false, summary: issue, report: (log) => log.error('configInvalid', { file, issue }) };
  }
  const parsed = ConfigSchema.safeParse(migrated.value);
  if (!parsed.success) {
    const issues = describeIssues(parsed.error);
    return { ok: false, missing: false, summary: summaryOf(issues), report: (log) => issues.forEach((issue) => log.error('configInvalid', { file, issue })) };
  }
  const completed = complete?.(parsed.data) ?? { ok: true, config: parsed.data };
  if (!completed.ok) return { ok: false, missing: false, summary: completed.problem, report: (log) => log.error('configInvalid', { file, issue: completed.problem }) };
  return { ok: true, config: parsed.data, applied: completed.config, from: migrated.from };
}

/** The configuration as the store writes it: the parsed config (defaults expanded), pretty JSON. */
function configText(config: Config): string {
  return `${JSON.stringify(config, null, 2)}\n`;
}

/** The configuration store behind `GET`/`PUT /api/config/<section>` (provisioning/ports.ts ConfigStoreApi). */
export class ConfigStore implements ConfigStoreApi {
  readonly startedFromBackup: boolean;
  readonly #options: ConfigStoreOptions;
  #stored: Config;
  #origin: Omit<ConfigOrigin, 'problems'>;
  /** Unusable files still on disk: the next save moves them aside first, so that no save ever overwrites one. */
  #unusable: ('file' | 'backup')[];
  /** False while the `.bak` is not a good previous version of the file (the file was unusable, or there was none). */
  #keepBackup: boolean;
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(options: ConfigStoreOptions, stored: Config, origin: Omit<ConfigOrigin, 'problems'>, unusable: ('file' | 'backup')[]) {
    this.#options = options;
    this.#stored = stored;
    this.#origin = origin;
    this.#unusable = unusable;
    this.startedFromBackup = origin.from === 'backup';
    this.#keepBackup = origin.from === 'file';
  }

  /**
   * Loads the file; when it is missing, unreadable, not JSON, invalid or cannot run (`complete`), its `.bak` (one
   * `configFromBackup` line says why). When neither can be used the factory configuration runs, in memory: the file's
   * problems are logged field by field, the backup's in one line, and one `configUnusable` line says what runs. Nothing
   * is written at open; the first save moves the unusable files aside (`<name>.broken-<time>`) before it writes.
   */
  static open(options: ConfigStoreOptions): OpenResult {
    const { files, logger } = options;
    const migrations = options.migrations ?? MIGRATIONS;
    const file = load(files, 'file', migrations, options.complete);
    const backup = file.ok ? undefined : load(files, 'backup', migrations, options.complete);
    const loaded = file.ok ? file : backup?.ok === true ? backup : undefined;
    if (loaded !== undefined) {
      const which = loaded === file ? 'file' : 'backup';
      if (!file.ok) logger.warn('configFromBackup', { file: files.names.file, backup: files.names.backup, problem: file.summary });
      if (loaded.from !== loaded.config.version) logger.info('configMigrated', { file: files.names[which], from: loaded.from, to: loaded.config.version });
      const origin = file.ok ? { from: 'file' as const } : { from: 'backup' as const, reason: file.summary };
      const store = new ConfigStore(options, loaded.config, origin, !file.ok && !file.missing ? ['file'] : []);
      return { ok: true, store, config: loaded.applied };
    }
    if (file.ok || backup === undefined || backup.ok) throw new InternalError('CONFIG_OPEN', 'unreachable');
    // A door station must come up whatever its file holds (systemd would restart it forever): the factory
    // configuration runs, and the owner reaches the page to set it up again or import the file fixed.
    const factory = ConfigSchema.safeParse(options.factory());
    if (!factory.success) return { ok: false, problem: `the factory configuration is invalid: ${summaryOf(describeIssues(factory.error))}` };
    const completed = options.complete?.(factory.data) ?? { ok: true, config: factory.data };
    if (!completed.ok) return { ok: false, problem: `the factory configuration cannot run: ${completed.problem}` };
    if (!file.missing) file.report(logger);
    if (!backup.missing) logger.error('configBackupUnusable', { file: files.names.backup, problem: backup.summary });
    const unusable = [...(file.missing ? [] : ['file' as const]), ...(backup.missing ? [] : ['backup' as const])];
    const fields: Record<string, string> = { file: files.names.file, reason: file.summary, running: 'factory' };
    if (unusable.length > 0) fields.kept = 'as it is until the first save moves it aside';
    logger[unusable.length === 0 ? 'warn' : 'error']('configUnusable', fields);
    const store = new ConfigStore(options, factory.data, { from: 'factory', reason: file.summary }, unusable);
    return { ok: true, store, config: completed.config };
  }

  /** Which configuration runs and why, with what this device cannot do with it (the status page). */
  get origin(): ConfigOrigin {
    return { ...this.#origin, problems: this.#options.problemsOf?.(this.#stored) ?? [] };
  }

  /** The stored configuration as the file holds it (secrets included; not for the page). */
  get config(): Config {
    return this.#stored;
  }

  read(section: ConfigSection): unknown {
    return redactSection(this.#stored, section);
  }

  exportRedacted(): unknown {
    return redactConfig(this.#stored);
  }

  exportSealed(seal: (secret: string, path: string) => unknown): unknown {
    return mapSecrets(this.#stored, (secret, path) => seal(String(secret), path));
  }

  /**
   * Replaces the whole configuration with `value` (an exported file, secrets in plain text or left out): migrated from
   * its version, each section's secrets merged as `write` merges them (left out or `{ "set": … }` keeps the stored
   * one), validated as a whole and saved like a write of every section. Field keys are full dotted paths
   * (`sip.account.registrar`); a section left out takes the schema's defaults, as in a file.
   */
  importConfig(value: unknown): Promise<SaveResult> {
    return this.#serialize(() => this.#import(value));
  }

  /**
   * Validates `value` as section `section` against the whole configuration (secrets merged, door codes hashed) and
   * saves it. Field keys are dotted paths inside the section (`account.password`, `doorCodes.0.code`, `` for the
   * section itself); a rule broken elsewhere by this change (a door code naming a relay just removed) is keyed by its
   * full path with a leading `/` (`/doorbell.doorCodes.0.relay`). Saves run one at a time, in call order.
   */
  write(section: ConfigSection, value: unknown): Promise<SaveResult> {
    return this.#serialize(() => this.#write(section, value));
  }

  /** Writes the factory configuration; the one it replaces stays as the `.bak`. */
  factoryReset(): Promise<void> {
    return this.#serialize(async () => {
      const parsed = ConfigSchema.safeParse(this.#options.factory());
      if (!parsed.success) throw new InternalError('CONFIG_FACTORY_INVALID', `the factory configuration is invalid: ${summaryOf(describeIssues(parsed.error))}`);
      const prepared = this.#options.prepare?.(parsed.data) ?? { ok: true, config: parsed.data };
      if (!prepared.ok) throw new InternalError('CONFIG_FACTORY_INVALID', `the factory configuration is refused: ${Object.keys(prepared.fields).join(', ')}`);
      await this.#save(parsed.data, prepared.config, CONFIG_SECTIONS);
    });
  }

  #serialize<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task);
    this.#queue = run.catch(() => {}); // the caller gets the failure; the next save still runs
    return run;
  }

  async #write(section: ConfigSection, value: unknown): Promise<SaveResult> {
    if (!CONFIG_SECTIONS.includes(section)) return { ok: false, fields: { '': `no config section ${String(section)}` } };
    const merged = await withSecrets(section, value, this.#stored, this.#options.hashCode);
    return this.#check({ ...this.#stored, [section]: merged.value }, merged.fields, [section], (path) => fieldKey(section, path));
  }

  async #import(value: unknown): Promise<SaveResult> {
    const migrated = migrateConfig(value, this.#options.migrations ?? MIGRATIONS);
    if (!migrated.ok) return { ok: false, fields: { version: migrated.problem } };
    if (typeof migrated.value !== 'object' || migrated.value === null || Array.isArray(migrated.value)) {
      return { ok: false, fields: { '': 'a configuration is a JSON object' } };
    }
    const candidate: Record<string, unknown> = { ...(migrated.value as Record<string, unknown>) };
    const secretFields: Record<string, string> = {};
    for (const section of CONFIG_SECTIONS) {
      if (candidate[section] === undefined) continue;
      const merged = await withSecrets(section, candidate[section], this.#stored, this.#options.hashCode);
      candidate[section] = merged.value;
      for (const [key, message] of Object.entries(merged.fields)) secretFields[`${section}.${key}`] = message;
    }
    return this.#check(candidate, secretFields, CONFIG_SECTIONS, (path) => path.map(String).join('.'));
  }

  /**
   * Validates `candidate` (secrets merged; `secretFields` are the merge's problems), then `prepare`s, saves and applies
   * it. `keyOf` turns a full path into the caller's field key.
   */
  async #check(candidate: unknown, secretFields: FieldErrors, changed: readonly ConfigSection[], keyOf: (path: readonly PropertyKey[]) => string): Promise<SaveResult> {
    const fields: Record<string, string> = { ...secretFields };
    const add = (key: string, message: string): void => {
      if (fields[key] === undefined) fields[key] = message;
      else if (!secretFields[key] && !fields[key].includes(message)) fields[key] = `${fields[key]}; ${message}`;
    };
    const parsed = ConfigSchema.safeParse(candidate);
    if (!parsed.success) {
      for (const issue of issuesOf(parsed.error)) add(keyOf(issue.path), issue.message);
      return { ok: false, fields };
    }
    if (Object.keys(fields).length > 0) return { ok: false, fields };
    const prepared = this.#options.prepare?.(parsed.data) ?? { ok: true, config: parsed.data };
    if (!prepared.ok) {
      for (const [path, message] of Object.entries(prepared.fields)) add(keyOf(path.split('.')), message);
      return { ok: false, fields };
    }
    await this.#save(parsed.data, prepared.config, changed);
    return { ok: true };
  }

  async #save(config: Config, applied: Config, changed: readonly ConfigSection[]): Promise<void> {
    const text = configText(config);
    // What is written must load as what is applied: the schema's output (buttons resolved) re-parses to itself.
    const reread = ConfigSchema.safeParse(JSON.parse(text));
    if (!reread.success) throw new InternalError('CONFIG_NOT_REREADABLE', `the config to save does not re-parse: ${summaryOf(describeIssues(reread.error))}`);
    await this.#setAsideUnusable();
    await this.#options.files.write(text, { keepBackup: this.#keepBackup });
    this.#keepBackup = true;
    this.#stored = reread.data;
    this.#origin = { from: 'file', ...(this.#origin.keptAs !== undefined ? { keptAs: this.#origin.keptAs } : {}) };
    try {
      this.#options.onChange(applied, changed);
    } catch (error) {
      // Saved, and the next start applies it; the running process keeps what it could apply.
      this.#options.logger.error('configApplyFailed', { sections: changed.join(','), error: errorMessage(error) });
    }
  }

  /** Before the first save over an unusable file or backup: each is moved aside, and a line says where it went. */
  async #setAsideUnusable(): Promise<void> {
    const { files, logger } = this.#options;
    for (let which = this.#unusable[0]; which !== undefined; which = this.#unusable[0]) {
      const keptAs = await files.setAside(which);
      this.#unusable.shift();
      if (keptAs === undefined) continue;
      logger.warn('configKept', { file: files.names[which], keptAs });
      this.#origin = { ...this.#origin, keptAs: [...(this.#origin.keptAs ?? []), keptAs] };
    }
  }
}
