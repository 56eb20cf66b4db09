// Test rig for the configuration store: the file and its .bak in memory (saves can be held), a fake door-code hasher,
// a logger that keeps its lines, and a configuration with every kind of secret.

import type { ConfigSection } from '../../../provisioning/ports.ts';
import type { Config } from '../../../firmware-app/config/schema.ts';
import { ConfigStore, type ConfigStoreOptions, type ConfigStoreFiles } from '../../../firmware-app/config/store.ts';
import { memoryLogger } from '../../sip/transport/helpers.ts';

/** A hash of the stored format (DOOR_CODE_HASH), the same for the same code, made without scrypt's cost. */
export function fakeHash(code: string): string {
  return `scrypt$10$1$1$c2FsdHNhbHRzYWx0c2FsdA==$${Buffer.from(`key-${code}`.padEnd(24, '.')).toString('base64')}`;
}

export interface MemoryFiles extends ConfigStoreFiles {
  file?: string | undefined;
  backup?: string | undefined;
  /** Texts saved, in order, and whether each kept the old file as .bak. */
  readonly writes: { readonly text: string; readonly keepBackup: boolean }[];
  /** From now on each save waits until `release()`; `started` counts saves that reached the file. */
  hold(): void;
  release(): void;
  readonly started: () => number;
  /** The next save fails (a full disk) without touching either file. */
  failNext(): void;
  /** Files moved aside by `setAside`, by their new names. */
  readonly keptAside: Record<string, string>;
}

export function memoryFiles(initial: { file?: string; backup?: string }): MemoryFiles {
  let holding = false;
  let failing = false;
  let started = 0;
  const waiting: (() => void)[] = [];
  const files: MemoryFiles = {
    names: { file: 'config.json', backup: 'config.json.bak' },
    file: initial.file,
    backup: initial.backup,
    writes: [],
    keptAside: {},
    async setAside(which) {
      const text = which === 'file' ? files.file : files.backup;
      if (text === undefined) return undefined;
      const name = `${files.names[which]}.broken-${Object.keys(files.keptAside).length + 1}`;
      files.keptAside[name] = text;
      if (which === 'file') files.file = undefined;
      else files.backup = undefined;
      return name;
    },
    read(which) {
      const text = which === 'file' ? files.file : files.backup;
      if (text === '\u0000unreadable') throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
      return text;
    },
    async write(text, options) {
      started++;
      if (holding) await new Promise<void>((resolve) => waiting.push(resolve));
      if (failing) {
        failing = false;
        throw new Error('ENOSPC: no space left on device');
      }
      if (options.keepBackup && files.file !== undefined) files.backup = files.file;
      files.file = text;
      files.writes.push({ text, keepBackup: options.keepBackup });
    },
    hold: () => {
      holding = true;
    },
    release: () => {
      holding = false;
      waiting.splice(0).forEach((resolve) => resolve());
    },
    started: () => started,
    failNext: () => {
      failing = true;
    },
  };
  return files;
}

export const SECRETS = {
  account: 'pbx-Secret-77',
  flat: 'flat-Secret-01',
  kitchen: 'kitchen-Secret-02',
  family: fakeHash('1234'),
  parcel: fakeHash('98765'),
} as const;

/** A file with an account, two indoor users, two door codes, a chime, a schedule. */
export function fullConfig(): Record<string, unknown> {
  return {
    version: 1,
    sip: {
      mode: 'registered',
      account: { registrar: 'pbx.example.org', user: 'door', password: SECRETS.account, transport: 'udp' },
      users: [{ username: 'flat', password: SECRETS.flat }, { username: 'kitchen', password: SECRETS.kitchen }],
    },
    buttons: [{ id: '1', plan: [{ targets: ['sip:flat@pbx.example.org'], ringSec: 30 }] }],
    relays: [{ id: 'door' }, { id: 'gong', maxPulseMs: 2000 }],
    schedules: { day: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '08:00', to: '18:00' }] },
    doorbell: {
      chime: { relay: 'gong', pulseMs: 500 },
      doorCodes: [
        { name: 'family', hash: SECRETS.family, relay: 'door', pulseMs: 3000 },
        { name: 'parcel', hash: SECRETS.parcel, relay: 'door', pulseMs: 2000, schedule: 'day' },
      ],
    },
  };
}

export const text = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

export interface Rig {
  readonly store: ConfigStore;
  readonly files: MemoryFiles;
  readonly log: ReturnType<typeof memoryLogger>;
  readonly changes: { readonly config: Config; readonly changed: readonly ConfigSection[] }[];
  readonly hashed: string[];
}

/** Opens a store on `files` (by default the full config, no .bak) and records what it does. */
export function openRig(files: MemoryFiles = memoryFiles({ file: text(fullConfig()) }), options: Partial<ConfigStoreOptions> = {}): Rig {
  const log = memoryLogger();
  const changes: Rig['changes'] = [];
  const hashed: string[] = [];
  const opened = ConfigStore.open({
    files,
    logger: log,
    hashCode: async (code) => {
      hashed.push(code);
      return fakeHash(code);
    },
    onChange: (config, changed) => changes.push({ config, changed }),
    factory: () => ({}),
    ...options,
  });
  if (!opened.ok) throw new Error(`store did not open: ${opened.problem}\n${log.lines.join('\n')}`);
  return { store: opened.store, files, log, changes, hashed };
}
