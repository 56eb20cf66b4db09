// RFC 4028 session timers over the loop network: refreshing as the refresher, BYE when the peer does not refresh,
// the terms of our 200; and closeAll.
import { describe, expect, it } from 'vitest';
import { PEER, type Scenario, scenario, sdp, settle, text } from './harness.ts';
import { establishedIncoming, peerAcks, peerInvites, peerSends, responsesTo } from './peerCalls.ts';

const PHONE_CONTACT = '<sip:flat-phone@198.51.100.7:5070>';

/** An outgoing call answered with these Session-Expires terms (and Allow). */
async function answeredWith(s: Scenario, sessionExpires: string, allow = 'INVITE, ACK, BYE, CANCEL'): Promise<ReturnType<Scenario['call']>> {
  const placed = s.call();
  await settle();
  await s.peer.respond(s.peer.last('INVITE'), 200, {
    toTag: 'p1', body: sdp(PEER.host),
    headers: [['Contact', PHONE_CONTACT], ['Session-Expires', sessionExpires], ['Require', 'timer'], ['Allow', allow]],
  });
  return placed;
}

describe('session timers (RFC 4028)', () => {
  it('refreshes with a re-INVITE carrying the same SDP at half the interval when it is the refresher', async () => {
    const s = scenario();
    const { log } = await answeredWith(s, '90;refresher=uac');
    const invite = s.peer.requests('INVITE')[0]!;
    await s.advance(44_000, 1000);
    expect(s.peer.requests('INVITE')).toHaveLength(1);
    await s.advance(1000);
    const refresh = s.peer.last('INVITE');
    expect(refresh.to.tag).toBe('p1');
    expect(refresh.cseq.seq).toBe(invite.cseq.seq + 1);
    expect(refresh.header('session-expires')).toBe('90;refresher=uac');
    expect(text(refresh.body)).toBe(text(invite.body));
    await s.peer.respond(refresh, 200, { headers: [['Contact', PHONE_CONTACT], ['Session-Expires', '90;refresher=uac']], body: sdp(PEER.host) });
    expect(s.peer.last('ACK').cseq).toEqual({ seq: refresh.cseq.seq, method: 'ACK' });
    await s.advance(45_000, 1000);
    expect(s.peer.requests('INVITE')).toHaveLength(3);
    expect(log).toEqual(['established']);
  });

  it('refreshes with an UPDATE without body when the peer allows UPDATE', async () => {
    const s = scenario();
    await answeredWith(s, '120;refresher=uac', 'INVITE, ACK, BYE, CANCEL, UPDATE');
    await s.advance(60_000, 1000);
    const update = s.peer.last('UPDATE');
    expect(update.contentLength).toBe(0);
    expect(update.header('session-expires')).toBe('120;refresher=uac');
    expect(update.header('contact')).toBe('<sip:door@192.0.2.10:5060>');
  });

  it('sends a BYE at expiry − min(32 s, interval/3) when the refreshing peer stays silent', async () => {
    const s = scenario();
    const { log, call } = await answeredWith(s, '90;refresher=uas');
    await s.advance(59_000, 1000);
    expect(s.peer.requests('BYE')).toHaveLength(0);
    await s.advance(1000);
    await s.peer.respond(s.peer.last('BYE'), 200);
    expect(log).toEqual(['established', 'ended sessionExpired']);
    expect(call.state).toBe('ended');
    expect(s.layer.size).toBe(0);
  });

  it('restarts the expiry when the peer refreshes', async () => {
    const s = scenario();
    const c = await establishedIncoming(s, { headers: [['Supported', 'timer'], ['Session-Expires', '90;refresher=uac']] });
    const ok = responsesTo(s, 'INVITE').find((r) => r.status === 200)!;
    expect(ok.header('session-expires')).toBe('90;refresher=uac');
    expect(ok.headers('require')).toEqual(['timer']);
    await s.advance(40_000, 1000);
    await peerSends(s, c, 'UPDATE', { headers: [['Supported', 'timer'], ['Session-Expires', '90;refresher=uac']] });
    expect(responsesTo(s, 'UPDATE').map((r) => r.status)).toEqual([200]);
    await s.advance(40_000, 1000); // 80 s: past the first expiry (60 s), before the new one (100 s)
    expect(s.peer.requests('BYE')).toHaveLength(0);
    await s.advance(20_000, 1000);
    expect(s.peer.requests('BYE')).toHaveLength(1);
  });

  it('becomes the refresher of an incoming call whose caller does not support timers', async () => {
    const s = scenario();
    await establishedIncoming(s, { headers: [['Session-Expires', '100']] });
    const ok = responsesTo(s, 'INVITE').find((r) => r.status === 200)!;
    expect(ok.header('session-expires')).toBe('100;refresher=uas');
    expect(ok.headers('require')).toEqual([]);
    await s.advance(50_000, 1000);
    expect(s.peer.requests('INVITE')).toHaveLength(1); // the caller's Allow has no UPDATE: a re-INVITE
  });

  it('answers an INVITE asking for less than 90 s with 422 and Min-SE: 90 (RFC 4028 §9)', async () => {
    const s = scenario();
    const c = await peerInvites(s, { headers: [['Supported', 'timer'], ['Session-Expires', '60']] });
    await settle();
    expect(s.peer.responses().map((r) => r.status)).toEqual([422]);
    expect(s.peer.lastResponse(422).headers('min-se')).toEqual(['90']);
    expect(s.peer.lastResponse(422).reason).toBe('Session Interval Too Small');
    expect(c.entry.log).toEqual(['ended failed 422']);
    expect(s.layer.size).toBe(0);
  });

  it('accepts 90 s, the minimum itself', async () => {
    const s = scenario();
    await establishedIncoming(s, { headers: [['Supported', 'timer'], ['Session-Expires', '90']] });
    expect(responsesTo(s, 'INVITE').map((r) => r.status)).toEqual([180, 200]);
  });

  it('keeps a short interval of a caller without timer support, which could not retry after a 422: it refreshes itself', async () => {
    const s = scenario();
    await establishedIncoming(s, { headers: [['Session-Expires', '60']] });
    const ok = responsesTo(s, 'INVITE').find((r) => r.status === 200)!;
    expect(ok.header('session-expires')).toBe('60;refresher=uas');
  });

  it('answers a re-INVITE or UPDATE asking for less than 90 s with 422; the session goes on as it was', async () => {
    const s = scenario();
    const c = await establishedIncoming(s, { headers: [['Supported', 'timer'], ['Session-Expires', '90;refresher=uac']] });
    await peerSends(s, c, 'INVITE', { headers: [['Supported', 'timer'], ['Session-Expires', '30;refresher=uac']], body: sdp(PEER.host, 'sendonly', 2) });
    const refusedInvite = responsesTo(s, 'INVITE').at(-1)!;
    expect([refusedInvite.status, refusedInvite.header('min-se')]).toEqual([422, '90']);
    await peerSends(s, c, 'UPDATE', { headers: [['Supported', 'timer'], ['Session-Expires', '45']] });
    const refusedUpdate = responsesTo(s, 'UPDATE').at(-1)!;
    expect([refusedUpdate.status, refusedUpdate.header('min-se')]).toEqual([422, '90']);
    expect(c.entry.sdh.offersReceived).toHaveLength(1); // the re-INVITE's offer never reached the media side
    expect(c.entry.log).toEqual(['ringing 180 early', 'established']);
    expect(c.entry.call.state).toBe('confirmed');
  });

  it('answers a peer re-INVITE with 491 while its own refresh is under way (glare)', async () => {
    const s = scenario();
    const c = await establishedIncoming(s, { headers: [['Session-Expires', '100']] });
    await s.advance(50_000, 1000);
    const ours = s.peer.last('INVITE');
    await peerSends(s, c, 'INVITE', { body: sdp(PEER.host, 'sendonly', 2) });
    expect(responsesTo(s, 'INVITE').at(-1)!.status).toBe(491);
    await s.peer.respond(ours, 200, { headers: [['Contact', '<sip:flat@198.51.100.7:5070>']], body: sdp(PEER.host) });
    expect(s.peer.last('ACK').cseq.seq).toBe(ours.cseq.seq);
  });
});

