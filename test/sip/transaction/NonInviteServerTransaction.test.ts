// Non-INVITE server transaction: RFC 3261 §17.2.2 (Trying, Proceeding, Completed, Timer J).
import { describe, expect, it } from 'vitest';
import { type SipMessage } from '../../../firmware-app/sip/message/index.ts';
import { type NonInviteServerTransaction } from '../../../firmware-app/sip/transaction/index.ts';
import type { TransportError, TransportProtocol } from '../../../firmware-app/sip/transport/types.ts';
import { makeRequest } from '../../support/sipMessages.ts';
import { type Harness, advance, harness, inboundOf, only, sendFailed } from './harness.ts';

interface ServerCase extends Harness {
  readonly request: SipMessage;
  readonly tx: NonInviteServerTransaction;
  readonly transportErrors: TransportError[];
  retransmit(): void;
}

/** An in-dialog BYE arrives at t=0 over `protocol`. */
function arrive(protocol: TransportProtocol = 'udp'): ServerCase {
  const h = harness();
  h.transport.via = { received: '198.51.100.7' };
  const request = makeRequest({ method: 'BYE', transport: protocol.toUpperCase(), sentBy: 'pbx.example.com', toTag: 'door-1', cseq: 102 });
  h.layer.request(request, inboundOf(request, protocol));
  const tx = only(h.user.requests) as NonInviteServerTransaction;
  const transportErrors: TransportError[] = [];
  tx.user = { transportError: (error) => transportErrors.push(error) };
  return { ...h, request, tx, transportErrors, retransmit: () => h.layer.request(request, inboundOf(request, protocol)) };
}

describe('non-INVITE server transaction: Trying (§17.2.2)', () => {
  it('hands the request to the UA core once and discards retransmissions silently', async () => {
    const { clock, transport, tx, user, retransmit } = arrive();
    expect(tx.kind).toBe('non-invite-server');
    expect(tx.state).toBe('trying');
    await advance(clock, 500);
    retransmit();
    await advance(clock, 1000);
    retransmit();
    expect(transport.sent).toEqual([]); // no automatic 100 for non-INVITE either
    expect(user.requests).toHaveLength(1);
    expect(tx.state).toBe('trying');
  });
});

describe('non-INVITE server transaction: Proceeding', () => {
  it('re-sends the last provisional response for each retransmission', async () => {
    const { clock, transport, tx, retransmit, user } = arrive();
    expect(tx.respond({ status: 100, reason: 'Trying' })).toBe(true);
    expect(tx.state).toBe('proceeding');
    await advance(clock, 500);
    retransmit();
    expect(transport.sent.map((s) => [s.at, s.message.status])).toEqual([[0, 100], [500, 100]]);
    expect(transport.sent[1]!.bytes).toEqual(transport.sent[0]!.bytes);
    expect(user.requests).toHaveLength(1);
  });
});

describe('non-INVITE server transaction: Completed and Timer J', () => {
  it('re-sends the final response for retransmissions and terminates on Timer J (64*T1 over UDP)', async () => {
    const { clock, transport, tx, retransmit, layer, user } = arrive();
    tx.respond({ status: 100, reason: 'Trying' });
    await advance(clock, 200);
    expect(tx.respond({ status: 200, reason: 'OK' })).toBe(true);
    expect(tx.state).toBe('completed');
    expect(tx.lastStatus).toBe(200);
    const ok = transport.last;
    expect(ok.message.to.tag).toBe('door-1'); // in-dialog: the request's To tag is kept, none added
    expect(ok.message.header('to')).toBe('<sip:flat@pbx.example.com>;tag=door-1');
    expect(ok.message.topVia.received).toBe('198.51.100.7');
    expect(ok.message.cseq).toEqual({ seq: 102, method: 'BYE' });

    await advance(clock, 4000);
    retransmit();
    expect(transport.times('SIP/2.0 200')).toEqual([200, 4200]);
    expect(transport.last.bytes).toEqual(ok.bytes);

    // No response retransmission of its own.
    await advance(clock, 32_000 - 4000 - 1);
    expect(transport.sent).toHaveLength(3);
    expect(tx.state).toBe('completed');
    await advance(clock, 1);
    expect(tx.state).toBe('terminated');
    expect(layer.size).toEqual({ client: 0, server: 0 });
    expect(clock.pending).toBe(0);

    // After Timer J the same request is new again.
    retransmit();
    expect(user.requests).toHaveLength(2);
  });

  it('refuses any response after the final one', () => {
    const { tx, transport } = arrive();
    tx.respond({ status: 481, reason: 'Call/Transaction Does Not Exist' });
    expect(tx.respond({ status: 100, reason: 'Trying' })).toBe(false);
    expect(tx.respond({ status: 200, reason: 'OK' })).toBe(false);
    expect(transport.sent).toHaveLength(1);
  });

  it('over TCP terminates right after the final response: Timer J is zero', async () => {
    const { clock, tx, layer, transport } = arrive('tcp');
    tx.respond({ status: 200, reason: 'OK' });
    expect(tx.state).toBe('completed');
    await advance(clock, 0);
    expect(tx.state).toBe('terminated');
    expect(layer.size).toEqual({ client: 0, server: 0 });
    expect(transport.sent).toHaveLength(1);
  });

  it('reports a transport error to the TU and terminates', async () => {
    const { clock, transport, tx, transportErrors, layer } = arrive();
    transport.failWith = sendFailed();
    tx.respond({ status: 200, reason: 'OK' });
    await advance(clock, 0);
    expect(transportErrors).toEqual([transport.failWith]);
    expect(tx.state).toBe('terminated');
    expect(layer.size).toEqual({ client: 0, server: 0 });
  });
});
