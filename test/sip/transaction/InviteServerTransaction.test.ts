// INVITE server transaction: RFC 3261 §17.2.1 (100 Trying, Timers G, H, I) and RFC 6026 §7.1 (Accepted, Timer L).
import { describe, expect, it } from 'vitest';
import { type SipMessage } from '../../../firmware-app/sip/message/index.ts';
import { type InviteServerTransaction, type ServerTransactionUser } from '../../../firmware-app/sip/transaction/index.ts';
import type { TransportError, TransportProtocol } from '../../../firmware-app/sip/transport/types.ts';
import { makeAck, makeRequest } from '../../support/sipMessages.ts';
import { type Harness, advance, flush, harness, inboundOf, only, sendFailed } from './harness.ts';

const PEER_VIA = { sentBy: '10.0.0.23:5062', viaParams: ';rport' };

interface ServerCase extends Harness {
  readonly invite: SipMessage;
  readonly tx: InviteServerTransaction;
  readonly events: { timeouts: number[]; transportErrors: TransportError[] };
  /** Delivers a byte-identical copy of the INVITE, as a retransmission arrives. */
  retransmit(): void;
}

/** An INVITE arrives at t=0 over `protocol`; the UA core gets its server transaction. */
function arrive(protocol: TransportProtocol = 'udp', timers?: { T1: number; T2: number; T4: number }): ServerCase {
  const h = harness(timers);
  h.transport.via = { received: '198.51.100.7', rport: 40_312 };
  const invite = makeRequest({ method: 'INVITE', transport: protocol.toUpperCase(), ...PEER_VIA, requestUri: 'sip:door@192.0.2.1' });
  h.layer.request(invite, inboundOf(invite, protocol));
  const tx = only(h.user.requests) as InviteServerTransaction;
  const events = { timeouts: [] as number[], transportErrors: [] as TransportError[] };
  const tu: ServerTransactionUser = {
    timeout: () => events.timeouts.push(h.clock.now()),
    transportError: (error) => events.transportErrors.push(error),
  };
  tx.user = tu;
  return { ...h, invite, tx, events, retransmit: () => h.layer.request(invite, inboundOf(invite, protocol)) };
}

/** The ACK the peer's client transaction sends for our non-2xx final response. */
function ackFor(c: ServerCase): SipMessage {
  return makeAck(c.invite, c.transport.last.message);
}

