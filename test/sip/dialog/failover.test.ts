// INVITE failover over the loop network (RFC 3263 §4.3): a target that stays silent until Timer B, cannot be reached
// or answers 503 is marked failed and the next one gets the INVITE in a new transaction (new branch, next CSeq).
import { describe, expect, it, vi } from 'vitest';
import { createNodeHasher } from '../../../firmware-app/platform/hash.ts';
import { DigestClient } from '../../../firmware-app/sip/auth/index.ts';
import { parseCredentials } from '../../../firmware-app/sip/message/index.ts';
import type { Target, TransportProtocol } from '../../../firmware-app/sip/transport/types.ts';
import { PEER, T1, scenario, sdp, settle } from './harness.ts';

/** A server of the list that nobody answers at (UDP: the INVITE is lost; TCP: the connection is refused). */
const SILENT = { host: '198.51.100.9', port: 5060 };
/** The first server of the list when it is a scripted peer too. */
const FIRST = { host: '198.51.100.8', port: 5060 };
const PHONE_CONTACT = '<sip:flat-phone@198.51.100.7:5070>';

function target(address: { host: string; port: number }, protocol: TransportProtocol = 'udp'): Target {
  return { protocol, host: address.host, port: address.port };
}

describe('INVITE failover (RFC 3263 §4.3)', () => {
  it('moves to the next target when the first is silent until Timer B: new transaction, next CSeq, same call', async () => {
    const s = scenario();
    const markFailed = vi.spyOn(s.ctx.resolver, 'markFailed');
    const { log } = s.call({ target: [target(SILENT), target(PEER)] });
    await settle();
    const lost = s.network.sent.filter((p) => p.to.host === SILENT.host);
    expect(lost).toHaveLength(1);
    await s.advance(64 * T1 - 1000, 1000);
    expect(s.peer.requests('INVITE')).toHaveLength(0);
    expect(s.network.sent.filter((p) => p.to.host === SILENT.host).length).toBeGreaterThan(1); // Timer A meanwhile
    await s.advance(1000);
    const invite = s.peer.last('INVITE');
    const first = new TextDecoder().decode(lost[0]!.bytes);
    expect(first).toContain(`CSeq: ${invite.cseq.seq - 1} INVITE`);
    expect(first).toContain(`Call-ID: ${invite.callId}`);
    expect(first).not.toContain(`branch=${invite.topVia.branch}`);
    expect(first).toContain(`;tag=${invite.from.tag}`);
    expect(markFailed.mock.calls).toEqual([[target(SILENT)]]);
    expect(s.logger.lines.some((l) => l.includes('callTargetFailed') && l.includes('timeout'))).toBe(true);

    await s.peer.respond(invite, 200, { toTag: 'p1', headers: [['Contact', PHONE_CONTACT]], body: sdp(PEER.host) });
    expect(log).toEqual(['established']);
    expect(s.peer.last('ACK').cseq.seq).toBe(invite.cseq.seq);
    const toSilent = s.network.sent.filter((p) => p.to.host === SILENT.host).length;
    await s.advance(64 * T1, 1000);
    expect(s.network.sent.filter((p) => p.to.host === SILENT.host)).toHaveLength(toSilent); // given up for good
    expect(log).toEqual(['established']);
  });

  it('moves on at once when the first answers 503; the 503 is ACKed there and never reported', async () => {
    const s = scenario();
    const first = s.peerAt(FIRST);
    const markFailed = vi.spyOn(s.ctx.resolver, 'markFailed');
    const { log } = s.call({ target: [target(FIRST), target(PEER)] });
    await settle();
    const refused = first.last('INVITE');
    await first.respond(refused, 503, { toTag: 'busy', reason: 'Service Unavailable' });
    expect(first.last('ACK').topVia.branch).toBe(refused.topVia.branch);
    const invite = s.peer.last('INVITE');
    expect(invite.topVia.branch).not.toBe(refused.topVia.branch);
    expect(invite.cseq.seq).toBe(refused.cseq.seq + 1);
    expect(markFailed.mock.calls).toEqual([[target(FIRST)]]);
    await s.peer.respond(invite, 180, { toTag: 'p1' });
    await s.peer.respond(invite, 200, { toTag: 'p1', headers: [['Contact', PHONE_CONTACT]], body: sdp(PEER.host) });
    expect(log).toEqual(['ringing 180 early', 'established']);
  });

  it('moves on at once when the first cannot be reached (TCP: connection refused)', async () => {
    const s = scenario('tcp');
    const { log } = s.call({ target: [target(SILENT, 'tcp'), target(PEER, 'tcp')] });
    await settle();
    const invite = s.peer.last('INVITE');
    await s.peer.respond(invite, 200, { toTag: 'p1', headers: [['Contact', '<sip:flat-phone@198.51.100.7:5070;transport=tcp>']], body: sdp(PEER.host) });
    expect(log).toEqual(['established']);
  });

  it('moves on at once from a target it has no transport for (a TCP target on a UDP-only device)', async () => {
    const s = scenario();
    const { log } = s.call({ target: [target(FIRST, 'tcp'), target(PEER)] });
    await settle();
    expect(s.network.sent.filter((p) => p.to.host === FIRST.host)).toEqual([]);
    await s.peer.respond(s.peer.last('INVITE'), 200, { toTag: 'p1', headers: [['Contact', PHONE_CONTACT]], body: sdp(PEER.host) });
    expect(log).toEqual(['established']);
    expect(s.logger.lines.some((l) => l.includes('callTargetFailed') && l.includes('transportError'))).toBe(true);
  });

  it('ends transportError when its only target has no transport', async () => {
    const s = scenario();
    const { log } = s.call({ target: target(FIRST, 'tcp') });
    await settle();
    expect(log).toEqual(['ended transportError']);
    expect(s.layer.size).toBe(0);
  });

  it('reports the last target\'s outcome when every target failed', async () => {
    const s = scenario();
    const first = s.peerAt(FIRST);
    const { log } = s.call({ target: [target(FIRST), target(PEER)] });
    await settle();
    await first.respond(first.last('INVITE'), 503, { toTag: 'a' });
    await s.peer.respond(s.peer.last('INVITE'), 503, { toTag: 'b' });
    expect(log).toEqual(['ended rejected 503']);
    expect(s.layer.size).toBe(0);
  });

  it('does not ring elsewhere once a target rang: a 503 after the 180 ends the call, and the target stays good', async () => {
    const s = scenario();
    const first = s.peerAt(FIRST);
    const markFailed = vi.spyOn(s.ctx.resolver, 'markFailed');
    const { log } = s.call({ target: [target(FIRST), target(PEER)] });
    await settle();
    const invite = first.last('INVITE');
    await first.respond(invite, 180, { toTag: 'a' });
    await first.respond(invite, 503, { toTag: 'a' });
    expect(s.peer.requests('INVITE')).toHaveLength(0);
    expect(log).toEqual(['ringing 180 early', 'ended rejected 503']);
    expect(markFailed).not.toHaveBeenCalled(); // the callee was unavailable, not the PBX: the next call goes there again
    expect(s.logger.lines.filter((l) => l.includes('callTargetFailed'))).toEqual([]);
  });

  it('tries no further target after a hangup', async () => {
    const s = scenario();
    const { call, log } = s.call({ target: [target(SILENT), target(PEER)] });
    await settle();
    call.hangup();
    await s.advance(64 * T1 + 1000, 1000);
    expect(s.peer.received).toEqual([]);
    expect(log).toEqual(['ended timeout']);
  });

  it('a hangup while the next target\'s address is looked up ends the call cancelled and sends it nothing', async () => {
    const s = scenario();
    const first = s.peerAt(FIRST);
    const { call, log } = s.call({ target: [target(FIRST), target(PEER)] });
    await settle();
    const localAddress = s.ctx.transport.localAddress.bind(s.ctx.transport);
    vi.spyOn(s.ctx.transport, 'localAddress').mockImplementation((to, flowId) => {
      if (to.host === PEER.host) call.hangup(); // the INVITE to the second target is being prepared
      return localAddress(to, flowId);
    });
    const refused = first.last('INVITE');
    await first.respond(refused, 100);
    await first.respond(refused, 503, { toTag: 'a' });
    expect(first.requests('CANCEL')).toEqual([]); // it answered: nothing left to cancel there
    expect(log).toEqual(['ended cancelled']);
    expect(s.layer.size).toBe(0);
    await s.advance(64 * T1 + 1000, 1000);
    expect(s.peer.received).toEqual([]);
    expect(log).toEqual(['ended cancelled']);
  });

  it('sends the retry after a challenge to the target that answered, not back to the first', async () => {
    const s = scenario();
    const first = s.peerAt(FIRST);
    const { log } = s.call({
      target: [target(FIRST), target(PEER)],
      authenticate: () => ({ ok: true, header: 'Authorization', value: 'Digest username="door", response="abc"' }),
    });
    await settle();
    await first.respond(first.last('INVITE'), 503, { toTag: 'a' });
    await s.peer.respond(s.peer.last('INVITE'), 401, { toTag: 'b', headers: [['WWW-Authenticate', 'Digest realm="pbx", nonce="n1"']] });
    await settle();
    expect(first.requests('INVITE')).toHaveLength(1);
    const retried = s.peer.last('INVITE');
    expect(s.peer.requests('INVITE')).toHaveLength(2);
    expect(retried.header('authorization')).toBe('Digest username="door", response="abc"');
    await s.peer.respond(retried, 200, { toTag: 'b2', headers: [['Contact', PHONE_CONTACT]], body: sdp(PEER.host) });
    expect(log).toEqual(['established']);
  });

  it('answers the challenge anew for the next target: its credentials carry the next nc, not a replay', async () => {
    const s = scenario();
    const second = s.peerAt(FIRST);
    const digest = new DigestClient({ hasher: createNodeHasher(), credentials: { username: 'door', password: 'secret' }, cnonce: () => 'cn' });
    s.call({ target: [target(PEER), target(FIRST)], authenticate: (response, request) => digest.answer(response, request) });
    await settle();
    await s.peer.respond(s.peer.last('INVITE'), 407, { toTag: 'a', headers: [['Proxy-Authenticate', 'Digest realm="pbx", nonce="n1", qop="auth"']] });
    await settle();
    const authorized = s.peer.last('INVITE');
    expect(parseCredentials(authorized.header('proxy-authorization')!).nc).toBe('00000001');
    await s.peer.respond(authorized, 503, { toTag: 'b' });
    const failedOver = second.last('INVITE');
    expect(failedOver.cseq.seq).toBe(authorized.cseq.seq + 1);
    expect(parseCredentials(failedOver.header('proxy-authorization')!)).toMatchObject({ nonce: 'n1', nc: '00000002' });
  });

  it('takes the order from the resolver (SRV priority), and the failed target comes last in later lookups', async () => {
    const s = scenario();
    s.dns
      .addSrv('_sip._udp.pbx.example.com', { priority: 10, weight: 0, port: SILENT.port, target: 'main.pbx.example.com' })
      .addSrv('_sip._udp.pbx.example.com', { priority: 20, weight: 0, port: PEER.port, target: 'backup.pbx.example.com' })
      .addA('main.pbx.example.com', SILENT.host)
      .addA('backup.pbx.example.com', PEER.host);
    const targets = await s.ctx.resolver.resolve('sip:pbx.example.com');
    expect(targets.map((t) => t.host)).toEqual([SILENT.host, PEER.host]);
    const { log } = s.call({ uri: 'sip:flat@pbx.example.com', to: { uri: 'sip:flat@pbx.example.com' }, target: targets });
    await settle();
    await s.advance(64 * T1, 1000);
    const invite = s.peer.last('INVITE');
    expect(invite.requestUri).toBe('sip:flat@pbx.example.com');
    await s.peer.respond(invite, 200, { toTag: 'p1', headers: [['Contact', PHONE_CONTACT]], body: sdp(PEER.host) });
    expect(log).toEqual(['established']);
    expect((await s.ctx.resolver.resolve('sip:pbx.example.com')).map((t) => t.host)).toEqual([PEER.host, SILENT.host]);
  });
});
