// The door application on the real UserAgent over the loop network and a fake clock: a bell press puts an INVITE on
// the wire, the flat answers and types the code by SIP INFO, the relay pulses; calls to the door are declined or,
// for an allow-listed caller, answered with the listening tone.

import { describe, expect, it } from 'vitest';
import { FakeButton } from '../../hal/fake/FakeButton.ts';
import { FakeLed } from '../../hal/fake/FakeLed.ts';
import { FakeRelay } from '../../hal/fake/FakeRelay.ts';
import { ButtonSchema, DoorbellSchema } from '../../firmware-app/config/schema.ts';
import { DoorCodes } from '../../firmware-app/doorbell/DoorCodes.ts';
import { DoorStation } from '../../firmware-app/doorbell/DoorStation.ts';
import { Schedules } from '../../firmware-app/doorbell/schedule.ts';
import { FakeClock } from '../../firmware-app/platform/FakeClock.ts';
import { DialogLayer } from '../../firmware-app/sip/dialog/DialogLayer.ts';
import { type SipContext, TransactionLayer } from '../../firmware-app/sip/transaction/index.ts';
import { FakeDns } from '../../firmware-app/sip/transport/FakeDns.ts';
import { createLoopNetwork } from '../../firmware-app/sip/transport/loop.ts';
import { createResolver } from '../../firmware-app/sip/transport/resolver.ts';
import { TransportLayer } from '../../firmware-app/sip/transport/TransportLayer.ts';
import { UserAgent } from '../../firmware-app/sip/ua/UserAgent.ts';
import { DEVICE, FakeSdh, PEER, PEER_CONTACT, Peer, sdp, settle } from '../sip/dialog/harness.ts';
import { memoryLogger } from '../sip/transport/helpers.ts';
import { CODES, NOON, RecordingEvents, RecordingTones, SCHEDULES } from './support/doorRig.ts';

const FLAT = `sip:flat@${PEER.host}:${PEER.port}`;

/** The door (UA + DoorStation) at DEVICE; the flat's phone, a scripted Peer, at PEER (on the UA's allow-list). */
function door(autoAnswer: ReadonlyArray<{ from: string }> = []) {
  const clock = new FakeClock();
  const network = createLoopNetwork({ clock });
  const logger = memoryLogger();
  const transport = new TransportLayer(logger);
  transport.add(network.transport({ ...DEVICE, protocol: 'udp' }, transport.events));
  const transactions = new TransactionLayer({ clock, transport, logger });
  transport.setUser(transactions);
  const ctx: SipContext = {
    clock, logger, transactions, transport,
    resolver: createResolver({ dns: new FakeDns(), clock }),
    hasher: { hex: () => '', equal: (a, b) => a === b },
    random: () => 0.5,
  };
  const ua = new UserAgent(ctx, { contactUser: 'door', domain: DEVICE.host, allowList: [PEER.host] }, { dialogs: new DialogLayer(ctx), media: () => new FakeSdh() });
  const flat = new Peer(network, 'udp');
  const button = new FakeButton('1', clock);
  const relay = new FakeRelay('door', 10_000, clock);
  const doorbell = DoorbellSchema.parse({ incoming: { autoAnswer } });
  const schedules = new Schedules({ schedules: SCHEDULES, timeZone: 'UTC', wallClock: () => NOON });
  const events = new RecordingEvents();
  const tones = new RecordingTones(clock);
  const station = new DoorStation({
    buttons: [ButtonSchema.parse({ id: '1', plan: [{ targets: [FLAT], ringSec: 30 }] })],
    doorbell, sipMode: 'registered', phone: ua, tones, schedules, events,
    hardware: { buttons: new Map([['1', button]]), relays: new Map([['door', relay]]), leds: new Map([['status', new FakeLed('status', clock)]]) },
    codes: new DoorCodes({
      codes: CODES, entry: doorbell.codeEntry, schedules, clock, logger, events,
      hasher: { verify: async (code, hash) => hash === `plain:${code}` },
    }),
    platform: { clock, wallClock: () => NOON, logger },
  });
  station.start();
  return { clock, ua, flat, button, relay, station, events, tones, logger };
}

describe('DoorStation on the real UserAgent (loop network)', () => {
  it('press → INVITE → 200 → code by SIP INFO → relay pulse → BYE → idle', async () => {
    const d = door();
    d.button.press();
    await settle();
    const invite = d.flat.last('INVITE');
    expect(invite.requestUri).toBe(FLAT);
    expect(d.station.state.kind).toBe('calling');
    await d.flat.respond(invite, 180, { toTag: 'f1' });
    await d.flat.respond(invite, 200, { toTag: 'f1', headers: [['Contact', PEER_CONTACT]], body: sdp(PEER.host) });
    await settle();
    expect(d.flat.requests('ACK')).toHaveLength(1);
    expect(d.station.state.kind).toBe('connected');

    const dialog = { requestUri: `sip:door@${DEVICE.host}`, callId: invite.callId, from: `<${FLAT}>;tag=f1`, to: `<${invite.from.uri}>;tag=${invite.from.tag!}` };
    let cseq = 1;
    for (const signal of ['1', '2', '3', '4', '#']) {
      await d.flat.request('INFO', { ...dialog, cseq: cseq++, body: `Signal=${signal}\r\nDuration=100\r\n`, contentType: 'application/dtmf-relay' });
    }
    await settle();
    expect(d.relay.pulses.map((p) => p.ms)).toEqual([3000]);
    expect(d.events.of('doorOpened')).toEqual([expect.objectContaining({ relay: 'door', code: 'family' })]);

    await d.flat.request('BYE', { ...dialog, cseq: cseq++ });
    await settle();
    expect(d.station.state.kind).toBe('idle');
    expect(d.events.of('callEnded')).toEqual([expect.objectContaining({ reason: 'remoteBye' })]);
    d.station.stop();
  });

  it('an allow-listed caller is answered (180, 200) with the listening tone; another is declined with 603', async () => {
    const d = door([{ from: FLAT }]);
    const common = { requestUri: `sip:door@${DEVICE.host}`, to: `<sip:door@${DEVICE.host}>`, cseq: 1, headers: [['Contact', PEER_CONTACT]] as const, body: sdp(PEER.host) };
    await d.flat.request('INVITE', { ...common, callId: 'listen-1', from: `<sip:FLAT@${PEER.host}:${PEER.port};user=phone>;tag=a` });
    await settle();
    expect(d.flat.responses().map((r) => r.status)).toEqual([180, 200]);
    expect(d.station.state).toMatchObject({ kind: 'incomingConnected', listening: true });
    expect(d.tones.started).toEqual(['listening']);

    // Busy now: a second call gets 486.
    await d.flat.request('INVITE', { ...common, callId: 'second', from: `<sip:someone@${PEER.host}:${PEER.port}>;tag=b` });
    await settle();
    expect(d.flat.lastResponse().status).toBe(486);

    const stranger = door();
    await stranger.flat.request('INVITE', { ...common, callId: 'stranger', from: `<sip:flat@${PEER.host}:${PEER.port}>;tag=c` });
    await settle();
    expect(stranger.flat.responses().map((r) => r.status)).toEqual([603]);
    expect(stranger.station.state.kind).toBe('idle');
  });
});
