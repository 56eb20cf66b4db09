// Configuration file versions: the steps that bring a file written by an older sip-doorbell up to the schema's version.
//
// Version 1 is the only one so far. The legacy `doorbell.callTargets` is not a migration: the schema still reads it
// (as button 1's plan) and the store writes the resolved `buttons`, so a file loses it on its first save.

/** The version the schema reads (`version: z.literal(1)` in schema.ts). */
export const CONFIG_VERSION = 1;

/** One step: a file of version `from` becomes one of version `from + 1`. `describe` says what changed, for the log. */
export interface Migration {
  readonly from: number;
  readonly describe: string;
  migrate(file: Record<string, unknown>): Record<string, unknown>;
}

/** The steps from each older version, oldest first. */
export const MIGRATIONS: readonly Migration[] = [];

export type MigrationResult =
  | { readonly ok: true; readonly value: unknown; readonly from: number; readonly applied: readonly string[] }
  | { readonly ok: false; readonly problem: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Brings a parsed file to `current`. A file without `version` is taken as version 1 (files written by hand before
 * versions existed); anything that is no object is left to the schema to reject. A version newer than `current`
 * (a downgrade) or one without a path of steps is a problem, never guessed at.
 */
export function migrateConfig(value: unknown, steps: readonly Migration[] = MIGRATIONS, current: number = CONFIG_VERSION): MigrationResult {
  if (!isRecord(value)) return { ok: true, value, from: current, applied: [] };
  const version = value.version === undefined ? 1 : value.version;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 0) {
    return { ok: false, problem: 'a whole number, the file format version' };
  }
  if (version > current) return { ok: false, problem: `version ${version} is newer than this sip-doorbell reads (${current})` };
  let file = value;
  const applied: string[] = [];
  for (let at = version; at < current; at++) {
    const step = steps.find((s) => s.from === at);
    if (step === undefined) return { ok: false, problem: `no migration from version ${at}` };
    file = { ...step.migrate(file), version: at + 1 };
    applied.push(step.describe);
  }
  return { ok: true, value: file, from: version, applied };
}
