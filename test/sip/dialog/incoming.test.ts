// Incoming calls over the loop network (RFC 3261 §13.3, §12.1.1, §9.2, §15): ring, answer, the 2xx retransmitted
// until the ACK (§13.3.1.4), CANCEL, BYE, reject.
import { describe, expect, it } from 'vitest';
import { PEER, PEER_PROXY, T1, scenario, sdp, settle, text } from './harness.ts';
import { deviceTag, establishedIncoming, peerAcks, peerInvites, peerSends, responsesTo, DEVICE_URI, DOOR_TO, PEER_FROM } from './peerCalls.ts';

describe('an incoming call (§13.3)', () => {
  it('rings with a tag, answers with Contact, Allow, Supported and Record-Route, and is established by the ACK', async () => {
    const s = scenario();
    const c = await peerInvites(s);
    const { call, sdh, log } = c.entry;
    expect(call.direction).toBe('incoming');
    expect(call.remote).toEqual({ uri: 'sip:flat@pbx.example.com', displayName: 'Flat', tag: 'peer1' });
    call.ring();
    call.ring(); // once only
    await settle();
    const ringing = s.peer.lastResponse(180);
    expect(s.peer.responses(180)).toHaveLength(1);
    expect(ringing.to.tag).toBeDefined();
    expect(ringing.header('contact')).toBe('<sip:door@192.0.2.10:5060>');
    expect(ringing.headers('record-route')).toEqual([PEER_PROXY]);
    expect(call.state).toBe('early');

    let acked = false;
    const answered = call.answer().then(() => {
      acked = true;
    });
    await settle();
    const ok = s.peer.lastResponse(200);
    expect(ok.to.tag).toBe(ringing.to.tag);
    expect(ok.header('contact')).toBe('<sip:door@192.0.2.10:5060>');
    expect(ok.headers('allow')).toContain('INFO');
    expect(ok.headers('supported')).toEqual(['timer']);
    expect(ok.headers('record-route')).toEqual([PEER_PROXY]);
    expect(ok.contentType).toBe('application/sdp');
    expect(text(ok.body)).toContain('c=IN IP4 192.0.2.10');
    expect(sdh.offersReceived).toEqual([sdp(PEER.host)]);
    expect(acked).toBe(false);

    await peerAcks(s, c);
    await answered;
    expect(acked).toBe(true);
    expect(call.state).toBe('confirmed');
    expect(log).toEqual(['ringing 180 early', 'established']);
    expect(s.layer.size).toBe(1);
  });

  it('retransmits the 200 at T1, 2·T1, 4·T1 … capped at T2 until the ACK (§13.3.1.4)', async () => {
    const s = scenario();
    const c = await peerInvites(s);
    void c.entry.call.answer();
    await settle();
    await s.advance(8000);
    const times = s.wire.filter((w) => w.line.startsWith('SIP/2.0 200')).map((w) => w.at);
    expect(times).toEqual([0, T1, 3 * T1, 7 * T1, 7 * T1 + 4000]);
    await peerAcks(s, c);
    await s.advance(20_000, 1000);
    expect(s.wire.filter((w) => w.line.startsWith('SIP/2.0 200')).map((w) => w.at)).toEqual(times);
    expect(c.entry.log).toEqual(['established']);
  });

  it('gives up without an ACK after 64·T1: answer() rejects, a BYE goes out, the call ends timeout', async () => {
    const s = scenario();
    const c = await peerInvites(s);
    const answered = c.entry.call.answer();
    const outcome = answered.then(() => 'resolved', (error: { code?: string }) => error.code);
    await settle();
    await s.advance(64 * T1 - 100);
    expect(s.peer.requests('BYE')).toHaveLength(0);
    await s.advance(100);
    expect(await outcome).toBe('ACK_TIMEOUT');
    const bye = s.peer.last('BYE');
    expect(bye.requestUri).toBe('sip:flat@198.51.100.7:5070');
    expect(bye.headers('route')).toEqual([PEER_PROXY]);
    expect(bye.from.tag).toBe(deviceTag(s));
    expect(bye.to.tag).toBe('peer1');
    await s.peer.respond(bye, 200);
    expect(c.entry.log).toEqual(['ended timeout']);
    expect(s.layer.size).toBe(0);
  });

  it('answers a CANCEL with 487 and ends cancelled', async () => {
    const s = scenario();
    const c = await peerInvites(s);
    c.entry.call.ring();
    await settle();
    await s.peer.request('CANCEL', {
      requestUri: DEVICE_URI, callId: c.invite.callId, from: PEER_FROM, to: DOOR_TO, cseq: 10, branch: c.invite.topVia.branch!,
    });
    expect(responsesTo(s, 'CANCEL').map((r) => r.status)).toEqual([200]);
    const terminated = s.peer.lastResponse(487);
    expect(terminated.to.tag).toBe(s.peer.lastResponse(180).to.tag);
    expect(c.entry.log).toEqual(['ringing 180 early', 'ended cancelled']);
    expect(c.entry.sdh.closed).toBe(1);
    expect(s.layer.size).toBe(0);
    await expect(c.entry.call.answer()).rejects.toMatchObject({ code: 'CALL_ENDED' });
  });

  it('rejects with the given status', async () => {
    const s = scenario();
    const c = await peerInvites(s);
    c.entry.call.reject(486, 'Busy Here');
    await settle();
    expect(s.peer.lastResponse(486).to.tag).toBeDefined();
    expect(c.entry.log).toEqual(['ended rejected 486']);
    expect(s.layer.size).toBe(0);
    expect(() => c.entry.call.reject(200, 'OK')).toThrow(RangeError);
  });

  it('answers 488 when the offer is not acceptable, and answer() rejects', async () => {
    const s = scenario();
    const c = await peerInvites(s);
    c.entry.sdh.failCreateAnswer = true;
    await expect(c.entry.call.answer()).rejects.toMatchObject({ code: 'CALL_ENDED' });
    await settle();
    expect(s.peer.lastResponse(488).reason).toBe('Not Acceptable Here');
    expect(c.entry.log).toEqual(['ended failed 488']);
    expect(s.layer.size).toBe(0);
  });

  it('answers 503 with Retry-After when the media has no resources now (no RTP ports left), not 488', async () => {
    const s = scenario();
    const c = await peerInvites(s);
    c.entry.sdh.failCreateAnswer = true;
    c.entry.sdh.failCode = 'SESSION_RESOURCES';
    await expect(c.entry.call.answer()).rejects.toMatchObject({ code: 'CALL_ENDED' });
    await settle();
    expect(s.peer.lastResponse(503).header('retry-after')).toBe('30');
    expect(c.entry.log).toEqual(['ended failed 503']);
  });

  it('ends remoteBye on the peer\'s BYE, with a 200', async () => {
    const s = scenario();
    const c = await establishedIncoming(s);
    const bye = await peerSends(s, c, 'BYE');
    expect(responsesTo(s, 'BYE').map((r) => r.status)).toEqual([200]);
    expect(responsesTo(s, 'BYE')[0]!.cseq.seq).toBe(bye.cseq.seq);
    expect(c.entry.log).toEqual(['ringing 180 early', 'established', 'ended remoteBye']);
    expect(c.entry.sdh.closed).toBe(1);
    expect(s.layer.size).toBe(0);
  });

  it('sends its BYE on hangup only after the ACK (§15)', async () => {
    const s = scenario();
    const c = await peerInvites(s);
    const answered = c.entry.call.answer();
    await settle();
    c.entry.call.hangup();
    await settle();
    expect(s.peer.requests('BYE')).toHaveLength(0);
    await peerAcks(s, c);
    await answered;
    const bye = s.peer.last('BYE');
    expect(bye.cseq.method).toBe('BYE');
    await s.peer.respond(bye, 200);
    expect(c.entry.log).toEqual(['established', 'ended localBye']);
    expect(s.layer.size).toBe(0);
  });

  it('declines an unanswered call on hangup with 603', async () => {
    const s = scenario();
    const c = await peerInvites(s);
    c.entry.call.hangup();
    await settle();
    expect(s.peer.lastResponse(603)).toBeDefined();
    expect(c.entry.log).toEqual(['ended rejected 603']);
  });

  it('puts its offer in the 200 of an INVITE without one and takes the answer from the ACK', async () => {
    const s = scenario();
    const c = await peerInvites(s, { body: null });
    const answered = c.entry.call.answer();
    await settle();
    expect(c.entry.sdh.offersMade).toBe(1);
    expect(text(s.peer.lastResponse(200).body)).toContain('a=sendrecv');
    await peerAcks(s, c, { body: sdp(PEER.host) });
    await answered;
    expect(c.entry.sdh.answersReceived).toEqual([sdp(PEER.host)]);
    expect(c.entry.log).toEqual(['established']);
  });

  it('answers an INVITE requiring an extension we lack with 420 and Unsupported', async () => {
    const s = scenario();
    const c = await peerInvites(s, { headers: [['Require', '100rel']] });
    await settle();
    const bad = s.peer.lastResponse(420);
    expect(bad.headers('unsupported')).toEqual(['100rel']);
    expect(c.entry.log).toEqual(['ended failed 420']);
    expect(s.layer.size).toBe(0);
  });

  it('works over TCP: responses and its BYE go over the connection the call came in on', async () => {
    const s = scenario('tcp');
    const c = await establishedIncoming(s, {
      contact: '<sip:flat@198.51.100.7:5070;transport=tcp>', recordRoute: '<sip:198.51.100.7:5070;transport=tcp;lr>',
    });
    c.entry.call.hangup();
    await settle();
    const bye = s.peer.last('BYE');
    expect(bye.topVia.transport).toBe('TCP');
    const flows = new Set(s.network.sent.filter((p) => p.from.port === 5060).map((p) => p.flowId));
    expect([...flows]).toEqual(['tcp:192.0.2.10:5060>198.51.100.7:5070']);
    await s.peer.respond(bye, 200);
    expect(c.entry.log).toEqual(['ringing 180 early', 'established', 'ended localBye']);
    expect(s.layer.size).toBe(0);
  });
});
