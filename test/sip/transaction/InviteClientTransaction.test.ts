// INVITE client transaction: RFC 3261 §17.1.1 (Timers A, B, D; ACK of §17.1.1.3) and RFC 6026 §7.2 (Accepted, Timer M).
import { describe, expect, it } from 'vitest';
import { type SipMessage } from '../../../firmware-app/sip/message/index.ts';
import { type InviteClientTransaction } from '../../../firmware-app/sip/transaction/index.ts';
import type { TransportProtocol } from '../../../firmware-app/sip/transport/types.ts';
import { makeRequest, makeResponse } from '../../support/sipMessages.ts';
import { type Harness, advance, flush, harness, inboundOf, sendFailed, targetOf } from './harness.ts';

const ROUTE = '<sip:pbx.example.com;lr>';

function invite(): SipMessage {
  return makeRequest({ method: 'INVITE', route: [ROUTE], body: '' });
}

/** Starts an INVITE client transaction at t=0 towards the peer over `protocol`. */
function start(protocol: TransportProtocol = 'udp'): Harness & { invite: SipMessage; tx: InviteClientTransaction } {
  const h = harness();
  const request = invite();
  const tx = h.layer.sendRequest(request, targetOf(protocol), h.tu, 'flow-7') as InviteClientTransaction;
  return { ...h, invite: request, tx };
}

describe('INVITE client transaction over UDP: Calling (§17.1.1.2)', () => {
  it('sends the INVITE as given, to the target, on the flow it was asked for', () => {
    const { transport, invite: request, tx } = start();
    expect(tx.kind).toBe('invite-client');
    expect(tx.state).toBe('calling');
    expect(transport.sent).toHaveLength(1);
    expect(transport.last.bytes).toEqual(request.bytes);
    expect(transport.last).toMatchObject({ via: 'send', at: 0, target: targetOf('udp'), flowId: 'flow-7' });
  });

  it('retransmits on Timer A, doubling from T1 without a cap, until Timer B at 64*T1', async () => {
    const { clock, transport, tu, tx, layer } = start();
    await advance(clock, 31_999);
    expect(transport.times('INVITE')).toEqual([0, 500, 1500, 3500, 7500, 15_500, 31_500]);
    for (const sent of transport.sent) expect(sent.bytes).toEqual(transport.sent[0]!.bytes);
    expect(tu.timeouts).toEqual([]);
    expect(tx.state).toBe('calling');

    await advance(clock, 1);
    expect(tu.timeouts).toEqual([32_000]);
    expect(tx.state).toBe('terminated');
    expect(layer.size).toEqual({ client: 0, server: 0 });

    await advance(clock, 120_000);
    expect(transport.sent).toHaveLength(7);
    expect(tu.timeouts).toHaveLength(1);
    expect(tu.responses).toEqual([]);
    expect(tu.transportErrors).toEqual([]);
    expect(clock.pending).toBe(0);
  });

  it('scales the schedule with a custom T1', async () => {
    const h = harness({ T1: 100, T2: 4000, T4: 5000 });
    h.layer.sendRequest(invite(), targetOf('udp'), h.tu);
    await advance(h.clock, 10_000);
    expect(h.transport.times('INVITE')).toEqual([0, 100, 300, 700, 1500, 3100, 6300]);
    expect(h.tu.timeouts).toEqual([6400]);
  });

  it('reports a transport error on the first send to the TU and terminates, nothing thrown', async () => {
    const h = harness();
    h.transport.failWith = sendFailed();
    const tx = h.layer.sendRequest(invite(), targetOf('udp'), h.tu);
    await flush();
    expect(h.tu.transportErrors).toEqual([h.transport.failWith]);
    expect(tx.state).toBe('terminated');
    expect(h.layer.size).toEqual({ client: 0, server: 0 });
    await advance(h.clock, 64_000);
    expect(h.transport.sent).toHaveLength(1);
    expect(h.tu.timeouts).toEqual([]);
    expect(h.tu.transportErrors).toHaveLength(1);
  });

  it('reports a transport error on a retransmission and stops there (§17.1.4)', async () => {
    const { clock, transport, tu, tx } = start();
    await advance(clock, 500);
    transport.failWith = sendFailed();
    await advance(clock, 1000);
    expect(transport.times('INVITE')).toEqual([0, 500, 1500]);
    expect(tu.transportErrors).toHaveLength(1);
    expect(tx.state).toBe('terminated');
    await advance(clock, 64_000);
    expect(transport.sent).toHaveLength(3);
    expect(tu.timeouts).toEqual([]);
  });
});

