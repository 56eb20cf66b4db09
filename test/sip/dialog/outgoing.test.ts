// Outgoing calls over the loop network (RFC 3261 §13.2, §12.1.2, §9.1, §8.1.3.4, §22; RFC 6026): the device's
// real transport, transaction and dialog layers against a scripted peer.
import { describe, expect, it, vi } from 'vitest';
import { createNodeHasher } from '../../../firmware-app/platform/hash.ts';
import { DigestClient } from '../../../firmware-app/sip/auth/index.ts';
import { COMPLETED_ELSEWHERE } from '../../../firmware-app/sip/dialog/index.ts';
import { type SipMessage, parseCredentials } from '../../../firmware-app/sip/message/index.ts';
import { PEER, PEER_PROXY, T1, type Scenario, scenario, sdp, settle, text } from './harness.ts';

const PHONE_CONTACT = '<sip:flat-phone@198.51.100.7:5070;transport=udp>';
const PHONE_URI = 'sip:flat-phone@198.51.100.7:5070;transport=udp';
/** Record-Route as the 2xx carries it: the proxy nearest to us is last, so after reversal the peer comes first. */
const RECORD_ROUTE = `<sip:203.0.113.5;lr>, ${PEER_PROXY}`;

/** A real digest client for the account `door`, with scripted cnonces. */
function digestClient(): DigestClient {
  let n = 0;
  return new DigestClient({ hasher: createNodeHasher(), credentials: { username: 'door', password: 'secret' }, cnonce: () => `cn${++n}` });
}

/** What identifies one digest answer in `header` of `request`: realm, nonce, nc, cnonce and response. */
function credentials(request: SipMessage, header: string): { realm?: string; nonce?: string; nc?: string; cnonce?: string; response?: string } {
  const value = request.header(header);
  if (value === undefined) throw new Error(`no ${header} in ${request.method} ${request.cseq.seq}`);
  const { realm, nonce, nc, cnonce, response } = parseCredentials(value);
  return { realm, nonce, nc, cnonce, response };
}

async function invited(s: Scenario): Promise<ReturnType<Scenario['call']> & { invite: SipMessage }> {
  const placed = s.call();
  await settle();
  return { ...placed, invite: s.peer.last('INVITE') };
}

async function answered(s: Scenario, toTag = 'p1'): Promise<ReturnType<Scenario['call']> & { invite: SipMessage; ok: SipMessage }> {
  const placed = await invited(s);
  await s.peer.respond(placed.invite, 180, { toTag, headers: [['Contact', PHONE_CONTACT]] });
  const ok = await s.peer.respond(placed.invite, 200, {
    toTag, headers: [['Contact', PHONE_CONTACT], ['Record-Route', RECORD_ROUTE], ['Allow', 'INVITE, ACK, BYE, CANCEL']], body: sdp(PEER.host),
  });
  return { ...placed, ok };
}

