// The configurations the crash test's child saves: save `i` writes a sip section whose display name carries `i`,
// standalone and registered by turns, so that every file on disk says which save made it.

import type { Config } from '../../../firmware-app/config/schema.ts';

/** The file the test starts from (save 0). */
export function initialConfig(): Record<string, unknown> {
  return {
    sip: sipFor(0),
    buttons: [{ id: '1', plan: [{ targets: ['flat'], ringSec: 30 }] }],
  };
}

/** The sip section of save `i`: two valid shapes by turns, of different lengths. */
export function sipFor(i: number): Record<string, unknown> {
  const users = [{ username: 'flat', password: 'flat-password-1' }];
  if (i % 2 === 0) return { mode: 'standalone', displayName: `Door ${i}`, users };
  return {
    mode: 'registered',
    displayName: `Door ${i}`,
    account: { registrar: 'sip:pbx.example.org', user: 'door', password: `pbx-password-${i}`, transport: 'tcp', expires: 300 },
    users,
    peerAllowList: ['192.168.1.10', '192.168.1.11'],
  };
}

/** Which save made this configuration. */
export function saveIndexOf(config: Config): number {
  const match = /^Door (\d+)$/.exec(config.sip.displayName);
  if (match === null) throw new Error(`not a crash-test config: ${config.sip.displayName}`);
  return Number(match[1]);
}
