// The configuration's JSON Schema, generated from the one zod schema (for editors and the docs; a build tool, not in
// the device program): the committed config.schema.json is its output (`npm run schema`; a test keeps it current).

import { z } from 'zod';
import { ConfigSchema } from '../firmware-app/config/schema.ts';

/** JSON Schema (draft 2020-12) of a config file as a user writes it: defaults shown, nothing required that has one. */
export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(ConfigSchema, { io: 'input', target: 'draft-2020-12' });
  return {
    ...schema,
    $id: 'https://github.com/sip-doorbell/sip-doorbell/config.schema.json',
    title: 'sip-doorbell configuration',
    description: 'The door station\'s configuration file (JSON; // and /* */ comments allowed). See example.jsonc.',
  };
}
