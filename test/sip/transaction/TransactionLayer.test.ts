// TransactionLayer: matching (RFC 3261 §17.1.3, §17.2.3 with the RFC 2543 fallback), CANCEL (§9.2), forgetting.
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../firmware-app/platform/FakeClock.ts';
import { type SipMessage, SipParseError } from '../../../firmware-app/sip/message/index.ts';
import {
  type InviteClientTransaction, type InviteServerTransaction, type NonInviteServerTransaction, TransactionLayer,
} from '../../../firmware-app/sip/transaction/index.ts';
import { makeAck, makeCancel, makeRequest, makeResponse } from '../../support/sipMessages.ts';
import {
  CollectingLogger, RecordingClientUser, RecordingTransport, advance, harness, inboundOf, only, targetOf,
} from './harness.ts';

describe('client matching (§17.1.3): top Via branch and CSeq method', () => {
  it('passes a response with the branch of no transaction to strayResponse', () => {
    const { layer, tu, user } = harness();
    const request = makeRequest({ method: 'OPTIONS' });
    layer.sendRequest(request, targetOf('udp'), tu);
    const other = makeResponse(request, 200, { toTag: 'x', topVia: 'SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKsomeoneelse' });
    layer.response(other, inboundOf(other));
    expect(user.strays).toEqual([other]);
    expect(tu.responses).toEqual([]);
  });

  it('passes a response with the right branch but another CSeq method to strayResponse', () => {
    const { layer, tu, user } = harness();
    const request = makeRequest({ method: 'INVITE' });
    const tx = layer.sendRequest(request, targetOf('udp'), tu);
    const wrongMethod = makeResponse(request, 200, { toTag: 'x', cseq: `${request.cseq.seq} CANCEL` });
    layer.response(wrongMethod, inboundOf(wrongMethod));
    expect(user.strays).toEqual([wrongMethod]);
    expect(tu.responses).toEqual([]);
    expect(tx.state).toBe('calling');
  });

  it('passes a response without a branch to strayResponse', () => {
    const { layer, user } = harness();
    const request = makeRequest({ method: 'OPTIONS', branch: null });
    const response = makeResponse(request, 200, { toTag: 'x' });
    layer.response(response, inboundOf(response));
    expect(user.strays).toEqual([response]);
  });

  it('matches the response regardless of the sent-by the peer echoes', () => {
    const { layer, tu } = harness();
    const request = makeRequest({ method: 'OPTIONS' });
    layer.sendRequest(request, targetOf('udp'), tu);
    const response = makeResponse(request, 200, { toTag: 'x', topVia: `SIP/2.0/UDP 203.0.113.9:5999;branch=${request.topVia.branch};received=203.0.113.9` });
    layer.response(response, inboundOf(response));
    expect(tu.responses).toEqual([response]);
  });

  it('keeps an INVITE and its CANCEL apart although they share the branch', () => {
    const { clock, layer, tu } = harness();
    const invite = makeRequest({ method: 'INVITE' });
    const inviteTx = layer.sendRequest(invite, targetOf('udp'), tu);
    const cancel = makeCancel(invite);
    const cancelTu = new RecordingClientUser(clock);
    const cancelTx = layer.sendRequest(cancel, targetOf('udp'), cancelTu);
    expect(layer.size).toEqual({ client: 2, server: 0 });
    layer.response(makeResponse(cancel, 200, { toTag: 'u1' }), inboundOf(cancel));
    layer.response(makeResponse(invite, 487, { toTag: 'u1' }), inboundOf(invite));
    expect(cancelTu.statuses).toEqual([200]);
    expect(tu.statuses).toEqual([487]);
    expect(cancelTx.state).toBe('completed');
    expect(inviteTx.state).toBe('completed');
  });

  it('does not throw on a stray response when the UA core has no strayResponse handler', () => {
    const clock = new FakeClock();
    const layer = new TransactionLayer({ clock, transport: new RecordingTransport(clock), logger: new CollectingLogger() });
    const request = makeRequest({ method: 'OPTIONS' });
    expect(() => layer.response(makeResponse(request, 200), inboundOf(request))).not.toThrow();
    layer.setUser({ request: () => undefined, ack: () => undefined });
    expect(() => layer.response(makeResponse(request, 200), inboundOf(request))).not.toThrow();
  });
});

