// The SIP stack's options from the configuration: the account or the built-in registrar, the identity kept in the
// state directory, and the media factory that makes each call's MediaSession (the door's audio, RTP ports, SRTP).

import type { Config } from '../../config/schema.ts';
import type { DoorAudio } from '../../media/DoorAudio.ts';
import { MediaSession } from '../../media/MediaSession.ts';
import type { Clock } from '../../platform/Clock.ts';
import { loadIdentity } from '../../platform/identity.ts';
import { createNodeSrtpCrypto } from '../../platform/srtpCrypto.ts';
import type { createUdpMediaPorts } from '../../platform/udpMediaPorts.ts';
import { secureRandom } from '../transaction/ids.ts';
import type { StackOptions } from './createStack.ts';

/** What every call's media shares: the door's devices, the RTP port range, randomness and the SRTP crypto. */
export interface MediaParts {
  readonly clock: Clock;
  /** Wall-clock milliseconds for RTCP's NTP fields. */
  readonly wallClock: () => number;
  readonly audio: DoorAudio;
  readonly ports: ReturnType<typeof createUdpMediaPorts>;
}

export function mediaFactory(config: Config, parts: MediaParts): StackOptions['media'] {
  const srtpCrypto = createNodeSrtpCrypto();
  const settings = { codecs: config.media.codecs, srtp: config.media.srtp, rtpTimeoutMs: config.media.rtpTimeoutSec * 1000 };
  return (local, context) => new MediaSession({
    address: local.host,
    clock: parts.clock,
    random: secureRandom,
    wallClockMs: parts.wallClock,
    ports: parts.ports,
    audio: parts.audio,
    crypto: srtpCrypto,
    settings,
    events: context,
  });
}

export function stackOptions(config: Config, stateDir: string, media: StackOptions['media']): StackOptions {
  const sip = config.sip;
  const identity = loadIdentity(stateDir);
  const account = sip.mode === 'registered' ? sip.account : undefined;
  return {
    listen: sip.listen,
    ...(account !== undefined
      ? {
          account: {
            registrar: account.registrar,
            ...(account.backupRegistrar !== undefined ? { backupRegistrar: account.backupRegistrar } : {}),
            ...(account.outboundProxy !== undefined ? { outboundProxy: account.outboundProxy } : {}),
            ...(account.transport !== undefined ? { protocol: account.transport } : {}),
            aor: `sip:${account.user}@${account.registrar.replace(/^sips?:/i, '').replace(/[:;].*$/, '')}`,
            credentials: { username: account.authUser ?? account.user, password: account.password, ...(account.realm !== undefined ? { realm: account.realm } : {}) },
            expires: account.expires,
            tls: {
              ...(account.tlsCa !== undefined ? { ca: account.tlsCa } : {}),
              ...(account.tlsPinSha256 !== undefined ? { pinnedSha256: account.tlsPinSha256 } : {}),
            },
          },
        }
      : { standalone: { domain: sip.domain, users: sip.users } }),
    contactUser: identity.contactUser,
    instanceId: identity.instanceId,
    localUsers: ['door'],
    displayName: sip.displayName,
    peerAllowList: sip.peerAllowList,
    media,
  };
}
