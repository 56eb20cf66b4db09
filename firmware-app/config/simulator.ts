// The configuration `npm start --simulate` creates on first start: standalone, one indoor user, a random password.

import { type Config, ConfigSchema } from './schema.ts';

/** File access, injected: config/ does no I/O itself. */
export interface ConfigFiles {
  exists(file: string): boolean;
  /** Writes a file only its owner can read, atomically. */
  writePrivate(file: string, text: string): void;
}

/** Creates `file` unless it exists; returns the indoor user it made, or undefined when nothing was created. */
export function simulatorConfig(file: string, files: ConfigFiles): { username: string } | undefined {
  if (files.exists(file)) return undefined;
  const raw = new Uint8Array(12);
  globalThis.crypto.getRandomValues(raw);
  const password = Array.from(raw, (b) => 'abcdefghjkmnpqrstuvwxyz23456789'[b % 31]).join('');
  const config: Config = ConfigSchema.parse({
    sip: { mode: 'standalone', users: [{ username: 'flat', password }] },
    doorbell: { callTargets: ['flat'] },
  });
  files.writePrivate(file, `${JSON.stringify(config, null, 2)}\n`);
  return { username: 'flat' };
}
