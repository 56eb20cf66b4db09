// The simulator's console: commands typed on stdin (ring, ring <id>, quit) and the one line that tells a simulator
// user what to do next.

import { networkInterfaces } from 'node:os';
import { createInterface } from 'node:readline';
import type { Config } from '../config/schema.ts';
import { reachableHost, simulatorReadyFields } from '../config/simulator.ts';
import type { Logger } from './Logger.ts';

/** The simulator's console: `ring` (or an empty line) presses button 1, `ring <id>` that button, `quit` stops. */
export function readSimulatorCommands(press: (id: string) => boolean, config: () => Config, log: Logger, quit: () => void): void {
  createInterface({ input: process.stdin }).on('line', (line) => {
    const [command = '', id, ...rest] = line.trim().split(/\s+/);
    if ((command === '' || command === 'ring') && rest.length === 0) {
      // The config of now: the page may have changed the buttons since start.
      const buttons = config().buttons;
      const button = id ?? buttons[0]?.id ?? '1';
      if (!press(button)) log.warn('unknownButton', { button, buttons: buttons.map((b) => b.id).join(',') });
    } else if (command === 'quit' && id === undefined) {
      quit();
    } else {
      log.warn('unknownCommand', { command: command.slice(0, 32), commands: 'ring, ring <id>, quit' });
    }
  });
}

/** The one line that tells a simulator user what to do next: where to register a softphone, and how to ring. */
export function logSimulatorReady(bound: { readonly host: string; readonly port: number } | undefined, protocol: 'udp' | 'tcp', config: Config, configFile: string, log: Logger, doorCode: string | undefined): void {
  if (bound === undefined) return;
  const interfaces = Object.entries(networkInterfaces()).flatMap(([name, list]) => (list ?? []).map((a) => ({ ...a, name })));
  const host = reachableHost(bound.host, interfaces);
  log.info('simulatorReady', simulatorReadyFields(config, configFile, { host, port: bound.port, protocol }, doorCode));
}

