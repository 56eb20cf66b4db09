// Child process of test/platform/configStore.crash.test.ts (bundled by esbuild): opens the store on `file` and saves
// the sip sections of saves `from` to `to`, printing `ready` once open and `saved <i>` after each save returned.
// The test SIGKILLs it at random moments; stdout is a pipe, written synchronously on Linux, so no line is lost.

import { openConfigStore } from '../../../firmware-app/platform/configFiles.ts';
import type { Logger } from '../../../firmware-app/platform/Logger.ts';
import { sipFor } from './crashConfigs.ts';

const [file, from, to] = process.argv.slice(2);
const line = (level: string) => (event: string, fields?: object): void => {
  process.stderr.write(`${level} ${event} ${JSON.stringify(fields ?? {})}\n`);
};
const logger: Logger = { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') };

async function run(): Promise<number> {
  if (file === undefined || from === undefined || to === undefined) return 2;
  const opened = openConfigStore(file, {
    hasher: { hash: () => Promise.reject(new Error('no door codes here')) },
    logger,
    onChange: () => {},
    factory: () => ({}),
  });
  if (!opened.ok) return 1;
  process.stdout.write('ready\n');
  for (let i = Number(from); i <= Number(to); i++) {
    const result = await opened.store.write('sip', sipFor(i));
    if (!result.ok) {
      process.stderr.write(`refused ${JSON.stringify(result.fields)}\n`);
      return 1;
    }
    process.stdout.write(`saved ${i}\n`);
  }
  return 0;
}

process.exitCode = await run();
