// Whole stacks from createStack on the loop network and a fake clock: the door (registered mode) against a PBX that is
// another stack in standalone mode, so the far end is the project's own Registrar and its binding table. RFC 5626
// §4.4.1 / §4.5 flow recovery (connection closed, pong timeout, registrar restart), the incoming policy while a
// refresh failed, and no binding of ours left at any registrar after any sequence of registrations and a stop.

import { afterEach, describe, expect, it } from 'vitest';
import { SignallingOnlySession } from '../../support/signallingOnlySession.ts';
import { createNodeHasher } from '../../../firmware-app/platform/hash.ts';
import { FakeDns } from '../../../firmware-app/sip/transport/FakeDns.ts';
import { type LoopNetwork, type LoopTransport, createLoopNetwork } from '../../../firmware-app/sip/transport/loop.ts';
import type { Address, Inbound, TransportEvents, TransportProtocol } from '../../../firmware-app/sip/transport/types.ts';
import { type Stack, createStack } from '../../../firmware-app/sip/ua/createStack.ts';
import { SteppingClock, advanceSettling } from '../registration/harness.ts';
import { memoryLogger } from '../transport/helpers.ts';

const DOOR: Address = { host: '192.0.2.10', port: 5060 };
const PBX: Address = { host: '198.51.100.20', port: 5060 };
const BACKUP: Address = { host: '198.51.100.21', port: 5060 };
const PASSWORD = 'Door-Pa55word-1';
const TOKEN = 'k7q2x9vbw3tzk7q2';
const INSTANCE = 'urn:uuid:6b0e3c1a-7d2f-4c1e-9a51-0c2d3e4f5a6b';
const decoder = new TextDecoder();
const encoder = new TextEncoder();

interface Pbx {
  readonly stack: Stack;
  readonly driver: LoopTransport;
  /** While true, everything sent to this PBX is lost (a dead host; its connections stay open). */
  deaf: boolean;
}

interface World {
  readonly clock: SteppingClock;
  readonly network: LoopNetwork;
  readonly logger: ReturnType<typeof memoryLogger>;
  /** Fake times at which a REGISTER reached each PBX address (`host:port`). */
  readonly registers: Map<string, number[]>;
  /** When set, responses to the door claim it was seen at this address (Via received/rport): a NAT. */
  nat: Address | undefined;
  settle(): Promise<void>;
  advance(ms: number): Promise<void>;
}

const stacks: Stack[] = [];
afterEach(async () => {
  // The stacks live on a fake clock: their un-REGISTERs are bounded by timers nobody advances any more.
  stacks.length = 0;
});

function world(): World {
  const clock = new SteppingClock();
  const network = createLoopNetwork({ clock });
  const registers = new Map<string, number[]>();
  network.onSend((packet) => {
    if (!decoder.decode(packet.bytes.subarray(0, 9)).startsWith('REGISTER ')) return;
    const key = `${packet.to.host}:${packet.to.port}`;
    registers.set(key, [...(registers.get(key) ?? []), clock.now()]);
  });
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 4; i++) await new Promise((resolve) => setImmediate(resolve));
  };
  return {
    clock, network, logger: memoryLogger(), registers, nat: undefined, settle,
    advance: (ms) => advanceSettling(clock, ms, settle),
  };
}

/** A PBX: a standalone stack whose built-in Registrar knows the door's account. Binds synchronously. */
function pbx(w: World, protocol: TransportProtocol, address: Address = PBX): Promise<Pbx> {
  const far = { deaf: false };
  let driver: LoopTransport | undefined;
  const made = createStack({
    listen: { host: address.host, port: address.port, transports: [] },
    standalone: { domain: 'example.org', users: [{ username: 'door', password: PASSWORD }] },
    contactUser: 'pbx-token-unused',
    instanceId: 'urn:uuid:00000000-0000-4000-8000-000000000001',
    localUsers: ['pbx'],
    displayName: 'PBX',
    peerAllowList: [],
    media: (local) => new SignallingOnlySession(local.host),
  }, {
    clock: w.clock, logger: w.logger, hasher: createNodeHasher(), random: () => 0.5, dns: new FakeDns(),
    transports: (events) => {
      driver = w.network.transport({ ...address, protocol }, {
        ...events,
        message: (inbound) => {
          if (!far.deaf) events.message(inbound);
        },
      });
      return [driver];
    },
  });
  return made.then((stack) => {
    stacks.push(stack);
    return Object.assign(far, { stack, driver: driver! });
  });
}

