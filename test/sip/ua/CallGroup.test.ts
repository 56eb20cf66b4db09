// CallGroup: several INVITEs as one call; the first phone to answer wins, the others stop ringing.
import { describe, expect, it } from 'vitest';
import { Emitter } from '../../../firmware-app/platform/Emitter.ts';
import { COMPLETED_ELSEWHERE } from '../../../firmware-app/sip/dialog/index.ts';
import type { Call, CallEvents, CallState, HangupOptions } from '../../../firmware-app/sip/dialog/types.ts';
import { CallGroup } from '../../../firmware-app/sip/ua/CallGroup.ts';
import { PEER, scenario, sdp, settle } from '../dialog/harness.ts';

class FakeCall implements Call {
  readonly direction = 'outgoing' as const;
  readonly events = new Emitter<CallEvents>();
  readonly remote;
  state: CallState = 'calling';
  hangups = 0;
  readonly hangupReasons: Array<string | undefined> = [];
  constructor(readonly id: string) {
    this.remote = { uri: `sip:${id}@flat.test` };
  }
  hangup(options?: HangupOptions): void {
    this.hangups++;
    this.hangupReasons.push(options?.reason);
    this.end('cancelled');
  }
  ring(): void {
    this.state = 'early';
    this.events.emit('ringing', { status: 180, reason: 'Ringing', early: true });
  }
  answer(): void {
    this.state = 'confirmed';
    this.events.emit('established');
  }
  end(reason: 'cancelled' | 'rejected' | 'localBye' | 'timeout', status?: number): void {
    if (this.state === 'ended') return;
    this.state = 'ended';
    this.events.emit('ended', { reason, ...(status !== undefined ? { status } : {}) });
  }
}

function group(n: number): { calls: FakeCall[]; group: CallGroup; events: string[] } {
  const calls = Array.from({ length: n }, (_, i) => new FakeCall(`phone${i}`));
  const g = new CallGroup('g1', calls, () => {});
  const events: string[] = [];
  g.events.on('ringing', () => events.push('ringing'));
  g.events.on('established', () => events.push('established'));
  g.events.on('ended', (info) => events.push(`ended ${info.reason} ${info.status ?? ''}`.trim()));
  return { calls, group: g, events };
}

describe('CallGroup', () => {
  it('rings once, and the first phone to answer wins: the others are hung up', () => {
    const { calls, group: g, events } = group(3);
    calls[0]!.ring();
    calls[1]!.ring();
    calls[1]!.answer();
    expect(events).toEqual(['ringing', 'established']);
    expect(g.winner).toBe(calls[1]);
    expect(g.remote.uri).toBe('sip:phone1@flat.test');
    expect(calls.map((c) => c.hangups)).toEqual([1, 0, 1]);
  });

  it('hangs up the others with RFC 3326 "Call completed elsewhere", and nothing else with a reason', () => {
    const { calls, group: g } = group(3);
    calls[2]!.answer();
    expect(calls.map((c) => c.hangupReasons)).toEqual([[COMPLETED_ELSEWHERE], [COMPLETED_ELSEWHERE], []]);
    g.hangup();
    expect(calls[2]!.hangupReasons).toEqual([undefined]);
  });

  it('hangs up a second phone that answers too late', () => {
    const { calls, events } = group(2);
    calls[0]!.answer();
    calls[1]!.state = 'early';
    calls[1]!.answer();
    expect(events).toEqual(['established']);
  });

  it('ends when the winner ends, with the winner\'s reason', () => {
    const { calls, events } = group(2);
    calls[0]!.answer();
    calls[0]!.end('localBye');
    expect(events).toEqual(['established', 'ended localBye']);
  });

  it('ends only when every phone has ended without answering, keeping the most telling status', () => {
    const { calls, events } = group(3);
    calls[0]!.end('timeout');
    calls[1]!.end('rejected', 486);
    expect(events).toEqual([]);
    calls[2]!.end('timeout');
    expect(events).toEqual(['ended rejected 486']);
  });

  it('ends at once (asynchronously) when there was nobody to call', async () => {
    const { events } = group(0);
    expect(events).toEqual([]);
    await Promise.resolve();
    expect(events).toEqual(['ended failed']);
  });

  it('reports a throwing listener instead of letting it break the other phones', () => {
    const errors: string[] = [];
    const calls = [new FakeCall('a'), new FakeCall('b')];
    const g = new CallGroup('g2', calls, (event) => errors.push(event));
    g.events.on('established', () => {
      throw new Error('listener bug');
    });
    calls[0]!.answer();
    expect(errors).toEqual(['established']);
    expect(calls[1]!.hangups).toBe(1);
  });
});

describe('CallGroup on the wire', () => {
  it('CANCELs the phones that did not answer with Reason: SIP;cause=200;text="Call completed elsewhere"', async () => {
    const s = scenario();
    const hall = s.call({ uri: 'sip:hall@198.51.100.7:5070', to: { uri: 'sip:hall@198.51.100.7:5070' } });
    const kitchen = s.call({ uri: 'sip:kitchen@198.51.100.7:5070', to: { uri: 'sip:kitchen@198.51.100.7:5070' } });
    const g = new CallGroup('g3', [hall.call, kitchen.call], () => {});
    await settle();
    const [toHall, toKitchen] = ['sip:hall@198.51.100.7:5070', 'sip:kitchen@198.51.100.7:5070'].map((uri) => s.peer.requests('INVITE').find((i) => i.requestUri === uri)!);
    await s.peer.respond(toHall!, 180, { toTag: 'h' });
    await s.peer.respond(toKitchen!, 180, { toTag: 'k' });
    await s.peer.respond(toKitchen!, 200, { toTag: 'k', headers: [['Contact', '<sip:kitchen@198.51.100.7:5070>']], body: sdp(PEER.host) });
    expect(g.state).toBe('confirmed');
    const cancel = s.peer.last('CANCEL');
    expect(cancel.requestUri).toBe('sip:hall@198.51.100.7:5070');
    expect(cancel.topVia.branch).toBe(toHall!.topVia.branch);
    expect(cancel.headers('reason')).toEqual(['SIP;cause=200;text="Call completed elsewhere"']);
    expect(s.peer.requests('CANCEL')).toHaveLength(1);
  });
});
