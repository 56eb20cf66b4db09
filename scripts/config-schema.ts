// Writes firmware-app/config/config.schema.json from the zod schema (`npm run schema`).
import { writeFileSync } from 'node:fs';
import { configJsonSchema } from './configJsonSchema.ts';

const file = new URL('../firmware-app/config/config.schema.json', import.meta.url);
writeFileSync(file, `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
process.stdout.write(`wrote ${file.pathname}\n`);