/** Rewrites the Via of a response to the door as a NAT in front of it would make the registrar write it. */
function natted(w: World, inbound: Inbound): Inbound {
  const text = decoder.decode(inbound.bytes);
  if (w.nat === undefined || !text.startsWith('SIP/2.0 ')) return inbound;
  const rewritten = text.replace(/^(Via:[^\r\n]*?);rport=\d+(;received=[^;\r\n]*)?/im, `$1;rport=${w.nat.port};received=${w.nat.host}`);
  return { ...inbound, bytes: encoder.encode(rewritten) };
}

async function door(w: World, protocol: TransportProtocol, extra: { backupRegistrar?: string } = {}): Promise<{ stack: Stack; driver: LoopTransport }> {
  let driver: LoopTransport | undefined;
  const stack = await createStack({
    listen: { host: DOOR.host, port: DOOR.port, transports: [] },
    account: {
      registrar: `sip:${PBX.host}`,
      ...extra,
      protocol,
      aor: 'sip:door@example.org',
      credentials: { username: 'door', password: PASSWORD },
      expires: 600,
    },
    contactUser: TOKEN,
    instanceId: INSTANCE,
    localUsers: ['door'],
    displayName: 'Front Door',
    peerAllowList: [],
    media: (local) => new SignallingOnlySession(local.host),
  }, {
    clock: w.clock, logger: w.logger, hasher: createNodeHasher(), random: () => 0.5, dns: new FakeDns(),
    transports: (events: TransportEvents) => {
      driver = w.network.transport({ ...DOOR, protocol }, { ...events, message: (inbound) => events.message(natted(w, inbound)) });
      return [driver];
    },
  });
  stacks.push(stack);
  return { stack, driver: driver! };
}

function bindingsAt(p: Pbx): readonly { readonly contact: string; readonly instanceId?: string }[] {
  return p.stack.registrar!.lookup('door');
}

/** Stops the door (un-REGISTERs answered through their 401s) within the stop bound. */
async function stopDoor(w: World, d: { stack: Stack }): Promise<void> {
  const closed = d.stack.close();
  await w.advance(5_000);
  await closed;
}