describe('INVITE server transaction: Proceeding and 100 Trying (§17.2.1)', () => {
  it('hands the INVITE to the UA core once, in Proceeding, with where it came from', () => {
    const { tx, invite, user, transport } = arrive();
    expect(tx.kind).toBe('invite-server');
    expect(tx.state).toBe('proceeding');
    expect(tx.request).toBe(invite);
    expect(tx.inbound.source).toEqual({ host: '198.51.100.7', port: 5060 });
    expect(user.requests).toHaveLength(1);
    expect(transport.sent).toEqual([]);
  });

  it('sends 100 Trying after 200 ms when the TU has not answered, with the Via received/rport and no To tag', async () => {
    const { clock, transport, tx, invite } = arrive();
    await advance(clock, 199);
    expect(transport.sent).toEqual([]);
    await advance(clock, 1);
    expect(transport.times('SIP/2.0 100 Trying')).toEqual([200]);
    const trying = transport.last.message;
    expect(transport.last.via).toBe('sendResponse');
    expect(transport.last.inbound).toBe(tx.inbound);
    expect(trying.to.tag).toBeUndefined();
    expect(trying.headers('via')).toEqual([`SIP/2.0/UDP 10.0.0.23:5062;rport=40312;branch=${invite.topVia.branch};received=198.51.100.7`]);
    expect(trying.callId).toBe(invite.callId);
    expect(trying.cseq).toEqual(invite.cseq);
    expect(trying.header('from')).toBe(invite.header('from'));
    expect(tx.lastStatus).toBe(100);
    expect(tx.state).toBe('proceeding');
    await advance(clock, 10_000);
    expect(transport.sent).toHaveLength(1); // 1xx are never retransmitted by the transaction
  });

  it('sends no 100 Trying when the TU answers within 200 ms', async () => {
    const { clock, transport, tx } = arrive();
    await advance(clock, 150);
    expect(tx.respond({ status: 180, reason: 'Ringing' })).toBe(true);
    await advance(clock, 10_000);
    expect(transport.sent.map((s) => [s.at, s.message.status])).toEqual([[150, 180]]);
  });

  it('re-sends the most recent provisional response for each retransmitted INVITE', async () => {
    const { clock, transport, tx, retransmit, user } = arrive();
    retransmit(); // before any response: nothing to repeat
    expect(transport.sent).toEqual([]);
    await advance(clock, 200); // 100 Trying
    retransmit();
    expect(transport.sent.map((s) => s.message.status)).toEqual([100, 100]);
    tx.respond({ status: 180, reason: 'Ringing' });
    const ringing = transport.last.bytes;
    await advance(clock, 500);
    retransmit();
    retransmit();
    expect(transport.sent.map((s) => s.message.status)).toEqual([100, 100, 180, 180, 180]);
    expect(transport.sent[3]!.bytes).toEqual(ringing);
    expect(transport.sent[4]!.bytes).toEqual(ringing);
    expect(user.requests).toHaveLength(1);
    expect(tx.state).toBe('proceeding');
  });

  it('puts one To tag on every response but 100, and the Via received/rport on all', () => {
    const { tx, transport } = arrive();
    tx.respond({ status: 100, reason: 'Trying' });
    tx.respond({ status: 180, reason: 'Ringing' });
    tx.respond({ status: 183, reason: 'Session Progress', toTag: 'ignored-later' });
    tx.respond({ status: 486, reason: 'Busy Here' });
    const [trying, ringing, progress, busy] = transport.sent.map((s) => s.message);
    expect(trying!.to.tag).toBeUndefined();
    expect(ringing!.to.tag).toMatch(/^[0-9a-f]{16}$/);
    expect(progress!.to.tag).toBe(ringing!.to.tag);
    expect(busy!.to.tag).toBe(ringing!.to.tag);
    for (const sent of transport.sent) {
      expect(sent.message.topVia.received).toBe('198.51.100.7');
      expect(sent.message.topVia.rport).toBe(40_312);
    }
  });

  it('uses the To tag the TU chooses with its first tagged response', () => {
    const { tx, transport } = arrive();
    tx.respond({ status: 180, reason: 'Ringing', toTag: 'door-1' });
    tx.respond({ status: 200, reason: 'OK' });
    expect(transport.sent.map((s) => s.message.to.tag)).toEqual(['door-1', 'door-1']);
  });

  it('passes the TU headers and body into the response', () => {
    const { tx, transport } = arrive();
    tx.respond({ status: 200, reason: 'OK', headers: [['Contact', '<sip:door@192.0.2.1>']], body: new TextEncoder().encode('v=0\r\n') });
    expect(transport.last.message.header('contact')).toBe('<sip:door@192.0.2.1>');
    expect(transport.last.message.contentLength).toBe(5);
  });

  it('reports a transport error to the TU and terminates', async () => {
    const { clock, transport, tx, events, layer } = arrive();
    transport.failWith = sendFailed();
    await advance(clock, 200);
    expect(events.transportErrors).toEqual([transport.failWith]);
    expect(tx.state).toBe('terminated');
    expect(layer.size).toEqual({ client: 0, server: 0 });
    expect(tx.respond({ status: 486, reason: 'Busy Here' })).toBe(false);
  });
});