describe('INVITE client transaction over TCP (reliable)', () => {
  it('sends once and times out on Timer B at 64*T1', async () => {
    const { clock, transport, tu, tx } = start('tcp');
    await advance(clock, 31_999);
    expect(transport.times('INVITE')).toEqual([0]);
    expect(tu.timeouts).toEqual([]);
    await advance(clock, 1);
    expect(tu.timeouts).toEqual([32_000]);
    expect(tx.state).toBe('terminated');
    await advance(clock, 60_000);
    expect(transport.sent).toHaveLength(1);
  });

  it('terminates at once after a non-2xx final: Timer D is zero', async () => {
    const { clock, transport, tu, tx, layer, invite: request } = start('tcp');
    layer.response(makeResponse(request, 486, { toTag: 'u1' }), inboundOf(request, 'tcp'));
    expect(tx.state).toBe('completed');
    expect(transport.matching('ACK')).toHaveLength(1);
    await advance(clock, 0);
    expect(tx.state).toBe('terminated');
    expect(tu.statuses).toEqual([486]);
    expect(layer.size).toEqual({ client: 0, server: 0 });
  });
});

describe('INVITE client transaction: Proceeding', () => {
  it('passes 1xx up, stops retransmitting, and lets no Timer B fire', async () => {
    const { clock, transport, tu, tx, layer, invite: request } = start();
    await advance(clock, 600); // INVITE at 0 and 500
    const ringing = makeResponse(request, 180, { toTag: 'u1' });
    layer.response(ringing, inboundOf(request));
    expect(tx.state).toBe('proceeding');
    expect(tu.responses).toEqual([ringing]);

    layer.response(makeResponse(request, 183, { toTag: 'u1' }), inboundOf(request));
    expect(tu.statuses).toEqual([180, 183]);
    expect(tx.state).toBe('proceeding');

    await advance(clock, 120_000);
    expect(transport.times('INVITE')).toEqual([0, 500]);
    expect(tu.timeouts).toEqual([]);
    expect(tx.state).toBe('proceeding');
  });

  it('accepts a 100 Trying as a provisional response', () => {
    const { tu, tx, layer, invite: request } = start();
    layer.response(makeResponse(request, 100), inboundOf(request));
    expect(tx.state).toBe('proceeding');
    expect(tu.statuses).toEqual([100]);
  });
});