describe('sendRequest', () => {
  // §17.1: the ACK for a 2xx is no transaction of its own; §17.1.2: non-INVITE transactions are for
  // requests other than INVITE and ACK. Whatever the layer does with it (send once, or refuse), it must
  // never retransmit an ACK on Timer E nor report a Timer F timeout for it.
  it('never runs a retransmitting non-INVITE transaction for an ACK', async () => {
    const { clock, layer, tu, transport } = harness();
    const ack = makeRequest({ method: 'ACK', toTag: 'u1', branch: 'z9hG4bKack2xx' });
    try {
      layer.sendRequest(ack, targetOf('udp'), tu);
    } catch (err) {
      expect(err).toBeInstanceOf(TypeError);
    }
    await advance(clock, 64_000);
    expect(transport.times('ACK').length).toBeLessThanOrEqual(1);
    expect(tu.timeouts).toEqual([]);
    expect(layer.size).toEqual({ client: 0, server: 0 });
  });

  it('refuses to send a request whose top Via has no branch', () => {
    const { layer, tu, transport } = harness();
    expect(() => layer.sendRequest(makeRequest({ method: 'OPTIONS', branch: null }), targetOf('udp'), tu)).toThrow(TypeError);
    expect(transport.sent).toEqual([]);
    expect(layer.size).toEqual({ client: 0, server: 0 });
  });
});

describe('server matching with the magic cookie (§17.2.3): branch, sent-by and method', () => {
  it('treats a request with the same branch but another sent-by as a new transaction', () => {
    const { layer, user } = harness();
    const branch = 'z9hG4bKsamebranch';
    const a = makeRequest({ method: 'OPTIONS', branch, sentBy: '10.0.0.1:5060' });
    const b = makeRequest({ method: 'OPTIONS', branch, sentBy: '10.0.0.2:5060' });
    layer.request(a, inboundOf(a));
    layer.request(b, inboundOf(b));
    expect(user.requests.map((t) => t.request)).toEqual([a, b]);
    expect(layer.size).toEqual({ client: 0, server: 2 });
  });

  it('treats a request with the same branch and sent-by but another method as a new transaction', () => {
    const { layer, user } = harness();
    const a = makeRequest({ method: 'OPTIONS', branch: 'z9hG4bKb1' });
    const b = makeRequest({ method: 'INFO', branch: 'z9hG4bKb1' });
    layer.request(a, inboundOf(a));
    layer.request(b, inboundOf(b));
    expect(user.requests).toHaveLength(2);
  });

  it('matches a retransmission with a sent-by host in other case (hosts are case-insensitive)', () => {
    const { layer, user } = harness();
    const a = makeRequest({ method: 'OPTIONS', branch: 'z9hG4bKb1', sentBy: 'Door.Example.COM:5060' });
    const b = makeRequest({ method: 'OPTIONS', branch: 'z9hG4bKb1', sentBy: 'door.example.com:5060' });
    layer.request(a, inboundOf(a));
    layer.request(b, inboundOf(b));
    expect(user.requests).toHaveLength(1);
  });

  it('matches the ACK for a non-2xx to its INVITE: absorbed, state Confirmed', () => {
    const { layer, user, transport } = harness();
    const invite = makeRequest({ method: 'INVITE' });
    layer.request(invite, inboundOf(invite));
    const tx = only(user.requests) as InviteServerTransaction;
    tx.respond({ status: 486, reason: 'Busy Here' });
    const ack = makeAck(invite, transport.last.message);
    layer.request(ack, inboundOf(ack));
    expect(tx.state).toBe('confirmed');
    expect(user.acks).toEqual([]);
    expect(user.requests).toHaveLength(1);
  });

  it('passes an ACK with a new branch (the ACK for a 2xx) to the UA core', () => {
    const { layer, user, transport } = harness();
    const invite = makeRequest({ method: 'INVITE' });
    layer.request(invite, inboundOf(invite));
    const tx = only(user.requests) as InviteServerTransaction;
    tx.respond({ status: 200, reason: 'OK' });
    const ack = makeAck(invite, transport.last.message, 'z9hG4bKnewbranch');
    layer.request(ack, inboundOf(ack));
    expect(user.acks).toEqual([ack]);
    expect(user.requests).toHaveLength(1);
    expect(layer.size).toEqual({ client: 0, server: 1 }); // an ACK creates no transaction
  });

  // RFC 6026 §7.1: an ACK that reaches an INVITE transaction in Accepted goes up to the TU, even from a
  // UAC that (against §8.1.1.7) reused the INVITE's branch for the ACK of the 2xx.
  it('passes an ACK with the INVITE branch that arrives in Accepted to the UA core', () => {
    const { layer, user, transport } = harness();
    const invite = makeRequest({ method: 'INVITE' });
    layer.request(invite, inboundOf(invite));
    const tx = only(user.requests) as InviteServerTransaction;
    tx.respond({ status: 200, reason: 'OK' });
    const ack = makeAck(invite, transport.last.message);
    layer.request(ack, inboundOf(ack));
    expect(user.acks).toEqual([ack]);
    expect(tx.state).toBe('accepted');
  });

  it('passes an ACK that matches nothing to the UA core', () => {
    const { layer, user } = harness();
    const ack = makeRequest({ method: 'ACK', toTag: 'd1' });
    layer.request(ack, inboundOf(ack));
    expect(user.acks).toEqual([ack]);
    expect(layer.size).toEqual({ client: 0, server: 0 });
  });

  it('does not let an ACK reach a non-INVITE transaction with its branch', () => {
    const { layer, user } = harness();
    const options = makeRequest({ method: 'OPTIONS', branch: 'z9hG4bKb1' });
    layer.request(options, inboundOf(options));
    const ack = makeRequest({ method: 'ACK', branch: 'z9hG4bKb1', toTag: 'x' });
    layer.request(ack, inboundOf(ack));
    expect(user.acks).toEqual([ack]);
  });
});

