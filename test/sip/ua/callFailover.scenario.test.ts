// A whole door from createStack on the loop network and a fake clock, calling a PBX domain whose SRV records name
// two servers (RFC 3263 §4.3): when the first stays silent until Timer B or answers 503, the call reaches the second,
// and the first is tried last by the next call.

import { describe, expect, it } from 'vitest';
import { SignallingOnlySession } from '../../support/signallingOnlySession.ts';
import { FakeClock } from '../../../firmware-app/platform/FakeClock.ts';
import { createNodeHasher } from '../../../firmware-app/platform/hash.ts';
import type { Call } from '../../../firmware-app/sip/dialog/types.ts';
import { FakeDns } from '../../../firmware-app/sip/transport/FakeDns.ts';
import { type LoopNetwork, createLoopNetwork } from '../../../firmware-app/sip/transport/loop.ts';
import type { Address } from '../../../firmware-app/sip/transport/types.ts';
import { type Stack, createStack } from '../../../firmware-app/sip/ua/createStack.ts';
import { DEVICE, Peer, record, sdp, settle } from '../dialog/harness.ts';
import { memoryLogger } from '../transport/helpers.ts';

const MAIN: Address = { host: '198.51.100.20', port: 5060 };
const BACKUP: Address = { host: '198.51.100.21', port: 5060 };
const TIMER_B = 64 * 500;
const FLAT = 'sip:flat@pbx.example.com';

interface World {
  readonly clock: FakeClock;
  readonly network: LoopNetwork;
  readonly door: Stack;
  /** The PBX servers that listen (a silent one has nobody bound at its address). */
  readonly servers: Map<string, Peer>;
  advance(ms: number): Promise<void>;
}

/** The door in standalone mode; pbx.example.com has MAIN at SRV priority 10 and BACKUP at 20. */
async function world(listening: readonly Address[]): Promise<World> {
  const clock = new FakeClock();
  const network = createLoopNetwork({ clock });
  const dns = new FakeDns()
    .addSrv('_sip._udp.pbx.example.com', { priority: 10, weight: 0, port: MAIN.port, target: 'main.pbx.example.com' })
    .addSrv('_sip._udp.pbx.example.com', { priority: 20, weight: 0, port: BACKUP.port, target: 'backup.pbx.example.com' })
    .addA('main.pbx.example.com', MAIN.host)
    .addA('backup.pbx.example.com', BACKUP.host);
  const door = await createStack({
    listen: { host: DEVICE.host, port: DEVICE.port, transports: [] },
    contactUser: 'k7q2x9vbw3tzk7q2',
    instanceId: 'urn:uuid:6b0e3c1a-7d2f-4c1e-9a51-0c2d3e4f5a6b',
    localUsers: ['door'],
    displayName: 'Front Door',
    peerAllowList: [],
    media: (local) => new SignallingOnlySession(local.host),
  }, {
    clock, logger: memoryLogger(), hasher: createNodeHasher(), random: () => 0.5, dns,
    transports: (events) => [network.transport({ ...DEVICE, protocol: 'udp' }, events)],
  });
  const servers = new Map(listening.map((address) => [address.host, new Peer(network, 'udp', address)]));
  return {
    clock, network, door, servers,
    async advance(ms) {
      for (let done = 0; done < ms; done += 1000) {
        clock.advance(Math.min(1000, ms - done));
        await settle();
      }
    },
  };
}

/** The door calls the flat through the PBX domain. */
async function ring(w: World): Promise<{ call: Call; log: string[] }> {
  const call = await w.door.ua.call([FLAT]);
  const log = record(call);
  await settle();
  return { call, log };
}

/** BACKUP answers the INVITE it got: 180, then 200 with an answer. */
async function backupAnswers(w: World): Promise<void> {
  const backup = w.servers.get(BACKUP.host)!;
  const invite = backup.last('INVITE');
  await backup.respond(invite, 180, { toTag: 'b1' });
  await backup.respond(invite, 200, { toTag: 'b1', headers: [['Contact', '<sip:flat@198.51.100.21:5060>']], body: sdp(BACKUP.host) });
}

describe('createStack: a call fails over to the next server of the PBX (RFC 3263 §4.3)', () => {
  it('first server silent: at Timer B the INVITE goes to the second, which answers; the next call starts there', async () => {
    const w = await world([BACKUP]);
    const { log } = await ring(w);
    const toMain = (): number => w.network.sent.filter((p) => p.to.host === MAIN.host).length;
    expect(toMain()).toBe(1);
    const backup = w.servers.get(BACKUP.host)!;
    await w.advance(TIMER_B - 1000);
    expect(backup.requests('INVITE')).toHaveLength(0);
    await w.advance(1000);
    const invite = backup.last('INVITE');
    expect(invite.requestUri).toBe(FLAT);
    expect(invite.topVia.host).toBe(DEVICE.host);
    await backupAnswers(w);
    expect(log).toEqual(['ringing 180 early', 'established']);
    expect(backup.last('ACK').cseq.seq).toBe(invite.cseq.seq);

    // markFailed: the silent server comes last now, so the next call rings at once.
    const sentToMain = toMain();
    const second = await ring(w);
    expect(backup.requests('INVITE')).toHaveLength(2);
    expect(toMain()).toBe(sentToMain);
    expect(second.log).toEqual([]);
  });

  it('first server answers 503: the INVITE goes to the second at once, in a new transaction', async () => {
    const w = await world([MAIN, BACKUP]);
    const { log } = await ring(w);
    const main = w.servers.get(MAIN.host)!;
    const refused = main.last('INVITE');
    await main.respond(refused, 503, { toTag: 'm1', reason: 'Service Unavailable' });
    expect(main.requests('ACK')).toHaveLength(1);
    const invite = w.servers.get(BACKUP.host)!.last('INVITE');
    expect(invite.callId).toBe(refused.callId);
    expect(invite.from.tag).toBe(refused.from.tag);
    expect(invite.topVia.branch).not.toBe(refused.topVia.branch);
    expect(invite.cseq.seq).toBe(refused.cseq.seq + 1);
    await backupAnswers(w);
    expect(log).toEqual(['ringing 180 early', 'established']);
  });
});