describe('INVITE client transaction: non-2xx final, Completed and the ACK (§17.1.1.3)', () => {
  it('moves to Completed, sends one ACK built as §17.1.1.3 says, and passes the response up once', async () => {
    const { clock, transport, tu, tx, layer, invite: request } = start();
    await advance(clock, 600);
    layer.response(makeResponse(request, 180, { toTag: 'u1' }), inboundOf(request));
    const busy = makeResponse(request, 486, { toTag: 'u1' });
    layer.response(busy, inboundOf(request));
    expect(tx.state).toBe('completed');
    expect(tu.responses.map((r) => r.status)).toEqual([180, 486]);
    expect(tu.responses[1]).toBe(busy);

    const acks = transport.matching('ACK');
    expect(acks).toHaveLength(1);
    const ack = acks[0]!.message;
    expect(acks[0]).toMatchObject({ via: 'send', at: 600, target: targetOf('udp'), flowId: 'flow-7' });
    expect(ack.method).toBe('ACK');
    expect(ack.requestUri).toBe(request.requestUri);
    expect(ack.callId).toBe(request.callId);
    expect(ack.header('from')).toBe(request.header('from'));
    expect(ack.cseq).toEqual({ seq: request.cseq.seq, method: 'ACK' });
    expect(ack.header('to')).toBe(busy.header('to'));
    expect(ack.to.tag).toBe('u1');
    expect(ack.headers('via')).toEqual([request.headers('via')[0]]);
    expect(ack.topVia.branch).toBe(request.topVia.branch);
    expect(ack.headers('route')).toEqual([ROUTE]);
    expect(ack.header('max-forwards')).toBe('70');
    expect(ack.contentLength).toBe(0);
  });

  it('copies every Route and only the top Via into the ACK', () => {
    const h = harness();
    const request = makeRequest({
      method: 'INVITE',
      route: ['<sip:p1.example.com;lr>', '<sip:p2.example.com;lr>'],
      lowerVias: ['SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKlower'],
    });
    h.layer.sendRequest(request, targetOf('udp'), h.tu);
    h.layer.response(makeResponse(request, 603, { toTag: 'd1' }), inboundOf(request));
    const ack = h.transport.matching('ACK')[0]!.message;
    expect(ack.headers('route')).toEqual(['<sip:p1.example.com;lr>', '<sip:p2.example.com;lr>']);
    expect(ack.via).toHaveLength(1);
    expect(ack.topVia.branch).toBe(request.topVia.branch);
  });

  it('re-sends the same ACK for every retransmitted final response, without passing it up again', async () => {
    const { clock, transport, tu, tx, layer, invite: request } = start();
    const busy = makeResponse(request, 486, { toTag: 'u1' });
    layer.response(busy, inboundOf(request));
    await advance(clock, 1000);
    layer.response(makeResponse(request, 486, { toTag: 'u1' }), inboundOf(request));
    await advance(clock, 2000);
    layer.response(makeResponse(request, 486, { toTag: 'u1' }), inboundOf(request));
    const acks = transport.matching('ACK');
    expect(acks.map((s) => s.at)).toEqual([0, 1000, 3000]);
    expect(acks[1]!.bytes).toEqual(acks[0]!.bytes);
    expect(acks[2]!.bytes).toEqual(acks[0]!.bytes);
    expect(tu.statuses).toEqual([486]);
    expect(tx.state).toBe('completed');
  });

  it('ignores provisional and 2xx responses in Completed', () => {
    const { transport, tu, tx, layer, invite: request } = start();
    layer.response(makeResponse(request, 486, { toTag: 'u1' }), inboundOf(request));
    layer.response(makeResponse(request, 180, { toTag: 'u1' }), inboundOf(request));
    layer.response(makeResponse(request, 200, { toTag: 'u2' }), inboundOf(request));
    expect(tu.statuses).toEqual([486]);
    expect(transport.matching('ACK')).toHaveLength(1);
    expect(tx.state).toBe('completed');
  });

  it('stops retransmitting the INVITE and terminates on Timer D (32 s over UDP)', async () => {
    const { clock, transport, tu, tx, layer, invite: request } = start();
    await advance(clock, 700); // INVITE at 0 and 500
    layer.response(makeResponse(request, 404, { toTag: 'n1' }), inboundOf(request));
    await advance(clock, 31_999);
    expect(tx.state).toBe('completed');
    expect(transport.times('INVITE')).toEqual([0, 500]);
    await advance(clock, 1);
    expect(tx.state).toBe('terminated');
    expect(layer.size).toEqual({ client: 0, server: 0 });
    expect(tu.timeouts).toEqual([]);
    expect(tu.transportErrors).toEqual([]);
    expect(clock.pending).toBe(0);
  });

  it('handles 3xx like any non-2xx final', () => {
    const { transport, tu, tx, layer, invite: request } = start();
    layer.response(makeResponse(request, 302, { toTag: 'r1' }), inboundOf(request));
    expect(tx.state).toBe('completed');
    expect(tu.statuses).toEqual([302]);
    expect(transport.matching('ACK')).toHaveLength(1);
  });

  it('after Timer D a late final response is a stray: no ACK from a transaction that is gone', async () => {
    const { clock, transport, user, layer, invite: request } = start();
    layer.response(makeResponse(request, 486, { toTag: 'u1' }), inboundOf(request));
    await advance(clock, 32_000);
    const late = makeResponse(request, 486, { toTag: 'u1' });
    layer.response(late, inboundOf(request));
    expect(user.strays).toEqual([late]);
    expect(transport.matching('ACK')).toHaveLength(1);
  });

  // RFC 3261 Figure 5: Completed --"Transport Err. / Inform TU"--> Terminated; §17.1.4 likewise.
  it('informs the TU when the ACK cannot be sent, and terminates (Figure 5, §17.1.4)', async () => {
    const { transport, tu, tx, layer, invite: request } = start();
    await flush();
    transport.failWith = sendFailed();
    layer.response(makeResponse(request, 486, { toTag: 'u1' }), inboundOf(request));
    await flush();
    expect(tx.state).toBe('terminated');
    expect(tu.statuses).toEqual([486]);
    expect(tu.transportErrors).toEqual([transport.failWith]);
  });
});