describe('server matching for RFC 2543 peers (§17.2.3, Via without the magic cookie)', () => {
  const old = { method: 'INVITE', branch: null, sentBy: '10.1.1.1:5060', callId: '2543-call@10.1.1.1', fromTag: 'old1' } as const;

  it('matches a retransmitted INVITE with the same Request-URI, From tag, Call-ID, CSeq and Via', async () => {
    const { clock, layer, user, transport } = harness();
    const first = makeRequest(old);
    layer.request(first, inboundOf(first));
    await advance(clock, 200); // 100 Trying
    const again = makeRequest(old);
    layer.request(again, inboundOf(again));
    expect(user.requests).toHaveLength(1);
    expect(transport.sent.map((s) => s.message.status)).toEqual([100, 100]);
  });

  it('treats a Via branch without the cookie the same way', () => {
    const { layer, user } = harness();
    const a = makeRequest({ ...old, branch: '7a3d91' });
    const b = makeRequest({ ...old, branch: '7a3d91' });
    layer.request(a, inboundOf(a));
    layer.request(b, inboundOf(b));
    expect(user.requests).toHaveLength(1);
  });

  it.each([
    ['Request-URI', { requestUri: 'sip:other@192.0.2.1' }],
    ['From tag', { fromTag: 'old2' }],
    ['Call-ID', { callId: 'another@10.1.1.1' }],
    ['CSeq number', { cseq: 102 }],
    ['top Via', { sentBy: '10.1.1.2:5060' }],
  ])('treats an INVITE with another %s as a new transaction', (_what, change) => {
    const { layer, user } = harness();
    const a = makeRequest(old);
    const b = makeRequest({ ...old, ...change });
    layer.request(a, inboundOf(a));
    layer.request(b, inboundOf(b));
    expect(user.requests).toHaveLength(2);
  });

  it('matches the ACK for a non-2xx (which carries our To tag) to the INVITE', () => {
    const { layer, user, transport } = harness();
    const invite = makeRequest(old);
    layer.request(invite, inboundOf(invite));
    const tx = only(user.requests) as InviteServerTransaction;
    tx.respond({ status: 404, reason: 'Not Found' });
    const ack = makeAck(invite, transport.last.message);
    expect(ack.to.tag).toBe(transport.last.message.to.tag);
    layer.request(ack, inboundOf(ack));
    expect(tx.state).toBe('confirmed');
    expect(user.acks).toEqual([]);
  });

  // §17.2.3: "The ACK request matches a transaction if the Request-URI, From tag, Call-ID, CSeq number
  // (not the method), and top Via header field match those of the INVITE request which created the
  // transaction, and the To tag of the ACK matches the To tag of the response sent by the server transaction."
  it('does not match an ACK whose To tag is not the one of our response', () => {
    const { layer, user, transport } = harness();
    const invite = makeRequest(old);
    layer.request(invite, inboundOf(invite));
    const tx = only(user.requests) as InviteServerTransaction;
    tx.respond({ status: 486, reason: 'Busy Here', toTag: 'ours' });
    const foreign = makeAck(invite, makeResponse(invite, 486, { toTag: 'someone-else' }));
    layer.request(foreign, inboundOf(foreign));
    expect(tx.state).toBe('completed');
    expect(user.acks).toEqual([foreign]);
    expect(transport.sent).toHaveLength(1);
  });

  // RFC 6026 §7.1 (its replacement text for RFC 3261 §17.2.1): "If an ACK is received while the
  // INVITE server transaction is in the "Accepted" state, then the ACK must be passed up to the TU."
  // An RFC 2543 peer's ACK for our 2xx carries the INVITE's Via, so it matches the INVITE's key.
  it('passes the ACK for a 2xx that matches an Accepted INVITE transaction up to the UA core', () => {
    const { layer, user, transport } = harness();
    const invite = makeRequest(old);
    layer.request(invite, inboundOf(invite));
    const tx = only(user.requests) as InviteServerTransaction;
    tx.respond({ status: 200, reason: 'OK' });
    const ack = makeAck(invite, transport.last.message);
    layer.request(ack, inboundOf(ack));
    expect(tx.state).toBe('accepted');
    expect(user.acks).toEqual([ack]);
  });
});

