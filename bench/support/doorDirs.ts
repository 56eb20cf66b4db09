// The throwaway directories the benchmarks' door sides start from: our door station's config.json (standalone on
// 127.0.0.1, PCMU) and baresip's config and accounts files (a loopback listener, g711, files for audio).

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * A directory holding our door's config.json with `routing` (who a press calls) added, RTP ports from a random
 * base; returns it with the arguments that start `bundle` in the simulator on it.
 */
export function oursDoorDir(prefix: string, bundle: string, routing: Readonly<Record<string, unknown>>): { dir: string; args: string[] } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  const rtpBase = 20_000 + 2 * Math.floor(Math.random() * 5_900);
  const config = {
    sip: { mode: 'standalone', listen: { host: '127.0.0.1', port: 0, transports: ['udp'] }, domain: 'doorbell.test' },
    ...routing,
    media: { codecs: ['PCMU'], rtpPorts: { min: rtpBase, max: rtpBase + 99 } },
    web: { listen: 'http://127.0.0.1:0' }, // the configuration page on a free port
  };
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config, null, 2), { mode: 0o600 });
  return { dir, args: [bundle, '--simulate', '--config', path.join(dir, 'config.json'), '--state', dir] };
}

/** baresip's audio: the files its aufile module reads as microphone and writes as speaker, given its directory. */
export type BaresipAudio = (dir: string) => { readonly source: string; readonly player: string };

/** A port for baresip's SIP listener, with the one after it (its TLS listener) free too, below the ephemeral range. */
function listenerPortGuess(): number {
  return 20_000 + Math.floor(Math.random() * 11_000);
}

/** A baresip config directory: `modules` loaded before g711, aufile, account and menu; one account, no registration. */
export function baresipDir(prefix: string, modules: readonly string[], audio: BaresipAudio): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  const port = listenerPortGuess();
  const { source, player } = audio(dir);
  writeFileSync(path.join(dir, 'config'), [
    'poll_method\t\tepoll',
    `sip_listen\t\t127.0.0.1:${port}`,
    'module_path\t\t/usr/lib/baresip/modules',
    ...[...modules, 'g711.so', 'aufile.so', 'account.so', 'menu.so'].map((m) => `module\t\t\t${m}`),
    `audio_source\t\taufile,${source}`,
    `audio_player\t\taufile,${player}`,
    'audio_alert\t\taufile,/dev/null',
    '',
  ].join('\n'));
  writeFileSync(path.join(dir, 'accounts'), `<sip:door@127.0.0.1:${port};transport=udp>;regint=0\n`);
  return dir;
}
