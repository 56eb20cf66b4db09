// The generated JSON Schema stays the zod schema's (a stale file fails here), and the commented example is a valid
// config by both: the zod schema the door station loads with, and the JSON Schema an editor checks it with (ajv).
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../firmware-app/config/configText.ts';
import { configJsonSchema } from '../../scripts/configJsonSchema.ts';
import { ConfigSchema } from '../../firmware-app/config/schema.ts';
import { describeIssues } from '../../firmware-app/config/issues.ts';

const read = (name: string): string => readFileSync(new URL(`../../firmware-app/config/${name}`, import.meta.url), 'utf8');

function example(): unknown {
  const parsed = parseConfigText(read('example.jsonc'));
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed.value;
}

describe('config.schema.json', () => {
  it('is what the zod schema generates (run npm run schema after changing schema.ts)', () => {
    expect(JSON.parse(read('config.schema.json'))).toEqual(configJsonSchema());
  });

  it('accepts the commented example and refuses what the zod schema refuses', () => {
    const validate = new Ajv2020({ strict: false, allErrors: true }).compile(configJsonSchema());
    expect(validate(example()), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ sip: { mdoe: 'registered' } })).toBe(false);
    expect(validate({ relays: [{ id: 'door', maxPulseMs: 60000 }] })).toBe(false);
    expect(validate({ doorbell: { doorCodes: [{ name: 'x', hash: '1234' }] } })).toBe(false);
  });
});

describe('example.jsonc', () => {
  it('loads as a valid configuration with two buttons, a door code on a schedule and a chime', () => {
    const parsed = ConfigSchema.safeParse(example());
    expect(parsed.success ? [] : describeIssues(parsed.error)).toEqual([]);
    const config = ConfigSchema.parse(example());
    expect(config.buttons.map((b) => [b.id, b.plan.length])).toEqual([['1', 2], ['2', 1]]);
    expect(config.doorbell.doorCodes.find((c) => c.name === 'parcel')?.schedule).toBe('deliveries');
    expect(config.doorbell.chime).toEqual({ relay: 'gong', pulseMs: 500 });
  });
});