describe('an outgoing call (§13.2)', () => {
  it('sends an INVITE with the offer, Contact, Allow, Supported: timer and Session-Expires', async () => {
    const s = scenario();
    const { invite, sdh } = await invited(s);
    expect(invite.requestUri).toBe('sip:flat@198.51.100.7:5070');
    expect(invite.header('contact')).toBe('<sip:door@192.0.2.10:5060>');
    expect(invite.headers('allow')).toEqual(['INVITE', 'ACK', 'CANCEL', 'BYE', 'OPTIONS', 'INFO', 'UPDATE']);
    expect(invite.headers('supported')).toEqual(['timer']);
    expect(invite.headers('content-type')).toEqual(['application/sdp']); // exactly one
    expect(invite.header('session-expires')).toBe('1800');
    expect(invite.contentType).toBe('application/sdp');
    expect(text(invite.body)).toContain('c=IN IP4 192.0.2.10');
    expect(invite.from.tag).toBeDefined();
    expect(invite.to.tag).toBeUndefined();
    expect(sdh.offersMade).toBe(1);
  });

  it('plays early media from a 183 with SDP (RFC 3960) and keeps the 2xx as the answer of record', async () => {
    const s = scenario();
    const { sdh, invite, log } = await invited(s);
    const early = sdp('203.0.113.9');
    await s.peer.respond(invite, 183, { toTag: 'p1', headers: [['Contact', PHONE_CONTACT]], body: early });
    expect(sdh.earlyAnswers).toEqual([early]);
    expect(sdh.alerted).toBe(0);
    expect(sdh.answersReceived).toEqual([]);
    await s.peer.respond(invite, 200, { toTag: 'p1', headers: [['Contact', PHONE_CONTACT]], body: sdp(PEER.host) });
    await settle();
    expect(sdh.answersReceived).toEqual([sdp(PEER.host)]);
    expect(log).toEqual(['ringing 183 early', 'established']);
  });

  it('asks for local ringback on a 180 without SDP, and not on 100 Trying or a 183 without SDP', async () => {
    const s = scenario();
    const { sdh, invite } = await invited(s);
    await s.peer.respond(invite, 100);
    await s.peer.respond(invite, 183, { toTag: 'p1', headers: [['Contact', PHONE_CONTACT]] });
    expect(sdh.alerted).toBe(0);
    await s.peer.respond(invite, 180, { toTag: 'p1', headers: [['Contact', PHONE_CONTACT]] });
    expect(sdh.alerted).toBe(1);
    expect(sdh.earlyAnswers).toEqual([]);
  });

  it('leaves session timers out when sessionExpires is 0', async () => {
    const s = scenario();
    s.call({ sessionExpires: 0 });
    await settle();
    const invite = s.peer.last('INVITE');
    expect(invite.header('session-expires')).toBeUndefined();
    expect(invite.headers('supported')).toEqual([]);
  });

  it('rings (early dialog), is answered, ACKs to the 2xx Contact through the route set, and BYEs on hangup', async () => {
    const s = scenario();
    const { call, sdh, log, invite } = await answered(s);
    expect(log).toEqual(['ringing 180 early', 'established']);
    expect(call.state).toBe('confirmed');
    expect(sdh.answersReceived).toEqual([sdp(PEER.host)]);

    const ack = s.peer.last('ACK');
    expect(ack.requestUri).toBe(PHONE_URI);
    expect(ack.headers('route')).toEqual([PEER_PROXY, '<sip:203.0.113.5;lr>']);
    expect(ack.cseq).toEqual({ seq: invite.cseq.seq, method: 'ACK' });
    expect(ack.topVia.branch).not.toBe(invite.topVia.branch);
    expect(ack.from.tag).toBe(invite.from.tag);
    expect(ack.to.tag).toBe('p1');
    expect(ack.callId).toBe(invite.callId);

    call.hangup();
    await settle();
    const bye = s.peer.last('BYE');
    expect(bye.requestUri).toBe(PHONE_URI);
    expect(bye.headers('route')).toEqual([PEER_PROXY, '<sip:203.0.113.5;lr>']);
    expect(bye.cseq).toEqual({ seq: invite.cseq.seq + 1, method: 'BYE' });
    expect(sdh.closed).toBe(1); // §15.1.1: media stops as the BYE goes out
    expect(s.layer.size).toBe(1);
    await s.peer.respond(bye, 200);
    expect(log.at(-1)).toBe('ended localBye');
    expect(s.layer.size).toBe(0);
    expect(s.layer.dialogCount).toBe(0);
  });

  it('takes the route set from a 2xx that came without any 1xx, reversed', async () => {
    const s = scenario();
    const { invite } = await invited(s);
    await s.peer.respond(invite, 200, { toTag: 'p9', headers: [['Contact', PHONE_CONTACT], ['Record-Route', RECORD_ROUTE]], body: sdp(PEER.host) });
    expect(s.peer.last('ACK').headers('route')).toEqual([PEER_PROXY, '<sip:203.0.113.5;lr>']);
  });

  it('reports a 180 without To tag as ringing without early dialog', async () => {
    const s = scenario();
    const { log, invite, call } = await invited(s);
    await s.peer.respond(invite, 180);
    expect(log).toEqual(['ringing 180']);
    expect(call.state).toBe('calling');
  });

  it('re-sends the same ACK for each retransmitted 2xx (RFC 6026 Accepted, then a stray after Timer M)', async () => {
    const s = scenario();
    const { ok } = await answered(s);
    expect(s.peer.requests('ACK')).toHaveLength(1);
    await s.peer.send(ok.bytes);
    expect(s.peer.requests('ACK')).toHaveLength(2);
    expect(text(s.peer.requests('ACK')[1]!.bytes)).toBe(text(s.peer.requests('ACK')[0]!.bytes));
    await s.advance(64 * T1 + 1000, 1000); // Timer M: the transaction is gone; the 2xx is a stray now
    expect(s.transactions.size.client).toBe(0);
    await s.peer.send(ok.bytes);
    expect(s.peer.requests('ACK')).toHaveLength(3);
    expect(s.peer.requests('BYE')).toHaveLength(0);
  });

  it('keeps the first 2xx of a forked INVITE and ACKs then BYEs the other fork', async () => {
    const s = scenario();
    const { invite, log, call } = await answered(s, 'fork-a');
    await s.peer.respond(invite, 200, { toTag: 'fork-b', headers: [['Contact', '<sip:other@198.51.100.7:5070>']], body: sdp(PEER.host) });
    const acks = s.peer.requests('ACK');
    expect(acks.map((a) => a.to.tag)).toEqual(['fork-a', 'fork-b']);
    const bye = s.peer.last('BYE');
    expect(bye.to.tag).toBe('fork-b');
    expect(bye.requestUri).toBe('sip:other@198.51.100.7:5070');
    expect(bye.headers('route')).toEqual([]);
    await s.peer.respond(bye, 200);
    expect(log).toEqual(['ringing 180 early', 'established']);
    expect(call.state).toBe('confirmed');
    expect(s.layer.size).toBe(1);
  });

  it('ACKs and BYEs a 2xx of a fork it never saw that arrives after Timer M (a stray)', async () => {
    const s = scenario();
    const { invite, call } = await answered(s, 'fork-a');
    await s.advance(64 * T1 + 1000, 1000);
    await s.peer.respond(invite, 200, { toTag: 'late', headers: [['Contact', '<sip:late@198.51.100.7:5070>']], body: sdp(PEER.host) });
    expect(s.peer.last('ACK').to.tag).toBe('late');
    expect(s.peer.last('ACK').cseq).toEqual({ seq: invite.cseq.seq, method: 'ACK' });
    const bye = s.peer.last('BYE');
    expect(bye.requestUri).toBe('sip:late@198.51.100.7:5070');
    expect(bye.cseq.seq).toBe(invite.cseq.seq + 1);
    expect(call.state).toBe('confirmed');
  });

  it('ends rejected on 486 (the transaction ACKs it)', async () => {
    const s = scenario();
    const { invite, log, sdh } = await invited(s);
    await s.peer.respond(invite, 486, { toTag: 'busy', reason: 'Busy Here' });
    expect(log).toEqual(['ended rejected 486']);
    expect(s.peer.last('ACK').topVia.branch).toBe(invite.topVia.branch);
    expect(sdh.closed).toBe(1);
    expect(s.layer.size).toBe(0);
  });

  it('follows a 302 to its Contact: same Call-ID and From tag, next CSeq, new branch', async () => {
    const s = scenario();
    const { invite, log } = await invited(s);
    await s.peer.respond(invite, 302, { toTag: 'r', headers: [['Contact', '<sip:mobile@198.51.100.7:5070>;q=0.5, <sip:desk@198.51.100.7:5070>']] });
    await settle();
    const second = s.peer.last('INVITE');
    expect(second.requestUri).toBe('sip:desk@198.51.100.7:5070');
    expect(second.callId).toBe(invite.callId);
    expect(second.from.tag).toBe(invite.from.tag);
    expect(second.cseq.seq).toBe(invite.cseq.seq + 1);
    expect(second.topVia.branch).not.toBe(invite.topVia.branch);
    await s.peer.respond(second, 200, { toTag: 'desk', headers: [['Contact', '<sip:desk@198.51.100.7:5070>']], body: sdp(PEER.host) });
    expect(log).toEqual(['established']);
    expect(s.peer.last('ACK').cseq.seq).toBe(second.cseq.seq);
  });

  it('ends transportError when a redirect leads to a target it cannot send to (no TCP here)', async () => {
    const s = scenario();
    const { invite, log } = await invited(s);
    vi.spyOn(s.ctx.resolver, 'resolve').mockResolvedValue([{ protocol: 'tcp', host: PEER.host, port: PEER.port }]);
    await s.peer.respond(invite, 302, { toTag: 'r', headers: [['Contact', '<sip:desk@198.51.100.7:5070;transport=tcp>']] });
    await settle();
    expect(s.peer.requests('INVITE')).toHaveLength(1);
    expect(log).toEqual(['ended transportError']);
    expect(s.layer.size).toBe(0);
  });

  it('stops following redirects after five hops', async () => {
    const s = scenario();
    const { log } = await invited(s);
    for (let hop = 0; hop < 6; hop++) {
      await s.peer.respond(s.peer.last('INVITE'), 302, { toTag: `r${hop}`, headers: [['Contact', `<sip:hop${hop}@198.51.100.7:5070>`]] });
      await settle();
    }
    expect(s.peer.requests('INVITE')).toHaveLength(6);
    expect(log).toEqual(['ended rejected 302']);
  });

  it('answers a 401 with the authenticate callback and retries with the next CSeq; the ACK carries the credentials', async () => {
    const s = scenario();
    const seen: Array<{ status: number; cseq: number }> = [];
    const { log } = s.call({
      authenticate: (response, request) => {
        seen.push({ status: response.status, cseq: request.cseq.seq });
        return { ok: true, header: 'Authorization', value: 'Digest username="door", response="abc"' };
      },
    });
    await settle();
    const first = s.peer.last('INVITE');
    await s.peer.respond(first, 401, { toTag: 'auth', headers: [['WWW-Authenticate', 'Digest realm="pbx", nonce="n1"']] });
    await settle();
    const second = s.peer.last('INVITE');
    expect(seen).toEqual([{ status: 401, cseq: first.cseq.seq }]);
    expect(second.header('authorization')).toBe('Digest username="door", response="abc"');
    expect(second.cseq.seq).toBe(first.cseq.seq + 1);
    expect(second.callId).toBe(first.callId);
    await s.peer.respond(second, 200, { toTag: 'ok', headers: [['Contact', PHONE_CONTACT]], body: sdp(PEER.host) });
    expect(log).toEqual(['established']);
    expect(s.peer.last('ACK').header('authorization')).toBe('Digest username="door", response="abc"');
  });

  it('ends rejected on a 401 when there is no authenticate callback or it cannot answer', async () => {
    const s = scenario();
    const { log } = s.call({ authenticate: () => ({ ok: false, reason: 'realm-not-allowed' }) });
    await settle();
    await s.peer.respond(s.peer.last('INVITE'), 401, { toTag: 'auth' });
    expect(log).toEqual(['ended rejected 401']);
    expect(s.peer.requests('INVITE')).toHaveLength(1);
  });

  it('retries a 422 with the Min-SE asked for (RFC 4028 §7.4)', async () => {
    const s = scenario();
    s.call({ sessionExpires: 60 });
    await settle();
    expect(s.peer.last('INVITE').header('session-expires')).toBe('90'); // never below RFC 4028's 90 s
    await s.peer.respond(s.peer.last('INVITE'), 422, { toTag: 'x', headers: [['Min-SE', '120']] });
    await settle();
    const second = s.peer.last('INVITE');
    expect(second.header('session-expires')).toBe('120');
    expect(second.header('min-se')).toBe('120');
  });

  it('answers the challenge again for the INVITE after a 422: a new nc, never the same credentials twice (RFC 7616 §3.4)', async () => {
    const s = scenario();
    const digest = digestClient();
    s.call({ authenticate: (response, request) => digest.answer(response, request) });
    await settle();
    await s.peer.respond(s.peer.last('INVITE'), 401, { toTag: 'a1', headers: [['WWW-Authenticate', 'Digest realm="pbx", nonce="n1", qop="auth"']] });
    await settle();
    const second = s.peer.last('INVITE');
    expect(credentials(second, 'authorization')).toMatchObject({ nonce: 'n1', nc: '00000001', cnonce: 'cn1' });
    await s.peer.respond(second, 422, { toTag: 'a2', headers: [['Min-SE', '1900']] });
    await settle();
    const third = s.peer.last('INVITE');
    expect(third.cseq.seq).toBe(second.cseq.seq + 1);
    expect(third.header('session-expires')).toBe('1900');
    const again = credentials(third, 'authorization');
    expect(again).toMatchObject({ nonce: 'n1', nc: '00000002', cnonce: 'cn2' });
    expect(again.response).not.toBe(credentials(second, 'authorization').response);
  });

  it('after a 407 and then a 401, answers the proxy\'s challenge again too (its nc goes on)', async () => {
    const s = scenario();
    const digest = digestClient();
    s.call({ authenticate: (response, request) => digest.answer(response, request) });
    await settle();
    await s.peer.respond(s.peer.last('INVITE'), 407, { toTag: 'p', headers: [['Proxy-Authenticate', 'Digest realm="proxy", nonce="p1", qop="auth"']] });
    await settle();
    const second = s.peer.last('INVITE');
    expect(credentials(second, 'proxy-authorization')).toMatchObject({ realm: 'proxy', nonce: 'p1', nc: '00000001' });
    await s.peer.respond(second, 401, { toTag: 'u', headers: [['WWW-Authenticate', 'Digest realm="pbx", nonce="w1", qop="auth"']] });
    await settle();
    const third = s.peer.last('INVITE');
    expect(credentials(third, 'proxy-authorization')).toMatchObject({ realm: 'proxy', nonce: 'p1', nc: '00000002' });
    expect(credentials(third, 'authorization')).toMatchObject({ realm: 'pbx', nonce: 'w1', nc: '00000001' });
    expect(third.headers('proxy-authorization')).toHaveLength(1);
    expect(third.headers('authorization')).toHaveLength(1);
  });

  it('sends no credentials to a 3xx target and does not answer its challenge', async () => {
    const s = scenario();
    let asked = 0;
    const { log } = s.call({
      authenticate: () => {
        asked++;
        return { ok: true, header: 'Proxy-Authorization', value: 'Digest username="door", realm="proxy", response="abc"' };
      },
    });
    await settle();
    await s.peer.respond(s.peer.last('INVITE'), 407, { toTag: 'p', headers: [['Proxy-Authenticate', 'Digest realm="proxy", nonce="p1"']] });
    await settle();
    const authorized = s.peer.last('INVITE');
    expect(authorized.header('proxy-authorization')).toBeDefined();
    await s.peer.respond(authorized, 302, { toTag: 'r', headers: [['Contact', '<sip:elsewhere@198.51.100.7:5070>']] });
    await settle();
    const redirected = s.peer.last('INVITE');
    expect(redirected.requestUri).toBe('sip:elsewhere@198.51.100.7:5070');
    expect(redirected.headers('proxy-authorization')).toEqual([]);
    expect(redirected.headers('authorization')).toEqual([]);
    await s.peer.respond(redirected, 401, { toTag: 'e', headers: [['WWW-Authenticate', 'Digest realm="proxy", nonce="e1"']] });
    await settle();
    expect(s.peer.requests('INVITE')).toHaveLength(3);
    expect(asked).toBe(1);
    expect(log).toEqual(['ended rejected 401']);
  });

  it('sends no credentials to a 3xx target reached through the outbound proxy either', async () => {
    const s = scenario();
    let asked = 0;
    const { log } = s.call({
      route: [PEER_PROXY],
      authenticate: () => {
        asked++;
        return { ok: true, header: 'Proxy-Authorization', value: 'Digest username="door", realm="proxy", response="abc"' };
      },
    });
    await settle();
    await s.peer.respond(s.peer.last('INVITE'), 302, { toTag: 'r', headers: [['Contact', '<sip:elsewhere@203.0.113.9>']] });
    await settle();
    const redirected = s.peer.last('INVITE');
    expect(redirected.requestUri).toBe('sip:elsewhere@203.0.113.9');
    expect(redirected.headers('route')).toEqual([PEER_PROXY]);
    await s.peer.respond(redirected, 407, { toTag: 'e', headers: [['Proxy-Authenticate', 'Digest realm="proxy", nonce="e1"']] });
    await settle();
    expect(s.peer.requests('INVITE')).toHaveLength(2);
    expect(asked).toBe(0);
    expect(log).toEqual(['ended rejected 407']);
  });

  /** A call through the outbound proxy whose first INVITE the proxy challenged, redirected by a 302. */
  async function redirectedThroughProxy(s: Scenario): Promise<{ log: string[]; asked: number[]; redirected: SipMessage }> {
    const digest = digestClient();
    const asked: number[] = [];
    const { log } = s.call({
      route: [PEER_PROXY],
      authenticate: (response, request) => {
        asked.push(response.status);
        return digest.answer(response, request);
      },
    });
    await settle();
    await s.peer.respond(s.peer.last('INVITE'), 407, { toTag: 'p', headers: [['Proxy-Authenticate', 'Digest realm="proxy", nonce="p1", qop="auth"']] });
    await settle();
    const authorized = s.peer.last('INVITE');
    expect(credentials(authorized, 'proxy-authorization')).toMatchObject({ realm: 'proxy', nonce: 'p1' });
    await s.peer.respond(authorized, 302, { toTag: 'r', headers: [['Contact', '<sip:elsewhere@203.0.113.9>']] });
    await settle();
    const redirected = s.peer.last('INVITE');
    expect(redirected.requestUri).toBe('sip:elsewhere@203.0.113.9');
    expect(redirected.headers('proxy-authorization')).toEqual([]);
    expect(redirected.headers('authorization')).toEqual([]);
    return { log, asked, redirected };
  }

  it('after a redirect through the outbound proxy, answers no 407 even in the proxy\'s realm (a realm is easy to copy)', async () => {
    const s = scenario();
    const { log, asked, redirected } = await redirectedThroughProxy(s);
    await s.peer.respond(redirected, 407, { toTag: 'p2', headers: [['Proxy-Authenticate', 'Digest realm="proxy", nonce="p2", qop="auth"']] });
    await settle();
    expect(s.peer.requests('INVITE')).toHaveLength(3);
    expect(asked).toEqual([407]);
    expect(log).toEqual(['ended rejected 407']);
  });

  it('after a redirect through the outbound proxy, answers no 407 in a realm the proxy did not challenge with', async () => {
    const s = scenario();
    const { log, asked, redirected } = await redirectedThroughProxy(s);
    await s.peer.respond(redirected, 407, { toTag: 'x', headers: [['Proxy-Authenticate', 'Digest realm="elsewhere", nonce="x1"']] });
    await settle();
    expect(s.peer.requests('INVITE')).toHaveLength(3);
    expect(asked).toEqual([407]);
    expect(log).toEqual(['ended rejected 407']);
  });

  it('ends timeout when nothing answers the INVITE (Timer B)', async () => {
    const s = scenario();
    const { log } = await invited(s);
    await s.advance(64 * T1, 1000);
    expect(log).toEqual(['ended timeout']);
    expect(s.layer.size).toBe(0);
  });

  it('sends ACK then BYE when the answer in the 2xx is rejected', async () => {
    const s = scenario();
    const placed = s.call();
    placed.sdh.failSetAnswer = true;
    await settle();
    const invite = s.peer.last('INVITE');
    await s.peer.respond(invite, 200, { toTag: 'p', headers: [['Contact', PHONE_CONTACT]], body: 'garbage' });
    expect(s.peer.requests('ACK')).toHaveLength(1);
    await s.peer.respond(s.peer.last('BYE'), 200);
    expect(placed.log).toEqual(['ended failed']);
  });
});

