// Non-INVITE client transaction: RFC 3261 §17.1.2 (Timers E, F, K).
import { describe, expect, it } from 'vitest';
import { type SipMessage } from '../../../firmware-app/sip/message/index.ts';
import { type NonInviteClientTransaction } from '../../../firmware-app/sip/transaction/index.ts';
import type { TransportProtocol } from '../../../firmware-app/sip/transport/types.ts';
import { makeRequest, makeResponse } from '../../support/sipMessages.ts';
import { type Harness, advance, flush, harness, inboundOf, sendFailed, targetOf } from './harness.ts';

function register(): SipMessage {
  return makeRequest({
    method: 'REGISTER',
    requestUri: 'sip:pbx.example.com',
    to: '<sip:door@pbx.example.com>',
    headers: [['Contact', '<sip:door@192.0.2.10:5060>'], ['Expires', '3600']],
  });
}

function start(protocol: TransportProtocol = 'udp'): Harness & { request: SipMessage; tx: NonInviteClientTransaction } {
  const h = harness();
  const request = register();
  const tx = h.layer.sendRequest(request, targetOf(protocol), h.tu) as NonInviteClientTransaction;
  return { ...h, request, tx };
}

/** Every send time from `first` on, `step` apart, before `end`. */
function every(first: number, step: number, end: number): number[] {
  const out: number[] = [];
  for (let t = first; t < end; t += step) out.push(t);
  return out;
}

describe('non-INVITE client transaction over UDP: Trying (§17.1.2.2)', () => {
  it('sends the request at once, in state Trying', () => {
    const { transport, request, tx } = start();
    expect(tx.kind).toBe('non-invite-client');
    expect(tx.state).toBe('trying');
    expect(transport.sent).toHaveLength(1);
    expect(transport.last.bytes).toEqual(request.bytes);
    expect(transport.last).toMatchObject({ at: 0, via: 'send', target: targetOf('udp') });
  });

  it('retransmits on Timer E, doubling from T1 up to T2, and times out on Timer F at 64*T1', async () => {
    const { clock, transport, tu, tx, layer } = start();
    await advance(clock, 31_999);
    expect(transport.times('REGISTER')).toEqual([0, 500, 1500, 3500, 7500, 11_500, 15_500, 19_500, 23_500, 27_500, 31_500]);
    for (const sent of transport.sent) expect(sent.bytes).toEqual(transport.sent[0]!.bytes);
    expect(tu.timeouts).toEqual([]);
    await advance(clock, 1);
    expect(tu.timeouts).toEqual([32_000]);
    expect(tx.state).toBe('terminated');
    expect(layer.size).toEqual({ client: 0, server: 0 });
    await advance(clock, 100_000);
    expect(transport.sent).toHaveLength(11);
    expect(tu.timeouts).toHaveLength(1);
    expect(clock.pending).toBe(0);
  });

  it('caps Timer E at a custom T2', async () => {
    const h = harness({ T1: 500, T2: 1000, T4: 5000 });
    h.layer.sendRequest(register(), targetOf('udp'), h.tu);
    await advance(h.clock, 5000);
    expect(h.transport.times('REGISTER')).toEqual([0, 500, 1500, 2500, 3500, 4500]);
  });

  it('reports a transport error to the TU and terminates', async () => {
    const { clock, transport, tu, tx } = start();
    transport.failWith = sendFailed();
    await advance(clock, 500);
    expect(tu.transportErrors).toEqual([transport.failWith]);
    expect(tx.state).toBe('terminated');
    await advance(clock, 60_000);
    expect(transport.sent).toHaveLength(2);
    expect(tu.timeouts).toEqual([]);
  });
});

describe('non-INVITE client transaction: Proceeding', () => {
  it('passes every 1xx up and retransmits every T2 once the running Timer E fires', async () => {
    const { clock, transport, tu, tx, layer, request } = start();
    await advance(clock, 100);
    const trying = makeResponse(request, 100);
    layer.response(trying, inboundOf(request));
    expect(tx.state).toBe('proceeding');
    expect(tu.responses).toEqual([trying]);
    layer.response(makeResponse(request, 100), inboundOf(request));
    expect(tu.statuses).toEqual([100, 100]);

    await advance(clock, 31_899);
    // The Timer E armed in Trying still fires at 500; from then on "reset with a value of T2".
    expect(transport.times('REGISTER')).toEqual([0, ...every(500, 4000, 32_000)]);
    expect(tu.timeouts).toEqual([]);
    await advance(clock, 1);
    expect(tu.timeouts).toEqual([32_000]);
    expect(tx.state).toBe('terminated');
  });

  it('switches to T2 after a 1xx that arrives late in the backoff', async () => {
    const { clock, transport, layer, request } = start();
    await advance(clock, 2000); // sends at 0, 500, 1500; Timer E due at 3500
    layer.response(makeResponse(request, 100), inboundOf(request));
    await advance(clock, 14_000);
    expect(transport.times('REGISTER')).toEqual([0, 500, 1500, 3500, 7500, 11_500, 15_500]);
  });

  it('over TCP, sends once in Trying and times out on Timer F at 64*T1', async () => {
    const { clock, transport, tu, tx } = start('tcp');
    await advance(clock, 31_999);
    expect(transport.times('REGISTER')).toEqual([0]);
    expect(tu.timeouts).toEqual([]);
    await advance(clock, 1);
    expect(tu.timeouts).toEqual([32_000]);
    expect(tx.state).toBe('terminated');
  });

  it('over TCP, in Proceeding, times out on Timer F without any retransmission', async () => {
    const { clock, transport, tu, layer, request } = start('tcp');
    layer.response(makeResponse(request, 100), inboundOf(request, 'tcp'));
    await advance(clock, 32_000);
    expect(transport.times('REGISTER')).toEqual([0]);
    expect(tu.timeouts).toEqual([32_000]);
  });
});