describe('CANCEL (§9.2)', () => {
  function pendingInvite(options: { branch?: string | null } = {}) {
    const h = harness();
    h.transport.via = { received: '198.51.100.7' };
    const invite = makeRequest({ method: 'INVITE', ...options });
    h.layer.request(invite, inboundOf(invite));
    const tx = only(h.user.requests) as InviteServerTransaction;
    return { ...h, invite, tx };
  }

  it('answers a CANCEL for a pending INVITE with 200 and the INVITE with 487 when its TU has no cancelled handler', async () => {
    const { clock, layer, user, transport, invite, tx } = pendingInvite();
    tx.respond({ status: 180, reason: 'Ringing' });
    await advance(clock, 1000);
    const cancel = makeCancel(invite);
    layer.request(cancel, inboundOf(cancel));
    expect(user.requests).toHaveLength(1); // the CANCEL is not the UA core's business
    const [ok, terminated] = transport.since(1);
    expect(ok!.message.status).toBe(200);
    expect(ok!.message.cseq).toEqual({ seq: invite.cseq.seq, method: 'CANCEL' });
    expect(ok!.message.topVia.received).toBe('198.51.100.7');
    expect(terminated!.message.status).toBe(487);
    expect(terminated!.message.cseq).toEqual({ seq: invite.cseq.seq, method: 'INVITE' });
    expect(terminated!.message.to.tag).toBe(transport.sent[0]!.message.to.tag);
    expect(tx.state).toBe('completed');
    // The 487 is a non-2xx final like any other: Timer G retransmits it until the ACK.
    await advance(clock, 500);
    expect(transport.times('SIP/2.0 487')).toEqual([1000, 1500]);
  });

  it('calls the INVITE TU cancelled handler instead of sending 487 itself', () => {
    const { layer, transport, invite, tx } = pendingInvite();
    const cancelled: SipMessage[] = [];
    tx.user = { cancelled: (c) => cancelled.push(c) };
    const cancel = makeCancel(invite);
    layer.request(cancel, inboundOf(cancel));
    expect(cancelled).toEqual([cancel]);
    expect(transport.sent.map((s) => `${s.message.status} ${s.message.cseq.method}`)).toEqual(['200 CANCEL']);
    expect(tx.state).toBe('proceeding');
  });

  it('never screens a CANCEL of a live INVITE (a flood must not keep the door ringing), but screens any other', () => {
    const { layer, user, transport, invite, tx } = pendingInvite();
    const screened: string[] = [];
    // The UA's policy refuses everything from now on (a rate limiter emptied by a flood from the caller's address).
    Object.assign(user, { screen: (request: SipMessage) => (screened.push(request.method), false) });
    const stray = makeCancel(makeRequest({ method: 'INVITE' }));
    layer.request(stray, inboundOf(stray));
    expect(screened).toEqual(['CANCEL']);
    expect(transport.sent).toEqual([]);
    const cancel = makeCancel(invite);
    layer.request(cancel, inboundOf(cancel));
    expect(screened).toEqual(['CANCEL']);
    expect(transport.sent.map((s) => `${s.message.status} ${s.message.cseq.method}`)).toEqual(['200 CANCEL', '487 INVITE']);
    expect(tx.state).toBe('completed');
  });

  it('answers a retransmitted CANCEL with the same 200 and does not cancel twice', async () => {
    const { clock, layer, transport, invite, tx } = pendingInvite();
    const cancelled: SipMessage[] = [];
    tx.user = { cancelled: (c) => cancelled.push(c) };
    const cancel = makeCancel(invite);
    layer.request(cancel, inboundOf(cancel));
    await advance(clock, 500);
    layer.request(makeCancel(invite), inboundOf(cancel));
    const oks = transport.matching('SIP/2.0 200');
    expect(oks.map((s) => s.at)).toEqual([0, 500]);
    expect(oks[1]!.bytes).toEqual(oks[0]!.bytes);
    expect(cancelled).toHaveLength(1);
  });

  it('answers a CANCEL matching no transaction with 481', () => {
    const { layer, user, transport } = harness();
    const cancel = makeCancel(makeRequest({ method: 'INVITE' }));
    layer.request(cancel, inboundOf(cancel));
    expect(transport.sent).toHaveLength(1);
    expect(transport.last.message.status).toBe(481);
    expect(transport.last.message.cseq.method).toBe('CANCEL');
    expect(user.requests).toEqual([]);
  });

  it('answers 200 but changes nothing when the INVITE already has its final response', () => {
    const { layer, transport, invite, tx } = pendingInvite();
    const cancelled: SipMessage[] = [];
    tx.user = { cancelled: (c) => cancelled.push(c) };
    tx.respond({ status: 200, reason: 'OK' });
    const cancel = makeCancel(invite);
    layer.request(cancel, inboundOf(cancel));
    expect(transport.sent.map((s) => `${s.message.status} ${s.message.cseq.method}`)).toEqual(['200 INVITE', '200 CANCEL']);
    expect(cancelled).toEqual([]);
    expect(tx.state).toBe('accepted');
  });

  it('matches a CANCEL from an RFC 2543 peer to its INVITE', () => {
    const { layer, transport, invite, tx } = pendingInvite({ branch: null });
    const cancel = makeCancel(invite);
    layer.request(cancel, inboundOf(cancel));
    expect(transport.sent.map((s) => `${s.message.status} ${s.message.cseq.method}`)).toEqual(['200 CANCEL', '487 INVITE']);
    expect(tx.state).toBe('completed');
  });

  it('does not match a CANCEL whose branch differs from the INVITE', () => {
    const { layer, transport, invite } = pendingInvite();
    const cancel = makeRequest({ method: 'CANCEL', callId: invite.callId, cseq: invite.cseq.seq });
    layer.request(cancel, inboundOf(cancel));
    expect(transport.sent.map((s) => s.message.status)).toEqual([481]);
  });

  // §9.2: "The To tag of the response to the CANCEL and the To tag in the response to the original
  // request SHOULD be the same."
  it('gives the 200 for the CANCEL the To tag of the INVITE responses', () => {
    const { layer, transport, invite, tx } = pendingInvite();
    tx.respond({ status: 180, reason: 'Ringing' });
    const cancel = makeCancel(invite);
    layer.request(cancel, inboundOf(cancel));
    const tags = transport.sent.map((s) => `${s.message.status} ${s.message.to.tag}`);
    const ringingTag = transport.sent[0]!.message.to.tag;
    expect(tags).toEqual([`180 ${ringingTag}`, `200 ${ringingTag}`, `487 ${ringingTag}`]);
  });
});