describe('INVITE server transaction: non-2xx final, Completed, Confirmed', () => {
  it('retransmits the final response on Timer G (T1 doubling, capped at T2) and times out on Timer H without ACK', async () => {
    const { clock, transport, tx, events, layer } = arrive();
    expect(tx.respond({ status: 486, reason: 'Busy Here' })).toBe(true);
    expect(tx.state).toBe('completed');
    expect(tx.lastStatus).toBe(486);
    await advance(clock, 31_999);
    const times = transport.times('SIP/2.0 486');
    expect(times).toEqual([0, 500, 1500, 3500, 7500, 11_500, 15_500, 19_500, 23_500, 27_500, 31_500]);
    // Gaps: 500, 1000, 2000, 4000, 4000 …
    expect(times.slice(1).map((t, i) => t - times[i]!)).toEqual([500, 1000, 2000, 4000, 4000, 4000, 4000, 4000, 4000, 4000]);
    expect(new Set(transport.sent.map((s) => s.text)).size).toBe(1);
    expect(events.timeouts).toEqual([]);

    await advance(clock, 1);
    expect(events.timeouts).toEqual([32_000]);
    expect(tx.state).toBe('terminated');
    expect(layer.size).toEqual({ client: 0, server: 0 });
    await advance(clock, 60_000);
    expect(transport.sent).toHaveLength(11);
    expect(events.timeouts).toHaveLength(1);
    expect(clock.pending).toBe(0);
  });

  it('starts Timer G when the final response is sent, not when the INVITE came', async () => {
    const { clock, transport, tx } = arrive();
    await advance(clock, 3000); // 100 Trying at 200
    tx.respond({ status: 603, reason: 'Decline' });
    await advance(clock, 4000);
    expect(transport.times('SIP/2.0 603')).toEqual([3000, 3500, 4500, 6500]);
  });

  it('caps Timer G at a custom T2', async () => {
    const { clock, transport, tx } = arrive('udp', { T1: 500, T2: 1000, T4: 5000 });
    tx.respond({ status: 486, reason: 'Busy Here' });
    await advance(clock, 4000);
    expect(transport.times('SIP/2.0 486')).toEqual([0, 500, 1500, 2500, 3500]);
  });

  it('re-sends the final response for a retransmitted INVITE in Completed', async () => {
    const { clock, transport, tx, retransmit, user } = arrive();
    tx.respond({ status: 486, reason: 'Busy Here' });
    await advance(clock, 100);
    retransmit();
    expect(transport.times('SIP/2.0 486')).toEqual([0, 100]);
    expect(transport.sent[1]!.bytes).toEqual(transport.sent[0]!.bytes);
    expect(user.requests).toHaveLength(1);
  });

  it('on ACK moves to Confirmed, stops retransmitting, absorbs ACKs and INVITEs, and ends on Timer I (T4)', async () => {
    const c = arrive();
    const { clock, transport, tx, layer, user, events, retransmit } = c;
    tx.respond({ status: 486, reason: 'Busy Here' });
    await advance(clock, 2000); // 486 at 0, 500, 1500
    const ack = ackFor(c);
    layer.request(ack, inboundOf(ack));
    expect(tx.state).toBe('confirmed');
    expect(user.acks).toEqual([]);

    await advance(clock, 1000);
    layer.request(ack, inboundOf(ack));
    retransmit();
    expect(user.acks).toEqual([]);
    expect(user.requests).toHaveLength(1);

    await advance(clock, 3999);
    expect(tx.state).toBe('confirmed');
    await advance(clock, 1);
    expect(tx.state).toBe('terminated');
    expect(layer.size).toEqual({ client: 0, server: 0 });
    expect(transport.times('SIP/2.0 486')).toEqual([0, 500, 1500]);
    await advance(clock, 60_000);
    expect(transport.sent).toHaveLength(3);
    expect(events.timeouts).toEqual([]);
    expect(clock.pending).toBe(0);
  });

  it('refuses further responses once a final one was sent', () => {
    const { tx, transport } = arrive();
    tx.respond({ status: 486, reason: 'Busy Here' });
    expect(tx.respond({ status: 180, reason: 'Ringing' })).toBe(false);
    expect(tx.respond({ status: 200, reason: 'OK' })).toBe(false);
    expect(tx.respond({ status: 500, reason: 'Server Internal Error' })).toBe(false);
    expect(transport.sent).toHaveLength(1);
    expect(tx.state).toBe('completed');
  });

  it('reports a failed retransmission to the TU and terminates', async () => {
    const { clock, transport, tx, events } = arrive();
    tx.respond({ status: 486, reason: 'Busy Here' });
    transport.failWith = sendFailed();
    await advance(clock, 500);
    expect(events.transportErrors).toEqual([transport.failWith]);
    expect(tx.state).toBe('terminated');
    await advance(clock, 60_000);
    expect(transport.sent).toHaveLength(2);
    expect(events.timeouts).toEqual([]);
  });
});

