// Config file versions: steps from older versions run in order up to the current one; a newer or unknown version is a
// problem, never a guess; the store loads an old file through the steps and writes the current version.
import { describe, expect, it } from 'vitest';
import { CONFIG_VERSION, MIGRATIONS, type Migration, migrateConfig } from '../../firmware-app/config/migrations.ts';
import { ConfigSchema } from '../../firmware-app/config/schema.ts';
import { memoryFiles, openRig, text } from './support/storeRig.ts';

/** A made-up version 0: one relay as `relay: { pin }` instead of the `relays` list. */
const fromZero: Migration = {
  from: 0,
  describe: 'relay became relays[]',
  migrate: ({ relay, ...rest }) => ({ ...rest, relays: [{ id: 'door', ...(relay as object) }] }),
};

describe('migrateConfig', () => {
  it('is at version 1 with no steps yet, and the schema reads exactly that version', () => {
    expect(CONFIG_VERSION).toBe(1);
    expect(MIGRATIONS).toEqual([]);
    expect(ConfigSchema.parse({}).version).toBe(CONFIG_VERSION);
  });

  it('runs the steps from the file version to the current one and stamps each new version', () => {
    const fromMinusOne: Migration = { from: 1, describe: 'second', migrate: (file) => ({ ...file, second: true }) };
    const result = migrateConfig({ version: 0, relay: { pin: 17 } }, [fromMinusOne, fromZero], 2);
    expect(result).toEqual({ ok: true, from: 0, applied: ['relay became relays[]', 'second'], value: { version: 2, relays: [{ id: 'door', pin: 17 }], second: true } });
  });

  it('leaves a current file or one without version (taken as 1) as it is', () => {
    const file = { sip: {} };
    expect(migrateConfig(file, [fromZero])).toEqual({ ok: true, from: 1, applied: [], value: file });
    expect(migrateConfig({ version: 1 }, [fromZero])).toMatchObject({ ok: true, applied: [] });
    expect(migrateConfig([1, 2], [fromZero])).toMatchObject({ ok: true, value: [1, 2] });
  });

  it('refuses a newer version, a version without a step, and a version that is no whole number', () => {
    expect(migrateConfig({ version: 3 })).toEqual({ ok: false, problem: 'version 3 is newer than this sip-doorbell reads (1)' });
    expect(migrateConfig({ version: 0 }, [])).toEqual({ ok: false, problem: 'no migration from version 0' });
    for (const version of ['1', 1.5, -1, null]) {
      expect(migrateConfig({ version }, [fromZero])).toEqual({ ok: false, problem: 'a whole number, the file format version' });
    }
  });
});

describe('ConfigStore with a migration', () => {
  it('loads a version 0 file through the step, logs it once, and saves it as version 1', async () => {
    const { store, files, log } = openRig(memoryFiles({ file: text({ version: 0, relay: { pin: 17 } }) }), { migrations: [fromZero] });
    expect(store.startedFromBackup).toBe(false);
    expect(log.lines).toEqual(['info configMigrated file=config.json from=0 to=1']);
    expect(store.read('relays')).toEqual([{ id: 'door', pin: 17, activeLow: false, maxPulseMs: 10000 }]);
    expect(await store.write('web', {})).toEqual({ ok: true });
    expect(JSON.parse(files.file!)).toMatchObject({ version: 1, relays: [{ id: 'door', pin: 17 }] });
    expect(files.file).not.toContain('"relay"');
  });

  it('falls back to the .bak when a version 0 file has no step', () => {
    const { store, log } = openRig(memoryFiles({ file: text({ version: 0 }), backup: text({}) }));
    expect(store.startedFromBackup).toBe(true);
    expect(log.lines).toEqual(['warn configFromBackup file=config.json backup=config.json.bak problem="version: no migration from version 0"']);
  });
});