describe('createStack scenarios: RFC 5626 flow recovery against the built-in registrar', () => {
  it('TCP: the PBX closes the registration\'s connection → the door re-registers at once on a new one', async () => {
    const w = world();
    const p = await pbx(w, 'tcp');
    const d = await door(w, 'tcp');
    await w.settle();
    expect(d.stack.registration!.state).toBe('registered');
    expect(bindingsAt(p)).toHaveLength(1);
    await w.advance(60_000);
    const flow = p.stack.registrar!.lookup('door')[0]!;
    p.driver.closeFlow((flow as { flowId: string }).flowId);
    await w.settle();
    expect(w.registers.get('198.51.100.20:5060')).toEqual([0, 0, 60_000, 60_000]); // 401 → 200, twice
    expect(d.stack.registration!.state).toBe('registered');
    expect(bindingsAt(p)).toHaveLength(1);
    expect(w.logger.lines).toContain('info flowFailed target=198.51.100.20:5060 protocol=tcp reason=flow-closed');
    await stopDoor(w, d);
    expect(bindingsAt(p)).toEqual([]);
  });

  it('TCP: a ping whose pong never comes fails the flow after 10 s → closed, re-registered at once', async () => {
    const w = world();
    const p = await pbx(w, 'tcp');
    const d = await door(w, 'tcp');
    await w.settle();
    // RFC 5626 §6: the built-in registrar supports outbound and says so, so the door expects its pongs from the start.
    const oks = w.network.sent.map((sent) => decoder.decode(sent.bytes)).filter((text) => text.startsWith('SIP/2.0 200 '));
    expect(oks.map((text) => /\r\nRequire: outbound\r\n/.test(text))).toEqual([true]);
    await w.advance(24_000);
    d.driver.dropNext(1); // the keep-alive ping at 25 s (random 0.5: 25 s × 1.0) is lost
    await w.advance(10_999);
    expect(w.registers.get('198.51.100.20:5060')).toEqual([0, 0]);
    await w.advance(1);
    expect(w.registers.get('198.51.100.20:5060')).toEqual([0, 0, 35_000, 35_000]);
    expect(w.logger.lines).toContain('info flowFailed target=198.51.100.20:5060 protocol=tcp reason=pong-timeout');
    expect(d.stack.registration!.state).toBe('registered');
    await w.advance(300_000); // answered pings from now on: nothing more to do
    expect(w.registers.get('198.51.100.20:5060')).toHaveLength(4);
    await stopDoor(w, d);
    expect(bindingsAt(p)).toEqual([]);
  });

  it('TCP: a registrar restart (bindings lost) → registered at the new one within 10 s', async () => {
    const w = world();
    const first = await pbx(w, 'tcp');
    const d = await door(w, 'tcp');
    await w.settle();
    await w.advance(100_000);
    // The old process dies (its connections close) and the new one listens on the same address.
    void first.driver.close();
    const second = await pbx(w, 'tcp');
    await w.advance(10_000);
    expect(bindingsAt(second)).toHaveLength(1);
    expect(w.registers.get('198.51.100.20:5060')!.slice(2)).toEqual([100_000, 100_000]);
    expect(d.stack.registration!.state).toBe('registered');
    await stopDoor(w, d);
    expect(bindingsAt(second)).toEqual([]);
  });

  it('TCP: a registrar that listens again only 3 s after its restart → registered within 10 s, no §4.5 wait', async () => {
    const w = world();
    const first = await pbx(w, 'tcp');
    const d = await door(w, 'tcp');
    await w.settle();
    await w.advance(100_000);
    void first.driver.close();
    await w.advance(3_000); // connects are refused meanwhile
    const second = await pbx(w, 'tcp');
    await w.advance(7_000);
    expect(bindingsAt(second)).toHaveLength(1);
    expect(d.stack.registration!.state).toBe('registered');
    const failed = w.logger.lines.filter((l) => l.split(' ')[1] === 'registrationFailed');
    expect(failed.length).toBeGreaterThan(0);
    for (const line of failed) expect(Number(/retryInSeconds=(\d+(?:\.\d+)?)/.exec(line)?.[1])).toBeLessThanOrEqual(4);
    await stopDoor(w, d);
    expect(bindingsAt(second)).toEqual([]);
  });

  it('UDP: a registrar restart (bindings lost) → registered again within one refresh interval', async () => {
    const w = world();
    const first = await pbx(w, 'udp');
    const d = await door(w, 'udp');
    await w.settle();
    await w.advance(100_000);
    void first.driver.close();
    const second = await pbx(w, 'udp');
    await w.settle();
    expect(bindingsAt(second)).toEqual([]);
    await w.advance(540_000);
    expect(bindingsAt(second)).toHaveLength(1);
    expect(d.stack.registration!.state).toBe('registered');
    await stopDoor(w, d);
    expect(bindingsAt(second)).toEqual([]);
  });
});

describe('createStack scenarios: incoming calls while a refresh failed', () => {
  it('accepts the registrar\'s INVITE while the last 200\'s binding is still valid, though the refresh failed', async () => {
    const w = world();
    const p = await pbx(w, 'udp');
    const d = await door(w, 'udp');
    await w.settle();
    const incoming: number[] = [];
    const refused: string[] = [];
    d.stack.ua.events.on('callIncoming', (call) => {
      incoming.push(w.clock.now());
      call.reject(486, 'Busy Here');
    });
    d.stack.ua.events.on('requestRefused', (info) => refused.push(info.reason));
    // Our registrar does not answer OPTIONS to no user: after the first keep-alive timed out (25 + 32 s), the door
    // registered again at 57 s and pings CRLFs since. Its refresh at 57 + 540 s goes unanswered (Timer F: failed at
    // 629 s); the binding granted at 57 s lasts until 657 s.
    await w.advance(596_000);
    expect(w.registers.get('198.51.100.20:5060')).toEqual([0, 0, 57_000, 57_000]);
    p.deaf = true;
    await w.advance(33_000);
    p.deaf = false;
    expect(d.stack.registration!.state).toBe('failed');
    expect(d.stack.registration!.bindingValidUntil).toBe(657_000);
    void p.stack.ua.call(['door']);
    await w.advance(1_000);
    expect(incoming).toEqual([629_000]);
    expect(refused).toEqual([]);
    await stopDoor(w, d);
    expect(bindingsAt(p)).toEqual([]);
  });
});