describe('closeAll', () => {
  it('BYEs confirmed calls, CANCELs pending ones, 480s unanswered incoming ones, and resolves when all ended', async () => {
    const s = scenario();
    const confirmed = await answeredWith(s, '1800;refresher=uac');
    const pending = s.call({ to: { uri: 'sip:other@198.51.100.7:5070' } });
    await settle();
    const pendingInvite = s.peer.last('INVITE');
    await s.peer.respond(pendingInvite, 180, { toTag: 'p2' });
    const unanswered = await peerInvites(s, { callId: 'in-2@198.51.100.7' });
    expect(s.layer.size).toBe(3);

    let closed = false;
    const done = s.layer.closeAll().then(() => {
      closed = true;
    });
    await settle();
    expect(s.peer.lastResponse(480)).toBeDefined();
    expect(unanswered.entry.log).toEqual(['ended rejected 480']);
    await s.peer.respond(s.peer.last('BYE'), 200);
    const cancel = s.peer.last('CANCEL');
    await s.peer.respond(cancel, 200);
    expect(closed).toBe(false);
    await s.peer.respond(pendingInvite, 487, { toTag: 'p2' });
    await done;
    expect(closed).toBe(true);
    expect(confirmed.log.at(-1)).toBe('ended localBye');
    expect(pending.log.at(-1)).toBe('ended cancelled 487');
    expect(s.layer.size).toBe(0);
    expect(s.layer.dialogCount).toBe(0);
  });

  it('is bounded: after the close timeout it ends what is left without waiting', async () => {
    const s = scenario();
    const confirmed = await answeredWith(s, '1800;refresher=uac');
    const done = s.layer.closeAll();
    await s.advance(5000, 1000);
    await done;
    expect(confirmed.log.at(-1)).toBe('ended localBye');
    expect(s.layer.size).toBe(0);
  });

  it('resolves at once with no calls', async () => {
    const s = scenario();
    await s.layer.closeAll();
    expect(s.layer.size).toBe(0);
  });

  it('leaves nothing behind after a mix of calls', async () => {
    const s = scenario();
    const c = await establishedIncoming(s);
    await peerSends(s, c, 'BYE');
    const placed = s.call();
    await settle();
    await s.peer.respond(s.peer.last('INVITE'), 603, { toTag: 'no' });
    await peerAcks(s, c); // a late ACK for a forgotten dialog is dropped quietly
    expect(placed.log).toEqual(['ended rejected 603']);
    expect(s.layer.size).toBe(0);
    expect(s.layer.dialogCount).toBe(0);
  });
});