describe('hanging up before the final response (§9.1)', () => {
  it('sends CANCEL after the 180 with the INVITE branch and CSeq number; the 487 ends it cancelled', async () => {
    const s = scenario();
    const { invite, call, log } = await invited(s);
    await s.peer.respond(invite, 180, { toTag: 'p1' });
    call.hangup();
    await settle();
    const cancel = s.peer.last('CANCEL');
    expect(cancel.topVia.branch).toBe(invite.topVia.branch);
    expect(cancel.cseq).toEqual({ seq: invite.cseq.seq, method: 'CANCEL' });
    expect(cancel.requestUri).toBe(invite.requestUri);
    expect(cancel.header('to')).toBe(invite.header('to'));
    expect(cancel.header('from')).toBe(invite.header('from'));
    expect(cancel.header('reason')).toBeUndefined();
    await s.peer.respond(cancel, 200);
    await s.peer.respond(invite, 487, { toTag: 'p1', reason: 'Request Terminated' });
    expect(log).toEqual(['ringing 180 early', 'ended cancelled 487']);
    expect(s.layer.size).toBe(0);
    expect(s.layer.dialogCount).toBe(0);
  });

  it('puts the reason it is given in the CANCEL (RFC 3326): "Call completed elsewhere"', async () => {
    const s = scenario();
    const { invite, call } = await invited(s);
    await s.peer.respond(invite, 180, { toTag: 'p1' });
    call.hangup({ reason: COMPLETED_ELSEWHERE });
    await settle();
    const cancel = s.peer.last('CANCEL');
    expect(cancel.headers('reason')).toEqual(['SIP;cause=200;text="Call completed elsewhere"']);
    expect(text(cancel.bytes)).toContain('\r\nReason: SIP;cause=200;text="Call completed elsewhere"\r\n');
  });

  it('keeps the reason for a CANCEL that waits for the first provisional response', async () => {
    const s = scenario();
    const { invite, call } = await invited(s);
    call.hangup({ reason: COMPLETED_ELSEWHERE });
    await settle();
    await s.peer.respond(invite, 100);
    expect(s.peer.last('CANCEL').header('reason')).toBe('SIP;cause=200;text="Call completed elsewhere"');
  });

  it('drops a reason that would not fit on one header line', async () => {
    const s = scenario();
    const { invite, call } = await invited(s);
    await s.peer.respond(invite, 180, { toTag: 'p1' });
    call.hangup({ reason: 'SIP;cause=200\r\nX-Injected: yes' });
    await settle();
    const cancel = s.peer.last('CANCEL');
    expect(cancel.header('reason')).toBeUndefined();
    expect(cancel.header('x-injected')).toBeUndefined();
  });

  it('sends no CANCEL when one fork of a proxy-forked INVITE answers: the proxy cancels the others (§16.7)', async () => {
    const s = scenario();
    const { invite, log } = await invited(s);
    await s.peer.respond(invite, 180, { toTag: 'fork-a' });
    await s.peer.respond(invite, 180, { toTag: 'fork-b' });
    expect(s.layer.dialogCount).toBe(2);
    await s.peer.respond(invite, 200, { toTag: 'fork-a', headers: [['Contact', PHONE_CONTACT]], body: sdp(PEER.host) });
    expect(log).toEqual(['ringing 180 early', 'ringing 180 early', 'established']);
    expect(s.peer.requests('CANCEL')).toEqual([]);
    expect(s.layer.dialogCount).toBe(1); // fork-b's early dialog is forgotten; its 487 comes from the proxy
  });

  it('waits for a provisional response before sending the CANCEL', async () => {
    const s = scenario();
    const { invite, call } = await invited(s);
    call.hangup();
    await settle();
    expect(s.peer.requests('CANCEL')).toHaveLength(0);
    await s.peer.respond(invite, 100);
    expect(s.peer.requests('CANCEL')).toHaveLength(1);
  });

  it('ACKs and BYEs a 200 that crossed the CANCEL', async () => {
    const s = scenario();
    const { invite, call, log, sdh } = await invited(s);
    await s.peer.respond(invite, 180, { toTag: 'p1' });
    call.hangup();
    await settle();
    await s.peer.respond(s.peer.last('CANCEL'), 200);
    await s.peer.respond(invite, 200, { toTag: 'p1', headers: [['Contact', PHONE_CONTACT]], body: sdp(PEER.host) });
    expect(s.peer.last('ACK').to.tag).toBe('p1');
    const bye = s.peer.last('BYE');
    expect(bye.to.tag).toBe('p1');
    expect(sdh.answersReceived).toEqual([]);
    await s.peer.respond(bye, 200);
    expect(log).toEqual(['ringing 180 early', 'ended cancelled']);
    expect(s.layer.size).toBe(0);
  });

  it('ends timeout 64·T1 after the CANCEL when no final response comes', async () => {
    const s = scenario();
    const { invite, call, log } = await invited(s);
    await s.peer.respond(invite, 180, { toTag: 'p1' });
    call.hangup();
    await s.advance(64 * T1 - 1000, 1000);
    expect(log).toEqual(['ringing 180 early']);
    await s.advance(1000);
    expect(log).toEqual(['ringing 180 early', 'ended timeout']);
    expect(s.layer.size).toBe(0);
    // A 200 that still comes is ACKed and BYEd.
    await s.peer.respond(invite, 200, { toTag: 'p1', headers: [['Contact', PHONE_CONTACT]], body: sdp(PEER.host) });
    expect(s.peer.requests('ACK')).toHaveLength(1);
    expect(s.peer.requests('BYE')).toHaveLength(1);
  });

  it('ends at once when hung up before the INVITE went out', async () => {
    const s = scenario();
    const { call, log } = s.call();
    call.hangup();
    await settle();
    expect(log).toEqual(['ended cancelled']);
    expect(s.peer.received).toEqual([]);
    expect(s.layer.size).toBe(0);
  });
});