describe('createStack scenarios: no binding of ours is left after any sequence and a stop', () => {
  it('UDP: register, failover to the backup, back to the primary behind a new NAT, refresh, stop → neither registrar holds a binding', async () => {
    const w = world();
    const primary = await pbx(w, 'udp', PBX);
    const backup = await pbx(w, 'udp', BACKUP);
    const d = await door(w, 'udp', { backupRegistrar: `sip:${BACKUP.host}` });
    await w.settle();
    expect(bindingsAt(primary)).toHaveLength(1);
    // The primary goes deaf: the first keep-alive times out (25 + 32 s) and the door moves to the backup.
    primary.deaf = true;
    await w.advance(57_000);
    expect(w.registers.get('198.51.100.21:5060')).toEqual([57_000, 57_000]);
    expect(bindingsAt(backup)).toHaveLength(1);
    primary.deaf = false;
    // A NAT appears in front of the door. Our registrar answers no OPTIONS to no user, so the keep-alive at the
    // backup times out too (57 + 25 + 32 s): the door goes back to the primary, whose 401 shows the NAT. It binds
    // the public address there, then removes the private Contact the primary still held by a REGISTER of its own.
    w.nat = { host: '203.0.113.7', port: 62000 };
    await w.advance(57_000);
    expect(w.registers.get('198.51.100.20:5060')).toEqual([0, 0, 114_000, 114_000, 114_000, 114_000]);
    expect(bindingsAt(primary).map((b) => b.contact)).toEqual([`sip:${TOKEN}@203.0.113.7:62000;transport=udp`]);
    expect(bindingsAt(backup)).toHaveLength(1); // granted at 57 s until 657 s
    await w.advance(540_000); // the refresh at the primary (114 + 540 s)
    expect(w.registers.get('198.51.100.20:5060')).toHaveLength(8);
    expect(bindingsAt(primary)).toHaveLength(1);
    expect(bindingsAt(backup)).toHaveLength(1);
    await stopDoor(w, d);
    expect(bindingsAt(primary)).toEqual([]);
    expect(bindingsAt(backup)).toEqual([]); // removed too, though the door had moved on from it
    expect(w.logger.lines.filter((l) => l.split(' ')[1] === 'unregistered')).toHaveLength(1);
  });

  it('TCP: register, connection lost, pong lost, NAT rebind, refresh, stop → the registrar holds no binding', async () => {
    const w = world();
    const p = await pbx(w, 'tcp');
    const d = await door(w, 'tcp');
    await w.settle();
    const flowOf = (): string => (p.stack.registrar!.lookup('door')[0] as { flowId: string }).flowId;
    p.driver.closeFlow(flowOf());
    await w.settle();
    await w.advance(24_000);
    d.driver.dropNext(1);
    await w.advance(11_000);
    w.nat = { host: '203.0.113.7', port: 62000 };
    p.driver.closeFlow(flowOf()); // the new connection's answers show the NAT
    await w.advance(700_000);
    expect(bindingsAt(p)).toHaveLength(1);
    // Over TCP only the NAT's host is learnt: the rport is the connection's own port (RFC 3581 over a stream).
    expect(bindingsAt(p)[0]!.contact).toBe(`sip:${TOKEN}@203.0.113.7:5060;transport=tcp`);
    await stopDoor(w, d);
    expect(bindingsAt(p)).toEqual([]);
  });
});
