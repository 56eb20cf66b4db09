// Runs the real Twinkle console phone (`twinkle-console`, Debian package twinkle-console) as an indoor phone for
// interop tests: a throwaway $HOME/.twinkle with system settings and one user profile, no sound card, bounded.

import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type ConsolePhone, type PhoneAccount, startConsolePhone } from './linphone.ts';
import { freePort } from './sipp.ts';
import { type TracedMessage, twinkleMessages } from './wire.ts';

export interface TwinkleOptions {
  /** Local SIP port; a free one when omitted. Twinkle binds it on every interface (it has no bind setting). */
  readonly port?: number;
  readonly account: PhoneAccount;
  /** The transport it registers and calls over (default udp); it listens on both either way. */
  readonly transport?: 'udp' | 'tcp';
  /** Answers every incoming call at once. */
  readonly autoAnswer?: boolean;
}

export interface Twinkle extends ConsolePhone {
  readonly port: number;
  /** The SIP messages in its log so far (what it sent and received; not what it only logged). */
  messages(): TracedMessage[];
}

/** System settings: ALSA's null device for ringer, speaker and microphone, SIP and RTP ports, full SIP log. */
function systemSettings(port: number, rtpPort: number): string {
  return [
    'dev_ringtone=alsa:null',
    'dev_speaker=alsa:null',
    'dev_mic=alsa:null',
    'validate_audio_dev=no',
    'log_max_size=100',
    'log_show_sip=yes',
    'log_show_stun=no',
    'log_show_memory=no',
    'log_show_debug=no',
    `sip_port=${port}`,
    `rtp_port=${rtpPort}`,
    'play_ringtone=no',
    'play_ringback=no',
    'call_waiting=yes',
    '',
  ].join('\n');
}

/** The user profile: the account on the door's registrar, no presence, RFC 3264 hold (a=sendonly). */
function userProfile(account: PhoneAccount, transport: 'udp' | 'tcp'): string {
  return [
    `user_name=${account.user}`,
    `user_domain=${account.host}:${account.port}`,
    'user_display=Flat',
    'auth_realm=',
    `auth_name=${account.user}`,
    `auth_pass=${account.password}`,
    `registrar=${account.host}:${account.port}`,
    `registration_time=${account.expires ?? 60}`,
    'register_at_startup=yes',
    `sip_transport=${transport}`,
    'codecs=g711u,g711a',
    'hold_variant=rfc3264',
    'pres_publish_startup=no',
    '',
  ].join('\n');
}

/**
 * Starts twinkle-console with its own $HOME. Console lines to wait for: `registration succeeded`,
 * `incoming call`, `call established`, `call ended`. Commands: `call <uri>`, `answer`, `hold`, `retrieve`, `bye`.
 */
export async function startTwinkle(options: TwinkleOptions): Promise<Twinkle> {
  const port = options.port ?? (await freePort());
  const rtpPort = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'twinkle-'));
  const config = path.join(dir, '.twinkle');
  mkdirSync(config);
  writeFileSync(path.join(config, 'twinkle.sys'), systemSettings(port, rtpPort));
  writeFileSync(path.join(config, 'phone.cfg'), userProfile(options.account, options.transport ?? 'udp'));
  const logFile = path.join(config, 'twinkle.log');
  const phone = startConsolePhone({
    name: 'twinkle-console',
    command: 'twinkle-console',
    args: ['phone.cfg'],
    env: { ...process.env, HOME: dir },
    dir,
    logFile,
    quit: 'quit',
  });
  if (options.autoAnswer === true) phone.send('auto_answer -a on');
  return { ...phone, port, messages: () => twinkleMessages(phone.log()) };
}