describe('INVITE client transaction: 2xx and Accepted (RFC 6026 §7.2)', () => {
  it('moves to Accepted, sends no ACK itself, passes 2xx retransmissions up, and ends on Timer M', async () => {
    const { clock, transport, tu, tx, layer, invite: request } = start();
    await advance(clock, 600);
    const ok = makeResponse(request, 200, { toTag: 'u1' });
    layer.response(ok, inboundOf(request));
    expect(tx.state).toBe('accepted');
    expect(tu.responses).toEqual([ok]);

    await advance(clock, 4000);
    const again = makeResponse(request, 200, { toTag: 'u1' });
    layer.response(again, inboundOf(request));
    // A 2xx from another fork creates another dialog: the TU must see it too.
    const forked = makeResponse(request, 200, { toTag: 'u2' });
    layer.response(forked, inboundOf(request));
    expect(tu.responses).toEqual([ok, again, forked]);
    // Non-2xx and provisionals are not passed up in Accepted.
    layer.response(makeResponse(request, 486, { toTag: 'u3' }), inboundOf(request));
    layer.response(makeResponse(request, 180, { toTag: 'u1' }), inboundOf(request));
    expect(tu.responses).toHaveLength(3);

    expect(transport.matching('ACK')).toEqual([]);
    expect(transport.times('INVITE')).toEqual([0, 500]);
    expect(tu.timeouts).toEqual([]);

    await advance(clock, 32_000 - 4000 - 1);
    expect(tx.state).toBe('accepted');
    await advance(clock, 1);
    expect(tx.state).toBe('terminated');
    expect(layer.size).toEqual({ client: 0, server: 0 });
    expect(tu.timeouts).toEqual([]);
  });

  it('passes a 2xx received after Timer M to the UA core as a stray response', async () => {
    const { clock, tu, user, layer, invite: request } = start();
    layer.response(makeResponse(request, 200, { toTag: 'u1' }), inboundOf(request));
    await advance(clock, 32_000);
    const late = makeResponse(request, 200, { toTag: 'u1' });
    layer.response(late, inboundOf(request));
    expect(tu.responses).toHaveLength(1);
    expect(user.strays).toEqual([late]);
  });

  it('moves from Proceeding to Accepted too', async () => {
    const { clock, tu, tx, layer, invite: request } = start('tcp');
    layer.response(makeResponse(request, 180, { toTag: 'u1' }), inboundOf(request, 'tcp'));
    layer.response(makeResponse(request, 200, { toTag: 'u1' }), inboundOf(request, 'tcp'));
    expect(tx.state).toBe('accepted');
    expect(tu.statuses).toEqual([180, 200]);
    // Timer M is 64*T1 over TCP as well.
    await advance(clock, 31_999);
    expect(tx.state).toBe('accepted');
    await advance(clock, 1);
    expect(tx.state).toBe('terminated');
  });
});