describe('To tags and Via of responses built by server transactions', () => {
  it('gives every response of a non-INVITE request one To tag, and the received/rport of responseVia', () => {
    const { layer, user, transport } = harness();
    transport.via = { received: '203.0.113.5', rport: 61_000 };
    const request = makeRequest({ method: 'OPTIONS', sentBy: '10.0.0.9:5060', viaParams: ';rport' });
    layer.request(request, inboundOf(request, 'udp', { host: '203.0.113.5', port: 61_000 }));
    const tx = only(user.requests) as NonInviteServerTransaction;
    tx.respond({ status: 100, reason: 'Trying' });
    tx.respond({ status: 183, reason: 'Progress' });
    tx.respond({ status: 200, reason: 'OK' });
    const [trying, progress, ok] = transport.sent.map((s) => s.message);
    expect(trying!.to.tag).toBeUndefined();
    expect(progress!.to.tag).toBeDefined();
    expect(ok!.to.tag).toBe(progress!.to.tag);
    for (const sent of transport.sent) {
      expect(sent.message.headers('via')[0]).toBe(`SIP/2.0/UDP 10.0.0.9:5060;rport=61000;branch=${request.topVia.branch};received=203.0.113.5`);
      expect(sent.inbound?.source).toEqual({ host: '203.0.113.5', port: 61_000 });
    }
  });

  it('gives different transactions different To tags', () => {
    const { layer, user, transport } = harness();
    for (let i = 0; i < 2; i++) {
      const request = makeRequest({ method: 'OPTIONS' });
      layer.request(request, inboundOf(request));
    }
    for (const tx of user.requests) tx.respond({ status: 200, reason: 'OK' });
    const [a, b] = transport.sent.map((s) => s.message.to.tag);
    expect(a).not.toBe(b);
  });

  it('copies every Via of the request into the response, in order', () => {
    const { layer, user, transport } = harness();
    const request = makeRequest({ method: 'OPTIONS', lowerVias: ['SIP/2.0/UDP 10.9.9.9:5060;branch=z9hG4bKlow1', 'SIP/2.0/TCP 10.8.8.8;branch=z9hG4bKlow2'] });
    layer.request(request, inboundOf(request));
    only(user.requests).respond({ status: 200, reason: 'OK' });
    expect(transport.last.message.headers('via')).toEqual(request.headers('via'));
  });
});