describe('non-INVITE client transaction: final response, Completed and Timer K', () => {
  it('passes the final response up once, stops retransmitting, absorbs retransmissions, ends on Timer K (T4)', async () => {
    const { clock, transport, tu, tx, layer, request } = start();
    await advance(clock, 1000); // sends at 0, 500
    const ok = makeResponse(request, 200, { toTag: 'r1' });
    layer.response(ok, inboundOf(request));
    expect(tx.state).toBe('completed');
    expect(tu.responses).toEqual([ok]);

    await advance(clock, 2000);
    layer.response(makeResponse(request, 200, { toTag: 'r1' }), inboundOf(request));
    layer.response(makeResponse(request, 100), inboundOf(request));
    expect(tu.responses).toEqual([ok]);

    await advance(clock, 2999);
    expect(tx.state).toBe('completed');
    await advance(clock, 1);
    expect(tx.state).toBe('terminated');
    expect(layer.size).toEqual({ client: 0, server: 0 });

    await advance(clock, 60_000);
    expect(transport.times('REGISTER')).toEqual([0, 500]);
    expect(transport.sent).toHaveLength(2); // no ACK for non-INVITE
    expect(tu.timeouts).toEqual([]);
    expect(clock.pending).toBe(0);
  });

  it('goes from Proceeding to Completed on a final response', async () => {
    const { clock, tu, tx, layer, request } = start();
    layer.response(makeResponse(request, 100), inboundOf(request));
    await advance(clock, 6000);
    layer.response(makeResponse(request, 401, { toTag: 'r1' }), inboundOf(request));
    expect(tx.state).toBe('completed');
    expect(tu.statuses).toEqual([100, 401]);
    await advance(clock, 5000);
    expect(tx.state).toBe('terminated');
    expect(tu.timeouts).toEqual([]);
  });

  it('treats every status 200-699 as final', () => {
    for (const status of [202, 302, 404, 503, 603]) {
      const { tu, tx, layer, request } = start();
      layer.response(makeResponse(request, status, { toTag: 'r1' }), inboundOf(request));
      expect(tx.state).toBe('completed');
      expect(tu.statuses).toEqual([status]);
    }
  });

  it('over TCP, sends once and terminates at once after the final response (Timer K is zero)', async () => {
    const { clock, transport, tu, tx, layer, request } = start('tcp');
    await advance(clock, 10_000);
    expect(transport.times('REGISTER')).toEqual([0]);
    layer.response(makeResponse(request, 200, { toTag: 'r1' }), inboundOf(request, 'tcp'));
    expect(tu.statuses).toEqual([200]);
    await advance(clock, 0);
    expect(tx.state).toBe('terminated');
    expect(layer.size).toEqual({ client: 0, server: 0 });
  });

  it('a final response after Timer K is a stray response', async () => {
    const { clock, tu, user, layer, request } = start();
    layer.response(makeResponse(request, 200, { toTag: 'r1' }), inboundOf(request));
    await advance(clock, 5000);
    const late = makeResponse(request, 200, { toTag: 'r1' });
    layer.response(late, inboundOf(request));
    expect(tu.responses).toHaveLength(1);
    expect(user.strays).toEqual([late]);
  });

  it('ignores a transport error that is reported after the final response arrived', async () => {
    const h = harness();
    h.transport.failWith = sendFailed();
    const request = register();
    const tx = h.layer.sendRequest(request, targetOf('udp'), h.tu);
    // The response overtakes the failed send's result: the outcome is the response.
    h.layer.response(makeResponse(request, 200, { toTag: 'r1' }), inboundOf(request));
    await flush();
    expect(h.tu.statuses).toEqual([200]);
    expect(h.tu.transportErrors).toEqual([]);
    expect(tx.state).toBe('completed');
    await advance(h.clock, 5000);
    expect(tx.state).toBe('terminated');
  });
});