describe('INVITE server transaction over TCP (reliable)', () => {
  it('never retransmits the final response, still waits Timer H for the ACK', async () => {
    const { clock, transport, tx, events } = arrive('tcp');
    tx.respond({ status: 486, reason: 'Busy Here' });
    await advance(clock, 31_999);
    expect(transport.times('SIP/2.0 486')).toEqual([0]);
    expect(tx.state).toBe('completed');
    await advance(clock, 1);
    expect(events.timeouts).toEqual([32_000]);
    expect(tx.state).toBe('terminated');
  });

  it('terminates right after the ACK: Timer I is zero', async () => {
    const c = arrive('tcp');
    c.tx.respond({ status: 486, reason: 'Busy Here' });
    const ack = ackFor(c);
    c.layer.request(ack, inboundOf(ack, 'tcp'));
    expect(c.tx.state).toBe('confirmed');
    await advance(c.clock, 0);
    expect(c.tx.state).toBe('terminated');
    expect(c.layer.size).toEqual({ client: 0, server: 0 });
  });

  it('still sends 100 Trying after 200 ms', async () => {
    const { clock, transport } = arrive('tcp');
    await advance(clock, 200);
    expect(transport.times('SIP/2.0 100')).toEqual([200]);
    expect(transport.last.message.topVia.transport).toBe('TCP');
  });
});

describe('INVITE server transaction: 2xx and Accepted (RFC 6026 §7.1)', () => {
  it('absorbs INVITE retransmissions, sends the TU 2xx retransmissions, and ends on Timer L (64*T1)', async () => {
    const { clock, transport, tx, retransmit, user, layer, events } = arrive();
    tx.respond({ status: 180, reason: 'Ringing' });
    await advance(clock, 1000);
    expect(tx.respond({ status: 200, reason: 'OK' })).toBe(true);
    expect(tx.state).toBe('accepted');
    const ok = transport.last;
    expect(ok.message.status).toBe(200);

    retransmit();
    expect(transport.sent).toHaveLength(2);
    expect(user.requests).toHaveLength(1);

    // The transaction never retransmits a 2xx itself: the TU does (§13.3.1.4).
    await advance(clock, 500);
    expect(transport.sent).toHaveLength(2);
    expect(tx.respond({ status: 200, reason: 'OK' })).toBe(true);
    expect(transport.times('SIP/2.0 200')).toEqual([1000, 1500]);
    expect(transport.last.bytes).toEqual(ok.bytes);

    // Only 2xx in Accepted.
    expect(tx.respond({ status: 180, reason: 'Ringing' })).toBe(false);
    expect(tx.respond({ status: 486, reason: 'Busy Here' })).toBe(false);
    expect(transport.sent).toHaveLength(3);

    await advance(clock, 32_000 - 500 - 1);
    expect(tx.state).toBe('accepted');
    await advance(clock, 1);
    expect(tx.state).toBe('terminated');
    expect(layer.size).toEqual({ client: 0, server: 0 });
    expect(events.timeouts).toEqual([]);
    expect(tx.respond({ status: 200, reason: 'OK' })).toBe(false);
  });

  it('passes the ACK for the 2xx (a new branch, §13.2.2.4) to the UA core', () => {
    const c = arrive();
    c.tx.respond({ status: 200, reason: 'OK' });
    const ack = makeAck(c.invite, c.transport.last.message, 'z9hG4bKack2xx');
    c.layer.request(ack, inboundOf(ack));
    expect(c.user.acks).toEqual([ack]);
    expect(c.tx.state).toBe('accepted');
  });

  it('keeps Timer L at 64*T1 over TCP too', async () => {
    const { clock, tx } = arrive('tcp');
    tx.respond({ status: 200, reason: 'OK' });
    await advance(clock, 31_999);
    expect(tx.state).toBe('accepted');
    await advance(clock, 1);
    expect(tx.state).toBe('terminated');
  });

  it('reports a failed 2xx send to the TU and terminates', async () => {
    const { transport, tx, events } = arrive();
    transport.failWith = sendFailed();
    tx.respond({ status: 200, reason: 'OK' });
    await flush();
    expect(events.transportErrors).toEqual([transport.failWith]);
    expect(tx.state).toBe('terminated');
  });
});