describe('forgetting terminated transactions', () => {
  it('comes back to no live transaction after a busy mix of every kind', async () => {
    const { clock, layer, user, tu, transport } = harness();
    // Client: an INVITE answered 486, an INVITE answered 200, an OPTIONS answered 200, a REGISTER that times out.
    const busy = makeRequest({ method: 'INVITE' });
    const answered = makeRequest({ method: 'INVITE', callId: 'c2' });
    const options = makeRequest({ method: 'OPTIONS', callId: 'c3' });
    layer.sendRequest(busy, targetOf('udp'), tu);
    const answeredTx = layer.sendRequest(answered, targetOf('tcp'), tu) as InviteClientTransaction;
    layer.sendRequest(options, targetOf('udp'), tu);
    layer.sendRequest(makeRequest({ method: 'REGISTER', callId: 'c4' }), targetOf('udp'), tu);
    layer.response(makeResponse(busy, 486, { toTag: 't1' }), inboundOf(busy));
    layer.response(makeResponse(answered, 200, { toTag: 't2' }), inboundOf(answered, 'tcp'));
    layer.response(makeResponse(options, 200, { toTag: 't3' }), inboundOf(options));
    expect(answeredTx.state).toBe('accepted');

    // Server: an INVITE cancelled and ACKed, an INVITE answered 200, a BYE, a stray CANCEL.
    const cancelled = makeRequest({ method: 'INVITE', callId: 's1' });
    layer.request(cancelled, inboundOf(cancelled));
    const cancel = makeCancel(cancelled);
    layer.request(cancel, inboundOf(cancel));
    layer.request(makeAck(cancelled, transport.last.message), inboundOf(cancelled));
    const accepted = makeRequest({ method: 'INVITE', callId: 's2' });
    layer.request(accepted, inboundOf(accepted, 'tcp'));
    const bye = makeRequest({ method: 'BYE', callId: 's3', toTag: 'x' });
    layer.request(bye, inboundOf(bye));
    for (const tx of user.requests.slice(1)) tx.respond({ status: 200, reason: 'OK' });
    const strayCancel = makeCancel(makeRequest({ method: 'INVITE', callId: 's4' }));
    layer.request(strayCancel, inboundOf(strayCancel));

    expect(layer.size).toEqual({ client: 4, server: 5 });
    await advance(clock, 64_000);
    expect(layer.size).toEqual({ client: 0, server: 0 });
    expect(clock.pending).toBe(0);
  });
});

describe('a cancelled INVITE that never gets a final response (§9.1)', () => {
  it('is given up 64·T1 after the CANCEL: the TU hears a timeout once and the layer forgets it', async () => {
    const { clock, layer, tu } = harness();
    const invite = makeRequest({ method: 'INVITE' });
    const tx = layer.sendRequest(invite, targetOf('udp'), tu) as InviteClientTransaction;
    layer.response(makeResponse(invite, 180, { toTag: 'r1' }), inboundOf(invite));
    expect(tx.state).toBe('proceeding');
    await advance(clock, 10_000); // ringing for a while; the app gives up
    layer.sendRequest(makeCancel(invite), targetOf('udp'), tu);
    await advance(clock, 31_000);
    expect(tx.state).toBe('proceeding'); // the CANCEL's own Timer F ran out, the INVITE still waits
    await advance(clock, 1_000);
    expect(tx.state).toBe('terminated');
    expect(tu.timeouts.length).toBe(2); // one for the unanswered CANCEL (Timer F), one for the INVITE
    expect(layer.size).toEqual({ client: 0, server: 0 });
  });

  it('leaves an INVITE that got its 487 alone', async () => {
    const { clock, layer, tu } = harness();
    const invite = makeRequest({ method: 'INVITE' });
    const tx = layer.sendRequest(invite, targetOf('udp'), tu) as InviteClientTransaction;
    layer.response(makeResponse(invite, 180, { toTag: 'r1' }), inboundOf(invite));
    const cancel = makeCancel(invite);
    layer.sendRequest(cancel, targetOf('udp'), tu);
    layer.response(makeResponse(cancel, 200, { toTag: 'r1' }), inboundOf(cancel));
    layer.response(makeResponse(invite, 487, { toTag: 'r1' }), inboundOf(invite));
    expect(tx.state).toBe('completed');
    await advance(clock, 64_000);
    expect(tu.timeouts).toEqual([]);
    expect(layer.size).toEqual({ client: 0, server: 0 });
  });
});

describe('a transaction user that throws', () => {
  it('gets its request answered 400 when a header it read lazily was malformed, and the transaction still ends', async () => {
    const { clock, layer, transport, logger } = harness();
    layer.setUser({
      request: () => {
        throw new SipParseError('BAD_NAME_ADDR', 'malformed Record-Route');
      },
      ack: () => {},
    });
    const invite = makeRequest({ method: 'INVITE' });
    layer.request(invite, inboundOf(invite));
    await advance(clock, 0);
    expect(transport.last.text).toMatch(/^SIP\/2\.0 400 Bad Request\r\n/);
    expect(transport.last.text).toContain('Warning: 399 - "BAD_NAME_ADDR"');
    expect(logger.lines.some((l) => l.event === 'requestFailed')).toBe(true);
    await advance(clock, 64_000);
    expect(layer.size).toEqual({ client: 0, server: 0 });
  });

  it('gets 500 for a bug, never an exception out of the layer', async () => {
    const { clock, layer, transport } = harness();
    layer.setUser({
      request: () => {
        throw new TypeError('bug');
      },
      ack: () => {},
    });
    const options = makeRequest({ method: 'OPTIONS' });
    expect(() => layer.request(options, inboundOf(options))).not.toThrow();
    await advance(clock, 0);
    expect(transport.last.text).toMatch(/^SIP\/2\.0 500 Server Internal Error\r\n/);
  });
});
